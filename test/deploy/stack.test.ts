// The synthesized stack, checked as `cdk synth` would produce it: who may touch which topic and table, how each
// service deploys, scales and stops, what the tables and the Spark jobs look like, and that cdk-nag passes.

import { join } from 'node:path';
import { App, Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRiskConfig } from '../../apps/config.ts';
import { tableNames, tables, type TableId } from '../../apps/dynamodb/tables.ts';
import { appNamed } from '../../apps/registry.ts';
import { HEALTH_PATH } from '../../apps/console/server.ts';
import { topicConfigs, Topics } from '../../apps/schemas/topics.ts';
import { deployConfig } from '../../deploy/config.ts';
import { consumesPartitions, serviceNames, services, ServiceKind, type ServiceName } from '../../deploy/services.ts';
import { RiskStreamsStack, tableEnvName } from '../../deploy/stack.ts';
import { contractTopics } from '../../deploy/topics.ts';
import { changelogTopic } from '../../runtime/kafka/internal-topics.ts';
import { ClusterProfile } from '../../runtime/kafka/topic-provisioning.ts';
import { ENFORCEMENT_STORE } from '../../apps/enforcement/topology.ts';
import { kafkaArn, RolePolicies } from './iam-policy.ts';

const SPARK_FIXTURE = join(import.meta.dirname, 'fixtures/spark');
const CLUSTER = 'risk-dev';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any>; DependsOn?: string[] }>;

let stack: RiskStreamsStack;
let template: Template;
let resources: Resources;
const synthMs: number[] = [];

function synthesize(overrides: object = {}, nag = false): { stack: RiskStreamsStack; template: Template } {
  const started = performance.now();
  const app = new App();
  const built = new RiskStreamsStack(app, 'RiskStreams-dev', { config: deployConfig(overrides), sparkDir: SPARK_FIXTURE });
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  const t = Template.fromStack(built);
  synthMs.push(performance.now() - started);
  return { stack: built, template: t };
}

const logicalId = (s: Stack, construct: { node: { defaultChild?: unknown } }) => s.getLogicalId(construct.node.defaultChild as CfnRole);
const policiesOf = (name: ServiceName) => new RolePolicies(template, logicalId(stack, stack.tasks.get(name)!.taskRole));
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const containerOf = (name: string) => {
  const task = ofType('AWS::ECS::TaskDefinition').find(([, r]) => r.Properties.ContainerDefinitions[0].Name === name);
  if (task === undefined) throw new Error(`no task definition for ${name}`);
  return task[1].Properties.ContainerDefinitions[0] as Record<string, any>;
};
const envOf = (container: Record<string, any>) => Object.fromEntries((container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));

beforeAll(() => {
  ({ stack, template } = synthesize({}, true));
  resources = template.toJSON().Resources as Resources;
});

