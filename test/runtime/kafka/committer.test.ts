import { describe, expect, it } from 'vitest';
import { AtLeastOnceCommitter, ExactlyOnceCommitter } from '../../../runtime/kafka/committer.ts';
import { KafkaRecordCollector } from '../../../runtime/kafka/kafka-record-collector.ts';
import type { GroupGeneration, GroupMembership, OutgoingRecord, PartitionOffset, TransactionalProducer } from '../../../runtime/kafka/ports.ts';
import type { TaskManager } from '../../../runtime/kafka/task-manager.ts';

const generation = (generationId: number): GroupGeneration => ({ groupId: 'app', generationId, memberId: 'm-1', coordinatorId: 1 });
const offset = (partition: number, value: bigint): PartitionOffset => ({ topic: 'in', partition, offset: value });
const record: OutgoingRecord = { topic: 'out', partition: 0, key: null, value: Buffer.from('x'), timestamp: 0, headers: {} };

/** Tasks whose next commit reports `offsets`. */
function tasksAt(offsets: { current: PartitionOffset[] }): TaskManager {
  return { prepareCommit: () => offsets.current } as unknown as TaskManager;
}

const show = (offsets: readonly PartitionOffset[]) => offsets.map((o) => `${o.topic}:${o.partition}@${o.offset}`);

describe('AtLeastOnceCommitter', () => {
  it('commits only the offsets that moved, sends nothing when none did, and everything again in a new generation', async () => {
    const commits: string[][] = [];
    const member = { commit: async (offsets: readonly PartitionOffset[]) => void commits.push(show(offsets)) } as unknown as GroupMembership;
    const committer = new AtLeastOnceCommitter({ send: async () => {}, close: async () => {} }, member);
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), (batch) => committer.deliver(batch));
    const offsets = { current: [offset(0, 10n), offset(1, 20n)] };
    const tasks = tasksAt(offsets);

    expect(await committer.commit(tasks, collector, generation(1))).toBe(2);
    expect(await committer.commit(tasks, collector, generation(1))).toBe(0);
    offsets.current = [offset(0, 10n), offset(1, 25n)];
    expect(await committer.commit(tasks, collector, generation(1))).toBe(1);
    expect(await committer.commit(tasks, collector, generation(2))).toBe(2);
    expect(commits).toEqual([['in:0@10', 'in:1@20'], ['in:1@25'], ['in:0@10', 'in:1@25']]);
  });

  it('sends a refused commit again next time', async () => {
    let refuse = true;
    const commits: string[][] = [];
    const member = {
      commit: async (offsets: readonly PartitionOffset[]) => {
        if (refuse) throw new Error('coordinator unavailable');
        commits.push(show(offsets));
      },
    } as unknown as GroupMembership;
    const committer = new AtLeastOnceCommitter({ send: async () => {}, close: async () => {} }, member);
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), (batch) => committer.deliver(batch));
    const tasks = tasksAt({ current: [offset(0, 10n)] });
    await expect(committer.commit(tasks, collector, generation(1))).rejects.toThrow('coordinator unavailable');
    refuse = false;
    expect(await committer.commit(tasks, collector, generation(1))).toBe(1);
    expect(commits).toEqual([['in:0@10']]);
  });
});

/** A transactional producer that logs what it was asked to do. */
function loggingProducer(failCommit = false) {
  const log: string[] = [];
  let open = false;
  const producer: TransactionalProducer = {
    get inTransaction() {
      return open;
    },
    async begin() {
      open = true;
      log.push('begin');
    },
    async send(records) {
      log.push(`send ${records.length}`);
    },
    async commit(offsets) {
      if (failCommit) throw new Error('coordinator unavailable');
      open = false;
      log.push(`commit ${show(offsets).join(',')}`);
    },
    async abort() {
      open = false;
      log.push('abort');
    },
    async close() {},
  };
  return { producer, log };
}

describe('ExactlyOnceCommitter', () => {
  it('opens no transaction when neither output nor offsets moved, and commits output with only the offsets that moved', async () => {
    const { producer, log } = loggingProducer();
    const committer = new ExactlyOnceCommitter(producer);
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), (batch) => committer.deliver(batch));
    const offsets = { current: [offset(0, 10n), offset(1, 20n)] };
    const tasks = tasksAt(offsets);

    expect(await committer.commit(tasks, collector, generation(1))).toBe(2);
    expect(await committer.commit(tasks, collector, generation(1))).toBe(0);
    // Output without new input (a punctuator's) still commits its transaction.
    collector.send(record);
    expect(await committer.commit(tasks, collector, generation(1))).toBe(0);
    offsets.current = [offset(0, 11n), offset(1, 20n)];
    collector.send(record);
    expect(await committer.commit(tasks, collector, generation(1))).toBe(1);
    expect(log).toEqual(['begin', 'commit in:0@10,in:1@20', 'begin', 'send 1', 'commit ', 'begin', 'send 1', 'commit in:0@11']);
  });

  it('aborts a failed commit and offers its offsets again', async () => {
    const failing = loggingProducer(true);
    const committer = new ExactlyOnceCommitter(failing.producer);
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), (batch) => committer.deliver(batch));
    const tasks = tasksAt({ current: [offset(0, 10n)] });
    await expect(committer.commit(tasks, collector, generation(1))).rejects.toThrow('coordinator unavailable');
    expect(failing.log).toEqual(['begin', 'abort']);
    await expect(committer.commit(tasks, collector, generation(1))).rejects.toThrow('coordinator unavailable');
    expect(failing.log).toEqual(['begin', 'abort', 'begin', 'abort']);
  });
});
