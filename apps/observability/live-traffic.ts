// Live traffic for the embedded pipeline after its replay (`npm start -- --live N`): orders at a steady rate
// stamped with the wall clock, price ticks, and now and then an incident — an account bursting past the
// order-rate rule (risk signals kill it, an operator lets it go later), an operator halting a symbol, a market
// dip and recovery — so every dashboard panel has something to show.

import { type Clock, systemClock } from '../../common/time.ts';
import type { InMemoryCluster } from '../../runtime/embedded/in-memory-cluster.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import { prng } from '../generator/scenario.ts';
import type { KillCommand, Order, Price } from '../schemas/records.ts';
import { Topics } from '../schemas/topics.ts';

export interface LiveTrafficOptions {
  readonly ordersPerSecond: number;
  /** Account ids to order for (the scenario's). */
  readonly accounts: readonly string[];
  /** Opening price per symbol (the scenario's last). */
  readonly prices: ReadonlyMap<string, number>;
  readonly seed?: number;
  readonly clock?: Clock;
  readonly tickMs?: number;
  /** Time between incidents; each kind comes round in turn. */
  readonly incidentEveryMs?: number;
  /** Orders in a burst: more than the order-rate threshold. */
  readonly burstOrders?: number;
}

export interface LiveTraffic {
  /** Records appended so far. */
  readonly appended: number;
  stop(): void;
}

export function startLiveTraffic(cluster: InMemoryCluster, options: LiveTrafficOptions): LiveTraffic {
  const clock = options.clock ?? systemClock;
  const rand = prng(options.seed ?? 7);
  const tickMs = options.tickMs ?? 100;
  const incidentEveryMs = options.incidentEveryMs ?? 10_000;
  const burstOrders = options.burstOrders ?? 130;
  const prices = new Map(options.prices);
  const symbols = [...prices.keys()];
  const partitioner = new RecordPartitioner();
  const timers: NodeJS.Timeout[] = [];
  let appended = 0;
  let seq = 0;
  let owed = 0;
  let last = clock.now();
  let nextPrices = last;
  let nextIncident = last + incidentEveryMs / 2;
  let incident = 0;
  let stopped = false;

  const send = (topic: string, key: string, value: object, timestamp: number) => {
    const keyBytes = Buffer.from(key, 'utf8');
    const partition = partitioner.partition(topic, keyBytes, cluster.partitionsFor(topic));
    cluster.append({ topic, partition, key: keyBytes, value: Buffer.from(JSON.stringify(value), 'utf8'), timestamp, headers: {} });
    appended++;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const order = (account: string, symbol: string, ts: number): void => {
    const value: Order = {
      order_id: `live-${process.pid}-${++seq}`,
      ts,
      account_id: account,
      symbol,
      side: rand() < 0.5 ? 'BUY' : 'SELL',
      qty: 1 + Math.floor(rand() * 20),
      price: prices.get(symbol)!,
      strategy: 'LIVE',
    };
    send(Topics.ORDERS, account, value, ts);
  };
  const command = (scope: string, action: KillCommand['action'], reason: string, ts: number): void => {
    const id = `live-${process.pid}-${++seq}`;
    const value: KillCommand = { cmd_id: id, ts, scope, action, reason, triggered_by: 'operator', operator: 'live-traffic', corr_id: id };
    send(Topics.KILLSWITCH_COMMANDS, scope, value, ts);
  };
  const later = (ms: number, fn: () => void) => {
    timers.push(
      setTimeout(() => {
        if (!stopped) fn();
      }, ms),
    );
  };
  const movePrices = (factor: (symbol: string) => number, ts: number) => {
    for (const symbol of symbols) {
      const next = Math.max(1, Math.round(prices.get(symbol)! * factor(symbol) * 100) / 100);
      prices.set(symbol, next);
      send(Topics.PRICES, symbol, { symbol, price: next, timestamp: ts } satisfies Price, ts);
    }
  };

  const incidents: Array<(now: number) => void> = [
    (now) => {
      // Stamped just before now, so the kill it triggers is never ahead of the router's clock.
      const account = pick(options.accounts);
      for (let i = 0; i < burstOrders; i++) order(account, pick(symbols), now - burstOrders + i);
      later(incidentEveryMs * 1.5, () => command(`ACCOUNT:${account}`, 'UNKILL', 'Operator release after review', clock.now()));
    },
    (now) => {
      const symbol = pick(symbols);
      command(`SYMBOL:${symbol}`, 'KILL', 'Operator halt: news pending', now);
      later(incidentEveryMs / 2, () => command(`SYMBOL:${symbol}`, 'UNKILL', 'Operator resume', clock.now()));
    },
    (now) => {
      movePrices(() => 0.9, now);
      later(incidentEveryMs / 2, () => movePrices(() => 1 / 0.9, clock.now()));
    },
  ];

  const tick = () => {
    const now = clock.now();
    owed += (options.ordersPerSecond * (now - last)) / 1000;
    last = now;
    for (; owed >= 1; owed--) order(pick(options.accounts), pick(symbols), now);
    if (now >= nextPrices) {
      movePrices(() => 1 + (rand() - 0.5) * 0.004, now);
      nextPrices = now + 1_000;
    }
    if (incidentEveryMs > 0 && now >= nextIncident) {
      incidents[incident++ % incidents.length](now);
      nextIncident = now + incidentEveryMs;
    }
  };
  const interval = setInterval(tick, tickMs);
  return {
    get appended() {
      return appended;
    },
    stop() {
      stopped = true;
      clearInterval(interval);
      for (const t of timers) clearTimeout(t);
    },
  };
}
