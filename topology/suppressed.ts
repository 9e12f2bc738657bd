// KTable#suppress and its options: Suppressed.untilWindowCloses (one final result per window of a windowed
// aggregation) and Suppressed.untilTimeLimit (at most one update per key per time limit), with the buffer's
// bounds in BufferConfig. The work lives in operators/suppress.ts.

import { ConfigError, TopologyError } from '../common/errors.ts';
import type { Serde } from '../common/serdes.ts';
import { suppressProcessor } from '../operators/suppress.ts';
import { type WindowedSerde, WindowedSerdes } from '../state/api/windowed.ts';
import { type BufferSerde, SuppressionBufferBuilder } from '../state/memory/in-memory-suppression-buffer.ts';
import { KTable } from './ktable.ts';
import type { Topology } from './topology.ts';
import { type WindowCloseInfo, windowedAggregationOf } from './windows.ts';

type WhenFull = 'emit-early' | 'shut-down';

/** The suppression buffer's bounds and what happens past them. */
export class BufferConfig<W extends WhenFull = WhenFull> {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly whenFull: W;

  private constructor(maxRecords: number, maxBytes: number, whenFull: W) {
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
    this.whenFull = whenFull;
  }

  /** No bound: the buffer holds whatever the windows need (watch the memory). */
  static unbounded(): StrictBufferConfig {
    return new BufferConfig(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 'shut-down');
  }
  /** At most `records` keys; past it the oldest go out early (unless shutDownWhenFull()). */
  static maxRecords(records: number): EagerBufferConfig {
    return new BufferConfig(checkBound('maxRecords', records), Number.POSITIVE_INFINITY, 'emit-early');
  }
  /** At most about `bytes` of keys and values; past it the oldest go out early (unless shutDownWhenFull()). */
  static maxBytes(bytes: number): EagerBufferConfig {
    return new BufferConfig(Number.POSITIVE_INFINITY, checkBound('maxBytes', bytes), 'emit-early');
  }

  withMaxRecords(records: number): BufferConfig<W> {
    return new BufferConfig(checkBound('maxRecords', records), this.maxBytes, this.whenFull);
  }
  withMaxBytes(bytes: number): BufferConfig<W> {
    return new BufferConfig(this.maxRecords, checkBound('maxBytes', bytes), this.whenFull);
  }
  withNoBound(): BufferConfig<W> {
    return new BufferConfig(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, this.whenFull);
  }
  emitEarlyWhenFull(): EagerBufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'emit-early');
  }
  /** Stop the task (error STREAMS_SUPPRESS_BUFFER_FULL) rather than emit a result that is not final. */
  shutDownWhenFull(): StrictBufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'shut-down');
  }
}

export type StrictBufferConfig = BufferConfig<'shut-down'>;
export type EagerBufferConfig = BufferConfig<'emit-early'>;

function checkBound(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ConfigError(`BufferConfig.${what}: must be an integer ≥ 0, got ${value}`);
  return value;
}

export class Suppressed {
  readonly kind: 'window-close' | 'time-limit';
  readonly timeLimitMs: number;
  readonly bufferConfig: BufferConfig;
  readonly name: string | null;
  readonly wallClockCloseAfterMs: number | null;

  private constructor(
    kind: Suppressed['kind'],
    timeLimitMs: number,
    bufferConfig: BufferConfig,
    name: string | null,
    wallClockCloseAfterMs: number | null,
  ) {
    this.kind = kind;
    this.timeLimitMs = timeLimitMs;
    this.bufferConfig = bufferConfig;
    this.name = name;
    this.wallClockCloseAfterMs = wallClockCloseAfterMs;
  }

  /**
   * Only the final result of each window, when stream time passes its end plus the grace (plus the gap, for
   * sessions) of the windowed aggregation upstream. The buffer must not emit early, so its config is strict.
   */
  static untilWindowCloses(bufferConfig: StrictBufferConfig): Suppressed {
    if ((bufferConfig.whenFull as WhenFull) !== 'shut-down') {
      throw new ConfigError('Suppressed.untilWindowCloses: the buffer config must be unbounded() or shutDownWhenFull()');
    }
    return new Suppressed('window-close', 0, bufferConfig, null, null);
  }

