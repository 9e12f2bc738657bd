// KStream#flatMap and #flatMapValues: one record in, zero or more out, each with the input's timestamp.

import type { StreamRecord } from '../common/record.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';

export function flatMapProcessor<K, V, KR, VR>(
  mapper: (key: K, value: V) => Iterable<{ key: KR; value: VR }>,
): () => Processor<K, V, KR, VR> {
  return () => {
    let context: ProcessorContext<KR, VR>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        for (const out of mapper(record.key, record.value)) {
          context.forward({ key: out.key, value: out.value, timestamp: record.timestamp, headers: record.headers });
        }
      },
    };
  };
}

export function flatMapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => Iterable<VR>): () => Processor<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        for (const value of mapper(record.value, record.key)) {
          context.forward({ key: record.key, value, timestamp: record.timestamp, headers: record.headers });
        }
      },
    };
  };
}
