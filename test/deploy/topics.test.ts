// The topic plan the deployment creates, and the topic task's create-or-verify step against a fake admin.

import { describe, expect, it } from 'vitest';
import { topicConfigs, Topics } from '../../apps/schemas/topics.ts';
import { ensureTopics, parseTopicPlan } from '../../deploy/provision/ensure-topics.ts';
import { contractTopics, defaultPartitions, topicPlan } from '../../deploy/topics.ts';
import type { TopicSpec } from '../../runtime/kafka/index.ts';
import type { TopicAdmin } from '../../runtime/kafka/ports.ts';

class FakeAdmin implements TopicAdmin {
  readonly topics = new Map<string, TopicSpec>();
  readonly created: string[] = [];
  constructor(existing: TopicSpec[] = []) {
    for (const t of existing) this.topics.set(t.name, t);
  }
  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const s of specs) {
      if (this.topics.has(s.name)) continue;
      this.topics.set(s.name, s);
      this.created.push(s.name);
    }
  }
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return new Map(topics.filter((t) => this.topics.has(t)).map((t) => [t, this.topics.get(t)!.partitions]));
  }
  async deleteTopics(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('topicPlan', () => {
  const plan = topicPlan(defaultPartitions);
  const spec = (name: string) => plan.topics.find((t) => t.name === name)!;

  it('plans every contract topic, the dead-letter topic included', () => {
    expect(plan.topics.map((t) => t.name)).toEqual(contractTopics);
    expect(contractTopics).toContain(Topics.DEAD_LETTER);
  });

  it('keeps the state topic compacted and the command history for 30 days', () => {
    expect(spec(Topics.KILLSWITCH_STATE).config).toEqual({ 'cleanup.policy': 'compact' });
    expect(spec(Topics.KILLSWITCH_COMMANDS).config).toEqual({ 'retention.ms': String(30 * 24 * 3600 * 1000) });
  });

  it('reports the contract configs MSK Serverless refuses instead of dropping them unseen', () => {
    expect(plan.unsupported).toEqual([
      { topic: Topics.KILLSWITCH_STATE, key: 'min.cleanable.dirty.ratio', value: '0.01' },
      { topic: Topics.KILLSWITCH_STATE, key: 'segment.ms', value: '60000' },
    ]);
    // A cluster that takes every key (self-managed Kafka) gets the contract's configs as written.
    const full = topicPlan(defaultPartitions, new Set(Object.values(topicConfigs).flatMap((c) => Object.keys(c ?? {}))));
    expect(full.unsupported).toEqual([]);
    expect(full.topics.find((t) => t.name === Topics.KILLSWITCH_STATE)!.config).toEqual(topicConfigs[Topics.KILLSWITCH_STATE]);
  });
});

describe('ensureTopics', () => {
  const plan = topicPlan(defaultPartitions).topics;

  it('creates the missing topics and leaves existing ones alone', async () => {
    const admin = new FakeAdmin([{ name: Topics.ORDERS, partitions: 3 }]);
    const result = await ensureTopics(admin, plan);
    expect(result.existing).toEqual([Topics.ORDERS]);
    expect(result.created).toHaveLength(plan.length - 1);
    expect(admin.topics.get(Topics.KILLSWITCH_STATE)!.config).toEqual({ 'cleanup.policy': 'compact' });
    expect(await ensureTopics(admin, plan)).toEqual({ created: [], existing: plan.map((t) => t.name) });
  });

  it('refuses an existing topic with another partition count, saying what to do', async () => {
    const admin = new FakeAdmin([{ name: Topics.FILLS, partitions: 6 }]);
    await expect(ensureTopics(admin, plan)).rejects.toThrow(/fills\.v1 has 6, the deployment wants 3\. .*migrate to a new topic version/);
    expect(admin.created).toEqual([]);
  });

  it('fails when a created topic does not show up (missing CreateTopic permission)', async () => {
    const admin = new FakeAdmin();
    admin.createTopics = async () => {};
    await expect(ensureTopics(admin, plan)).rejects.toMatchObject({ code: 'DEPLOY_TOPICS_MISSING' });
  });
});

describe('parseTopicPlan', () => {
  it('round-trips the plan the stack passes as TOPIC_PLAN', () => {
    const plan = topicPlan(defaultPartitions).topics;
    expect(parseTopicPlan(JSON.stringify(plan))).toEqual(plan.map((t) => ({ ...t, config: t.config ?? {} })));
  });

  it.each([
    [undefined, /TOPIC_PLAN is not set/],
    ['{', /not JSON/],
    ['{}', /JSON array/],
    ['[{"name":"a","partitions":0}]', /TOPIC_PLAN\/0\/partitions/],
    ['[{"name":"a","partitions":1,"config":{"retention.ms":5}}]', /TOPIC_PLAN\/0\/config\/retention.ms must be a string/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseTopicPlan(raw)).toThrow(message);
  });
});
