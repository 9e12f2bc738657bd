// The RocksDB engine (@nxtedition/rocksdb): synchronous point reads, writes held in a pending buffer until flush()
// commits them as one WriteBatch, and scans that merge that buffer over a native iterator.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import { StateStoreError } from '../../common/errors.ts';
import type { KeyValueBytesStore, KeyValueBytesStoreSupplier } from '../api/key-value-store.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { inBounds, type ScanBounds } from '../api/sorted-scan.ts';

/** Opaque pointers the addon hands out (napi externals). */
type NativeDb = { readonly __nativeDb: true };
type NativeBatch = { readonly __nativeBatch: true };
type NativeIterator = { readonly __nativeIterator: true };

/**
 * The part of the addon this engine uses. We call the binding directly because the RocksLevel class around it only
 * offers these synchronous paths as underscored internals, behind an asynchronous open().
 */
interface NxtRocksBinding {
  db_init(handle: bigint): NativeDb;
  db_get_many_sync(db: NativeDb, keys: Buffer[], options: object): Array<Buffer | null | undefined>;
  db_get_property(db: NativeDb, property: string): string;
  /** Without a limit: one DeleteRange over [gte, lt), written at once (not through a batch). */
  db_clear(db: NativeDb, options: { readonly gte?: Buffer; readonly lt: Buffer }): void;
  batch_init(): NativeBatch;
  batch_put(batch: NativeBatch, key: Buffer, value: Buffer, options: object): void;
  batch_del(batch: NativeBatch, key: Buffer, options: object): void;
  batch_clear(batch: NativeBatch): void;
  batch_write(db: NativeDb, batch: NativeBatch, options: object): void;
  iterator_init(db: NativeDb, options: object): NativeIterator;
  iterator_nextv_sync(iterator: NativeIterator, count: number): { rows: Buffer[]; finished: boolean };
  iterator_close(iterator: NativeIterator): void;
}

const requireCjs = createRequire(import.meta.url);
const BINDING_PATH = requireCjs.resolve('@nxtedition/rocksdb/binding.js');
const binding = requireCjs(BINDING_PATH) as NxtRocksBinding;

/**
 * Handed to the addon's open. Left alone, RocksDB gives every database 64 MB write buffers, sized for one big
 * database; a streams app runs one per store and task, so we take Kafka Streams' per-store shape instead: universal
 * compaction and 16 MB write buffers (the addon derives them as a quarter of the memtable budget, and only sizes
 * them at all when a compaction style is named).
 */
const DB_OPEN_OPTIONS = {
  createIfMissing: true,
  errorIfExists: false,
  compaction: 'universal',
  memtableMemoryBudget: 64 * 1024 * 1024,
  cacheSize: 16 * 1024 * 1024,
} as const;

// Reused on every call: the addon reads each option by name, an empty object costs the least.
const NO_OPTIONS = {} as const;
// No fsync per commit: the changelog topic is the durable copy; the WAL (not synced) survives a process crash.
const WRITE_OPTIONS = { sync: false } as const;
const SCAN_CHUNK = 1000;
const LIFECYCLE_TIMEOUT_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------------------------
// Open and close off the main thread.
//
// The addon's open and close run on the libuv pool and report through a callback, so the main thread would have to
// return to its event loop to see them, yet StateStore.init() and close() are synchronous. A helper thread opens the
// database in its own event loop and passes back the native Database pointer (the addon's own `handle` mechanism for
// sharing one database between threads); the main thread blocks on Atomics.wait until the answer is posted.
// Reads, writes and iteration never touch the helper: they are synchronous calls on the shared pointer.
// The helper owns each database's lifetime: if the process exits with stores still open, its environment cleanup
// closes them (flushing the WAL).

