import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../apps/cli/commands.ts';
import { contractTopicSpecs } from '../../../apps/cli/kafka-pipeline.ts';
import { runSettings } from '../../../apps/cli/run.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { ConfigError } from '../../../common/errors.ts';
import { ClusterProfile, fitTopicConfigs, mskServerlessTopicConfigKeys } from '../../../runtime/kafka/topic-provisioning.ts';

describe('risk-streams run: settings', () => {
  it('takes what a deployed container gets from its environment', () => {
    const s = runSettings(['order-router'], {
      KAFKA_APPLICATION_ID: 'order-router',
      STATE_DIR: '/var/lib/risk-streams',
      SHUTDOWN_TIMEOUT_MS: '50000',
      HEALTH_PORT: '8081',
      KAFKA_GROUP_INSTANCE_ID: 'router-a',
    });
    expect(s).toMatchObject({
      applicationId: 'order-router',
      brokers: [],
      stateDir: '/var/lib/risk-streams',
      shutdownTimeoutMs: 50_000,
      healthPort: 8081,
      healthHost: '127.0.0.1',
      groupInstanceId: 'router-a',
      processingGuarantee: 'exactly_once_v2',
      createTopics: false,
      partitions: 3,
    });
    expect(s.app.name).toBe('order-router');
  });

  it('lets flags win over the environment', () => {
    const s = runSettings(
      ['margin', '--brokers', 'b1:9092,b2:9092', '--state-dir', '/tmp/x', '--create-topics', '--partitions', '6', '--guarantee', 'at_least_once', '--health-port', '0', '--instance-id', 'm-1'],
      { STATE_DIR: '/var/lib/risk-streams', HEALTH_PORT: '8081', PROCESSING_GUARANTEE: 'exactly_once_v2' },
    );
    expect(s).toMatchObject({
      applicationId: 'margin',
      brokers: ['b1:9092', 'b2:9092'],
      stateDir: '/tmp/x',
      createTopics: true,
      partitions: 6,
      processingGuarantee: 'at_least_once',
      healthPort: 0,
      groupInstanceId: 'm-1',
    });
  });

  it('has no health endpoint unless asked, and refuses bad values naming the flag or variable', () => {
    expect(runSettings(['enforcement'], {}).healthPort).toBeNull();
    expect(() => runSettings([], {})).toThrow(UsageError);
    expect(() => runSettings(['nope'], {})).toThrow(/unknown app "nope"/);
    expect(() => runSettings(['margin', '--bogus'], {})).toThrow('unknown option --bogus');
    expect(() => runSettings(['margin'], { SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
    expect(() => runSettings(['margin'], { SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(/^SHUTDOWN_TIMEOUT_MS: /);
    expect(() => runSettings(['margin'], { HEALTH_PORT: '70000' })).toThrow(/^HEALTH_PORT: /);
    expect(() => runSettings(['margin', '--guarantee', 'maybe'], {})).toThrow(/^--guarantee: /);
    expect(() => runSettings(['margin'], { PROCESSING_GUARANTEE: 'maybe' })).toThrow(/^PROCESSING_GUARANTEE: /);
    expect(() => runSettings(['margin', '--brokers', 'nohost'], {})).toThrow('--brokers: "nohost" is not host:port');
  });
});

describe('risk-streams run --create-topics: the cluster profile', () => {
  const iam = { KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM', AWS_REGION: 'eu-west-1' };

  it('creates the contract configs as written on self-managed Kafka, and resolves nothing without the flag', () => {
    expect(runSettings(['margin', '--create-topics'], {}).topicProfile).toBe(ClusterProfile.KAFKA);
    expect(runSettings(['margin'], {}).topicProfile).toBeNull();
    // A deployed service never creates topics, so it needs no profile even on MSK.
    expect(runSettings(['margin'], iam).topicProfile).toBeNull();
  });

  it('takes TOPIC_CLUSTER_PROFILE as the topic task does, so MSK Serverless gets only the configs it accepts', () => {
    const s = runSettings(['killswitch-aggregator', '--create-topics'], { ...iam, TOPIC_CLUSTER_PROFILE: 'msk-serverless' });
    expect(s.topicProfile).toBe(ClusterProfile.MSK_SERVERLESS);
    const { topics, dropped } = fitTopicConfigs(contractTopicSpecs(3), s.topicProfile!);
    for (const t of topics) for (const key of Object.keys(t.config ?? {})) expect(mskServerlessTopicConfigKeys.has(key), `${t.name} ${key}`).toBe(true);
    expect(topics.find((t) => t.name === Topics.KILLSWITCH_STATE)!.config).toEqual({ 'cleanup.policy': 'compact' });
    expect(dropped.map((d) => d.key)).toEqual(['min.cleanable.dirty.ratio', 'segment.ms']);
    expect(runSettings(['margin', '--create-topics'], { ...iam, TOPIC_CLUSTER_PROFILE: 'kafka' }).topicProfile).toBe(ClusterProfile.KAFKA);
  });

  it('does not guess on MSK IAM, which provisioned MSK and MSK Serverless share: it asks for the variable', () => {
    expect(() => runSettings(['margin', '--create-topics'], iam)).toThrow(ConfigError);
    expect(() => runSettings(['margin', '--create-topics'], iam)).toThrow(
      /^TOPIC_CLUSTER_PROFILE: required to create topics with KAFKA_SASL_MECHANISM=AWS_MSK_IAM\. Set it to msk-serverless on MSK Serverless .* or to kafka on provisioned MSK$/,
    );
    expect(() => runSettings(['margin', '--create-topics'], { TOPIC_CLUSTER_PROFILE: 'serverless' })).toThrow(/^TOPIC_CLUSTER_PROFILE: must be one of kafka, msk-serverless/);
  });
});
