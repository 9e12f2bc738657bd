// The DSL side of stream joins: KStream#join/#leftJoin/#outerJoin with a KTable, a GlobalKTable or another
// KStream. Each function only names nodes and wires them; the processors live in operators/.

import { TopologyError } from '../common/errors.ts';
import type { Serde } from '../common/serdes.ts';
import { passThroughProcessor } from '../operators/pass-through.ts';
import { SharedJoinTimes, streamStreamJoinProcessor } from '../operators/stream-stream-join.ts';
import { streamTableJoinProcessor } from '../operators/stream-table-join.ts';
import type { ValueJoiner } from '../operators/value-joiner.ts';
import { inMemoryKeyValueStoreSupplier } from '../state/memory/in-memory-key-value-store.ts';
import { JoinBuffers } from '../state/join-buffer/join-buffer-builders.ts';
import { JoinSide } from '../state/join-buffer/outer-join-buffer.ts';
import { rocksDbKeyValueStoreSupplier } from '../state/rocksdb/rocksdb-key-value-store.ts';
import { GlobalKTable } from './global-ktable.ts';
import { JoinWindows } from './join-windows.ts';
import type { Joined, StreamJoined } from './joined.ts';
import { KStream, repartitionThrough } from './kstream.ts';
import { KTable } from './ktable.ts';
import type { Named, StoreType } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';
import { joinableTable } from './table-joins.ts';

export type StreamJoinKind = 'inner' | 'left' | 'outer';

/** KStream#join/#leftJoin/#outerJoin: picks the join by what the stream is joined with. */
export function streamJoin<K, V>(stream: KStream<K, V>, kind: StreamJoinKind, other: unknown, args: readonly any[]): KStream<K, any> {
  if (other instanceof KStream) {
    if (!(args[1] instanceof JoinWindows)) throw new TopologyError('a stream-stream join needs JoinWindows as its third argument');
    return streamStreamJoin(stream, other, args[0], args[1], kind, args[2]);
  }
  if (kind === 'outer') throw new TopologyError('outer joins exist between two streams or two tables only');
  if (other instanceof KTable) return streamTableJoin(stream, other, args[0], kind === 'left', args[1]);
  if (other instanceof GlobalKTable) return streamGlobalTableJoin(stream, other, args[0], args[1], kind === 'left', args[2]);
  throw new TopologyError('a stream joins a KTable, a GlobalKTable or a KStream');
}

const joinRepartitions = new WeakMap<StreamsBuilder, Map<string, string>>();

/**
 * The node a join reads the stream from: the stream itself, or, when its key was changed upstream, the source of
 * a repartition topic `<base>-repartition` (made once per stream and base, so joining a stream twice reuses it).
 * Null keys pass the topic: left and outer joins still emit those records (KIP-962).
 */
export function joinInput<K, V>(
  stream: KStream<K, V>,
  base: string,
  named: boolean,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
): string {
  if (!stream.repartitionRequired) return stream.nodeName;
  const builder = stream.builder;
  let known = joinRepartitions.get(builder);
  if (known === undefined) joinRepartitions.set(builder, (known = new Map()));
  const id = `${stream.nodeName}\u0000${base}`;
  const existing = known.get(id);
  if (existing !== undefined) return existing;
  const source = repartitionThrough(builder, stream.nodeName, base, { keySerde, valueSerde, named, filterNullKeys: false });
  known.set(id, source);
  return source;
}