describe('Kafka', () => {
  it('is an MSK Serverless cluster with IAM authentication in two private subnets', () => {
    template.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClusterName: CLUSTER,
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    });
    const [[, cluster]] = ofType('AWS::MSK::ServerlessCluster');
    expect(cluster.Properties.VpcConfigs[0].SubnetIds).toHaveLength(2);
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 2);
  });

  it('gets the contract topics from a task that must succeed before any service exists', () => {
    const env = envOf(containerOf('topics'));
    const plan = JSON.parse(env.TOPIC_PLAN as string) as { name: string; partitions: number; config?: Record<string, string> }[];
    expect(plan.map((t) => t.name)).toEqual(contractTopics);
    expect(plan.every((t) => t.partitions === 3)).toBe(true);
    // The contract's configs as written; the task fits them to MSK Serverless and logs what it drops.
    expect(plan.find((t) => t.name === Topics.KILLSWITCH_STATE)!.config).toEqual(topicConfigs[Topics.KILLSWITCH_STATE]);
    expect(env.TOPIC_CLUSTER_PROFILE).toBe(ClusterProfile.MSK_SERVERLESS);
    expect(containerOf('topics').EntryPoint).toEqual(['node', 'deploy/provision/main.ts']);
    expect(plan.find((t) => t.name === Topics.KILLSWITCH_COMMANDS)!.config).toEqual({ 'retention.ms': '2592000000' });
    const [topicsId] = ofType('Custom::KafkaTopics').map(([id]) => id);
    // Every app learns its brokers from the topic resource, so CloudFormation orders the topics first.
    for (const name of serviceNames) {
      expect(envOf(containerOf(name)).KAFKA_BROKERS).toEqual({ 'Fn::GetAtt': [topicsId, 'BootstrapBrokers'] });
    }
  });

  it('warns that MSK Serverless cannot take the state topic\'s cleaner settings', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cannot be set on MSK Serverless'));
    expect(warnings.map((w) => String(w.entry.data).split(' (')[0]).sort()).toEqual([
      'killswitch.state.v1: min.cleanable.dirty.ratio=0.01',
      'killswitch.state.v1: segment.ms=60000',
    ]);
  });

  it('lets the topic task create only the contract topics', () => {
    const policies = new RolePolicies(template, logicalId(stack, stack.topics.task.taskRole));
    for (const topic of contractTopics) expect(policies.allows('kafka-cluster:CreateTopic', kafkaArn('topic', CLUSTER, topic))).toBe(true);
    expect(policies.allows('kafka-cluster:CreateTopic', kafkaArn('topic', CLUSTER, 'other.v1'))).toBe(false);
    expect(policies.allows('kafka-cluster:WriteData', kafkaArn('topic', CLUSTER, Topics.ORDERS))).toBe(false);
  });
});

