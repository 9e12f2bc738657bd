// The Processor API: what user processors and the DSL's operators implement, and the context they get.

import type { StreamsMetrics } from '../../common/metrics.ts';
import type { StreamRecord } from '../../common/record.ts';
import type { StateStore } from '../../state/api/state-store.ts';
import type { StoreBuilder } from '../../state/api/store-builder.ts';

export const PunctuationType = { STREAM_TIME: 'stream-time', WALL_CLOCK_TIME: 'wall-clock' } as const;
export type PunctuationType = (typeof PunctuationType)[keyof typeof PunctuationType];

export type Punctuator = (timestamp: number) => void;

export interface Cancellable {
  cancel(): void;
}

/** Where the record being processed came from; null inside punctuators and cache flushes. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface ProcessorContext<KOut = unknown, VOut = unknown> {
  readonly applicationId: string;
  readonly taskId: string;
  readonly metrics: StreamsMetrics;
  recordMetadata(): RecordMetadata | null;
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
  /** Sends a record to every child, or only to the named one. */
  forward<K extends KOut, V extends VOut>(record: StreamRecord<K, V>, childName?: string): void;
  getStateStore<S extends StateStore>(name: string): S;
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** Asks for a commit as soon as the current record is done. */
  commit(): void;
}

export interface Processor<KIn, VIn, KOut = KIn, VOut = VIn> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: StreamRecord<KIn, VIn>): void;
  close?(): void;
}

/** A fresh processor per task; `stores()` lets a supplier bring and connect its own stores. */
export type ProcessorSupplier<KIn, VIn, KOut = KIn, VOut = VIn> =
  | (() => Processor<KIn, VIn, KOut, VOut>)
  | { get(): Processor<KIn, VIn, KOut, VOut>; stores?(): StoreBuilder[] };

export function supplyProcessor<KIn, VIn, KOut, VOut>(
  supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
): Processor<KIn, VIn, KOut, VOut> {
  return typeof supplier === 'function' ? supplier() : supplier.get();
}

export function suppliedStores(supplier: ProcessorSupplier<any, any, any, any>): StoreBuilder[] {
  return typeof supplier === 'function' ? [] : (supplier.stores?.() ?? []);
}

/** A KTable update: the new value and, when the downstream asked for it, the previous one. */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}
