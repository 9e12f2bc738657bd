// The three topologies `npm run bench:compare` runs on our engine, node for node the same as the Kafka Streams
// side in bench/kafka-streams-java/ (Topologies.java): same serdes (JSON values, string keys), same store names,
// stores on the default engine (RocksDB on both sides).

import { Serdes } from '../../common/serdes.ts';
import { Consumed, Materialized, Produced } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import type { Topology } from '../../topology/topology.ts';
import { TimeWindows } from '../../topology/windows.ts';

export const TopologyKind = { FILTER: 'filter', WINDOW: 'window', JOIN: 'join' } as const;
export type TopologyKind = (typeof TopologyKind)[keyof typeof TopologyKind];

export const TOPOLOGY_KINDS: readonly TopologyKind[] = ['filter', 'window', 'join'];

/** What the table and the report call each topology. */
export const topologyLabel: Record<TopologyKind, string> = {
  filter: '(a) filter + mapValues',
  window: '(b) tumbling 60 s count+notional (RocksDB)',
  join: '(c) kill-switch GlobalKTable join',
};

export const WINDOW_STORE = 'order-windows';
export const KILLSWITCH_STORE = 'killswitch';
export const WINDOW_MS = 60_000;

export interface Order {
  order_id: string;
  ts: number;
  account_id: string;
  symbol: string;
  side: string;
  qty: number;
  price: number;
  strategy: string;
}

export interface WindowTotals {
  count: number;
  notional: number;
}

export interface TopologyTopics {
  readonly input: string;
  readonly output: string;
  /** Only the join reads it. */
  readonly killSwitch?: string;
}

const S = Serdes.String();

export function compareTopology(kind: TopologyKind, topics: TopologyTopics): Topology {
  const b = new StreamsBuilder();
  const orders = b.stream<string, Order>(topics.input, Consumed.with(S, Serdes.Json<Order>()));
  switch (kind) {
    case 'filter':
      // (a) Orders with a positive quantity, each with its notional added.
      orders
        .filter((_account, order) => order.qty > 0)
        .mapValues((order) => ({ ...order, notional: order.qty * order.price }))
        .to(topics.output, Produced.with(S, Serdes.Json()));
      break;
    case 'window':
      // (b) Count and notional per account in tumbling windows, keyed "account@windowStart" on output.
      orders
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(WINDOW_MS))
        .aggregate<WindowTotals>(
          () => ({ count: 0, notional: 0 }),
          (_account, order, totals) => ({ count: totals.count + 1, notional: totals.notional + order.qty * order.price }),
          Materialized.as<string, WindowTotals>(WINDOW_STORE).withKeySerde(S).withValueSerde(Serdes.Json<WindowTotals>()),
        )
        .toStream()
        .map((window, totals) => ({ key: `${window.key}@${window.window.start}`, value: totals }))
        .to(topics.output, Produced.with(S, Serdes.Json<WindowTotals>()));
      break;
    case 'join': {
      // (c) Orders dropped when their account, their symbol or everything is KILLED. A null joiner result marks a
      // drop and the filter removes it before the next lookup, as on the Java side.
      if (topics.killSwitch === undefined) throw new Error('the join topology needs a kill-switch topic');
      const kills = b.globalTable<string, string>(topics.killSwitch, Consumed.with(S, S), Materialized.as(KILLSWITCH_STORE));
      const unlessKilled = (order: Order, state: string | null) => (state === 'KILLED' ? null : order);
      orders
        .leftJoin(kills, (_account, order) => `ACCOUNT:${order.account_id}`, unlessKilled)
        .filter((_account, order) => order !== null)
        .leftJoin(kills, (_account, order) => `SYMBOL:${order!.symbol}`, (order, state) => unlessKilled(order!, state))
        .filter((_account, order) => order !== null)
        .leftJoin(kills, () => 'GLOBAL', (order, state) => unlessKilled(order!, state))
        .filter((_account, order) => order !== null)
        .to(topics.output, Produced.with(S, Serdes.Json()));
      break;
    }
  }
  return b.build();
}
