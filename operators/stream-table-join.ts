// KStream#join/#leftJoin with a KTable or a GlobalKTable: each stream record looks the table up (as of its own
// timestamp when the table is versioned) and is joined with what it finds. Table updates emit nothing.

import type { Sensor } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';
import { type TableLookup, tableLookup } from './join-table-lookup.ts';
import type { ValueJoiner } from './value-joiner.ts';

export interface StreamTableJoinSpec<K, V, KT, VT, VR> {
  readonly storeName: string;
  readonly joiner: ValueJoiner<V, VT | null, VR>;
  readonly leftJoin: boolean;
  /** Global-table joins map each record to the table's key; partitioned tables are joined on the record's key. */
  readonly keyMapper?: (key: K, value: V) => KT | null | undefined;
}

export function streamTableJoinProcessor<K, V, KT, VT, VR>(spec: StreamTableJoinSpec<K, V, KT, VT, VR>): () => Processor<K, V, K, VR> {
  const { joiner, leftJoin, keyMapper } = spec;
  return () => {
    let context: ProcessorContext<K, VR>;
    let table: TableLookup<KT, VT>;
    let dropped: Sensor;
    return {
      init(ctx) {
        context = ctx;
        table = tableLookup(ctx.getStateStore(spec.storeName));
        dropped = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'null_key_or_value' });
      },
      process(record: StreamRecord<K, V>) {
        const { key, value } = record;
        // A null value is an empty message, not a row to join; a null key cannot match in an inner join, while a
        // left join still emits the record with no table value (KIP-962).
        if (value === null || value === undefined || ((key === null || key === undefined) && !leftJoin)) {
          dropped.record();
          return;
        }
        const tableKey = keyMapper === undefined ? (key as unknown as KT | null) : keyMapper(key, value);
        let match: { value: VT } | undefined;
        if (tableKey !== null && tableKey !== undefined) {
          match = table.versioned ? table.getAsOf(tableKey, record.timestamp) : table.get(tableKey);
        }
        if (match === undefined && !leftJoin) return;
        context.forward({
          key,
          value: joiner(value, match === undefined ? null : match.value, key),
          timestamp: record.timestamp,
          headers: record.headers,
        });
      },
    };
  };
}
