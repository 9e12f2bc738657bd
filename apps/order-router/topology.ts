// Order router: every order checked against the kill-switch table (a global table of killswitch.state.v1)
// for its three scopes. Allowed orders go to orders.gated.v1; every order gets exactly one audit decision.
// Fail-closed: the runtime loads the table fully before any order, and a store failure stops the app.

import type { Processor, ProcessorContext } from '../../operators/api/processor.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import type { ValueAndTimestamp } from '../../state/api/value-and-timestamp.ts';
import { Consumed, Materialized, type StoreType } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import type { Topology } from '../../topology/topology.ts';
import { RouterMetrics, scopeType } from '../observability/risk-metrics.ts';
import type { KillState, Order, RouterAudit, Scope } from '../schemas/records.ts';
import { KeySerde, serdes } from '../schemas/serdes.ts';
import { Topics } from '../schemas/topics.ts';

export const KILLSWITCH_GLOBAL_STORE = 'killswitch-global';
const GATED = 'gated-sink';
const AUDIT = 'audit-sink';

export function scopesOf(order: Pick<Order, 'account_id' | 'symbol'>): Scope[] {
  return ['GLOBAL', `ACCOUNT:${order.account_id}`, `SYMBOL:${order.symbol}`];
}

/** The decision for one order given the kill states of its scopes (in GLOBAL, ACCOUNT, SYMBOL order). */
export function decide(order: Order, lookup: (scope: Scope) => KillState | undefined): RouterAudit {
  const killed = scopesOf(order)
    .map((scope) => lookup(scope))
    .filter((state): state is KillState => state !== undefined && state.status === 'KILLED');
  const base = { ts: order.ts, order_id: order.order_id, account_id: order.account_id, symbol: order.symbol, service: 'order_router' as const };
  if (killed.length === 0) {
    return { ...base, decision: 'ALLOW', scope_matches: [], killswitch_status: 'ACTIVE', reason: 'no kill switch active', corr_id: order.corr_id ?? order.order_id };
  }
  return {
    ...base,
    decision: 'DROP',
    scope_matches: killed.map((s) => s.scope),
    killswitch_status: 'KILLED',
    reason: killed[0].reason,
    corr_id: killed[0].corr_id,
  };
}

class OrderRouter implements Processor<string, Order, string, Order | RouterAudit> {
  #ctx!: ProcessorContext<string, Order | RouterAudit>;
  #kills!: KeyValueStore<string, ValueAndTimestamp<KillState>>;
  #metrics!: RouterMetrics;

  init(ctx: ProcessorContext<string, Order | RouterAudit>): void {
    this.#ctx = ctx;
    this.#kills = ctx.getStateStore(KILLSWITCH_GLOBAL_STORE);
    this.#metrics = new RouterMetrics(ctx.metrics);
  }

  process(record: { key: string; value: Order; timestamp: number; headers: Record<string, string> }): void {
    const order = record.value;
    if (order === null) return;
    const audit = decide(order, (scope) => this.#kills.get(scope)?.value);
    if (audit.decision === 'ALLOW') {
      this.#metrics.allowed.record();
      this.#ctx.forward(record, GATED);
    } else this.#measureDrop(audit.scope_matches);
    this.#ctx.forward({ key: order.order_id, value: audit, timestamp: record.timestamp, headers: record.headers }, AUDIT);
  }

  #measureDrop(killed: readonly Scope[]): void {
    this.#metrics.dropped[scopeType(killed[0])].record();
    const now = this.#ctx.currentSystemTimeMs();
    for (const scope of killed) {
      const kill = this.#kills.get(scope)?.value;
      if (kill !== undefined) this.#metrics.dropUnder(kill, now);
    }
  }
}

export function buildOrderRouter(options: { storeType?: StoreType } = {}): Topology {
  const builder = new StreamsBuilder({ defaultStoreType: options.storeType });
  builder.globalTable(Topics.KILLSWITCH_STATE, Consumed.with(KeySerde, serdes.killState), Materialized.as(KILLSWITCH_GLOBAL_STORE));
  builder.stream<string, Order>(Topics.ORDERS, Consumed.with(KeySerde, serdes.order)).process(() => new OrderRouter(), { name: 'route' });
  // Two outputs of one processor: it forwards to each sink by name.
  builder.topology.addSink(GATED, Topics.ORDERS_GATED, { keySerde: KeySerde, valueSerde: serdes.order }, 'route');
  builder.topology.addSink(AUDIT, Topics.AUDIT, { keySerde: KeySerde, valueSerde: serdes.audit }, 'route');
  return builder.build();
}
