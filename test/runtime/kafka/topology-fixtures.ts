// Topologies and inputs shared by the Kafka runtime tests: orders counted per symbol through a repartition
// topic, and orders enriched from a global table of sectors through the Processor API.

import type { Processor, ProcessorContext } from '../../../operators/api/processor.ts';
import type { KeyValueStore } from '../../../state/api/key-value-store.ts';
import { Stores } from '../../../state/stores.ts';
import { Consumed, Grouped, Materialized, Produced } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import type { Topology } from '../../../topology/topology.ts';
import { J, L, S } from '../../helpers/driver.ts';
import { createTopics, eventually, produce, readTopic, type TestRecord, uniqueName } from '../../helpers/kafka.ts';

export interface Topics {
  readonly orders: string;
  readonly counts: string;
  readonly sectors: string;
  readonly enriched: string;
}

export const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN'] as const;
export const SECTORS: Record<string, string> = { AAPL: 'tech', MSFT: 'tech', NVDA: 'semis', TSLA: 'autos', AMZN: 'retail' };

/** Writes each global-table record into the store (the global store's own processor). */
class SectorUpdater implements Processor<string, string | null, void, void> {
  #store!: KeyValueStore<string, string>;
  init(ctx: ProcessorContext<void, void>) {
    this.#store = ctx.getStateStore('sectors');
  }
  process(record: { key: string; value: string | null }) {
    if (record.value === null) this.#store.delete(record.key);
    else this.#store.put(record.key, record.value);
  }
}

/** Looks each order's symbol up in the global sectors store. */
class EnrichWithSector implements Processor<string, { symbol: string; seq: number }, string, unknown> {
  #ctx!: ProcessorContext<string, unknown>;
  #sectors!: KeyValueStore<string, string>;
  init(ctx: ProcessorContext<string, unknown>) {
    this.#ctx = ctx;
    this.#sectors = ctx.getStateStore('sectors');
  }
  process(record: { key: string; value: { symbol: string; seq: number }; timestamp: number; headers: Record<string, string> }) {
    const sector = this.#sectors.get(record.value.symbol) ?? null;
    this.#ctx.forward({ ...record, value: { ...record.value, sector } });
  }
}

export function ordersTopology(topics: Topics, options: { enrich?: boolean; storeType?: 'in-memory' | 'rocksdb' } = {}): Topology {
  const b = new StreamsBuilder({ defaultStoreType: options.storeType ?? 'in-memory' });
  const stream = b.stream<string, { symbol: string; seq: number }>(topics.orders, Consumed.with(S, J));
  stream
    .groupBy((_account, order) => order.symbol, Grouped.with(S, J))
    .count(Materialized.as('by-symbol'))
    .toStream()
    .to(topics.counts, Produced.with(S, L));
  if (options.enrich !== false) {
    b.topology.addGlobalStore(
      Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('sectors'), S, S).withLoggingDisabled().withCachingDisabled(),
      'sectors-source',
      { keySerde: S, valueSerde: S },
      topics.sectors,
      'sectors-updater',
      () => new SectorUpdater(),
    );
    stream.process(() => new EnrichWithSector()).to(topics.enriched, Produced.with(S, J));
  }
  return b.build();
}

/** `n` orders from 17 accounts over the symbols in turn, timestamps increasing from `t0`. */
export function orders(n: number, t0 = 1_000, from = 0): TestRecord[] {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return { key: `acct-${i % 17}`, value: J.serialize({ symbol: SYMBOLS[i % SYMBOLS.length], seq: i })!, timestamp: t0 + i };
  });
}

/** The latest count per symbol in a counts topic. */
export function latestCounts(records: ReadonlyArray<{ key: Buffer | null; value: Buffer | null; offset: bigint }>): Map<string, number> {
  const latest = new Map<string, number>();
  for (const r of records) latest.set(S.deserialize(r.key)!, L.deserialize(r.value)!);
  return latest;
}

/** Fresh orders, counts, sectors (filled) and enriched topics. */
export async function setUpTopics(partitions = 4): Promise<Topics> {
  const topics = { orders: uniqueName('orders'), counts: uniqueName('counts'), sectors: uniqueName('sectors'), enriched: uniqueName('enriched') };
  await createTopics(
    { name: topics.orders, partitions },
    { name: topics.counts, partitions },
    { name: topics.sectors, partitions: 2 },
    { name: topics.enriched, partitions },
  );
  await produce(topics.sectors, 2, Object.entries(SECTORS).map(([symbol, sector]) => ({ key: symbol, value: S.serialize(sector), timestamp: 1 })));
  return topics;
}

/** Counts are complete when every symbol's latest count reaches `perSymbol`. */
export async function countsReach(topics: Topics, perSymbol: number, partitions = 4) {
  return eventually(async () => {
    const counts = latestCounts(await readTopic(topics.counts, partitions));
    return SYMBOLS.every((s) => counts.get(s) === perSymbol) ? counts : undefined;
  }, 90_000, `counts of ${perSymbol} per symbol`);
}
