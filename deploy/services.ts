// What each deployed service may touch: its topics, its tables, its ids on the cluster. The IAM policies, the
// container settings and the scaling rules are all derived from this one list, so a grant is reviewed here.

import type { RiskConfig } from '../apps/config.ts';
import { consoleTopics } from '../apps/console/kafka-backend.ts';
import type { TableId } from '../apps/dynamodb/tables.ts';
import { liveGeneratorTopics } from '../apps/generator/live.ts';
import { appNamed } from '../apps/registry.ts';
import { Topics, type TopicName } from '../apps/schemas/topics.ts';
import { resolveTopicName } from '../runtime/kafka/internal-topics.ts';

export const serviceNames = ['killswitch-aggregator', 'order-router', 'risk-signals', 'margin', 'enforcement', 'generator', 'console'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const ServiceKind = {
  /** A topology on the streams runtime: consumer group, internal topics, transactions, dead letters. */
  STREAMS: 'streams',
  /** Only produces (the order generator): no group, no state. */
  PRODUCER: 'producer',
  /**
   * The operator console: an HTTP server behind the load balancer that follows topics by offset, outside any
   * consumer group, and writes commands.
   */
  CONSOLE: 'console',
} as const;
export type ServiceKind = (typeof ServiceKind)[keyof typeof ServiceKind];

export interface ServiceSpec {
  readonly name: ServiceName;
  readonly kind: ServiceKind;
  /**
   * The prefix of everything the service names on the cluster: its consumer group (exactly this), the groups of
   * its restore and global-table consumers, its internal topics and its transactional ids (this plus `-…`).
   */
  readonly applicationId: string;
  readonly reads: readonly TopicName[];
  /** Another app's internal topics it reads (the console: the enforcement store's changelog). */
  readonly readsInternal: readonly string[];
  readonly writes: readonly TopicName[];
  readonly tables: { readonly write: readonly TableId[]; readonly read: readonly TableId[] };
  /** The container's command after the image's `node bin/risk-streams.ts run`. */
  readonly command: readonly string[];
}

const streams = (
  name: ServiceName,
  reads: readonly TopicName[],
  writes: readonly TopicName[],
  tables: ServiceSpec['tables'] = { write: [], read: [] },
): ServiceSpec => ({
  name,
  kind: ServiceKind.STREAMS,
  applicationId: name,
  reads,
  readsInternal: [],
  // Every topology dead-letters records that break a topic rule (apps/streams-config.ts).
  writes: [...writes, Topics.DEAD_LETTER],
  tables,
  command: [name],
});

const ENFORCEMENT_ID = 'enforcement';

export const services: Readonly<Record<ServiceName, ServiceSpec>> = {
  'killswitch-aggregator': streams('killswitch-aggregator', [Topics.KILLSWITCH_COMMANDS], [Topics.KILLSWITCH_STATE], {
    write: ['stateCache'],
    read: [],
  }),
  // Fail-closed: it reads the whole state topic as a global table before routing an order.
  'order-router': streams('order-router', [Topics.ORDERS, Topics.KILLSWITCH_STATE], [Topics.ORDERS_GATED, Topics.AUDIT], {
    write: ['auditIndex'],
    read: [],
  }),
  'risk-signals': streams('risk-signals', [Topics.ORDERS], [Topics.RISK_SIGNALS, Topics.KILLSWITCH_COMMANDS]),
  margin: streams('margin', [Topics.FILLS, Topics.PRICES, Topics.BETAS, Topics.CASH], [Topics.MARGIN_CALC, Topics.STRESS], {
    write: ['accountState'],
    read: [],
  }),
  // Fills give the positions a liquidation lists; the margin-call annotation updates the margin item in place.
  enforcement: streams(
    ENFORCEMENT_ID,
    [Topics.MARGIN_CALC, Topics.STRESS, Topics.FILLS],
    [Topics.MARGIN_CALLS, Topics.RESTRICTIONS, Topics.LIQUIDATIONS, Topics.AUDIT],
    { write: ['accountState'], read: [] },
  ),
  // Stands in for the clients, the venue, market data, reference data and treasury of a demo; it never sends
  // kill-switch commands, which only operators and risk signals may.
  generator: {
    name: 'generator',
    kind: ServiceKind.PRODUCER,
    applicationId: 'generator',
    reads: [],
    readsInternal: [],
    writes: [...liveGeneratorTopics],
    tables: { write: [], read: [] },
    command: ['generator'],
  },
  // Exactly what apps/console/kafka-backend.ts follows and writes.
  console: {
    name: 'console',
    kind: ServiceKind.CONSOLE,
    applicationId: 'console',
    reads: [...consoleTopics.follows],
    readsInternal: [consoleTopics.enforcementChangelog(ENFORCEMENT_ID)],
    writes: [...consoleTopics.writes],
    // It serves what it follows on the topics; apps/console reads no table.
    tables: { write: [], read: [] },
    command: ['console'],
  },
};

/** The services that consume partitions: their lag drives scaling and their partitions cap their task count. */
export function consumesPartitions(spec: ServiceSpec): boolean {
  return spec.kind === ServiceKind.STREAMS;
}

/** Only the streams apps join consumer groups; the console and the generator use none. */
export function usesGroups(spec: ServiceSpec): boolean {
  return spec.kind === ServiceKind.STREAMS;
}

/**
 * The topics a streams app's consumer group (its application id) subscribes to and commits offsets on, named as
 * the runtime names them: its tasks' source topics, the repartition topics it writes and reads back included
 * (`<application id>-…`), its global tables not (they are read by offset, outside the group). Taken from the
 * topology itself, like the runtime's own topic plan.
 */
export function consumerGroupTopics(spec: ServiceSpec, risk: RiskConfig): string[] {
  if (!usesGroups(spec)) return [];
  const topology = appNamed(spec.name).build(risk, {});
  const sources = topology.subtopologies().flatMap((sub) => sub.sourceTopics.map((t) => resolveTopicName(topology, spec.applicationId, t)));
  return [...new Set(sources)];
}
