// Seed 000's synthetic order flow plus the margin inputs of seed 001, as record files: reproducible from a
// seed, with accounts that breach each risk rule on request and a market shock that causes margin calls.

import type { FileRecord } from '../../runtime/replay/record-files.ts';
import type { Beta, CashTxn, Fill, KillCommand, Order, Price } from '../schemas/records.ts';
import { Topics } from '../schemas/topics.ts';

export interface ScenarioOptions {
  readonly minutes: number;
  readonly accounts: number;
  readonly seed: number;
  /** Accounts that breach order rate, notional and concentration (one of each, round robin). */
  readonly breachingAccounts: number;
  /** Accounts that hold leveraged positions and meet the market shock. */
  readonly marginAccounts: number;
  /** Orders per second across all accounts, before bursts. */
  readonly ordersPerSecond: number;
  readonly start: number;
  /** Put before fill, deposit and command ids, so sessions generated one after another do not repeat them. */
  readonly idPrefix: string;
}

export const defaultScenario: ScenarioOptions = {
  minutes: 10,
  accounts: 50,
  seed: 1,
  breachingAccounts: 3,
  marginAccounts: 8,
  ordersPerSecond: 20,
  start: Date.UTC(2026, 0, 5, 14, 30),
  idPrefix: '',
};

const SYMBOLS: ReadonlyArray<{ symbol: string; price: number; beta: number | null }> = [
  { symbol: 'AAPL', price: 185, beta: 1.2 },
  { symbol: 'MSFT', price: 410, beta: 1.1 },
  { symbol: 'NVDA', price: 400, beta: 1.8 },
  { symbol: 'AMZN', price: 170, beta: 1.3 },
  { symbol: 'TSLA', price: 240, beta: 2.0 },
  { symbol: 'JPM', price: 190, beta: 1.0 },
  { symbol: 'XOM', price: 110, beta: 0.8 },
  { symbol: 'KO', price: 60, beta: null }, // no beta published: the apps use 1.0
];

