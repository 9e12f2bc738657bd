import { describe, expect, it } from 'vitest';
import { assignTasks, encodeSubscription, streamsAssignor, taskSlots } from '../../../runtime/kafka/task-assignor.ts';

const subs = [
  { id: 0, topics: ['orders'] },
  { id: 1, topics: ['left', 'right'] },
];
const counts = new Map([
  ['orders', 4],
  ['left', 2],
  ['right', 2],
]);

describe('task assignor', () => {
  it('keeps co-partitioned topics of a task on one member', () => {
    const plan = streamsAssignor(subs)(
      [
        { memberId: 'a', userData: null },
        { memberId: 'b', userData: null },
      ],
      counts,
    );
    for (const byTopic of plan.values()) expect(byTopic.get('left') ?? []).toEqual(byTopic.get('right') ?? []);
    const all = [...plan.values()].flatMap((m) => [...m].flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)));
    expect(all.sort()).toEqual(['left:0', 'left:1', 'orders:0', 'orders:1', 'orders:2', 'orders:3', 'right:0', 'right:1']);
  });

  it('balances, and leaves tasks with their previous owner where balance allows', () => {
    const tasks = taskSlots(subs, counts);
    const before = encodeSubscription(['0_0', '0_1', '0_2', '0_3', '1_0', '1_1']);
    const plan = assignTasks(tasks, [
      { memberId: 'old', userData: before },
      { memberId: 'new', userData: null },
      { memberId: 'newer', userData: Buffer.from('not json') },
    ]);
    expect([...plan.values()].map((t) => t.length)).toEqual([2, 2, 2]);
    // The previous owner keeps tasks of both sub-topologies.
    expect(plan.get('old')!.map((t) => t.id)).toEqual(['0_0', '1_0']);
  });

  it('gives tasks whose state a member kept on disk back to it, unless a running owner claims them', () => {
    const tasks = taskSlots([{ id: 0, topics: ['orders'] }], new Map([['orders', 4]]));
    const plan = assignTasks(tasks, [
      { memberId: 'a-running', userData: encodeSubscription(['0_2'], []) },
      // Restarted with its state: it ran 0_0, 0_1 and once 0_2, which a-running now owns.
      { memberId: 'b-restarted', userData: encodeSubscription([], ['0_0', '0_1', '0_2']) },
    ]);
    expect(plan.get('b-restarted')!.map((t) => t.id)).toEqual(['0_0', '0_1']);
    expect(plan.get('a-running')!.map((t) => t.id).sort()).toEqual(['0_2', '0_3']);
  });
});
