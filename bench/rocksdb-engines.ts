// Compares the two RocksDB bindings we could build the persistent engine on, on the load that engine sees:
// a count-by-key aggregation behind a small record cache. Run: node_modules/.bin/node bench/rocksdb-engines.ts

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateStoreContext } from '../state/api/state-store.ts';
import { RocksDbKeyValueStore } from '../state/rocksdb/rocksdb-key-value-store.ts';

const UPDATES = 1_000_000;
const DISTINCT_KEYS = 10_000;
/** Zipf exponent of key popularity: a few hot accounts, a long tail. */
const ZIPF_S = 1.0;
const CACHE_ENTRIES = 1_000;
/** With the figures above this gives commits of ~4.2k-4.4k dirty keys and ~200k reads that reach RocksDB. */
const COMMIT_EVERY = 20_000;
const WORKLOAD_RUNS = 3;
const MICRO_RUNS = 5;
const POINT_GETS = 50_000;
const BATCHED_GET_SIZE = 1_000;
const PUT_BATCHES = 40;
const PUT_BATCH_SIZE = 5_000;
const SCAN_CHUNK = 1_000;
/**
 * Same write-buffer size on both sides (Kafka Streams' per-store default, and what our engine opens with), large
 * enough that no run flushes a memtable to disk.
 */
const WRITE_BUFFER_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// The two libraries, reduced to what the bench calls. Neither ships TypeScript types.

type Native = { readonly __native: true };

interface NxtBinding {
  db_init(location: string): Native;
  db_open(db: Native, options: object, callback: (error: Error | null) => void): void;
  db_close(db: Native, callback: (error: Error | null) => void): void;
  db_get_many_sync(db: Native, keys: Buffer[], options: object): Array<Buffer | null | undefined>;
  batch_init(): Native;
  batch_put(batch: Native, key: Buffer, value: Buffer, options: object): void;
  batch_clear(batch: Native): void;
  batch_write(db: Native, batch: Native, options: object): void;
  iterator_init(db: Native, options: object): Native;
  iterator_nextv_sync(iterator: Native, count: number): { rows: Buffer[]; finished: boolean };
  iterator_close(iterator: Native): void;
}

interface HolepunchBatch {
  get(key: Buffer): Promise<Buffer | null>;
  tryPut(key: Buffer, value: Buffer): void;
  tryFlush(): void;
  flush(): Promise<void>;
  destroy(): void;
}
interface HolepunchDb {
  ready(): Promise<void>;
  close(): Promise<void>;
  get(key: Buffer): Promise<Buffer | null>;
  read(options?: { capacity?: number }): HolepunchBatch;
  write(options?: { capacity?: number }): HolepunchBatch;
  iterator(range: object, options?: { capacity?: number }): AsyncIterable<{ key: Buffer; value: Buffer }>;
}
type HolepunchDbClass = new (path: string, options?: object) => HolepunchDb;

const requireCjs = createRequire(import.meta.url);
const nxt = requireCjs('@nxtedition/rocksdb/binding.js') as NxtBinding;
const HolepunchRocksDb = requireCjs('rocksdb-native') as HolepunchDbClass;

// ---------------------------------------------------------------------------------------------------------------
// A contender is one way of driving RocksDB. Sync contenders answer reads inline; the async one needs an await.

interface Contender {
  readonly label: string;
  readonly sync: boolean;
  open(dir: string): Promise<void>;
  close(): Promise<void>;
  getSync(key: Buffer): Buffer | undefined;
  getAsync(key: Buffer): Promise<Buffer | undefined>;
  /** Only where the library has a cheaper multi-key read than one get at a time. */
  getBatch?(keys: Buffer[]): Promise<void>;
  writeBatch(entries: ReadonlyArray<readonly [Buffer, Buffer]>): void | Promise<void>;
  /** Returns how many entries it read, and their summed 8-byte counts. */
  scan(): { entries: number; sum: number } | Promise<{ entries: number; sum: number }>;
}

function syncOnly(): never {
  throw new Error('this contender has no asynchronous path');
}