const LIFECYCLE_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const signal = new Int32Array(workerData.signal);
const port = workerData.port;
function reply(message) {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}
function fail(id, error) {
  reply({ id, error: String(error && error.message ? error.message : error) });
}
let binding = null;
try {
  binding = require(workerData.bindingPath);
} catch (error) {
  // Answering the hello with the error lets the thread end quietly; the opener reports it.
  fail(0, error);
}
const open = new Map();
if (binding !== null) {
  port.on('message', (request) => {
    const id = request.id;
    try {
      if (request.op === 'open') {
        const db = binding.db_init(request.location);
        binding.db_open(db, request.options, (error) => {
          if (error) return fail(id, error);
          const handle = binding.db_get_handle(db);
          open.set(handle, db);
          reply({ id, handle });
        });
      } else if (request.op === 'close') {
        const db = open.get(request.handle);
        if (db === undefined) return reply({ id });
        binding.db_close(db, (error) => {
          open.delete(request.handle);
          if (error) return fail(id, error);
          reply({ id });
        });
      } else {
        fail(id, 'unknown op ' + request.op);
      }
    } catch (error) {
      fail(id, error);
    }
  });
  reply({ id: 0 });
}
`;

type LifecycleRequest =
  | { readonly op: 'open'; readonly location: string; readonly options: object }
  | { readonly op: 'close'; readonly handle: bigint };

interface LifecycleReply {
  readonly id: number;
  readonly handle?: bigint;
  readonly error?: string;
}

class RocksDbLifecycleThread {
  readonly #port: MessagePort;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  #nextId = 0;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const worker = new Worker(LIFECYCLE_WORKER_SOURCE, {
      eval: true,
      workerData: { bindingPath: BINDING_PATH, signal: this.#signal.buffer, port: port2 },
      transferList: [port2],
    });
    // The helper must never keep the process alive; stores are closed explicitly or by the addon at exit.
    worker.unref();
    // A helper that dies while starting could not answer later calls; waiting for its hello turns that into an error
    // here, instead of a main thread blocked until the timeout.
    const hello = this.#awaitReply(0, 'start');
    if (hello.error !== undefined) {
      throw new StateStoreError(`the rocksdb helper thread could not load the addon: ${hello.error}`);
    }
  }

  /** Blocks the calling thread until the helper answers. */
  call(request: LifecycleRequest): LifecycleReply {
    const id = ++this.#nextId;
    this.#port.postMessage({ ...request, id });
    return this.#awaitReply(id, request.op);
  }

  #awaitReply(id: number, what: string): LifecycleReply {
    const deadline = Date.now() + LIFECYCLE_TIMEOUT_MS;
    for (;;) {
      // Reset before looking, so a reply posted after the look still wakes the wait below.
      Atomics.store(this.#signal, 0, 0);
      const received = receiveMessageOnPort(this.#port);
      if (received !== undefined) {
        const reply = received.message as LifecycleReply;
        // Answers to requests that timed out earlier arrive late; they are dropped here.
        if (reply.id === id) return reply;
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || Atomics.wait(this.#signal, 0, 0, remaining) === 'timed-out') {
        throw new StateStoreError(
          `rocksdb ${what} did not finish within ${LIFECYCLE_TIMEOUT_MS} ms; check the disk and restart the instance`,
        );
      }
    }
  }
}

let lifecycleThread: RocksDbLifecycleThread | null = null;

function lifecycle(): RocksDbLifecycleThread {
  lifecycleThread ??= new RocksDbLifecycleThread();
  return lifecycleThread;
}

// ---------------------------------------------------------------------------------------------------------------

interface PendingWrite {
  /** The key as latin1, whose code-unit order is unsigned byte order. */
  readonly id: string;
  readonly key: Buffer;
  /** null deletes the key at flush. */
  readonly value: Buffer | null;
}

interface OpenDb {
  readonly native: NativeDb;
  readonly handle: bigint;
  readonly batch: NativeBatch;
}

export class RocksDbKeyValueStore implements KeyValueBytesStore {
  readonly name: string;
  readonly persistent = true;
  readonly #pending = new Map<string, PendingWrite>();
  #db: OpenDb | null = null;
  #location = '';
  // Reused so a point read allocates nothing besides the addon's own result.
  readonly #getKeys: Buffer[] = [Buffer.alloc(0)];

  constructor(name: string) {
    this.name = name;
  }

  init(context: StateStoreContext): void {
    if (this.#db !== null) throw new StateStoreError(`store ${this.name} is already open at ${this.#location}`);
    const location = join(context.stateDir, 'rocksdb', this.name);
    mkdirSync(location, { recursive: true });
    const reply = lifecycle().call({ op: 'open', location, options: DB_OPEN_OPTIONS });
    if (reply.error !== undefined || reply.handle === undefined) {
      throw new StateStoreError(
        `cannot open rocksdb store ${this.name} at ${location}: ${reply.error ?? 'no handle returned'}; ` +
          'if another instance or task holds its lock, close that one first',
      );
    }
    this.#db = { native: binding.db_init(reply.handle), handle: reply.handle, batch: binding.batch_init() };
    this.#location = location;
  }

  get(key: Buffer): Buffer | undefined {
    const db = this.#open();
    const pending = this.#pending.get(key.toString('latin1'));
    if (pending !== undefined) return pending.value ?? undefined;
    this.#getKeys[0] = key;
    return binding.db_get_many_sync(db.native, this.#getKeys, NO_OPTIONS)[0] ?? undefined;
  }

  put(key: Buffer, value: Buffer | null): void {
    this.#open();
    const id = key.toString('latin1');
    this.#pending.set(id, { id, key, value });
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.get(key);
    if (existing === undefined) this.put(key, value);
    return existing;
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  delete(key: Buffer): Buffer | undefined {
    const old = this.get(key);
    this.put(key, null);
    return old;
  }

  /**
   * Deletes every key in [from, to) (from null: the keyspace start) with one RocksDB range tombstone, where deleting
   * key by key would cost a read and a tombstone per key. Pending writes in the range are dropped; the tombstone is
   * written at once, which is safe because no pending write remains that it could order against.
   */
  deleteRange(from: Buffer | null, to: Buffer): void {
    const db = this.#open();
    const lo = from === null ? null : from.toString('latin1');
    const hi = to.toString('latin1');
    if (lo !== null && lo >= hi) return;
    for (const id of this.#pending.keys()) if ((lo === null || id >= lo) && id < hi) this.#pending.delete(id);
    try {
      binding.db_clear(db.native, from === null ? { lt: to } : { gte: from, lt: to });
    } catch (error) {
      throw new StateStoreError(`rocksdb store ${this.name} could not delete a key range`, { cause: error });
    }
  }

  /** Restored records land after everything accepted before them, so the pending buffer is written first. */
  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    const db = this.#open();
    this.flush();
    for (const record of records) {
      if (record.value === null) binding.batch_del(db.batch, record.key, NO_OPTIONS);
      else binding.batch_put(db.batch, record.key, record.value, NO_OPTIONS);
    }
    this.#writeBatch(db, records.length);
  }

  range(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#scan({ from, to, reverse: false });
  }
  reverseRange(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#scan({ from, to, reverse: true });
  }
  all(): KeyValue<Buffer, Buffer>[] {
    return this.#scan({ from: null, to: null, reverse: false });
  }
  reverseAll(): KeyValue<Buffer, Buffer>[] {
    return this.#scan({ from: null, to: null, reverse: true });
  }
  prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<Buffer, Buffer>[] {
    const bytes = prefixSerializer.serialize(prefix);
    if (bytes === null) return [];
    return this.#scan({ prefix: bytes, from: null, to: null, reverse: false });
  }

  /** RocksDB's own estimate (it counts overwrites until compaction) moved by the writes not flushed yet. */
  approximateNumEntries(): number {
    const db = this.#open();
    let estimate = Number.parseInt(binding.db_get_property(db.native, 'rocksdb.estimate-num-keys'), 10) || 0;
    for (const write of this.#pending.values()) estimate += write.value === null ? -1 : 1;
    return Math.max(0, estimate);
  }

  flush(): void {
    const db = this.#open();
    if (this.#pending.size === 0) return;
    for (const write of this.#pending.values()) {
      if (write.value === null) binding.batch_del(db.batch, write.key, NO_OPTIONS);
      else binding.batch_put(db.batch, write.key, write.value, NO_OPTIONS);
    }
    // The buffer is kept until the batch is in, so a failed flush can be retried without losing writes.
    this.#writeBatch(db, this.#pending.size);
    this.#pending.clear();
  }

  close(): void {
    const db = this.#db;
    if (db === null) return;
    // 1. flush the pending buffer 2. release the database and its lock even when the flush failed: what the flush
    // could not write is still in the changelog, and a store that stays locked would block its next owner.
    let flushError: unknown = null;
    try {
      this.flush();
    } catch (error) {
      flushError = error;
    }
    this.#db = null;
    this.#pending.clear();
    binding.batch_clear(db.batch);
    const reply = lifecycle().call({ op: 'close', handle: db.handle });
    if (flushError !== null) throw flushError;
    if (reply.error !== undefined) throw new StateStoreError(`closing rocksdb store ${this.name} failed: ${reply.error}`);
  }

  isOpen(): boolean {
    return this.#db !== null;
  }

  #writeBatch(db: OpenDb, count: number): void {
    try {
      binding.batch_write(db.native, db.batch, WRITE_OPTIONS);
    } catch (error) {
      throw new StateStoreError(`rocksdb store ${this.name} could not write a batch of ${count} entries`, {
        cause: error,
      });
    } finally {
      binding.batch_clear(db.batch);
    }
  }

  #scan(bounds: ScanBounds): KeyValue<Buffer, Buffer>[] {
    const db = this.#open();
    // Kafka Streams answers an inverted range with nothing rather than an error.
    if (bounds.from !== null && bounds.to !== null && Buffer.compare(bounds.from, bounds.to) > 0) return [];
    const direction = bounds.reverse ? -1 : 1;
    const pending = this.#pendingWithin(bounds);
    const out: KeyValue<Buffer, Buffer>[] = [];
    let next = 0;
    const iterator = binding.iterator_init(db.native, iteratorOptions(bounds));
    try {
      let finished = false;
      while (!finished) {
        const chunk = binding.iterator_nextv_sync(iterator, SCAN_CHUNK);
        finished = chunk.finished;
        const rows = chunk.rows;
        for (let i = 0; i < rows.length; i += 2) {
          const key = rows[i];
          // Pending writes that sort before this row (or replace it) come out first, in scan order.
          let replaced = false;
          while (next < pending.length) {
            const order = Buffer.compare(pending[next].key, key) * direction;
            if (order > 0) break;
            if (order === 0) replaced = true;
            const write = pending[next++];
            if (write.value !== null) out.push({ key: write.key, value: write.value });
          }
          if (!replaced) out.push({ key, value: rows[i + 1] });
        }
      }
    } finally {
      binding.iterator_close(iterator);
    }
    for (; next < pending.length; next++) {
      const write = pending[next];
      if (write.value !== null) out.push({ key: write.key, value: write.value });
    }
    return out;
  }

  #pendingWithin(bounds: ScanBounds): PendingWrite[] {
    const selected: PendingWrite[] = [];
    for (const write of this.#pending.values()) if (inBounds(write.id, bounds)) selected.push(write);
    selected.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return bounds.reverse ? selected.reverse() : selected;
  }

  #open(): OpenDb {
    if (this.#db === null) throw new StateStoreError(`store ${this.name} is not open`);
    return this.#db;
  }
}

function iteratorOptions(bounds: ScanBounds): object {
  // Both encodings must be named: the addon leaves them undefined otherwise and fails on the first row.
  const options: Record<string, unknown> = {
    reverse: bounds.reverse,
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  };
  if (bounds.prefix !== undefined) {
    if (bounds.prefix.length > 0) options.gte = bounds.prefix;
    const end = prefixEnd(bounds.prefix);
    if (end !== null) options.lt = end;
    return options;
  }
  if (bounds.from !== null) options.gte = bounds.from;
  if (bounds.to !== null) options.lte = bounds.to;
  return options;
}

/** The smallest key above every key that starts with `prefix`; null when no such key exists (empty or all 0xff). */
function prefixEnd(prefix: Buffer): Buffer | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i]++;
      return end;
    }
  }
  return null;
}

export function rocksDbKeyValueStoreSupplier(name: string): KeyValueBytesStoreSupplier {
  return { name, persistent: true, metricsScope: 'rocksdb', get: () => new RocksDbKeyValueStore(name) };
}
