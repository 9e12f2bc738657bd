// Fixtures of the console tests: a pipeline of the real apps on an in-memory cluster, and ways to put
// records on its topics the way a producer would (Java-compatible partitioning by key).

import { riskConfig } from '../../../apps/config.ts';
import { createPipeline, type Pipeline } from '../../../apps/pipeline.ts';
import { type AppDefinition, apps as allApps } from '../../../apps/registry.ts';
import type { KillCommand, MarginCalc, Order } from '../../../apps/schemas/records.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { RecordPartitioner } from '../../../runtime/record-partitioner.ts';

export const T0 = 1_760_000_000_000;

/** The real apps, except margin: these tests write margin.calc.v1 records themselves. */
export function consolePipeline(options: { partitions?: number; apps?: readonly AppDefinition[] } = {}): Pipeline {
  const chosen = options.apps ?? allApps.filter((a) => a.name !== 'margin');
  return createPipeline(new Map(), { config: riskConfig(), partitions: options.partitions ?? 3, apps: chosen });
}

const partitioner = new RecordPartitioner();

export function pipe(pipeline: Pipeline, topic: string, key: string, value: unknown, timestamp: number): void {
  const cluster = pipeline.cluster;
  const keyBytes = Buffer.from(key, 'utf8');
  cluster.append({
    topic,
    partition: partitioner.partition(topic, keyBytes, cluster.partitionsFor(topic)),
    key: keyBytes,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(JSON.stringify(value), 'utf8'),
    timestamp,
    headers: {},
  });
}

export function order(over: Partial<Order> = {}): Order {
  return { order_id: 'o-1', ts: T0, account_id: '42', symbol: 'NVDA', side: 'BUY', qty: 10, price: 100, ...over };
}

export function pipeOrder(pipeline: Pipeline, o: Order): void {
  pipe(pipeline, Topics.ORDERS, o.account_id, o, o.ts);
}

export function command(over: Partial<KillCommand> = {}): KillCommand {
  return {
    cmd_id: 'cmd-1',
    ts: T0,
    scope: 'ACCOUNT:42',
    action: 'KILL',
    reason: 'suspicious flow',
    triggered_by: 'operator',
    operator: 'alice',
    corr_id: 'corr-1',
    ...over,
  };
}

/** A margin record with the contract's arithmetic for a long-only book (maintenance 25 %). */
export function margin(account_id: string, cash: number, long_mv: number, ts = T0): MarginCalc {
  const equity = cash + long_mv;
  const maintenance_req = 0.25 * long_mv;
  const excess = equity - maintenance_req;
  const status = excess < 0 ? 'MARGIN_CALL' : excess < 10_000 ? 'WARNING' : 'ACTIVE';
  return { account_id, ts, cash, market_value: long_mv, long_mv, short_mv: 0, beta_weighted_exposure: long_mv, equity, maintenance_req, excess, status };
}

export function pipeMargin(pipeline: Pipeline, m: MarginCalc): void {
  pipe(pipeline, Topics.MARGIN_CALC, m.account_id, m, m.ts);
}

/** Records in every partition of a topic. */
export function count(pipeline: Pipeline, topic: string): number {
  let n = 0;
  for (let p = 0; p < pipeline.cluster.partitionsFor(topic); p++) n += Number(pipeline.cluster.endOffset(topic, p));
  return n;
}