  /** At most one update per key per `timeToWaitForMoreEventsMs` of stream time: the latest one. */
  static untilTimeLimit(timeToWaitForMoreEventsMs: number, bufferConfig: BufferConfig): Suppressed {
    if (!Number.isSafeInteger(timeToWaitForMoreEventsMs) || timeToWaitForMoreEventsMs < 0) {
      throw new ConfigError(`Suppressed.untilTimeLimit: the time limit must be an integer ≥ 0 ms, got ${timeToWaitForMoreEventsMs}`);
    }
    return new Suppressed('time-limit', timeToWaitForMoreEventsMs, bufferConfig, null, null);
  }

  /** Names the processor `<name>` and its buffer store `<name>-store`. */
  withName(name: string): Suppressed {
    return new Suppressed(this.kind, this.timeLimitMs, this.bufferConfig, name, this.wallClockCloseAfterMs);
  }

  /**
   * Beyond Kafka Streams, for untilWindowCloses: once the task's stream time has stood still for `idleMs` of
   * wall-clock time, a wall-clock punctuator lets stream time move on with the wall clock, so windows whose
   * end + grace has passed are emitted even when no more records come (a quiet account's last window).
   * Updates that then arrive for a window already emitted this way are dropped as late.
   */
  withWallClockCloseAfter(idleMs: number): Suppressed {
    if (this.kind !== 'window-close') throw new ConfigError('Suppressed.withWallClockCloseAfter: only untilWindowCloses closes windows');
    if (!Number.isSafeInteger(idleMs) || idleMs < 1) {
      throw new ConfigError(`Suppressed.withWallClockCloseAfter: the idle time must be an integer ≥ 1 ms, got ${idleMs}`);
    }
    return new Suppressed(this.kind, this.timeLimitMs, this.bufferConfig, this.name, idleMs);
  }
}

/** Walks up from a table's node to the windowed aggregation(s) it derives from, as Kafka's grace search does. */
function findWindowClose(topology: Topology, nodeName: string, chain: string): WindowCloseInfo {
  const node = topology.node(nodeName);
  const path = chain === '' ? nodeName : `${nodeName}->${chain}`;
  if (node === undefined || node.kind !== 'processor') {
    throw new TopologyError(`Window close time is only defined for windowed computations. Got [${path}].`);
  }
  const own = windowedAggregationOf(node.supplier);
  if (own !== undefined) return own;
  let found: WindowCloseInfo | null = null;
  for (const parent of node.predecessors) {
    const info = findWindowClose(topology, parent, path);
    if (found === null || info.closeAfterMs > found.closeAfterMs) found = info;
  }
  if (found === null) throw new TopologyError(`Window close time is only defined for windowed computations. Got [${path}].`);
  return found;
}

export function suppressTable<K, V>(table: KTable<K, V>, suppressed: Suppressed): KTable<K, V> {
  const builder = table.builder;
  const name = suppressed.name ?? builder.newProcessorName('KTABLE-SUPPRESS-');
  const storeName = suppressed.name !== null ? `${suppressed.name}-store` : builder.newStoreName('KTABLE-SUPPRESS-');
  let durationMs = suppressed.timeLimitMs;
  let keySerde: BufferSerde<K> | undefined = table.keySerde;
  if (suppressed.kind === 'window-close') {
    const info = findWindowClose(builder.topology, table.nodeName, '');
    durationMs = info.closeAfterMs;
    // The buffer orders windows by key bytes, so it needs a windowed serde even when the table names none.
    keySerde ??= (defaults) =>
      (info.kind === 'session'
        ? WindowedSerdes.sessionWindowedSerdeFrom(defaults.key)
        : WindowedSerdes.timeWindowedSerdeFrom(defaults.key, info.windowSizeMs)) as WindowedSerde<any> as unknown as Serde<K>;
  }
  const config = suppressed.bufferConfig;
  const supplier = suppressProcessor<K, V>(
    {
      storeName,
      durationMs,
      bufferTime: suppressed.kind === 'window-close' ? 'window-end' : 'record-time',
      maxRecords: config.maxRecords,
      maxBytes: config.maxBytes,
      whenFull: config.whenFull,
      dropTombstones: suppressed.kind === 'window-close',
      wallClockCloseAfterMs: suppressed.wallClockCloseAfterMs,
    },
    name,
  );
  builder.topology.addProcessor(name, supplier, table.nodeName);
  builder.topology.addStateStore(new SuppressionBufferBuilder<K, V>(storeName, keySerde, table.valueSerde), name);
  return new KTable<K, V>(builder, name, null, table.keySerde, table.valueSerde);
}