describe('least privilege', () => {
  it('the router reads orders and the state, writes gated orders and audit, and cannot write kill-switch commands', () => {
    const router = policiesOf('order-router');
    const topic = (t: string) => kafkaArn('topic', CLUSTER, t);
    expect(router.allows('kafka-cluster:ReadData', topic(Topics.ORDERS))).toBe(true);
    expect(router.allows('kafka-cluster:ReadData', topic(Topics.KILLSWITCH_STATE))).toBe(true);
    expect(router.allows('kafka-cluster:WriteData', topic(Topics.ORDERS_GATED))).toBe(true);
    expect(router.allows('kafka-cluster:WriteData', topic(Topics.AUDIT))).toBe(true);
    expect(router.allows('kafka-cluster:WriteData', topic(Topics.KILLSWITCH_COMMANDS))).toBe(false);
    expect(router.allows('kafka-cluster:WriteData', topic(Topics.KILLSWITCH_STATE))).toBe(false);
    expect(router.allows('kafka-cluster:ReadData', topic(Topics.KILLSWITCH_COMMANDS))).toBe(false);
    expect(router.allows('kafka-cluster:AlterGroup', kafkaArn('group', CLUSTER, 'order-router'))).toBe(true);
    expect(router.allows('kafka-cluster:AlterGroup', kafkaArn('group', CLUSTER, 'killswitch-aggregator'))).toBe(false);
    expect(router.allows('kafka-cluster:CreateTopic', topic('order-router-killswitch-global-changelog'))).toBe(true);
    expect(router.allows('kafka-cluster:CreateTopic', topic('enforcement-store-changelog'))).toBe(false);
    expect(router.allows('kafka-cluster:CreateTopic', topic(Topics.ORDERS_GATED))).toBe(false);
  });

  it('the console reads what its Kafka backend follows, the enforcement store\'s changelog included, and writes only commands', () => {
    const console_ = policiesOf('console');
    const topic = (t: string) => kafkaArn('topic', CLUSTER, t);
    const changelog = changelogTopic(services.enforcement.applicationId, ENFORCEMENT_STORE);
    for (const t of [Topics.KILLSWITCH_STATE, Topics.MARGIN_CALC, Topics.AUDIT, changelog]) {
      expect(console_.allows('kafka-cluster:ReadData', topic(t)), t).toBe(true);
      expect(console_.allows('kafka-cluster:DescribeTopic', topic(t)), t).toBe(true);
    }
    expect(console_.resourcesFor('kafka-cluster:ReadData').sort()).toEqual([Topics.KILLSWITCH_STATE, Topics.MARGIN_CALC, Topics.AUDIT, changelog].map(topic).sort());
    expect(console_.resourcesFor('kafka-cluster:WriteData')).toEqual([topic(Topics.KILLSWITCH_COMMANDS)]);
    expect(console_.allows('kafka-cluster:ReadData', topic('enforcement-other-store-changelog'))).toBe(false);
    expect(console_.allows('kafka-cluster:WriteData', topic(changelog))).toBe(false);
    // It follows topics by offset, outside any group: no group action at all, and no transactions.
    expect(console_.actions().filter((a) => /Group|TransactionalId|CreateTopic/.test(a))).toEqual([]);
    expect(envOf(containerOf('console')).ENFORCEMENT_APPLICATION_ID).toBe(services.enforcement.applicationId);
  });

  it.each(serviceNames)('%s may read and write exactly its own contract topics', (name) => {
    const policies = policiesOf(name);
    const spec = services[name];
    for (const topic of contractTopics) {
      const arn = kafkaArn('topic', CLUSTER, topic);
      expect(policies.allows('kafka-cluster:ReadData', arn), `${name} read ${topic}`).toBe(spec.reads.includes(topic));
      expect(policies.allows('kafka-cluster:WriteData', arn), `${name} write ${topic}`).toBe(spec.writes.includes(topic));
      expect(policies.allows('kafka-cluster:CreateTopic', arn), `${name} create ${topic}`).toBe(false);
      expect(policies.allows('kafka-cluster:AlterTopic', arn), `${name} alter ${topic}`).toBe(false);
      expect(policies.allows('kafka-cluster:DeleteTopic', arn), `${name} delete ${topic}`).toBe(false);
    }
    const others = serviceNames.filter((n) => n !== name).map((n) => services[n].applicationId);
    for (const other of others) {
      expect(policies.allows('kafka-cluster:AlterGroup', kafkaArn('group', CLUSTER, other)), `${name} uses group ${other}`).toBe(false);
      expect(policies.allows('kafka-cluster:AlterTransactionalId', kafkaArn('transactional-id', CLUSTER, `${other}-1`))).toBe(false);
    }
    expect(policies.managedPolicies).toEqual([]);
    expect(policies.actions().filter((a) => a.endsWith('*'))).toEqual([]);
  });

  it('gives the console no DynamoDB action at all: it reads everything it shows from the topics', () => {
    expect(services.console.tables).toEqual({ write: [], read: [] });
    expect(policiesOf('console').actions().filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(Object.keys(envOf(containerOf('console'))).filter((k) => k.startsWith('DYNAMODB_'))).toEqual([]);
  });

  it.each(serviceNames)('%s touches only its own tables', (name) => {
    const policies = policiesOf(name);
    const spec = services[name];
    const tableArn = (id: TableId) => `<${logicalId(stack, stack.tables.tables[id])}.Arn>`;
    for (const id of Object.keys(tables) as TableId[]) {
      expect(policies.allows('dynamodb:BatchWriteItem', tableArn(id)), `${name} writes ${id}`).toBe(spec.tables.write.includes(id));
      // The sinks only write (the margin-call annotation is a conditional UpdateItem); no service queries.
      expect(policies.allows('dynamodb:UpdateItem', tableArn(id)), `${name} updates ${id}`).toBe(spec.tables.write.includes(id));
      expect(policies.allows('dynamodb:Query', tableArn(id)), `${name} reads ${id}`).toBe(spec.tables.read.includes(id));
      expect(policies.allows('dynamodb:PutItem', tableArn(id)), `${name} puts ${id}`).toBe(spec.tables.write.includes(id));
    }
    expect(policies.allows('dynamodb:DeleteTable', tableArn('auditIndex'))).toBe(false);
    const env = envOf(containerOf(name));
    const names = tableNames({ prefix: 'risk', stage: 'dev' });
    for (const id of [...spec.tables.write, ...spec.tables.read]) expect(env[tableEnvName(id)]).toBe(names[id]);
  });

  it.each(serviceNames)('%s cannot publish CloudWatch metrics (Prometheus scrapes /metrics; scaling reads MSK\'s own lag)', (name) => {
    expect(policiesOf(name).statements.some((s) => JSON.stringify(s.Action).includes('cloudwatch:'))).toBe(false);
    expect(envOf(containerOf(name)).METRICS_NAMESPACE).toBeUndefined();
  });
});

describe('services', () => {
  it('runs one Fargate service per app, each with its own role, log group and security group', () => {
    expect(ofType('AWS::ECS::Service')).toHaveLength(serviceNames.length);
    const roles = new Set(serviceNames.map((n) => containerOf(n) && stack.tasks.get(n)!.taskRole.roleArn));
    expect(roles.size).toBe(serviceNames.length);
  });

  it.each(serviceNames)('%s rolls back a failed deployment, checks /health and stops within 60 s', (name) => {
    const service = ofType('AWS::ECS::Service').find(([, r]) => JSON.stringify(r.Properties.TaskDefinition).includes(name.replace(/-/g, '')));
    expect(service, `service for ${name}`).toBeDefined();
    expect(service![1].Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    expect(service![1].Properties.LaunchType).toBe('FARGATE');
    expect(service![1].Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    const container = containerOf(name);
    expect(container.StopTimeout).toBe(60);
    expect(container.HealthCheck.Command.join(' ')).toMatch(/^CMD node -e fetch\('http:\/\/127\.0\.0\.1:\d+\/health'\)/);
    expect(container.HealthCheck.StartPeriod).toBe(120);
    expect(container.Command).toEqual([name]);
    expect(envOf(container).SHUTDOWN_TIMEOUT_MS).toBe('50000');
    const logGroup = container.LogConfiguration.Options['awslogs-group'] as { Ref: string };
    expect(resources[logGroup.Ref].Properties).toMatchObject({ LogGroupName: `/risk/dev/${name}`, RetentionInDays: 30 });
  });

  // The topics each group commits offsets on: its sources, not the router's global kill-switch table, and for
  // margin its repartition and foreign-key join topics, named as the runtime names them.
  const marginInternal = (() => {
    const topology = appNamed('margin').build(defaultRiskConfig, {});
    return topology.subtopologies().flatMap((s) => s.sourceTopics.filter((t) => topology.isInternalTopic(t)).map((t) => `margin-${t}`));
  })();
  it("watches margin's repartition and join topics too, as the runtime names them", () => {
    expect(marginInternal).toHaveLength(4);
    expect(marginInternal).toEqual(expect.arrayContaining(['margin-margin-rows-repartition', 'margin-margin-accounts-repartition']));
  });
  const lagTopics: Record<string, string[]> = {
    'killswitch-aggregator': [Topics.KILLSWITCH_COMMANDS],
    'order-router': [Topics.ORDERS],
    'risk-signals': [Topics.ORDERS],
    margin: [Topics.FILLS, Topics.PRICES, Topics.BETAS, Topics.CASH, ...marginInternal],
    enforcement: [Topics.MARGIN_CALC, Topics.STRESS, Topics.FILLS],
  };
  type MetricQuery = { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Stat: string; Period: number } };
  const groupOf = (alarm: Resources[string]) =>
    ((alarm.Properties.Metrics ?? []) as MetricQuery[]).flatMap((m) => m.MetricStat?.Metric.Dimensions ?? []).find((d) => d.Name === 'Consumer Group')?.Value;

  it.each(serviceNames.filter((n) => consumesPartitions(services[n])))('%s scales on the lag MSK reports for its group, up to its partitions', (name) => {
    const target = ofType('AWS::ApplicationAutoScaling::ScalableTarget').find(([id]) => id.startsWith(name.replace(/-/g, '')));
    expect(target, `scalable target of ${name}`).toBeDefined();
    expect(target![1].Properties.MaxCapacity).toBeLessThanOrEqual(3);
    const group = services[name].applicationId;
    expect(envOf(containerOf(name)).KAFKA_APPLICATION_ID).toBe(group);
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, r]) => groupOf(r) === group);
    expect(alarms.map(([, r]) => [r.Properties.ComparisonOperator, r.Properties.Threshold]).sort()).toEqual([
      ['GreaterThanOrEqualToThreshold', 5000],
      ['LessThanOrEqualToThreshold', 100],
    ]);
    for (const [, alarm] of alarms) {
      const queries = alarm.Properties.Metrics as MetricQuery[];
      const stats = queries.filter((q) => q.MetricStat !== undefined);
      const [sum] = queries.filter((q) => q.Expression !== undefined);
      expect(sum).toMatchObject({ Expression: `SUM([${stats.map((q) => q.Id).join(', ')}])`, ReturnData: true });
      for (const q of stats) {
        expect(q.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/Kafka', MetricName: 'SumOffsetLag' }, Stat: 'Maximum', Period: 60 });
        expect(q.ReturnData).toBe(false);
        const dims = Object.fromEntries(q.MetricStat!.Metric.Dimensions.map((d) => [d.Name, d.Value]));
        expect(Object.keys(dims).sort()).toEqual(['Cluster Name', 'Consumer Group', 'Topic']);
        expect(dims['Cluster Name']).toBe(CLUSTER);
        expect(dims['Consumer Group']).toBe(group);
      }
      const topics = stats.map((q) => q.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'Topic')!.Value);
      expect(topics.sort()).toEqual([...lagTopics[name]].sort());
      // No data (a rebalance, nothing committed yet) must neither add nor remove a task.
      expect(alarm.Properties).toMatchObject({ TreatMissingData: 'notBreaching', EvaluationPeriods: 3 });
      expect(alarm.Properties).not.toHaveProperty('Namespace');
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('keeps no alarm on the custom lag metric nothing publishes', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2 * Object.keys(lagTopics).length);
    expect(JSON.stringify(alarms)).not.toContain('ConsumerLag');
  });

  it('scales neither the generator nor the console, which consume no partitions', () => {
    const targets = ofType('AWS::ApplicationAutoScaling::ScalableTarget').map(([id]) => id);
    expect(targets.some((id) => id.startsWith('generator') || id.startsWith('Console'))).toBe(false);
    expect(services.generator.kind).toBe(ServiceKind.PRODUCER);
    const groups = new Set(ofType('AWS::CloudWatch::Alarm').map(([, r]) => groupOf(r)));
    expect(groups.has('generator') || groups.has('console')).toBe(false);
  });

  it('runs the image built from deploy/Dockerfile, linux-x64 for the RocksDB binding', () => {
    const image = JSON.stringify(containerOf('order-router').Image);
    expect(image).toContain('cdk-hnb659fds-container-assets');
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' } });
  });
});