/** A small deterministic PRNG (mulberry32), so the same seed gives the same files everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(rand: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export type ScenarioFiles = Map<string, FileRecord[]>;

export function generateScenario(options: Partial<ScenarioOptions> = {}): ScenarioFiles {
  const o = { ...defaultScenario, ...options };
  const rand = prng(o.seed);
  const end = o.start + o.minutes * 60_000;
  const accounts = Array.from({ length: o.accounts }, (_, i) => String(10_000 + i));
  const prices = new Map(SYMBOLS.map((s) => [s.symbol, s.price]));
  const files: ScenarioFiles = new Map();
  const push = (topic: string, record: FileRecord) => {
    let list = files.get(topic);
    if (list === undefined) files.set(topic, (list = []));
    list.push(record);
  };
  const shockAt = o.start + Math.floor(o.minutes * 60_000 * 0.6);
  const shockDone = { done: false };

  // Reference data first: betas for every symbol that has one, opening prices.
  for (const s of SYMBOLS) {
    if (s.beta !== null) push(Topics.BETAS, { timestamp: o.start, key: s.symbol, value: { symbol: s.symbol, beta: s.beta, timestamp: o.start } satisfies Beta });
  }

  // Margin accounts: a deposit, then leveraged buys (and one short) early in the session.
  const marginAccounts = accounts.slice(o.breachingAccounts, o.breachingAccounts + o.marginAccounts);
  marginAccounts.forEach((account, i) => {
    const deposit = 100_000 + Math.floor(rand() * 8) * 50_000;
    const t0 = o.start + 1_000 + i * 1_000;
    push(Topics.CASH, { timestamp: t0, key: account, value: { txn_id: `${o.idPrefix}dep-${account}`, account_id: account, amount: deposit, timestamp: t0 } satisfies CashTxn });
    // Leverage between 2.6× and 3.6× of equity: a deep enough shock pushes the higher ones below maintenance.
    let remaining = deposit * (2.6 + (i % 5) * 0.25);
    let n = 0;
    while (remaining > 1_000 && n < 4) {
      const s = SYMBOLS[(i + n * 3) % SYMBOLS.length];
      const price = prices.get(s.symbol)!;
      const qty = Math.max(1, Math.floor(Math.min(remaining, remaining * (0.4 + rand() * 0.4)) / price));
      const ts = t0 + 100 + n * 100;
      push(Topics.FILLS, { timestamp: ts, key: account, value: { fill_id: `${o.idPrefix}f-${account}-${n}`, account_id: account, symbol: s.symbol, qty, price, timestamp: ts } satisfies Fill });
      remaining -= qty * price;
      n++;
    }
    if (i % 3 === 2) {
      const ts = t0 + 900;
      const price = prices.get('XOM')!;
      push(Topics.FILLS, { timestamp: ts, key: account, value: { fill_id: `${o.idPrefix}f-${account}-short`, account_id: account, symbol: 'XOM', qty: -100, price, timestamp: ts } satisfies Fill });
    }
  });

  // Prices tick every 5 s per symbol; at the shock the market falls 8 % (each symbol by beta × 8 %).
  for (let t = o.start; t < end; t += 5_000) {
    const shock = !shockDone.done && t >= shockAt;
    if (shock) shockDone.done = true;
    for (const s of SYMBOLS) {
      const p = prices.get(s.symbol)!;
      const move = shock ? -0.08 * (s.beta ?? 1) : (rand() - 0.5) * 0.004;
      const next = round2(Math.max(1, p * (1 + move)));
      prices.set(s.symbol, next);
      push(Topics.PRICES, { timestamp: t, key: s.symbol, value: { symbol: s.symbol, price: next, timestamp: t } satisfies Price });
    }
  }

  // Orders: a steady flow over all accounts, plus a burst per breaching account.
  const orders: Array<{ ts: number; order: Order }> = [];
  const order = (ts: number, account: string, symbol: string, qty: number): Order => ({
    order_id: uuid(rand),
    ts,
    account_id: account,
    symbol,
    side: rand() < 0.5 ? 'BUY' : 'SELL',
    qty,
    price: prices.get(symbol) ?? 100,
    strategy: 'ALGO_X',
  });
  const total = Math.floor(o.ordersPerSecond * o.minutes * 60);
  for (let i = 0; i < total; i++) {
    const ts = o.start + Math.floor((i / total) * (end - o.start));
    const account = accounts[Math.floor(rand() * accounts.length)];
    const symbol = SYMBOLS[Math.floor(rand() * SYMBOLS.length)].symbol;
    orders.push({ ts, order: order(ts, account, symbol, 1 + Math.floor(rand() * 20)) });
  }
  for (let b = 0; b < o.breachingAccounts; b++) {
    const account = accounts[b];
    const burstStart = o.start + 60_000 * (1 + (b % Math.max(1, o.minutes - 2))) + 7_000;
    const kind = b % 3;
    const count = kind === 0 ? 130 : kind === 1 ? 12 : 60;
    for (let i = 0; i < count; i++) {
      const ts = burstStart + i * Math.floor(40_000 / count);
      const symbol = kind === 2 ? 'NVDA' : SYMBOLS[i % SYMBOLS.length].symbol;
      const qty = kind === 1 ? 500 : 5;
      orders.push({ ts, order: order(ts, account, symbol, qty) });
    }
  }
  orders.sort((a, b) => a.ts - b.ts);
  for (const { ts, order: value } of orders) push(Topics.ORDERS, { timestamp: ts, key: value.account_id, value });

  // An operator halts one symbol for a minute, mid-session.
  const haltAt = o.start + Math.floor((end - o.start) * 0.3);
  const command = (cmd_id: string, ts: number, action: 'KILL' | 'UNKILL'): KillCommand => ({
    cmd_id,
    ts,
    scope: 'SYMBOL:TSLA',
    action,
    reason: action === 'KILL' ? 'Operator halt: news pending' : 'Operator resume',
    triggered_by: 'operator',
    operator: 'ops-desk',
    corr_id: `halt-${o.seed}`,
  });
  push(Topics.KILLSWITCH_COMMANDS, { timestamp: haltAt, key: 'SYMBOL:TSLA', value: command(`${o.idPrefix}op-kill-${o.seed}`, haltAt, 'KILL') });
  push(Topics.KILLSWITCH_COMMANDS, { timestamp: haltAt + 60_000, key: 'SYMBOL:TSLA', value: command(`${o.idPrefix}op-unkill-${o.seed}`, haltAt + 60_000, 'UNKILL') });

  for (const list of files.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  return files;
}
