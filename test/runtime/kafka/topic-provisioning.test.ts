// Topic provisioning: the config filter of each cluster profile, the create-or-verify steps against a fake
// admin, and the same steps against the real broker, which refuses config keys and values it does not know.

import { describe, expect, it } from 'vitest';
import { topicConfigs, Topics } from '../../../apps/schemas/topics.ts';
import type { Logger } from '../../../common/logger.ts';
import type { TopicAdmin, TopicSpec } from '../../../runtime/kafka/ports.ts';
import { ClusterProfile, clusterProfileFromEnv, ensureTopics, fitTopicConfigs, mskServerlessTopicConfigKeys, parseClusterProfile } from '../../../runtime/kafka/topic-provisioning.ts';
import { kafkaFactory, uniqueName } from '../../helpers/kafka.ts';

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
  async deleteRecords(): Promise<void> {}
  async close(): Promise<void> {}
}

function recordingLogger(): { logger: Logger; warnings: Array<[object, string | undefined]> } {
  const warnings: Array<[object, string | undefined]> = [];
  const logger: Logger = { debug: () => {}, info: () => {}, warn: (f, m) => warnings.push([f, m]), error: () => {}, child: () => logger };
  return { logger, warnings };
}

const contractPlan: TopicSpec[] = Object.values(Topics).map((name) => ({ name, partitions: 3, ...(topicConfigs[name] === undefined ? {} : { config: { ...topicConfigs[name] } }) }));
const configOf = (topics: readonly TopicSpec[], name: string) => topics.find((t) => t.name === name)!.config;