describe('operator console', () => {
  it('takes its bearer token from Secrets Manager, never from plain configuration', () => {
    const container = containerOf('console');
    const [secretId] = ofType('AWS::SecretsManager::Secret').map(([id]) => id);
    expect(container.Secrets).toEqual([{ Name: 'CONSOLE_TOKEN', ValueFrom: { Ref: secretId } }]);
    expect(Object.keys(envOf(container))).not.toContain('CONSOLE_TOKEN');
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } });
  });

  it('sits behind an internal load balancer that checks /health and logs access', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
    // The route the console serves to any Host, since the probes address the task by its IP.
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: HEALTH_PATH, Port: 80, TargetType: 'ip' });
    const service = ofType('AWS::ECS::Service').find(([, r]) => r.Properties.LoadBalancers !== undefined);
    expect(service![1].Properties.LoadBalancers[0]).toMatchObject({ ContainerName: 'console', ContainerPort: 8088 });
    expect(service![1].Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
  });

  it('listens on every interface and answers to the load balancer\'s DNS name and the configured ones only', () => {
    const env = envOf(containerOf('console'));
    expect(env).toMatchObject({ CONSOLE_HOST: '0.0.0.0', CONSOLE_PORT: '8088', HEALTH_PORT: '8088' });
    const [[balancer]] = ofType('AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(env.CONSOLE_ALLOWED_HOSTS).toEqual({ 'Fn::GetAtt': [balancer, 'DNSName'] });
    const { template: named } = synthesize({ console: { hostNames: ['risk-console.example.com'] } });
    const container = (Object.values(named.toJSON().Resources as Resources).find(
      (r) => r.Type === 'AWS::ECS::TaskDefinition' && r.Properties.ContainerDefinitions[0].Name === 'console',
    )!.Properties.ContainerDefinitions[0]) as Record<string, any>;
    expect(JSON.stringify(envOf(container).CONSOLE_ALLOWED_HOSTS)).toMatch(/"DNSName"\]\},",risk-console\.example\.com"/);
  });

  it('opens the load balancer to the VPC only, by default', () => {
    const groups = ofType('AWS::EC2::SecurityGroup').filter(([id]) => id.startsWith('ConsoleServiceLB'));
    const ingress = groups.flatMap(([, r]) => (r.Properties.SecurityGroupIngress ?? []) as { CidrIp?: string }[]);
    expect(ingress.map((i) => i.CidrIp)).toEqual(['10.40.0.0/16']);
  });
});