/** Stream-table join: the stream side drives, each record looks up the table's store. */
export function streamTableJoin<K, V, VT, VR>(
  stream: KStream<K, V>,
  table: KTable<K, VT>,
  joiner: ValueJoiner<V, any, VR>,
  leftJoin: boolean,
  joined: Joined<K, V, VT> = {},
): KStream<K, VR> {
  const builder = stream.builder;
  const input = joinInput(
    stream,
    joined.name ?? stream.nodeName,
    joined.name !== undefined,
    joined.keySerde ?? stream.keySerde,
    joined.valueSerde ?? stream.valueSerde,
  );
  const tableSide = joinableTable(table);
  const name = joined.name ?? builder.newProcessorName(leftJoin ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-');
  builder.topology.addProcessor(name, streamTableJoinProcessor<K, V, K, VT, VR>({ storeName: tableSide.storeName, joiner, leftJoin }), input);
  builder.topology.connectProcessorAndStateStores([name, tableSide.storeName]);
  builder.topology.copartition(input, tableSide.nodeName);
  return new KStream<K, VR>(builder, name, joined.keySerde ?? stream.keySerde, undefined, false);
}

/** Stream-global-table join: each record is mapped to a table key; no co-partitioning, no repartitioning. */
export function streamGlobalTableJoin<K, V, KG, VG, VR>(
  stream: KStream<K, V>,
  table: GlobalKTable<KG, VG>,
  keyMapper: (key: K, value: V) => KG | null | undefined,
  joiner: ValueJoiner<V, any, VR>,
  leftJoin: boolean,
  named?: Named,
): KStream<K, VR> {
  const builder = stream.builder;
  const name = named?.name ?? builder.newProcessorName(leftJoin ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-');
  builder.topology.addProcessor(
    name,
    streamTableJoinProcessor<K, V, KG, VG, VR>({ storeName: table.storeName, joiner, leftJoin, keyMapper }),
    stream.nodeName,
  );
  return new KStream<K, VR>(builder, name, stream.keySerde, undefined, stream.repartitionRequired);
}

function bufferSupplier(type: StoreType, name: string) {
  return type === 'in-memory' ? inMemoryKeyValueStoreSupplier(name) : rocksDbKeyValueStoreSupplier(name);
}

const WINDOW_SIDE_PREFIXES = {
  inner: ['KSTREAM-JOINTHIS-', 'KSTREAM-JOINOTHER-'],
  left: ['KSTREAM-JOINTHIS-', 'KSTREAM-OUTEROTHER-'],
  outer: ['KSTREAM-OUTERTHIS-', 'KSTREAM-OUTEROTHER-'],
} as const;

/**
 * Windowed stream-stream join: each side buffers its records for the other and joins those within the windows;
 * left and outer joins share a buffer of records waiting for a partner or for their window to close.
 */
export function streamStreamJoin<K, V, VO, VR>(
  left: KStream<K, V>,
  right: KStream<K, VO>,
  joiner: ValueJoiner<any, any, VR>,
  windows: JoinWindows,
  kind: StreamJoinKind,
  streamJoined: StreamJoined<K, V, VO> = {},
): KStream<K, VR> {
  const builder = left.builder;
  const topology = builder.topology;
  const name = streamJoined.name;
  const keySerde = streamJoined.keySerde ?? left.keySerde;
  const leftValueSerde = streamJoined.valueSerde ?? left.valueSerde;
  const rightValueSerde = streamJoined.otherValueSerde ?? right.valueSerde;
  const leftInput = joinInput(left, name === undefined ? left.nodeName : `${name}-left`, name !== undefined, keySerde, leftValueSerde);
  const rightInput = joinInput(
    right,
    name === undefined ? right.nodeName : `${name}-right`,
    name !== undefined,
    streamJoined.keySerde ?? right.keySerde,
    rightValueSerde,
  );

  const [thisPrefix, otherPrefix] = WINDOW_SIDE_PREFIXES[kind];
  const thisName = name === undefined ? builder.newProcessorName(thisPrefix) : `${name}-this-join`;
  const otherName = name === undefined ? builder.newProcessorName(otherPrefix) : `${name}-other-join`;
  const mergeName = name === undefined ? builder.newProcessorName('KSTREAM-MERGE-') : `${name}-merge`;
  const storeBase = streamJoined.storeName;
  const type = streamJoined.storeType ?? builder.defaultStoreType;
  const retentionMs = windows.size() + windows.gracePeriodMs();
  const withLogging = <B extends { withLoggingEnabled(c?: Readonly<Record<string, string>>): B; withLoggingDisabled(): B }>(b: B): B =>
    (streamJoined.loggingEnabled ?? true) ? b.withLoggingEnabled(streamJoined.logConfig ?? {}) : b.withLoggingDisabled();

  const leftBuffer = withLogging(
    JoinBuffers.windowBuffer(bufferSupplier(type, storeBase === undefined ? `${thisName}-store` : `${storeBase}-this-join-store`), retentionMs, keySerde, leftValueSerde),
  );
  const rightBuffer = withLogging(
    JoinBuffers.windowBuffer(
      bufferSupplier(type, storeBase === undefined ? `${otherName}-store` : `${storeBase}-other-join-store`),
      retentionMs,
      keySerde,
      rightValueSerde,
    ),
  );
  const outerBuffer =
    kind === 'inner'
      ? null
      : withLogging(
          JoinBuffers.outerBuffer(
            bufferSupplier(
              type,
              storeBase === undefined ? `${builder.newProcessorName('KSTREAM-OUTERSHARED-')}-store` : `${storeBase}-outer-shared-join-store`,
            ),
            keySerde,
            leftValueSerde,
            rightValueSerde,
          ),
        );

  const times = new SharedJoinTimes();
  const common = {
    outerBufferName: outerBuffer?.name ?? null,
    beforeMs: windows.beforeMs,
    afterMs: windows.afterMs,
    graceMs: windows.gracePeriodMs(),
    joiner,
    times,
  };
  topology.addProcessor(
    thisName,
    streamStreamJoinProcessor<K, V, VO, V, VR>({
      ...common,
      side: JoinSide.LEFT,
      thisBufferName: leftBuffer.name,
      otherBufferName: rightBuffer.name,
      thisOuter: kind !== 'inner',
      otherOuter: kind === 'outer',
    }),
    leftInput,
  );
  topology.addProcessor(
    otherName,
    streamStreamJoinProcessor<K, V, VO, VO, VR>({
      ...common,
      side: JoinSide.RIGHT,
      thisBufferName: rightBuffer.name,
      otherBufferName: leftBuffer.name,
      thisOuter: kind === 'outer',
      otherOuter: kind !== 'inner',
    }),
    rightInput,
  );
  topology.addStateStore(leftBuffer, thisName, otherName);
  topology.addStateStore(rightBuffer, thisName, otherName);
  if (outerBuffer !== null) topology.addStateStore(outerBuffer, thisName, otherName);
  topology.addProcessor(mergeName, passThroughProcessor(), thisName, otherName);
  topology.copartition(leftInput, rightInput);
  return new KStream<K, VR>(builder, mergeName, keySerde, undefined, false);
}
