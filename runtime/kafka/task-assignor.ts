// The group leader's assignor: it hands out tasks, not partitions. A task (sub-topology, partition) takes
// partition p of every source topic of its sub-topology, so co-partitioned topics stay together. Tasks are
// balanced over the members and stay with their previous owner where balance allows (its state is warm).
//
// Cooperative, like Kafka Streams since 2.4 (KIP-429/KIP-441): members keep processing through a rebalance, and
// a task that moves does so in two steps. The generation that decides the move gives it to nobody: its owner sees
// it revoked, commits and closes it, and rejoins; the next generation, where no running member claims it any more,
// gives it to its new owner. So a task never runs on two members at once, and the tasks that stay never stop.
//
// Standby replicas (num.standby.replicas): each stateful task also goes, as a standby, to up to that many other
// members, which keep a copy of its stores current from the changelog; a standby is claimed like state on disk,
// so the task tends to move where a warm copy is. Standbys ride in the assignment as pseudo-topics
// (`STANDBY_TOPIC_PREFIX` + sub-topology id, partitions = the tasks' partitions); the broker never looks inside.

import type { GroupAssignor, MemberSubscription } from './ports.ts';

export interface TaskSlot {
  readonly id: string;
  readonly subtopology: number;
  readonly partition: number;
  readonly topics: readonly string[];
}

interface SubscriptionData {
  readonly version: 1 | 2;
  /** Tasks the member runs (or is restoring) as it joins: it may not give them up before it is told to. */
  readonly tasks: readonly string[];
  /** Tasks whose state the member kept on its disk (a checkpoint): second claim, after the running owner's. */
  readonly local?: readonly string[];
  /** Tasks the member keeps as standbys: a claim like `local`. */
  readonly standby?: readonly string[];
}

export function encodeSubscription(tasks: readonly string[], local: readonly string[] = [], standby: readonly string[] = []): Buffer {
  const data: SubscriptionData = { version: 2, tasks, ...(local.length === 0 ? {} : { local }), ...(standby.length === 0 ? {} : { standby }) };
  return Buffer.from(JSON.stringify(data));
}

/** The assignment pseudo-topic naming a sub-topology's standby tasks. */
export const STANDBY_TOPIC_PREFIX = '__standby__.';

/** Splits a received assignment into the real partitions and the standby task ids. */
export function decodeAssignment(partitions: ReadonlyArray<{ topic: string; partition: number }>): { active: Array<{ topic: string; partition: number }>; standby: string[] } {
  const active: Array<{ topic: string; partition: number }> = [];
  const standby: string[] = [];
  for (const tp of partitions) {
    if (tp.topic.startsWith(STANDBY_TOPIC_PREFIX)) standby.push(`${tp.topic.slice(STANDBY_TOPIC_PREFIX.length)}_${tp.partition}`);
    else active.push(tp);
  }
  return { active, standby: standby.sort() };
}

function claims(userData: Buffer | null, field: 'tasks' | 'local' | 'standby'): string[] {
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
  for (const m of members) for (const t of [...claims(m.userData, 'standby'), ...claims(m.userData, 'local')]) if (!owner.has(t)) owner.set(t, m.memberId);

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

export interface AssignmentPlan {
  /** Member id → the tasks it runs in this generation. */
  readonly active: Map<string, TaskSlot[]>;
  /** Member id → the tasks it keeps as standbys. */
  readonly standby: Map<string, TaskSlot[]>;
  /** Tasks given to nobody this generation: still running elsewhere, their owner hands them over first. */
  readonly withheld: TaskSlot[];
}

export interface PlanOptions {
  /** Standbys per stateful task (Kafka's num.standby.replicas). */
  readonly standbyReplicas?: number;
  /** Sub-topologies with logged state: the only ones that get standbys. */
  readonly stateful?: ReadonlySet<number>;
}

/** The cooperative plan: the balanced sticky target, minus the tasks that must first be revoked, plus standbys. */
export function planAssignment(tasks: readonly TaskSlot[], members: readonly MemberSubscription[], options: PlanOptions = {}): AssignmentPlan {
  const target = assignTasks(tasks, members);
  const runners = new Map<string, Set<string>>();
  for (const m of members) {
    for (const t of claims(m.userData, 'tasks')) {
      let set = runners.get(t);
      if (set === undefined) runners.set(t, (set = new Set()));
      set.add(m.memberId);
    }
  }
  const active = new Map<string, TaskSlot[]>();
  const ownerOf = new Map<string, string>();
  const withheld: TaskSlot[] = [];
  for (const [memberId, list] of target) {
    const kept: TaskSlot[] = [];
    for (const task of list) {
      ownerOf.set(task.id, memberId);
      const running = runners.get(task.id);
      // Running anywhere but on its target: revoked there first, handed over in the next generation.
      if (running !== undefined && [...running].some((m) => m !== memberId)) withheld.push(task);
      else kept.push(task);
    }
    active.set(memberId, kept);
  }

  const standby = new Map<string, TaskSlot[]>([...target.keys()].map((id) => [id, []]));
  const replicas = Math.min(options.standbyReplicas ?? 0, Math.max(0, target.size - 1));
  if (replicas > 0) {
    // Warm copies first (standby, local state, the running owner handing it over), then the least loaded.
    const warm = new Map<string, Set<string>>();
    for (const m of members) {
      for (const t of [...claims(m.userData, 'standby'), ...claims(m.userData, 'local'), ...claims(m.userData, 'tasks')]) {
        let set = warm.get(t);
        if (set === undefined) warm.set(t, (set = new Set()));
        set.add(m.memberId);
      }
    }
    const ids = [...target.keys()].sort();
    const ordered = [...tasks].sort((a, b) => a.partition - b.partition || a.subtopology - b.subtopology);
    for (const task of ordered) {
      if (options.stateful !== undefined && !options.stateful.has(task.subtopology)) continue;
      const owner = ownerOf.get(task.id);
      const hot = warm.get(task.id) ?? new Set<string>();
      const candidates = ids
        .filter((id) => id !== owner)
        .sort((a, b) => Number(hot.has(b)) - Number(hot.has(a)) || standby.get(a)!.length + active.get(a)!.length - (standby.get(b)!.length + active.get(b)!.length) || (a < b ? -1 : 1));
      for (const id of candidates.slice(0, replicas)) standby.get(id)!.push(task);
    }
  }
  return { active, standby, withheld };
}

export interface StreamsAssignorOptions {
  readonly standbyReplicas?: number;
}

export function streamsAssignor(subtopologies: ReadonlyArray<{ id: number; topics: readonly string[]; stateful?: boolean }>, options: StreamsAssignorOptions = {}): GroupAssignor {
  const stateful = new Set(subtopologies.filter((s) => s.stateful === true).map((s) => s.id));
  return (members, counts) => {
    const plan = new Map<string, Map<string, number[]>>();
    const { active, standby } = planAssignment(taskSlots(subtopologies, counts), members, { standbyReplicas: options.standbyReplicas ?? 0, stateful });
    for (const [memberId, tasks] of active) {
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
      for (const task of standby.get(memberId) ?? []) {
        const topic = `${STANDBY_TOPIC_PREFIX}${task.subtopology}`;
        let list = byTopic.get(topic);
        if (list === undefined) byTopic.set(topic, (list = []));
        list.push(task.partition);
      }
      plan.set(memberId, byTopic);
    }
    return plan;
  };
}
