// KStream#map, #selectKey and #mapValues: one record in, one record out.

import type { StreamRecord } from '../common/record.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';

export type KeyValueMapper<K, V, R> = (key: K, value: V) => R;
export type ValueMapperWithKey<K, V, VR> = (value: V, key: K) => VR;

export function mapProcessor<K, V, KR, VR>(mapper: KeyValueMapper<K, V, { key: KR; value: VR }>): () => Processor<K, V, KR, VR> {
  return () => {
    let context: ProcessorContext<KR, VR>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        const out = mapper(record.key, record.value);
        context.forward({ key: out.key, value: out.value, timestamp: record.timestamp, headers: record.headers });
      },
    };
  };
}

export function selectKeyProcessor<K, V, KR>(selector: KeyValueMapper<K, V, KR>): () => Processor<K, V, KR, V> {
  return () => {
    let context: ProcessorContext<KR, V>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        const key = selector(record.key, record.value);
        context.forward({ key, value: record.value, timestamp: record.timestamp, headers: record.headers });
      },
    };
  };
}

export function mapValuesProcessor<K, V, VR>(mapper: ValueMapperWithKey<K, V, VR>): () => Processor<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        const value = mapper(record.value, record.key);
        context.forward({ key: record.key, value, timestamp: record.timestamp, headers: record.headers });
      },
    };
  };
}
