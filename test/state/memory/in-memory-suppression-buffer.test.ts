import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../common/serdes.ts';
import { InMemorySuppressionBuffer } from '../../../state/memory/in-memory-suppression-buffer.ts';
import { open, storeContext } from '../../helpers/store-context.ts';

const S = Serdes.String();

describe('InMemorySuppressionBuffer', () => {
  it('lets updates go by buffer time, then key bytes; an updated key keeps its place', () => {
    const buffer = open(new InMemorySuppressionBuffer<string, string>('b', S, S, true));
    buffer.put(20, 'b', 'b1', null, 1, {}, false);
    buffer.put(10, 'z', 'z1', null, 2, {}, false);
    buffer.put(20, 'a', 'a1', null, 3, {}, false);
    buffer.put(30, 'z', 'z2', 'z1', 4, {}, false); // keeps buffer time 10
    expect(buffer.minTimestamp).toBe(10);
    const out: string[] = [];
    buffer.evictWhile(() => true, (u) => out.push(`${u.key}:${u.newValue}:${u.oldValue}:${u.priorValue}@${u.bufferTime}`));
    expect(out).toEqual(['z:z2:z1:null@10', 'a:a1:null@20', 'b:b1:null@20'].map((s) => (s.split(':').length === 4 ? s : s.replace('@', ':null@'))));
    expect(buffer.numRecords).toBe(0);
  });

  it('logs the keys touched at commit and rebuilds from its changelog', () => {
    const context = storeContext();
    const buffer = open(new InMemorySuppressionBuffer<string, string>('b', S, S, true), context);
    buffer.put(5, 'k', 'v1', null, 7, { h: '1' }, true);
    buffer.put(6, 'j', 'w1', null, 8, {}, true);
    buffer.flush();
    buffer.evictWhile(() => buffer.minTimestamp <= 5, () => {});
    buffer.flush();
    expect(context.changelog.map((c) => [c.key.toString(), c.value === null ? null : 'value'])).toEqual([
      ['k', 'value'],
      ['j', 'value'],
      ['k', null],
    ]);
    const copy = open(new InMemorySuppressionBuffer<string, string>('c', S, S, true));
    copy.restoreBatch(context.changelog.map((c) => ({ key: c.key, value: c.value, timestamp: c.timestamp })));
    const out: unknown[] = [];
    copy.evictWhile(() => true, (u) => out.push({ key: u.key, value: u.newValue, time: u.bufferTime, ts: u.timestamp }));
    expect(out).toEqual([{ key: 'j', value: 'w1', time: 6, ts: 8 }]);
  });
});
