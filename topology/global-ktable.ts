// A table replicated in full on every instance; joined by a key mapper, never repartitioned.

import type { Serde } from '../common/serdes.ts';

export class GlobalKTable<K, V> {
  readonly storeName: string;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;

  constructor(storeName: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined) {
    this.storeName = storeName;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  queryableStoreName(): string {
    return this.storeName;
  }
}
