import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assignTasks, decodeAssignment, encodeSubscription, planAssignment, STANDBY_TOPIC_PREFIX, streamsAssignor, taskSlots } from '../../../runtime/kafka/task-assignor.ts';

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

  it('moves a task in two generations: first revoked from its owner and given to nobody, then to its new owner', () => {
    const tasks = taskSlots([{ id: 0, topics: ['orders'] }], new Map([['orders', 4]]));
    const first = planAssignment(tasks, [
      { memberId: 'a', userData: encodeSubscription(['0_0', '0_1', '0_2', '0_3']) },
      { memberId: 'b', userData: encodeSubscription([]) },
    ]);
    expect(first.active.get('a')!.map((t) => t.id)).toEqual(['0_0', '0_1']);
    expect(first.active.get('b')).toEqual([]);
    expect(first.withheld.map((t) => t.id)).toEqual(['0_2', '0_3']);
    // a let go of 0_2 and 0_3 (closed with a checkpoint) and rejoined.
    const second = planAssignment(tasks, [
      { memberId: 'a', userData: encodeSubscription(['0_0', '0_1'], ['0_2', '0_3']) },
      { memberId: 'b', userData: encodeSubscription([]) },
    ]);
    expect(second.active.get('a')!.map((t) => t.id)).toEqual(['0_0', '0_1']);
    expect(second.active.get('b')!.map((t) => t.id)).toEqual(['0_2', '0_3']);
    expect(second.withheld).toEqual([]);
  });

  it('places standbys of stateful tasks on other members, warm copies first, and carries them as pseudo-topics', () => {
    const subtopologies = [
      { id: 0, topics: ['orders'], stateful: false },
      { id: 1, topics: ['by-symbol-repartition'], stateful: true },
    ];
    const plan = streamsAssignor(subtopologies, { standbyReplicas: 1 })(
      [
        { memberId: 'a', userData: encodeSubscription(['0_0', '1_0'], [], ['1_1']) },
        { memberId: 'b', userData: encodeSubscription(['0_1', '1_1'], [], ['1_0']) },
      ],
      new Map([
        ['orders', 2],
        ['by-symbol-repartition', 2],
      ]),
    );
    const received = (member: string) => decodeAssignment([...plan.get(member)!].flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition }))));
    expect(received('a').standby).toEqual(['1_1']);
    expect(received('b').standby).toEqual(['1_0']);
    expect(received('a').active.every((tp) => !tp.topic.startsWith(STANDBY_TOPIC_PREFIX))).toBe(true);
    expect(received('a').active.map((tp) => `${tp.topic}:${tp.partition}`).sort()).toEqual(['by-symbol-repartition:0', 'orders:0']);
  });

  it('never gives a task to a member other than its running owner, never two standbys of one task to a member, nor one to its owner', () => {
    const tasks = taskSlots(
      [
        { id: 0, topics: ['t0'] },
        { id: 1, topics: ['t1'] },
      ],
      new Map([
        ['t0', 6],
        ['t1', 3],
      ]),
    );
    const ids = tasks.map((t) => t.id);
    const member = fc.record({ running: fc.subarray(ids), local: fc.subarray(ids), standby: fc.subarray(ids) });
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (members, replicas) => {
        // Each running task has at most one running owner (the invariant the protocol keeps).
        const taken = new Set<string>();
        const subs = members.map((m, i) => {
          const running = m.running.filter((t) => !taken.has(t));
          for (const t of running) taken.add(t);
          return { memberId: `m${i}`, userData: encodeSubscription(running, m.local, m.standby), running };
        });
        const plan = planAssignment(tasks, subs, { standbyReplicas: replicas });
        const owner = new Map<string, string>();
        for (const [id, list] of plan.active) for (const t of list) owner.set(t.id, id);
        for (const s of subs) {
          for (const t of s.running) {
            const now = owner.get(t);
            // A running task stays where it runs or is withheld; it never appears elsewhere in the same generation.
            expect(now === undefined || now === s.memberId).toBe(true);
            if (now === undefined) expect(plan.withheld.map((w) => w.id)).toContain(t);
          }
        }
        expect(owner.size + plan.withheld.length).toBe(tasks.length);
        for (const [id, list] of plan.standby) {
          const names = list.map((t) => t.id);
          expect(new Set(names).size).toBe(names.length);
          for (const t of names) expect(owner.get(t)).not.toBe(id);
        }
        for (const t of tasks) {
          const copies = [...plan.standby.values()].filter((l) => l.some((x) => x.id === t.id)).length;
          expect(copies).toBe(Math.min(replicas, subs.length - 1));
        }
      }),
      { numRuns: 300 },
    );
  });
});
