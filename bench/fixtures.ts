// Bench inputs: ~166-byte JSON order records as they arrive off a topic, and a timing helper.

import type { ConsumedRecord } from '../common/record.ts';

export function orderRecords(count: number, accounts = 5_000, topic = 'orders'): ConsumedRecord[] {
  const symbols = ['NVDA', 'AAPL', 'MSFT', 'AMZN', 'GOOG', 'META', 'TSLA', 'AMD'];
  const out: ConsumedRecord[] = [];
  let seed = 42;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 0x1_0000_0000;
  };
  const base = 1_732_000_000_000;
  for (let i = 0; i < count; i++) {
    const account = String(10000 + Math.floor(rand() * accounts));
    const ts = base + i * 5;
    const hex = (n: number) => Math.floor(rand() * 16 ** n).toString(16).padStart(n, '0');
    // Seed 000's order schema; a uuid order id makes it ~166 bytes.
    const value = {
      order_id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(6)}${hex(6)}`,
      ts,
      account_id: account,
      symbol: symbols[i % symbols.length],
      side: rand() < 0.5 ? 'BUY' : 'SELL',
      qty: 1 + Math.floor(rand() * 500),
      price: Math.round(rand() * 100000) / 100,
      strategy: 'ALGO_X',
    };
    out.push({
      topic,
      partition: 0,
      offset: BigInt(i),
      key: Buffer.from(account),
      value: Buffer.from(JSON.stringify(value)),
      timestamp: ts,
      headers: {},
    });
  }
  return out;
}

export interface BenchResult {
  name: string;
  records_per_s: number;
  ratio_to_ceiling: number | null;
  runs: number[];
  min: number;
  median: number;
  max: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `body` (which handles `count` records) `runs` times after one warm-up; returns records/s per run. */
export function measure(count: number, runs: number, body: () => void): number[] {
  body();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    body();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(count / seconds);
  }
  return rates;
}

export function result(name: string, runs: number[], ceiling: number | null): BenchResult {
  const m = median(runs);
  return {
    name,
    records_per_s: Math.round(m),
    ratio_to_ceiling: ceiling === null ? null : Math.round((m / ceiling) * 1000) / 1000,
    runs: runs.map(Math.round),
    min: Math.round(Math.min(...runs)),
    median: Math.round(m),
    max: Math.round(Math.max(...runs)),
  };
}
