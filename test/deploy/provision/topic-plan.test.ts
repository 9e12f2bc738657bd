// The TOPIC_PLAN variable the topic task reads, checked before it touches the cluster.

import { describe, expect, it } from 'vitest';
import { parseTopicPlan } from '../../../deploy/provision/topic-plan.ts';
import { defaultPartitions, topicPlan } from '../../../deploy/topics.ts';

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