describe('fitTopicConfigs', () => {
  it('self-managed Kafka gets the contract configs exactly, the compacted state topic\'s cleaner settings included', () => {
    const { topics, dropped } = fitTopicConfigs(contractPlan, ClusterProfile.KAFKA);
    expect(dropped).toEqual([]);
    expect(configOf(topics, Topics.KILLSWITCH_STATE)).toEqual({ 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01', 'segment.ms': '60000' });
    expect(configOf(topics, Topics.KILLSWITCH_COMMANDS)).toEqual({ 'retention.ms': '2592000000' });
  });

  it('MSK Serverless keeps compaction and retention, and drops the keys it refuses with the reason', () => {
    const { topics, dropped } = fitTopicConfigs(contractPlan, ClusterProfile.MSK_SERVERLESS);
    expect(configOf(topics, Topics.KILLSWITCH_STATE)).toEqual({ 'cleanup.policy': 'compact' });
    expect(configOf(topics, Topics.KILLSWITCH_COMMANDS)).toEqual({ 'retention.ms': '2592000000' });
    expect(dropped.map(({ topic, key, value }) => [topic, key, value])).toEqual([
      [Topics.KILLSWITCH_STATE, 'min.cleanable.dirty.ratio', '0.01'],
      [Topics.KILLSWITCH_STATE, 'segment.ms', '60000'],
    ]);
    for (const d of dropped) expect(d.reason).toMatch(/^MSK Serverless accepts only cleanup\.policy, .*retention\.ms as topic configs/);
    for (const t of topics) for (const key of Object.keys(t.config ?? {})) expect(mskServerlessTopicConfigKeys.has(key), key).toBe(true);
    expect(topics.map((t) => [t.name, t.partitions])).toEqual(contractPlan.map((t) => [t.name, t.partitions]));
  });

  it('reads the profile from a variable, default kafka, naming the variable when wrong', () => {
    expect(parseClusterProfile(undefined, 'TOPIC_CLUSTER_PROFILE')).toBe(ClusterProfile.KAFKA);
    expect(parseClusterProfile(' msk-serverless ', 'TOPIC_CLUSTER_PROFILE')).toBe(ClusterProfile.MSK_SERVERLESS);
    expect(() => parseClusterProfile('msk', 'TOPIC_CLUSTER_PROFILE')).toThrow(/^TOPIC_CLUSTER_PROFILE: must be one of kafka, msk-serverless/);
  });

  it('takes TOPIC_CLUSTER_PROFILE from the environment, and requires it with MSK IAM rather than guess', () => {
    expect(clusterProfileFromEnv({})).toBe(ClusterProfile.KAFKA);
    expect(clusterProfileFromEnv({ TOPIC_CLUSTER_PROFILE: 'msk-serverless', KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM' })).toBe(ClusterProfile.MSK_SERVERLESS);
    expect(clusterProfileFromEnv({ TOPIC_CLUSTER_PROFILE: 'kafka', KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM' })).toBe(ClusterProfile.KAFKA);
    // Provisioned MSK signs in with IAM too, so the mechanism alone does not say which configs the cluster takes.
    expect(() => clusterProfileFromEnv({ KAFKA_SASL_MECHANISM: ' AWS_MSK_IAM ', TOPIC_CLUSTER_PROFILE: ' ' })).toThrow(/^TOPIC_CLUSTER_PROFILE: required to create topics with KAFKA_SASL_MECHANISM=AWS_MSK_IAM/);
    expect(() => clusterProfileFromEnv({ TOPIC_CLUSTER_PROFILE: 'msk' })).toThrow(/^TOPIC_CLUSTER_PROFILE: must be one of/);
  });
});

describe('ensureTopics', () => {
  it('creates the missing topics, leaves existing ones alone, and logs each config dropped', async () => {
    const admin = new FakeAdmin([{ name: Topics.ORDERS, partitions: 3 }]);
    const { logger, warnings } = recordingLogger();
    const result = await ensureTopics(admin, contractPlan, { profile: ClusterProfile.MSK_SERVERLESS, logger });
    expect(result.existing).toEqual([Topics.ORDERS]);
    expect(result.created).toHaveLength(contractPlan.length - 1);
    expect(admin.topics.get(Topics.KILLSWITCH_STATE)!.config).toEqual({ 'cleanup.policy': 'compact' });
    expect(warnings.map(([fields, message]) => [message, (fields as { key: string }).key])).toEqual([
      ['topic config dropped', 'min.cleanable.dirty.ratio'],
      ['topic config dropped', 'segment.ms'],
    ]);
    expect(warnings[0][0]).toMatchObject({ topic: Topics.KILLSWITCH_STATE, value: '0.01', reason: expect.stringContaining('MSK Serverless') });
    expect(await ensureTopics(admin, contractPlan, { profile: ClusterProfile.MSK_SERVERLESS })).toMatchObject({ created: [], existing: contractPlan.map((t) => t.name) });
  });

  it('passes the contract configs unchanged by default (self-managed Kafka)', async () => {
    const admin = new FakeAdmin();
    const result = await ensureTopics(admin, contractPlan);
    expect(result.dropped).toEqual([]);
    expect(admin.topics.get(Topics.KILLSWITCH_STATE)!.config).toEqual(topicConfigs[Topics.KILLSWITCH_STATE]);
  });

  it('refuses an existing topic with another partition count, saying what to do', async () => {
    const admin = new FakeAdmin([{ name: Topics.FILLS, partitions: 6 }]);
    await expect(ensureTopics(admin, contractPlan)).rejects.toThrow(/fills\.v1 has 6, the plan wants 3\. .*migrate to a new topic version/);
    expect(admin.created).toEqual([]);
  });

  it('fails when a created topic does not show up (no permission to create it)', async () => {
    const admin = new FakeAdmin();
    admin.createTopics = async () => {};
    await expect(ensureTopics(admin, contractPlan)).rejects.toMatchObject({ code: 'STREAMS_TOPICS_MISSING' });
  });
});

describe('ensureTopics on the broker', () => {
  const withAdmin = async <T>(use: (admin: TopicAdmin) => Promise<T>): Promise<T> => {
    const admin = kafkaFactory('test-provisioning').admin();
    try {
      return await use(admin);
    } finally {
      await admin.close();
    }
  };

  it('creates a topic with the state topic\'s configs as the contract writes them, and finds it on a second run', async () => {
    const plan = [{ name: uniqueName('state'), partitions: 3, config: { ...topicConfigs[Topics.KILLSWITCH_STATE] } }, { name: uniqueName('plain'), partitions: 2 }];
    const first = await withAdmin((admin) => ensureTopics(admin, plan));
    expect(first).toEqual({ created: plan.map((t) => t.name), existing: [], dropped: [] });
    const second = await withAdmin((admin) => ensureTopics(admin, plan));
    expect(second).toEqual({ created: [], existing: plan.map((t) => t.name), dropped: [] });
    expect(await withAdmin((admin) => admin.partitionCounts(plan.map((t) => t.name)))).toEqual(new Map(plan.map((t) => [t.name, t.partitions])));
  });

  it('sends the configs: the broker refuses a value it cannot take', async () => {
    const plan = [{ name: uniqueName('bad-config'), partitions: 1, config: { 'segment.ms': 'soon' } }];
    await expect(withAdmin((admin) => ensureTopics(admin, plan))).rejects.toThrow();
    expect(await withAdmin((admin) => admin.partitionCounts([plan[0].name]))).toEqual(new Map());
  });

  it('refuses a topic that exists with another partition count', async () => {
    const name = uniqueName('counts');
    await withAdmin((admin) => ensureTopics(admin, [{ name, partitions: 2 }]));
    await expect(withAdmin((admin) => ensureTopics(admin, [{ name, partitions: 3 }]))).rejects.toMatchObject({ code: 'STREAMS_TOPIC_PARTITIONS' });
  });
});
