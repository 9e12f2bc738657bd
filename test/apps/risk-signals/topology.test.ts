import { describe, expect, it } from 'vitest';
import { riskConfig } from '../../../apps/config.ts';
import { buildRiskSignals } from '../../../apps/risk-signals/topology.ts';
import type { Order } from '../../../apps/schemas/records.ts';
import { KeySerde, serdes } from '../../../apps/schemas/serdes.ts';
import { appStreamsConfig } from '../../../apps/streams-config.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { driverFor } from '../../helpers/driver.ts';

const W = 60_000;
const T0 = 1_800_000_000_000; // a multiple of 60 s: windows start here
let n = 0;
const order = (ts: number, over: Partial<Order> = {}): Order => ({
  order_id: `o${n++}`,
  ts,
  account_id: 'A',
  symbol: 'AAPL',
  side: 'BUY',
  qty: 1,
  price: 10,
  ...over,
});

function setup() {
  const d = driverFor(buildRiskSignals(riskConfig(), { storeType: 'in-memory' }), appStreamsConfig('risk-signals', { cacheMaxBytes: 0 }));
  const input = d.createInputTopic(Topics.ORDERS, KeySerde, serdes.order);
  return {
    send: (o: Order) => input.pipeInput(o.account_id, o, o.ts),
    signals: d.createOutputTopic(Topics.RISK_SIGNALS, KeySerde, serdes.riskSignal),
    kills: d.createOutputTopic(Topics.KILLSWITCH_COMMANDS, KeySerde, serdes.killCommand),
  };
}
const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'TSLA'];

describe('risk-signals (CONTRACT §2)', () => {
  it('emits one signal per order with the window figures', () => {
    const t = setup();
    t.send(order(T0 + 1, { qty: 10, price: 5, symbol: 'MSFT' }));
    t.send(order(T0 + 2, { qty: 2, price: 100, symbol: 'AAPL' }));
    t.send(order(T0 + 3, { qty: 1, price: 1, symbol: 'AAPL' }));
    const s = t.signals.readValuesToList();
    expect(s).toHaveLength(3);
    expect(s[2]).toMatchObject({
      ts: T0 + 3,
      account_id: 'A',
      window_start: T0,
      window_end: T0 + W,
      order_rate_60s: 3,
      rolling_notional_60s: 251,
      top_symbol: 'AAPL',
    });
    expect(s[2]!.top_symbol_share).toBeCloseTo(2 / 3, 12);
  });

  it('breaks top-symbol ties alphabetically', () => {
    const t = setup();
    t.send(order(T0 + 1, { symbol: 'MSFT' }));
    t.send(order(T0 + 2, { symbol: 'AAPL' }));
    expect(t.signals.readValuesToList().at(-1)).toMatchObject({ top_symbol: 'AAPL', top_symbol_share: 0.5 });
  });

  it('an order exactly at the window end opens the next window', () => {
    const t = setup();
    t.send(order(T0 + W - 1));
    t.send(order(T0 + W));
    expect(t.signals.readValuesToList().map((s) => [s!.window_start, s!.order_rate_60s])).toEqual([
      [T0, 1],
      [T0 + W, 1],
    ]);
  });

  it('order rate: exactly the threshold does not breach, one more kills once', () => {
    const t = setup();
    for (let i = 0; i < 100; i++) t.send(order(T0 + i, { symbol: symbols[i % 5] }));
    expect(t.kills.isEmpty()).toBe(true);
    t.send(order(T0 + 100, { symbol: 'KO', order_id: 'breaker' }));
    for (let i = 0; i < 20; i++) t.send(order(T0 + 200 + i, { symbol: symbols[i % 5] }));
    const kills = t.kills.readKeyValuesToList();
    expect(kills).toEqual([
      {
        key: 'ACCOUNT:A',
        value: {
          cmd_id: `risk_signals:A:${T0}`,
          ts: T0 + 100,
          scope: 'ACCOUNT:A',
          action: 'KILL',
          reason: 'Order rate breach: 101 orders in 60s',
          triggered_by: 'risk_signals',
          metric: 'order_rate_60s',
          value: 101,
          corr_id: 'breaker',
        },
      },
    ]);
    expect(t.signals.getQueueSize()).toBe(121); // signals continue after the kill
  });

  it('notional: exactly 1,000,000 does not breach, above it does', () => {
    const t = setup();
    t.send(order(T0 + 1, { qty: 1000, price: 500 }));
    t.send(order(T0 + 2, { qty: 1000, price: 500, symbol: 'MSFT' }));
    expect(t.kills.isEmpty()).toBe(true);
    t.send(order(T0 + 3, { qty: 1, price: 0.01, symbol: 'NVDA' }));
    const [kill] = t.kills.readValuesToList();
    expect(kill).toMatchObject({ metric: 'rolling_notional_60s', reason: 'Notional breach: $1,000,000.01 in 60s' });
    expect(kill!.value).toBeCloseTo(1_000_000.01, 6);
  });

  it('concentration needs at least concentrationMinOrders and a share above the threshold', () => {
    const t = setup();
    // 19 orders, all NVDA: share 1.0 but too few orders.
    for (let i = 0; i < 19; i++) t.send(order(T0 + i, { symbol: 'NVDA' }));
    expect(t.kills.isEmpty()).toBe(true);
    // 20th order (AAPL): share 19/20 = 0.95 > 0.7 with 20 orders → kill.
    t.send(order(T0 + 19, { symbol: 'AAPL' }));
    expect(t.kills.readValuesToList().map((k) => k!.metric)).toEqual(['top_symbol_share']);
  });

  it('a share of exactly 0.7 does not breach', () => {
    const t = setup();
    for (let i = 0; i < 14; i++) t.send(order(T0 + i, { symbol: 'NVDA' }));
    for (let i = 0; i < 6; i++) t.send(order(T0 + 20 + i, { symbol: symbols[i % 2] }));
    expect(t.signals.readValuesToList().at(-1)!.top_symbol_share).toBeCloseTo(0.7, 12);
    expect(t.kills.isEmpty()).toBe(true);
  });

  it('each window can kill once; accounts are independent', () => {
    const t = setup();
    for (let w = 0; w < 2; w++) for (let i = 0; i < 101; i++) t.send(order(T0 + w * W + i, { symbol: symbols[i % 5] }));
    for (let i = 0; i < 50; i++) t.send(order(T0 + 2 * W + i, { account_id: 'B', symbol: symbols[i % 5] }));
    expect(t.kills.readValuesToList().map((k) => k!.cmd_id)).toEqual([`risk_signals:A:${T0}`, `risk_signals:A:${T0 + W}`]);
  });

  it('an order later than window end + grace is dropped', () => {
    const t = setup();
    t.send(order(T0 + 3 * W));
    t.send(order(T0 + 10)); // its window closed at T0 + 2W (size + grace)
    expect(t.signals.readValuesToList()).toHaveLength(1);
  });
});
