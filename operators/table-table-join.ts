// KTable#join/#leftJoin/#outerJoin: one processor per side. An update on one side looks the other side up and
// emits the join result as a change (new and previous result), so the joined table updates on both sides,
// retracts rows whose match disappears, and stays silent when an update changes no result.

import type { StreamRecord } from '../common/record.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import { type TableLookup, tableLookup } from './join-table-lookup.ts';

export interface TableTableJoinSide<K, VT, VO, VR> {
  /** Store of the other side's table. */
  readonly otherStoreName: string;
  /** Called with this side's value first, whichever side of the user's join this is. */
  readonly joiner: (thisValue: VT | null, otherValue: VO | null, key: K) => VR;
  /** Whether a row of this side alone yields a result (left side of a left join, both sides of an outer join). */
  readonly thisOuter: boolean;
  /** Whether a row of the other side alone yields a result. */
  readonly otherOuter: boolean;
}

export function tableTableJoinProcessor<K, VT, VO, VR>(side: TableTableJoinSide<K, VT, VO, VR>): () => Processor<K, Change<VT>, K, Change<VR>> {
  const { joiner, thisOuter, otherOuter } = side;
  const result = (key: K, value: VT | null, other: VO | null): VR | null => {
    if (value !== null) return other !== null || thisOuter ? joiner(value, other, key) : null;
    return other !== null && otherOuter ? joiner(null, other, key) : null;
  };
  return () => {
    let context: ProcessorContext<K, Change<VR>>;
    let other: TableLookup<K, VO>;
    return {
      init(ctx) {
        context = ctx;
        other = tableLookup(ctx.getStateStore(side.otherStoreName));
      },
      process(record: StreamRecord<K, Change<VT>>) {
        if (record.key === null || record.key === undefined) return;
        const match = other.get(record.key);
        const otherValue = match === undefined ? null : match.value;
        const newValue = result(record.key, record.value.newValue, otherValue);
        const oldValue = result(record.key, record.value.oldValue, otherValue);
        // Neither before nor after was there a joined row: a tombstone here would remove nothing.
        if (newValue === null && oldValue === null) return;
        context.forward({
          key: record.key,
          value: { newValue, oldValue },
          timestamp: match === undefined ? record.timestamp : Math.max(record.timestamp, match.timestamp),
          headers: record.headers,
        });
      },
    };
  };
}
