// The driver's typed topic handles: TestInputTopic serializes and pipes, TestOutputTopic reads what
// the topology produced, in order, each record once.

import type { Headers } from '../../common/record.ts';
import type { Serde } from '../../common/serdes.ts';
import type { TopologyTestDriver } from './topology-test-driver.ts';

export interface TestRecord<K, V> {
  readonly key: K | null;
  readonly value: V | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export class TestInputTopic<K, V> {
  readonly name: string;
  readonly #driver: TopologyTestDriver;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  readonly #autoAdvanceMs: number;
  #currentTime: number;

  constructor(driver: TopologyTestDriver, name: string, keySerde: Serde<K>, valueSerde: Serde<V>, start: number, autoAdvanceMs: number) {
    this.#driver = driver;
    this.name = name;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
    this.#currentTime = start;
    this.#autoAdvanceMs = autoAdvanceMs;
  }

  /** Without a timestamp the record gets the topic's current time, which then auto-advances. */
  pipeInput(key: K | null, value: V | null, timestamp?: number, headers: Headers = {}): void {
    const ts = timestamp ?? this.#nextTime();
    this.#driver.pipeRawRecord(
      this.name,
      this.#keySerde.serialize(key, this.name),
      this.#valueSerde.serialize(value, this.name),
      ts,
      headers,
    );
  }

  pipeValue(value: V | null, timestamp?: number): void {
    this.pipeInput(null, value, timestamp);
  }

  pipeRecordList(records: ReadonlyArray<{ key?: K | null; value: V | null; timestamp?: number; headers?: Headers }>): void {
    for (const r of records) this.pipeInput(r.key ?? null, r.value, r.timestamp, r.headers);
  }

  pipeKeyValueList(records: ReadonlyArray<{ key: K | null; value: V | null }>, startTimestamp?: number, advanceMs = 0): void {
    let ts = startTimestamp;
    for (const r of records) {
      this.pipeInput(r.key, r.value, ts);
      if (ts !== undefined) ts += advanceMs;
    }
  }

  pipeValueList(values: ReadonlyArray<V | null>): void {
    for (const v of values) this.pipeInput(null, v);
  }

  advanceTime(ms: number): void {
    this.#currentTime += ms;
  }

  #nextTime(): number {
    const ts = this.#currentTime;
    this.#currentTime += this.#autoAdvanceMs;
    return ts;
  }
}

export class TestOutputTopic<K, V> {
  readonly name: string;
  readonly #driver: TopologyTestDriver;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  #position = 0;

  constructor(driver: TopologyTestDriver, name: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.#driver = driver;
    this.name = name;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  readRecord(): TestRecord<K, V> {
    const records = this.#driver.producedRecords(this.name);
    if (this.#position >= records.length) throw new Error(`no more records in topic ${this.name}`);
    const raw = records[this.#position++];
    return {
      key: this.#keySerde.deserialize(raw.key, this.name),
      value: this.#valueSerde.deserialize(raw.value, this.name),
      timestamp: raw.timestamp,
      headers: raw.headers,
    };
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readKeyValue(): { key: K | null; value: V | null } {
    const r = this.readRecord();
    return { key: r.key, value: r.value };
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readKeyValuesToList(): Array<{ key: K | null; value: V | null }> {
    return this.readRecordsToList().map((r) => ({ key: r.key, value: r.value }));
  }

  readValuesToList(): Array<V | null> {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** The last value per key (a table's final state); a null value removes the key. */
  readKeyValuesToMap(): Map<K | null, V> {
    const map = new Map<K | null, V>();
    for (const r of this.readRecordsToList()) {
      if (r.value === null) map.delete(r.key);
      else map.set(r.key, r.value);
    }
    return map;
  }

  getQueueSize(): number {
    return this.#driver.producedRecords(this.name).length - this.#position;
  }

  isEmpty(): boolean {
    return this.getQueueSize() === 0;
  }
}
