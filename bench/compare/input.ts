// The compared input and what each topology must make of it: bench/fixtures.ts' ~166-byte orders (every 20th with
// qty 0, so the filter drops something), the kill-switch table, and the exact output each topology owes, which the
// independent consumer (output-check.ts) holds both engines to.

import type { ConsumedRecord } from '../../common/record.ts';
import { orderRecords } from '../fixtures.ts';
import { type Order, type TopologyKind, WINDOW_MS, type WindowTotals } from './topologies.ts';

/** bench/fixtures.ts stamps order i with ts = TS_BASE + i × TS_STEP, so the ts field numbers every order. */
const TS_BASE = 1_732_000_000_000;
const TS_STEP = 5;
const ACCOUNTS = 5_000;
const FIRST_ACCOUNT = 10_000;
const ZERO_QTY_EVERY = 20;

export function compareOrders(count: number, topic: string): ConsumedRecord[] {
  const records = orderRecords(count, ACCOUNTS, topic);
  for (let i = ZERO_QTY_EVERY - 1; i < records.length; i += ZERO_QTY_EVERY) {
    const r = records[i];
    records[i] = { ...r, value: Buffer.from(r.value!.toString().replace(/"qty":\d+/, '"qty":0')) };
  }
  return records;
}

/** The order number inside an output value, read from its "ts" field without parsing the whole JSON. */
export function sequenceOf(value: Buffer): number {
  let at = value.indexOf('"ts":');
  if (at < 0) return -1;
  at += 5;
  // Python's json writes a space after the colon.
  while (value[at] === 0x20) at++;
  let ts = 0;
  for (let c = value[at]; c >= 0x30 && c <= 0x39; c = value[++at]) ts = ts * 10 + (c - 0x30);
  return (ts - TS_BASE) / TS_STEP;
}

export interface KillSwitchEntry {
  readonly key: string;
  readonly value: string;
}

/**
 * Every account, every symbol and GLOBAL have an entry, so each lookup finds a row: 2 % of the accounts and one
 * symbol of eight are KILLED. Some scopes are killed and then re-activated, so only the latest value may count.
 */
export function killSwitchEntries(): KillSwitchEntry[] {
  const out: KillSwitchEntry[] = [];
  for (let n = FIRST_ACCOUNT; n < FIRST_ACCOUNT + ACCOUNTS; n++) {
    if (n % 50 === 13) out.push({ key: `ACCOUNT:${n}`, value: 'KILLED' });
    out.push({ key: `ACCOUNT:${n}`, value: n % 50 === 7 ? 'KILLED' : 'ACTIVE' });
  }
  out.push({ key: 'SYMBOL:TSLA', value: 'KILLED' });
  for (const symbol of ['NVDA', 'AAPL', 'MSFT', 'AMZN', 'GOOG', 'META', 'TSLA']) out.push({ key: `SYMBOL:${symbol}`, value: 'ACTIVE' });
  out.push({ key: 'SYMBOL:AMD', value: 'KILLED' });
  out.push({ key: 'GLOBAL', value: 'ACTIVE' });
  return out;
}

function killedScopes(): Set<string> {
  const latest = new Map(killSwitchEntries().map((e) => [e.key, e.value]));
  return new Set([...latest].filter(([, v]) => v === 'KILLED').map(([k]) => k));
}

/** Which orders (by number) the filter or the join must emit, once each. */
export interface SequenceExpectation {
  readonly kind: 'sequences';
  readonly expected: Uint8Array;
  readonly count: number;
}

/** The final count and notional of every account window. */
export interface WindowExpectation {
  readonly kind: 'windows';
  readonly totals: Map<string, WindowTotals>;
}

export type OutputExpectation = SequenceExpectation | WindowExpectation;

export function expectedOutput(kind: TopologyKind, records: readonly ConsumedRecord[]): OutputExpectation {
  if (kind === 'window') {
    const totals = new Map<string, WindowTotals>();
    for (const r of records) {
      const order = JSON.parse(r.value!.toString()) as Order;
      const key = `${order.account_id}@${r.timestamp - (r.timestamp % WINDOW_MS)}`;
      const t = totals.get(key) ?? { count: 0, notional: 0 };
      // Same operations in the same (per-key offset) order as both engines, so the sums agree to the bit.
      totals.set(key, { count: t.count + 1, notional: t.notional + order.qty * order.price });
    }
    return { kind: 'windows', totals };
  }
  const killed = kind === 'join' ? killedScopes() : new Set<string>();
  const expected = new Uint8Array(records.length);
  let count = 0;
  for (let i = 0; i < records.length; i++) {
    const order = JSON.parse(records[i].value!.toString()) as Order;
    const keep =
      kind === 'filter'
        ? order.qty > 0
        : !killed.has(`ACCOUNT:${order.account_id}`) && !killed.has(`SYMBOL:${order.symbol}`) && !killed.has('GLOBAL');
    if (keep) {
      expected[sequenceOf(records[i].value!)] = 1;
      count++;
    }
  }
  return { kind: 'sequences', expected, count };
}
