// Kill-switch aggregator: folds kill/unkill commands into the authoritative state per scope
// (killswitch.state.v1, compacted). Idempotent by cmd_id; commands older than the scope's state are stale.

import type { Processor, ProcessorContext } from '../../operators/api/processor.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import { Stores } from '../../state/stores.ts';
import { Consumed, Produced } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import type { Topology } from '../../topology/topology.ts';
import type { StoreType } from '../../topology/options.ts';
import type { KillCommand, KillState } from '../schemas/records.ts';
import { KeySerde, serdes } from '../schemas/serdes.ts';
import { Topics } from '../schemas/topics.ts';
import { Serdes } from '../../common/serdes.ts';
import { InvalidRecordError } from '../../common/errors.ts';
import { KillSwitchMetrics } from '../observability/risk-metrics.ts';

export const KILLSWITCH_STATE_STORE = 'killswitch-state';
export const APPLIED_COMMANDS_STORE = 'killswitch-applied-commands';

export type CommandOutcome = 'applied' | 'duplicate' | 'stale';

/** The decision for one command, given the scope's current state and whether its id was seen. */
export function applyCommand(
  command: KillCommand,
  current: KillState | undefined,
  alreadyApplied: boolean,
): { outcome: CommandOutcome; state?: KillState } {
  if (alreadyApplied) return { outcome: 'duplicate' };
  if (current !== undefined && command.ts < current.updated_ts) return { outcome: 'stale' };
  return {
    outcome: 'applied',
    state: {
      scope: command.scope,
      status: command.action === 'KILL' ? 'KILLED' : 'ACTIVE',
      updated_ts: command.ts,
      updated_by: command.operator !== undefined ? `${command.triggered_by}:${command.operator}` : command.triggered_by,
      reason: command.reason,
      last_cmd_id: command.cmd_id,
      corr_id: command.corr_id,
    },
  };
}

class KillSwitchAggregator implements Processor<string, KillCommand, string, KillState> {
  #ctx!: ProcessorContext<string, KillState>;
  #states!: KeyValueStore<string, KillState>;
  #applied!: KeyValueStore<string, number>;
  #metrics!: KillSwitchMetrics;
  /** Killed scopes are counted from the store on the first record: the runtime restores it after init. */
  #counted = false;

  init(ctx: ProcessorContext<string, KillState>): void {
    this.#ctx = ctx;
    this.#states = ctx.getStateStore(KILLSWITCH_STATE_STORE);
    this.#applied = ctx.getStateStore(APPLIED_COMMANDS_STORE);
    this.#metrics = new KillSwitchMetrics(ctx.metrics);
  }

  close(): void {
    this.#metrics.close();
  }

  process(record: { key: string; value: KillCommand; timestamp: number; headers: Record<string, string> }): void {
    const command = record.value;
    if (command === null) return;
    if (record.key !== command.scope) {
      throw new InvalidRecordError(`command ${command.cmd_id}: record key ${record.key} does not match scope ${command.scope}`);
    }
    if (!this.#counted) {
      for (const { key, value } of this.#states.all()) this.#metrics.transition(key, undefined, value.status);
      this.#counted = true;
    }
    const current = this.#states.get(command.scope);
    const { outcome, state } = applyCommand(command, current, this.#applied.get(command.cmd_id) !== undefined);
    this.#metrics.command(command.action, outcome);
    if (command.triggered_by === 'risk_signals' && command.action === 'KILL' && outcome !== 'duplicate') this.#metrics.breach(command.metric);
    if (state === undefined) return;
    this.#metrics.transition(command.scope, current?.status, state.status);
    this.#applied.put(command.cmd_id, command.ts);
    this.#states.put(command.scope, state);
    this.#ctx.forward({ key: command.scope, value: state, timestamp: record.timestamp, headers: record.headers });
    // The router acts on the new state only once it is readable: under exactly_once_v2, once its transaction
    // commits. Commands are rare, so commit right after this pass rather than at the next commit interval.
    this.#ctx.commit();
  }
}

export function buildKillSwitchAggregator(options: { storeType?: StoreType } = {}): Topology {
  const builder = new StreamsBuilder({ defaultStoreType: options.storeType });
  const supplier = (name: string) =>
    options.storeType === 'in-memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name);
  builder.addStateStore(Stores.keyValueStoreBuilder(supplier(KILLSWITCH_STATE_STORE), KeySerde, serdes.killState));
  builder.addStateStore(Stores.keyValueStoreBuilder(supplier(APPLIED_COMMANDS_STORE), KeySerde, Serdes.Long()));
  builder
    .stream<string, KillCommand>(Topics.KILLSWITCH_COMMANDS, Consumed.with(KeySerde, serdes.killCommand))
    .process(() => new KillSwitchAggregator(), { name: 'killswitch-aggregate' }, KILLSWITCH_STATE_STORE, APPLIED_COMMANDS_STORE)
    .to(Topics.KILLSWITCH_STATE, Produced.with(KeySerde, serdes.killState));
  return builder.build();
}
