// Restores the stores of newly assigned tasks from their changelog partitions, from the log start (or, for a
// persistent store whose local copy a checkpoint vouches for, from the checkpointed offset) to the end offset
// read when restoration begins, by raw fetches (no group: the restore consumer only reads). Records go below
// the change-logging layer, so restoring writes nothing back.

import type { Logger } from '../../common/logger.ts';
import type { ChangelogRecord, StateStore } from '../../state/api/state-store.ts';
import type { Topology } from '../../topology/topology.ts';
import type { CheckpointOffsets } from './checkpoint.ts';
import { changelogTopic } from './internal-topics.ts';
import { partitionKey, type Fetcher, type TopicPartition } from './ports.ts';
import type { TaskRun } from './task-manager.ts';

type Restorable = StateStore & { restoreBatch(records: ReadonlyArray<ChangelogRecord>): void };

const isRestorable = (store: StateStore): store is Restorable => typeof (store as Partial<Restorable>).restoreBatch === 'function';

interface Target extends TopicPartition {
  readonly store: Restorable;
  readonly taskId: string;
}

export interface RestoreResult {
  /** Records applied per task id. */
  readonly records: Map<string, number>;
  /** False when `stopped()` cut restoration short: the tasks are not usable. */
  readonly complete: boolean;
}

/**
 * Restores every logged store of `runs` (initialized, not yet processing); `checkpoints` by task id. Tasks named in
 * `live` (promoted standbys) kept their stores open in this process, so their offsets hold for in-memory stores too.
 */
export async function restoreStores(
  runs: readonly TaskRun[],
  topology: Topology,
  applicationId: string,
  fetcher: Fetcher,
  log: Logger,
  stopped: () => boolean,
  checkpoints: ReadonlyMap<string, CheckpointOffsets> = new Map(),
  live: ReadonlySet<string> = new Set(),
): Promise<RestoreResult> {
  const records = new Map<string, number>();
  const targets: Target[] = [];
  for (const run of runs) {
    records.set(run.task.id, 0);
    for (const [name, store] of run.task.stores) {
      if (topology.stateStore(name)?.loggingEnabled !== true || !isRestorable(store)) continue;
      targets.push({ topic: changelogTopic(applicationId, name), partition: run.task.partition, store, taskId: run.task.id });
    }
  }
  if (targets.length === 0) return { records, complete: true };
  const [starts, ends] = await Promise.all([fetcher.beginningOffsets(targets), fetcher.endOffsets(targets)]);
  const position = new Map<string, bigint>();
  const byKey = new Map<string, Target>();
  let fromCheckpoint = 0;
  for (const t of targets) {
    const key = partitionKey(t.topic, t.partition);
    byKey.set(key, t);
    const checkpointed = t.store.persistent || live.has(t.taskId) ? checkpoints.get(t.taskId)?.get(key) : undefined;
    if (checkpointed !== undefined) fromCheckpoint++;
    const start = checkpointed ?? starts.get(key) ?? 0n;
    if (start < (ends.get(key) ?? 0n)) position.set(key, start);
  }
  const started = performance.now();
  while (position.size > 0) {
    if (stopped()) return { records, complete: false };
    const results = await fetcher.fetch(
      [...position].map(([key, offset]) => ({ topic: byKey.get(key)!.topic, partition: byKey.get(key)!.partition, offset })),
      { maxWaitMs: 100 },
    );
    for (const r of results) {
      const key = partitionKey(r.topic, r.partition);
      if (!position.has(key)) continue;
      if (r.error === 'offset_out_of_range') {
        position.set(key, r.logStartOffset);
        continue;
      }
      if (r.error !== null) continue;
      const target = byKey.get(key)!;
      const batch: ChangelogRecord[] = [];
      for (const rec of r.records) if (rec.key !== null) batch.push({ key: rec.key, value: rec.value, timestamp: rec.timestamp });
      if (batch.length > 0) target.store.restoreBatch(batch);
      records.set(target.taskId, records.get(target.taskId)! + batch.length);
      if (r.nextOffset >= ends.get(key)!) position.delete(key);
      else position.set(key, r.nextOffset);
    }
  }
  const total = [...records.values()].reduce((a, b) => a + b, 0);
  log.info({ tasks: runs.map((r) => r.task.id), records: total, fromCheckpoint, ms: Math.round(performance.now() - started) }, 'restored state stores');
  return { records, complete: true };
}
