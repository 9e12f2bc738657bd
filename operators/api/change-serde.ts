// Carries a KTable update (new and old value) through a repartition topic:
// [flags:1][newLength:4][new bytes][old bytes], flags bit 0 = has new, bit 1 = has old.

import type { Serde } from '../../common/serdes.ts';
import type { Change } from './processor.ts';

export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  return {
    serialize(change, topic) {
      if (change === null) return null;
      const newBytes = change.newValue === null ? null : inner.serialize(change.newValue, topic);
      const oldBytes = change.oldValue === null ? null : inner.serialize(change.oldValue, topic);
      const newLength = newBytes?.length ?? 0;
      const out = Buffer.allocUnsafe(5 + newLength + (oldBytes?.length ?? 0));
      out.writeUInt8((newBytes === null ? 0 : 1) | (oldBytes === null ? 0 : 2), 0);
      out.writeUInt32BE(newLength, 1);
      newBytes?.copy(out, 5);
      oldBytes?.copy(out, 5 + newLength);
      return out;
    },
    deserialize(data, topic) {
      if (data === null) return null;
      const flags = data.readUInt8(0);
      const newLength = data.readUInt32BE(1);
      return {
        newValue: flags & 1 ? inner.deserialize(data.subarray(5, 5 + newLength), topic) : null,
        oldValue: flags & 2 ? inner.deserialize(data.subarray(5 + newLength), topic) : null,
      };
    },
  };
}
