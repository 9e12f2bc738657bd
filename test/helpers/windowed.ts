// Fixtures for windowed topologies: readable rows out of windowed output topics, and metric totals.

import { type Serde, Serdes } from '../../common/serdes.ts';
import type { TestOutputTopic, TestRecord, TopologyTestDriver } from '../../runtime/testing/index.ts';
import { type Windowed, WindowedSerdes } from '../../state/api/windowed.ts';

const S = Serdes.String();

/** `key@start/end=value` (value `null` for tombstones), plus `#timestamp` when asked. */
export function row(record: TestRecord<Windowed<string>, unknown>, withTimestamp = false): string {
  const { key, value, timestamp } = record;
  const text = `${key!.key}@${key!.window.start}/${key!.window.end}=${value === null ? 'null' : JSON.stringify(value)}`;
  return withTimestamp ? `${text}#${timestamp}` : text;
}

const readers = new WeakMap<TopologyTestDriver, Map<string, TestOutputTopic<Windowed<string>, unknown>>>();

/** One reader per driver and topic, so successive reads return only what is new. */
function reader(driver: TopologyTestDriver, topic: string, keySerde: Serde<Windowed<string>>, valueSerde: Serde<unknown>) {
  let byTopic = readers.get(driver);
  if (byTopic === undefined) readers.set(driver, (byTopic = new Map()));
  let out = byTopic.get(topic);
  if (out === undefined) byTopic.set(topic, (out = driver.createOutputTopic(topic, keySerde, valueSerde)));
  return out;
}

export function readTimeWindowed(driver: TopologyTestDriver, topic: string, sizeMs: number, valueSerde = Serdes.Long() as any, withTimestamp = false): string[] {
  return reader(driver, topic, WindowedSerdes.timeWindowedSerdeFrom(S, sizeMs), valueSerde)
    .readRecordsToList()
    .map((r) => row(r, withTimestamp));
}

export function readSessions(driver: TopologyTestDriver, topic: string, valueSerde = Serdes.Long() as any, withTimestamp = false): string[] {
  return reader(driver, topic, WindowedSerdes.sessionWindowedSerdeFrom(S), valueSerde)
    .readRecordsToList()
    .map((r) => row(r, withTimestamp));
}

/** Sum of the counts of every sensor with this name whose tags include `tags`. */
export function sensorCount(driver: TopologyTestDriver, name: string, tags: Record<string, string> = {}): number {
  return driver.metrics
    .sensors()
    .filter((s) => s.name === name && Object.entries(tags).every(([k, v]) => s.tags[k] === v))
    .reduce((sum, s) => sum + s.count, 0);
}
