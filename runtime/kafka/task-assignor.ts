// The group leader's assignor: it hands out tasks, not partitions. A task (sub-topology, partition) takes
// partition p of every source topic of its sub-topology, so co-partitioned topics stay together. Tasks are
// balanced over the members and stay with their previous owner where balance allows (its state is warm).

import type { GroupAssignor, MemberSubscription } from './ports.ts';

export interface TaskSlot {
  readonly id: string;
  readonly subtopology: number;
  readonly partition: number;
  readonly topics: readonly string[];
}

interface SubscriptionData {
  readonly version: 1;
  /** Tasks the member ran in the previous generation. */
  readonly tasks: readonly string[];
  /** Tasks whose state the member kept on its disk (a checkpoint): second claim, after the running owner's. */
  readonly local?: readonly string[];
}

export function encodeSubscription(tasks: readonly string[], local: readonly string[] = []): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, tasks, ...(local.length === 0 ? {} : { local }) } satisfies SubscriptionData));
}

function claims(userData: Buffer | null, field: 'tasks' | 'local'): string[] {
  if (userData === null || userData.length === 0) return [];
  try {
    const data = JSON.parse(userData.toString()) as Partial<SubscriptionData>;
    const list = data[field];
    return Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return []; // a member of another version: treat it as new
  }
}

/** The tasks that partition counts imply, for sub-topologies given as their source topics. */
export function taskSlots(subtopologies: ReadonlyArray<{ id: number; topics: readonly string[] }>, counts: ReadonlyMap<string, number>): TaskSlot[] {
  const slots: TaskSlot[] = [];
  for (const sub of subtopologies) {
    const n = Math.max(0, ...sub.topics.map((t) => counts.get(t) ?? 0));
    for (let p = 0; p < n; p++) slots.push({ id: `${sub.id}_${p}`, subtopology: sub.id, partition: p, topics: sub.topics });
  }
  return slots;
}

/** Balanced sticky assignment of tasks to members: member id → task ids. */
export function assignTasks(tasks: readonly TaskSlot[], members: readonly MemberSubscription[]): Map<string, TaskSlot[]> {
  const ids = members.map((m) => m.memberId).sort();
  const result = new Map<string, TaskSlot[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const base = Math.floor(tasks.length / ids.length);
  // How many members may hold one task more than the base.
  let aboveBase = tasks.length % ids.length;
  const owner = new Map<string, string>();
  for (const m of members) for (const t of claims(m.userData, 'tasks')) if (!owner.has(t)) owner.set(t, m.memberId);
  for (const m of members) for (const t of claims(m.userData, 'local')) if (!owner.has(t)) owner.set(t, m.memberId);

  // Partition-major order, in both passes, spreads each sub-topology's tasks over the members.
  const ordered = [...tasks].sort((a, b) => a.partition - b.partition || a.subtopology - b.subtopology);
  const unassigned: TaskSlot[] = [];
  for (const task of ordered) {
    const previous = owner.get(task.id);
    const list = previous === undefined ? undefined : result.get(previous);
    if (list !== undefined && (list.length < base || (list.length === base && aboveBase > 0))) {
      if (list.length === base) aboveBase--;
      list.push(task);
    } else {
      unassigned.push(task);
    }
  }
  for (const task of unassigned) {
    let best = ids[0];
    for (const id of ids) if (result.get(id)!.length < result.get(best)!.length) best = id;
    result.get(best)!.push(task);
  }
  return result;
}

export function streamsAssignor(subtopologies: ReadonlyArray<{ id: number; topics: readonly string[] }>): GroupAssignor {
  return (members, counts) => {
    const plan = new Map<string, Map<string, number[]>>();
    for (const [memberId, tasks] of assignTasks(taskSlots(subtopologies, counts), members)) {
      const byTopic = new Map<string, number[]>();
      for (const task of tasks) {
        for (const topic of task.topics) {
          // A sub-topology's topics may differ in count (no store): a task takes the partitions that exist.
          if (task.partition >= (counts.get(topic) ?? 0)) continue;
          let list = byTopic.get(topic);
          if (list === undefined) byTopic.set(topic, (list = []));
          list.push(task.partition);
        }
      }
      plan.set(memberId, byTopic);
    }
    return plan;
  };
}