class NxtRawContender implements Contender {
  readonly label = '@nxtedition/rocksdb';
  readonly sync = true;
  #db: Native | null = null;
  readonly #batch = nxt.batch_init();
  readonly #keys: Buffer[] = [Buffer.alloc(0)];

  async open(dir: string): Promise<void> {
    const db = nxt.db_init(dir);
    await new Promise<void>((resolve, reject) =>
      // The addon only sizes write buffers when a compaction style is named, at a quarter of the budget.
      nxt.db_open(
        db,
        { createIfMissing: true, compaction: 'universal', memtableMemoryBudget: 4 * WRITE_BUFFER_BYTES },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    this.#db = db;
  }
  async close(): Promise<void> {
    const db = this.#db!;
    this.#db = null;
    await new Promise<void>((resolve, reject) => nxt.db_close(db, (error) => (error ? reject(error) : resolve())));
  }
  getSync(key: Buffer): Buffer | undefined {
    this.#keys[0] = key;
    return nxt.db_get_many_sync(this.#db!, this.#keys, {})[0] ?? undefined;
  }
  getAsync = syncOnly;
  writeBatch(entries: ReadonlyArray<readonly [Buffer, Buffer]>): void {
    for (const [key, value] of entries) nxt.batch_put(this.#batch, key, value, {});
    nxt.batch_write(this.#db!, this.#batch, {});
    nxt.batch_clear(this.#batch);
  }
  scan(): { entries: number; sum: number } {
    const iterator = nxt.iterator_init(this.#db!, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    let entries = 0;
    let sum = 0;
    try {
      for (;;) {
        const { rows, finished } = nxt.iterator_nextv_sync(iterator, SCAN_CHUNK);
        for (let i = 1; i < rows.length; i += 2) {
          entries++;
          sum += decodeCount(rows[i]);
        }
        if (finished) break;
      }
    } finally {
      nxt.iterator_close(iterator);
    }
    return { entries, sum };
  }
}

/** Our engine on top of @nxtedition/rocksdb, to see what its pending buffer and merge cost over the raw binding. */
class EngineContender implements Contender {
  readonly label = 'RocksDbKeyValueStore';
  readonly sync = true;
  #store: RocksDbKeyValueStore | null = null;

  async open(dir: string): Promise<void> {
    this.#store = new RocksDbKeyValueStore('bench');
    this.#store.init(benchContext(dir));
  }
  async close(): Promise<void> {
    this.#store!.close();
    this.#store = null;
  }
  getSync(key: Buffer): Buffer | undefined {
    return this.#store!.get(key);
  }
  getAsync = syncOnly;
  writeBatch(entries: ReadonlyArray<readonly [Buffer, Buffer]>): void {
    const store = this.#store!;
    for (const [key, value] of entries) store.put(key, value);
    store.flush();
  }
  scan(): { entries: number; sum: number } {
    let sum = 0;
    const all = this.#store!.all();
    for (const entry of all) sum += decodeCount(entry.value);
    return { entries: all.length, sum };
  }
}

class HolepunchContender implements Contender {
  readonly label = 'rocksdb-native';
  readonly sync = false;
  #db: HolepunchDb | null = null;

  async open(dir: string): Promise<void> {
    this.#db = new HolepunchRocksDb(dir, { writeBufferSize: WRITE_BUFFER_BYTES });
    await this.#db.ready();
  }
  async close(): Promise<void> {
    await this.#db!.close();
    this.#db = null;
  }
  getSync(): Buffer | undefined {
    throw new Error('rocksdb-native has no synchronous read');
  }
  async getAsync(key: Buffer): Promise<Buffer | undefined> {
    return (await this.#db!.get(key)) ?? undefined;
  }
  async getBatch(keys: Buffer[]): Promise<void> {
    const batch = this.#db!.read({ capacity: keys.length });
    const values = keys.map((key) => batch.get(key));
    batch.tryFlush();
    await Promise.all(values);
    batch.destroy();
  }
  async writeBatch(entries: ReadonlyArray<readonly [Buffer, Buffer]>): Promise<void> {
    const batch = this.#db!.write({ capacity: entries.length });
    for (const [key, value] of entries) batch.tryPut(key, value);
    await batch.flush();
    batch.destroy();
  }
  async scan(): Promise<{ entries: number; sum: number }> {
    let entries = 0;
    let sum = 0;
    for await (const entry of this.#db!.iterator({}, { capacity: SCAN_CHUNK })) {
      entries++;
      sum += decodeCount(entry.value);
    }
    return { entries, sum };
  }
}

/** The engine reads only stateDir from its context. */
function benchContext(stateDir: string): StateStoreContext {
  const context: Partial<StateStoreContext> = { applicationId: 'bench', taskId: '0_0', partition: 0, stateDir };
  return context as StateStoreContext;
}

// ---------------------------------------------------------------------------------------------------------------
// Data: deterministic, built once, shared by every contender.

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfSequence(length: number, distinct: number, s: number, seed: number): Int32Array {
  const cdf = new Float64Array(distinct);
  let total = 0;
  for (let rank = 0; rank < distinct; rank++) cdf[rank] = total += 1 / (rank + 1) ** s;
  const random = mulberry32(seed);
  // Hot ranks land on scattered key ids, not on acct-00000..acct-00099.
  const keyOfRank = Int32Array.from({ length: distinct }, (_, i) => i);
  for (let i = distinct - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [keyOfRank[i], keyOfRank[j]] = [keyOfRank[j], keyOfRank[i]];
  }
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const u = random() * total;
    let lo = 0;
    let hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = keyOfRank[lo];
  }
  return out;
}

const accountKeys = Array.from({ length: DISTINCT_KEYS }, (_, i) => Buffer.from(`acct-${String(i).padStart(5, '0')}`));
const updateSequence = zipfSequence(UPDATES, DISTINCT_KEYS, ZIPF_S, 42);
const pointGetSequence = zipfSequence(POINT_GETS, DISTINCT_KEYS, 0, 7); // s = 0: uniform
const putBatches = Array.from({ length: PUT_BATCHES }, (_, b) =>
  Array.from({ length: PUT_BATCH_SIZE }, (_, i) => {
    const id = b * PUT_BATCH_SIZE + i;
    return [Buffer.from(`k-${String(id).padStart(8, '0')}`), encodeCount(id)] as const;
  }),
);

function encodeCount(count: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32BE(Math.floor(count / 0x1_0000_0000), 0);
  out.writeUInt32BE(count >>> 0, 4);
  return out;
}

function decodeCount(bytes: Buffer): number {
  return bytes.readUInt32BE(0) * 0x1_0000_0000 + bytes.readUInt32BE(4);
}

// ---------------------------------------------------------------------------------------------------------------
// The count-by-key workload. An LRU of CACHE_ENTRIES counts stands in for the caching store; `dirty` holds every key
// changed since the last commit (what the caching store and our pending buffer hold between commits).

class CountCache {
  readonly #lru = new Map<number, number>();
  readonly #dirty = new Map<number, number>();

  /** The count when cached or changed since the last commit; undefined means RocksDB must be asked. */
  lookup(key: number): number | undefined {
    const cached = this.#lru.get(key);
    if (cached !== undefined) {
      this.#lru.delete(key); // re-inserted by update(), which makes it the most recent
      return cached;
    }
    return this.#dirty.get(key);
  }

  update(key: number, count: number): void {
    this.#lru.set(key, count);
    if (this.#lru.size > CACHE_ENTRIES) this.#lru.delete(this.#lru.keys().next().value!);
    this.#dirty.set(key, count);
  }

  takeDirty(): Array<readonly [Buffer, Buffer]> {
    const entries: Array<readonly [Buffer, Buffer]> = [];
    for (const [key, count] of this.#dirty) entries.push([accountKeys[key], encodeCount(count)]);
    this.#dirty.clear();
    return entries;
  }
}

interface WorkloadResult {
  readonly totalMs: number;
  readonly reads: number;
  readonly commitMs: number[];
  readonly commitSizes: number[];
}

function countByKeySync(contender: Contender): WorkloadResult {
  const cache = new CountCache();
  const commitMs: number[] = [];
  const commitSizes: number[] = [];
  let reads = 0;
  const commit = (): void => {
    const entries = cache.takeDirty();
    const t0 = performance.now();
    contender.writeBatch(entries);
    commitMs.push(performance.now() - t0);
    commitSizes.push(entries.length);
  };
  const t0 = performance.now();
  for (let i = 0; i < UPDATES; i++) {
    const key = updateSequence[i];
    let count = cache.lookup(key);
    if (count === undefined) {
      reads++;
      const stored = contender.getSync(accountKeys[key]);
      count = stored === undefined ? 0 : decodeCount(stored);
    }
    cache.update(key, count + 1);
    if ((i + 1) % COMMIT_EVERY === 0) commit();
  }
  if (UPDATES % COMMIT_EVERY !== 0) commit();
  return { totalMs: performance.now() - t0, reads, commitMs, commitSizes };
}

async function countByKeyAsync(contender: Contender): Promise<WorkloadResult> {
  const cache = new CountCache();
  const commitMs: number[] = [];
  const commitSizes: number[] = [];
  let reads = 0;
  const commit = async (): Promise<void> => {
    const entries = cache.takeDirty();
    const t0 = performance.now();
    await contender.writeBatch(entries);
    commitMs.push(performance.now() - t0);
    commitSizes.push(entries.length);
  };
  const t0 = performance.now();
  for (let i = 0; i < UPDATES; i++) {
    const key = updateSequence[i];
    let count = cache.lookup(key);
    if (count === undefined) {
      reads++;
      // The only way this library reads: one promise, and one trip through the libuv pool, per cache miss.
      const stored = await contender.getAsync(accountKeys[key]);
      count = stored === undefined ? 0 : decodeCount(stored);
    }
    cache.update(key, count + 1);
    if ((i + 1) % COMMIT_EVERY === 0) await commit();
  }
  if (UPDATES % COMMIT_EVERY !== 0) await commit();
  return { totalMs: performance.now() - t0, reads, commitMs, commitSizes };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements. Every run gets a fresh directory; contenders take turns within a run so drift hits all alike.

type Samples = Map<string, number[]>;

function record(samples: Samples, name: string, value: number): void {
  const list = samples.get(name);
  if (list === undefined) samples.set(name, [value]);
  else list.push(value);
}

const root = mkdtempSync(join(tmpdir(), 'risk-streams-bench-rocksdb-'));
let dirCounter = 0;
const freshDir = (): string => join(root, String(dirCounter++));

async function withOpen<T>(contender: Contender, dir: string, body: () => Promise<T>): Promise<T> {
  await contender.open(dir);
  try {
    return await body();
  } finally {
    await contender.close();
  }
}

let workloadShape = '';

async function workloadRun(contender: Contender, samples: Samples): Promise<void> {
  await withOpen(contender, freshDir(), async () => {
    const result = contender.sync ? countByKeySync(contender) : await countByKeyAsync(contender);
    const check = await contender.scan();
    if (check.entries !== DISTINCT_KEYS || check.sum !== UPDATES) {
      throw new Error(`${contender.label}: stored ${check.entries} keys summing to ${check.sum}, expected ${UPDATES}`);
    }
    record(samples, `${contender.label}|workload updates/s`, UPDATES / (result.totalMs / 1000));
    record(samples, `${contender.label}|workload ms per commit (median)`, median(result.commitMs));
    workloadShape = `${result.reads} reads reached RocksDB; ${result.commitSizes.length} commits of ${Math.min(
      ...result.commitSizes,
    )}-${Math.max(...result.commitSizes)} keys`;
  });
}

async function microRun(contender: Contender, samples: Samples): Promise<void> {
  // Point reads over 10k present keys.
  await withOpen(contender, freshDir(), async () => {
    await contender.writeBatch(accountKeys.map((key, i) => [key, encodeCount(i)] as const));
    let found = 0;
    let t0 = performance.now();
    if (contender.sync) {
      for (let i = 0; i < POINT_GETS; i++) if (contender.getSync(accountKeys[pointGetSequence[i]]) !== undefined) found++;
    } else {
      for (let i = 0; i < POINT_GETS; i++)
        if ((await contender.getAsync(accountKeys[pointGetSequence[i]])) !== undefined) found++;
    }
    record(samples, `${contender.label}|point get/s (one at a time)`, POINT_GETS / ((performance.now() - t0) / 1000));
    if (found !== POINT_GETS) throw new Error(`${contender.label}: found ${found} of ${POINT_GETS} keys`);
    if (contender.getBatch !== undefined) {
      t0 = performance.now();
      for (let i = 0; i < POINT_GETS; i += BATCHED_GET_SIZE) {
        const keys: Buffer[] = [];
        for (let j = i; j < i + BATCHED_GET_SIZE; j++) keys.push(accountKeys[pointGetSequence[j]]);
        await contender.getBatch(keys);
      }
      record(
        samples,
        `${contender.label}|point get/s (batches of ${BATCHED_GET_SIZE})`,
        POINT_GETS / ((performance.now() - t0) / 1000),
      );
    }
  });
  // Batch writes, then a full scan of what they wrote.
  await withOpen(contender, freshDir(), async () => {
    const t0 = performance.now();
    for (const batch of putBatches) await contender.writeBatch(batch);
    const putMs = performance.now() - t0;
    record(samples, `${contender.label}|batch put entries/s (${PUT_BATCH_SIZE}/batch)`, (PUT_BATCHES * PUT_BATCH_SIZE) / (putMs / 1000));
    const t1 = performance.now();
    const { entries } = await contender.scan();
    const scanMs = performance.now() - t1;
    if (entries !== PUT_BATCHES * PUT_BATCH_SIZE) throw new Error(`${contender.label}: scan saw ${entries} entries`);
    record(samples, `${contender.label}|full scan entries/s (${entries} entries)`, entries / (scanMs / 1000));
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function format(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)} k`;
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(2);
}

function printTable(samples: Samples): void {
  const metrics = [...new Set([...samples.keys()].map((name) => name.split('|')[1]))];
  const labels = [...new Set([...samples.keys()].map((name) => name.split('|')[0]))];
  const rows: string[][] = [['metric', 'library', 'median', 'min', 'max', 'runs']];
  for (const metric of metrics) {
    for (const label of labels) {
      const values = samples.get(`${label}|${metric}`);
      if (values === undefined) continue;
      rows.push([
        metric,
        label,
        format(median(values)),
        format(Math.min(...values)),
        format(Math.max(...values)),
        String(values.length),
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('\nmedian ratio @nxtedition/rocksdb : rocksdb-native');
  for (const metric of metrics) {
    const a = samples.get(`@nxtedition/rocksdb|${metric}`);
    const b = samples.get(`rocksdb-native|${metric}`);
    if (a === undefined || b === undefined) continue;
    const lowerIsBetter = metric.includes(' ms ');
    console.log(`  ${metric.padEnd(widths[0])}  ${(median(a) / median(b)).toFixed(2)}x${lowerIsBetter ? ' (lower is better)' : ''}`);
  }
}

const contenders: Contender[] = [new NxtRawContender(), new EngineContender(), new HolepunchContender()];
const samples: Samples = new Map();
const started = performance.now();
console.log(
  `rocksdb engines: ${UPDATES} count-by-key updates over ${DISTINCT_KEYS} keys (zipf s=${ZIPF_S}), ` +
    `LRU ${CACHE_ENTRIES}, commit every ${COMMIT_EVERY}; node ${process.version}\n`,
);
try {
  // One short pass to get every path compiled before anything is timed.
  for (const contender of contenders) await microRun(contender, new Map());
  for (let run = 0; run < MICRO_RUNS; run++) for (const contender of contenders) await microRun(contender, samples);
  for (let run = 0; run < WORKLOAD_RUNS; run++) for (const contender of contenders) await workloadRun(contender, samples);
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`workload per run: ${workloadShape}\n`);
printTable(samples);
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
