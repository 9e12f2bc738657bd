// What the operator console reads and writes, as a port: kill-switch states, accounts' margin and enforcement,
// recent drops, and kill/unkill commands. EmbeddedConsoleBackend answers it from a Pipeline in this process
// (interactive queries on the apps' stores, tails of their output topics); KafkaConsoleBackend (kafka-backend.ts)
// from the topics on a broker. The helpers below are shared by both.

import { InvalidRecordError } from '../../common/errors.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import type { AccountState } from '../enforcement/ladder.ts';
import { ENFORCEMENT_STORE } from '../enforcement/topology.ts';
import { KILLSWITCH_STATE_STORE } from '../killswitch-aggregator/topology.ts';
import type { Pipeline } from '../pipeline.ts';
import { KillCommand, type KillState, MarginCalc, MarginStatus, RouterAudit } from '../schemas/records.ts';
import { KeySerde, serdes } from '../schemas/serdes.ts';
import { Topics } from '../schemas/topics.ts';
import { RingBuffer } from './ring-buffer.ts';
import { TopicTail } from './topic-tail.ts';

type Awaitable<T> = T | Promise<T>;

export const MARGIN_STATUSES: readonly MarginStatus[] = MarginStatus.options;

export interface Position {
  readonly symbol: string;
  readonly qty: number;
}

/** The enforcement ladder's view of an account (CONTRACT §4). */
export interface EnforcementView {
  readonly status: MarginStatus;
  readonly restricted: boolean;
  readonly excess: number | null;
  readonly open_call: { readonly call_id: string; readonly ts: number; readonly deficiency: number } | null;
  /** Severe stress scenarios the account is underwater in. */
  readonly underwater_scenarios: readonly number[];
}

export interface AccountView {
  readonly account_id: string;
  /** The latest margin.calc.v1 record, or null before the margin app computed one. */
  readonly margin: MarginCalc | null;
  readonly positions: readonly Position[];
  readonly enforcement: EnforcementView | null;
}

export interface AccountSummary {
  readonly account_id: string;
  readonly status: MarginStatus;
  readonly excess: number | null;
  readonly equity: number | null;
}

export type AccountsByStatus = Record<MarginStatus, AccountSummary[]>;

export type DroppedOrder = RouterAudit & { readonly decision: 'DROP' };

export interface ConsoleBackend {
  /** Every scope the aggregator has a state for: GLOBAL first, then accounts, then symbols. */
  killSwitchStates(): Awaitable<KillState[]>;
  /** null when neither the margin app nor enforcement has heard of the account. */
  account(accountId: string): Awaitable<AccountView | null>;
  accountsByStatus(): Awaitable<AccountsByStatus>;
  /** The router's latest DROP decisions, newest first. */
  recentDrops(limit: number): Awaitable<DroppedOrder[]>;
  /** Writes the command to killswitch.commands.v1, keyed by its scope; the aggregator applies it. */
  submitCommand(command: KillCommand): Awaitable<void>;
}

export interface EmbeddedConsoleBackendOptions {
  /** How many recent drops are kept in memory (the most `recentDrops` can return). Default 1000. */
  readonly dropsCapacity?: number;
}

const SCOPE_ORDER = (scope: string): number => (scope === 'GLOBAL' ? 0 : scope.startsWith('ACCOUNT:') ? 1 : 2);

export class EmbeddedConsoleBackend implements ConsoleBackend {
  readonly dropsCapacity: number;
  readonly #pipeline: Pipeline;
  readonly #partitioner = new RecordPartitioner();
  // Tailed when asked rather than on every cluster append: a listener would run inside the apps' hot path
  // for records of every topic, while the console asks about once a second.
  readonly #auditTail: TopicTail;
  readonly #drops: RingBuffer<DroppedOrder>;
  // Until the margin app keeps a queryable store, the latest record per account comes from its topic.
  readonly #marginTail: TopicTail;
  readonly #margins = new Map<string, MarginCalc>();

  constructor(pipeline: Pipeline, options: EmbeddedConsoleBackendOptions = {}) {
    this.#pipeline = pipeline;
    this.dropsCapacity = options.dropsCapacity ?? 1000;
    this.#drops = new RingBuffer(this.dropsCapacity);
    this.#auditTail = new TopicTail(pipeline.cluster, Topics.AUDIT);
    this.#marginTail = new TopicTail(pipeline.cluster, Topics.MARGIN_CALC);
  }

  killSwitchStates(): KillState[] {
    const app = this.#pipeline.apps.get('killswitch-aggregator');
    if (app === undefined) return [];
    return sortKillStates(
      app
        .store<string, KillState>(KILLSWITCH_STATE_STORE)
        .all()
        .map((kv) => kv.value),
    );
  }

