// The topic plan the deployment hands the topic task: every contract topic with the contract's configs, and
// what the task's filter will drop on MSK Serverless (the filter itself: test/runtime/kafka/topic-provisioning).

import { describe, expect, it } from 'vitest';
import { topicConfigs, Topics } from '../../apps/schemas/topics.ts';
import { contractTopics, defaultPartitions, topicPlan } from '../../deploy/topics.ts';
import { ClusterProfile, fitTopicConfigs } from '../../runtime/kafka/topic-provisioning.ts';

describe('topicPlan', () => {
  const plan = topicPlan(defaultPartitions);
  const spec = (name: string) => plan.topics.find((t) => t.name === name)!;

  it('plans every contract topic, the dead-letter topic included, for MSK Serverless', () => {
    expect(plan.topics.map((t) => t.name)).toEqual(contractTopics);
    expect(contractTopics).toContain(Topics.DEAD_LETTER);
    expect(plan.profile).toBe(ClusterProfile.MSK_SERVERLESS);
  });

  it('hands the task the contract configs as written; the task fits them to the cluster', () => {
    expect(spec(Topics.KILLSWITCH_STATE).config).toEqual(topicConfigs[Topics.KILLSWITCH_STATE]);
    expect(spec(Topics.KILLSWITCH_COMMANDS).config).toEqual({ 'retention.ms': String(30 * 24 * 3600 * 1000) });
    const fitted = fitTopicConfigs(plan.topics, plan.profile).topics;
    expect(fitted.find((t) => t.name === Topics.KILLSWITCH_STATE)!.config).toEqual({ 'cleanup.policy': 'compact' });
  });

  it('lists what MSK Serverless will not take, so the synth can warn about it', () => {
    expect(plan.dropped.map(({ topic, key, value }) => ({ topic, key, value }))).toEqual([
      { topic: Topics.KILLSWITCH_STATE, key: 'min.cleanable.dirty.ratio', value: '0.01' },
      { topic: Topics.KILLSWITCH_STATE, key: 'segment.ms', value: '60000' },
    ]);
    expect(topicPlan(defaultPartitions, ClusterProfile.KAFKA).dropped).toEqual([]);
  });

  it('takes the partition counts from the deployment', () => {
    const plan6 = topicPlan({ ...defaultPartitions, [Topics.ORDERS]: 6 });
    expect(plan6.topics.find((t) => t.name === Topics.ORDERS)!.partitions).toBe(6);
  });
});
