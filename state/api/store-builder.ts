// How a topology declares a store: a builder it can call once per task to get a fresh, layered store.

import type { StateStore } from './state-store.ts';

export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string;
  readonly loggingEnabled: boolean;
  /** Topic configs of the changelog (e.g. retention), merged over the defaults (compacted). */
  readonly logConfig: Readonly<Record<string, string>>;
  readonly cachingEnabled: boolean;
  readonly persistent: boolean;
  build(): S;
}