  account(accountId: string): AccountView | null {
    this.#catchUpMargins();
    return accountView(accountId, this.#margins.get(accountId), this.#enforcementStore()?.get(accountId));
  }

  accountsByStatus(): AccountsByStatus {
    this.#catchUpMargins();
    const enforced = new Map<string, AccountState>();
    for (const { key, value } of this.#enforcementStore()?.all() ?? []) enforced.set(key, value);
    return groupAccountsByStatus(this.#margins, enforced);
  }

  recentDrops(limit: number): DroppedOrder[] {
    // audit.v1 is keyed by order id, so drops spread over partitions: order what this poll found by event time
    // (a stable sort keeps each partition's order on ties) before it joins the buffer.
    const found: DroppedOrder[] = [];
    this.#auditTail.poll((record) => {
      const drop = decodeDrop(record.value);
      if (drop !== null) found.push(drop);
    });
    found.sort((a, b) => a.ts - b.ts);
    for (const drop of found) this.#drops.push(drop);
    return this.#drops.newest(limit);
  }

  submitCommand(command: KillCommand): void {
    const cluster = this.#pipeline.cluster;
    const record = commandRecord(command);
    cluster.append({ ...record, partition: this.#partitioner.partition(record.topic, record.key, cluster.partitionsFor(record.topic)) });
  }

  #enforcementStore() {
    return this.#pipeline.apps.get('enforcement')?.store<string, AccountState>(ENFORCEMENT_STORE);
  }

  #catchUpMargins(): void {
    this.#marginTail.poll((record) => {
      if (record.key === null) return;
      const account = record.key.toString('utf8');
      if (record.value === null) {
        this.#margins.delete(account);
        return;
      }
      const margin = decodeMarginCalc(record.value);
      if (margin !== null) this.#margins.set(account, margin);
    });
  }
}

/** GLOBAL first, then accounts, then symbols, each by name. */
export function sortKillStates(states: KillState[]): KillState[] {
  return states.sort((a, b) => SCOPE_ORDER(a.scope) - SCOPE_ORDER(b.scope) || (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
}

/** An account as the console shows it, from its latest margin record and the ladder's state (either may be missing). */
export function accountView(accountId: string, margin: MarginCalc | undefined, state: AccountState | undefined): AccountView | null {
  if (margin === undefined && state === undefined) return null;
  const positions = Object.entries(state?.positions ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([symbol, qty]) => ({ symbol, qty }));
  return { account_id: accountId, margin: margin ?? null, positions, enforcement: state === undefined ? null : enforcementView(state) };
}

export function groupAccountsByStatus(margins: ReadonlyMap<string, MarginCalc>, enforced: ReadonlyMap<string, AccountState>): AccountsByStatus {
  const groups = Object.fromEntries(MARGIN_STATUSES.map((s) => [s, [] as AccountSummary[]])) as AccountsByStatus;
  const ids = new Set([...enforced.keys(), ...margins.keys()]);
  for (const account_id of [...ids].sort()) {
    const state = enforced.get(account_id);
    const margin = margins.get(account_id);
    // The ladder's status wins: only it knows RESTRICTED and LIQUIDATING; the margin record's is a fallback.
    const status = state?.status ?? margin!.status;
    groups[status].push({ account_id, status, excess: margin?.excess ?? state?.excess ?? null, equity: margin?.equity ?? null });
  }
  return groups;
}

/** The command checked against its schema, as the record for killswitch.commands.v1 (keyed by scope; partition left to the caller). */
export function commandRecord(command: KillCommand) {
  const parsed = KillCommand.safeParse(command);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRecordError(`kill command /${issue.path.join('/')}: ${issue.message}`, { cause: parsed.error });
  }
  return {
    topic: Topics.KILLSWITCH_COMMANDS,
    key: KeySerde.serialize(parsed.data.scope)!,
    value: serdes.killCommand.serialize(parsed.data),
    timestamp: parsed.data.ts,
    headers: { corr_id: parsed.data.corr_id },
  };
}

export function decodeMarginCalc(value: Buffer): MarginCalc | null {
  const parsed = MarginCalc.safeParse(parseJson(value));
  return parsed.success ? parsed.data : null;
}

function enforcementView(state: AccountState): EnforcementView {
  return {
    status: state.status,
    restricted: state.restricted,
    excess: state.excess,
    open_call: state.call === null ? null : { call_id: state.call.call_id, ts: state.call.ts, deficiency: state.call.deficiency },
    underwater_scenarios: state.underwater,
  };
}

/** A router DROP decision, or null for ALLOWs, enforcement events and anything malformed (the DLQ's business). */
export function decodeDrop(value: Buffer | null): DroppedOrder | null {
  if (value === null) return null;
  const json = parseJson(value) as { decision?: unknown } | undefined;
  // Most audit records are ALLOWs: skip them before the full schema check.
  if (json?.decision !== 'DROP') return null;
  const parsed = RouterAudit.safeParse(json);
  return parsed.success ? (parsed.data as DroppedOrder) : null;
}

export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
