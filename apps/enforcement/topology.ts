// Enforcement: margin and stress records (and fills, for the positions a liquidation names) drive the ladder
// per account; deadlines fire when stream time passes them, before the record that moved stream time.

import type { Processor, ProcessorContext } from '../../operators/api/processor.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import { Stores } from '../../state/stores.ts';
import { Serdes } from '../../common/serdes.ts';
import { Consumed, type StoreType } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import type { Topology } from '../../topology/topology.ts';
import type { RiskConfig } from '../config.ts';
import type { Fill, MarginCalc, StressResult } from '../schemas/records.ts';
import { KeySerde, serdes } from '../schemas/serdes.ts';
import { Topics } from '../schemas/topics.ts';
import { EnforcementMetrics } from '../observability/risk-metrics.ts';
import { type AccountState, type Emission, initialState, Ladder } from './ladder.ts';

export const ENFORCEMENT_STORE = 'enforcement-accounts';
/** account → the stream time its open call next needs attention. */
export const DEADLINES_STORE = 'enforcement-deadlines';

type Input = { kind: 'margin'; value: MarginCalc } | { kind: 'stress'; value: StressResult } | { kind: 'fill'; value: Fill };

const SINKS: Record<Emission['topic'], string> = {
  'margin.calls.v1': 'margin-calls-sink',
  'restrictions.v1': 'restrictions-sink',
  'liquidations.v1': 'liquidations-sink',
  'audit.v1': 'enforcement-audit-sink',
};

class EnforcementProcessor implements Processor<string, Input, string, unknown> {
  readonly #ladder: Ladder;
  #ctx!: ProcessorContext<string, unknown>;
  #accounts!: KeyValueStore<string, AccountState>;
  #deadlines!: KeyValueStore<string, number>;
  /** The smallest deadline in the store (recomputed when stale), so most records skip the scan. */
  #nextDeadline = Number.POSITIVE_INFINITY;
  #metrics!: EnforcementMetrics;
  /** Accounts are counted by status from the store on the first record: the runtime restores it after init. */
  #counted = false;

  constructor(config: RiskConfig['margin']) {
    this.#ladder = new Ladder(config);
  }

  init(ctx: ProcessorContext<string, unknown>): void {
    this.#ctx = ctx;
    this.#accounts = ctx.getStateStore(ENFORCEMENT_STORE);
    this.#deadlines = ctx.getStateStore(DEADLINES_STORE);
    this.#metrics = new EnforcementMetrics(ctx.metrics);
    for (const { value } of this.#deadlines.all()) this.#nextDeadline = Math.min(this.#nextDeadline, value);
  }

  close(): void {
    this.#metrics.close();
  }

  process(record: { key: string; value: Input; timestamp: number; headers: Record<string, string> }): void {
    if (!this.#counted) {
      for (const { value } of this.#accounts.all()) this.#metrics.status(undefined, value.status);
      this.#counted = true;
    }
    this.#fireDeadlines(this.#ctx.currentStreamTimeMs());
    const input = record.value;
    const account = record.key;
    const stored = this.#accounts.get(account);
    const state = stored ?? initialState(account);
    if (stored === undefined) this.#metrics.status(undefined, state.status);
    const corr_id = record.headers.corr_id ?? `${account}:${record.timestamp}`;
    const ladderInput =
      input.kind === 'fill' ? { fill: input.value } : input.kind === 'margin' ? { margin: input.value, corr_id } : { stress: input.value, corr_id };
    this.#commit(state, this.#ladder.apply(state, ladderInput));
  }

  #fireDeadlines(now: number): void {
    if (now < this.#nextDeadline) return;
    let next = Number.POSITIVE_INFINITY;
    for (const { key, value: due } of this.#deadlines.all()) {
      if (due <= now) {
        const state = this.#accounts.get(key)!;
        this.#commit(state, this.#ladder.apply(state, { deadline: now }));
        const after = this.#deadlines.get(key);
        if (after !== undefined) next = Math.min(next, after);
      } else next = Math.min(next, due);
    }
    this.#nextDeadline = next;
  }

  #commit(before: AccountState, result: { state: AccountState; emit: Emission[] }): void {
    const account = result.state.account_id;
    this.#accounts.put(account, result.state);
    this.#metrics.status(before.status, result.state.status);
    const due = this.#ladder.nextDeadline(result.state);
    if (due === null) {
      if (this.#ladder.nextDeadline(before) !== null) this.#deadlines.delete(account);
    } else {
      this.#deadlines.put(account, due);
      this.#nextDeadline = Math.min(this.#nextDeadline, due);
    }
    for (const e of result.emit) {
      this.#metrics.emitted(e);
      this.#ctx.forward({ key: account, value: e.value, timestamp: e.ts, headers: {} }, SINKS[e.topic]);
    }
  }
}

export function buildEnforcement(config: RiskConfig, options: { storeType?: StoreType } = {}): Topology {
  const builder = new StreamsBuilder({ defaultStoreType: options.storeType });
  const supplier = (name: string) =>
    options.storeType === 'in-memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name);
  builder.addStateStore(Stores.keyValueStoreBuilder(supplier(ENFORCEMENT_STORE), KeySerde, Serdes.Json<AccountState>()));
  builder.addStateStore(Stores.keyValueStoreBuilder(supplier(DEADLINES_STORE), KeySerde, Serdes.Long()));
  const margin = builder
    .stream<string, MarginCalc>(Topics.MARGIN_CALC, Consumed.with(KeySerde, serdes.marginCalc))
    .mapValues((value): Input => ({ kind: 'margin', value }));
  const stress = builder
    .stream<string, StressResult>(Topics.STRESS, Consumed.with(KeySerde, serdes.stress))
    .mapValues((value): Input => ({ kind: 'stress', value }));
  const fills = builder
    .stream<string, Fill>(Topics.FILLS, Consumed.with(KeySerde, serdes.fill))
    .mapValues((value): Input => ({ kind: 'fill', value }));
  margin
    .merge(stress)
    .merge(fills)
    .process(() => new EnforcementProcessor(config.margin), { name: 'enforce' }, ENFORCEMENT_STORE, DEADLINES_STORE);
  const t = builder.topology;
  t.addSink(SINKS['margin.calls.v1'], Topics.MARGIN_CALLS, { keySerde: KeySerde, valueSerde: serdes.marginCall }, 'enforce');
  t.addSink(SINKS['restrictions.v1'], Topics.RESTRICTIONS, { keySerde: KeySerde, valueSerde: serdes.restriction }, 'enforce');
  t.addSink(SINKS['liquidations.v1'], Topics.LIQUIDATIONS, { keySerde: KeySerde, valueSerde: serdes.liquidation }, 'enforce');
  t.addSink(SINKS['audit.v1'], Topics.AUDIT, { keySerde: KeySerde, valueSerde: serdes.audit }, 'enforce');
  return builder.build();
}
