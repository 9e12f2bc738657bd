// A bounded cache of decoded values in front of a read-mostly store (global tables): a hit costs one map read
// instead of a native call and a decode. The store drops a key's entry on every write to it, so the cache never
// answers with a value the store no longer holds; absences are cached too, since lookups of absent keys are common.

import { ConfigError } from '../../common/errors.ts';

/** Entries a read cache keeps unless told otherwise: a whole kill-switch or reference table, a few MB of heap. */
export const DEFAULT_READ_CACHE_ENTRIES = 10_000;

/** What `get` answers when the cache holds nothing for a key (undefined is a cached absence). */
export const NOT_CACHED: unique symbol = Symbol('not cached');

export function checkReadCacheEntries(maxEntries: number): void {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigError(`read cache: maxEntries must be an integer ≥ 1, got ${maxEntries}`);
  }
}

interface Slot<V> {
  value: V | undefined;
  /** Read since the eviction hand last passed it. */
  referenced: boolean;
}

/**
 * CLOCK (second-chance) eviction over the map's insertion order: a hit only sets a bit, so reads never reorder the
 * map; the oldest entry goes unless it was read since it was last passed over.
 */
export class ReadCache<V> {
  readonly maxEntries: number;
  readonly #slots = new Map<string, Slot<V>>();

  constructor(maxEntries: number) {
    checkReadCacheEntries(maxEntries);
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#slots.size;
  }

  /** The cached value (undefined: cached as absent), or NOT_CACHED. */
  get(id: string): V | undefined | typeof NOT_CACHED {
    const slot = this.#slots.get(id);
    if (slot === undefined) return NOT_CACHED;
    slot.referenced = true;
    return slot.value;
  }

  /** Caches what the store answered for `id`: its decoded value, or undefined when it holds none. */
  set(id: string, value: V | undefined): void {
    const slot = this.#slots.get(id);
    if (slot !== undefined) {
      slot.value = value;
      return;
    }
    if (this.#slots.size >= this.maxEntries) this.#evictOne();
    this.#slots.set(id, { value, referenced: false });
  }

  delete(id: string): void {
    this.#slots.delete(id);
  }

  clear(): void {
    this.#slots.clear();
  }

  #evictOne(): void {
    // Passed-over entries move to the back with their bit cleared, so the loop ends within one round.
    for (const [id, slot] of this.#slots) {
      this.#slots.delete(id);
      if (!slot.referenced) return;
      slot.referenced = false;
      this.#slots.set(id, slot);
    }
  }
}