describe('tables', () => {
  it.each(Object.keys(tables) as TableId[])('%s mirrors the apps\' definition: keys, index, TTL, on demand, PITR', (id) => {
    const input = tables[id].createInput(tableNames({ prefix: 'risk', stage: 'dev' })[id]);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: input.TableName,
      KeySchema: input.KeySchema,
      AttributeDefinitions: Match.arrayEquals(input.AttributeDefinitions!.map((a) => Match.objectEquals({ ...a }))),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: input.GlobalSecondaryIndexes === undefined ? Match.absent() : input.GlobalSecondaryIndexes,
    });
  });

  it('keeps the tables when the stack goes', () => {
    for (const [, table] of ofType('AWS::DynamoDB::Table')) expect(table).toMatchObject({ DeletionPolicy: 'Retain' });
  });
});

describe('Spark reference jobs', () => {
  it('defines an EMR Serverless Spark application in the private subnets', () => {
    template.hasResourceProperties('AWS::EMRServerless::Application', {
      Type: 'SPARK',
      ReleaseLabel: 'emr-7.8.0',
      NetworkConfiguration: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 15 },
    });
  });

  it('stores one runnable job definition per script with a main guard, its script in the asset bucket', () => {
    expect([...stack.spark.jobs.keys()]).toEqual(['risk-signals']);
    const machine = ofType('AWS::StepFunctions::StateMachine').find(([id]) => id.includes('Jobrisksignals'));
    const definition = JSON.stringify(machine![1].Properties.DefinitionString);
    expect(definition).toContain('emr-serverless:startJobRun.sync');
    expect(definition).toMatch(/cdk-hnb659fds-assets-.*\.py/);
    expect(definition).toContain('--available-now');
  });

  it('lets the jobs read the inputs only, never write a topic', () => {
    const policies = new RolePolicies(template, logicalId(stack, stack.spark.executionRole));
    expect(policies.allows('kafka-cluster:ReadData', kafkaArn('topic', CLUSTER, Topics.ORDERS))).toBe(true);
    for (const topic of contractTopics) expect(policies.allows('kafka-cluster:WriteData', kafkaArn('topic', CLUSTER, topic))).toBe(false);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds no unsuppressed error', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 120)}`)).toEqual([]);
  });

  it('has a written reason for every suppression', () => {
    const suppressions = Object.values(resources).flatMap((r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[]);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(60);
    expect(new Set(suppressions.map((s) => s.id))).toEqual(new Set(['AwsSolutions-ECS2', 'AwsSolutions-IAM5', 'AwsSolutions-SMG4', 'AwsSolutions-SF2']));
  });
});

describe('other settings', () => {
  it('terminates TLS on an internet-facing console and needs no NAT with endpoints', () => {
    const { template: t } = synthesize({
      vpc: { natGateways: 0 },
      console: { internetFacing: true, certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc', allowedCidrs: ['203.0.113.0/24'] },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', Port: 443 });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTP', DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 7);
    const ingress = Object.values(t.toJSON().Resources as Resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroup')
      .flatMap((r) => (r.Properties.SecurityGroupIngress ?? []) as { CidrIp?: string }[])
      .map((i) => i.CidrIp);
    expect(ingress).not.toContain('0.0.0.0/0');
    expect(ingress).toContain('203.0.113.0/24');
  });

  it('synthesizes in seconds', () => {
    expect(Math.max(...synthMs)).toBeLessThan(20_000);
    process.stderr.write(`[deploy] synth times: ${synthMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}\n`);
  });
});
