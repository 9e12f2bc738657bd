// KTable#filter, #filterNot, #mapValues and #toStream: they work on changes, so a row that stops
// matching a filter leaves as a tombstone and a row that never matched produces nothing.

import type { StreamRecord } from '../common/record.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';

export function tableFilterProcessor<K, V>(predicate: (key: K, value: V) => boolean, filterNot: boolean): () => Processor<K, Change<V>> {
  const keep = (key: K, value: V | null): V | null =>
    value !== null && predicate(key, value) !== filterNot ? value : null;
  return () => {
    let context: ProcessorContext<K, Change<V>>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, Change<V>>) {
        const newValue = keep(record.key, record.value.newValue);
        const oldValue = keep(record.key, record.value.oldValue);
        if (newValue === null && oldValue === null) return;
        context.forward({ key: record.key, value: { newValue, oldValue }, timestamp: record.timestamp, headers: record.headers });
      },
    };
  };
}

export function tableMapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => VR): () => Processor<K, Change<V>, K, Change<VR>> {
  return () => {
    let context: ProcessorContext<K, Change<VR>>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, Change<V>>) {
        const { newValue, oldValue } = record.value;
        context.forward({
          key: record.key,
          value: {
            newValue: newValue === null ? null : mapper(newValue, record.key),
            oldValue: oldValue === null ? null : mapper(oldValue, record.key),
          },
          timestamp: record.timestamp,
          headers: record.headers,
        });
      },
    };
  };
}

export function tableToStreamProcessor<K, V>(): () => Processor<K, Change<V>, K, V | null> {
  return () => {
    let context: ProcessorContext<K, V | null>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, Change<V>>) {
        context.forward({ key: record.key, value: record.value.newValue, timestamp: record.timestamp, headers: record.headers });
      },
    };
  };
}
