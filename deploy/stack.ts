// The whole risk-streams deployment in one stack: network, Kafka and its topics, tables, one Fargate service per
// app with its own least-privilege role, the console behind a load balancer, and the Spark reference jobs.

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import type { Construct } from 'constructs';
import type { TableId } from '../apps/dynamodb/tables.ts';
import type { DeployConfig } from './config.ts';
import { AppTask } from './constructs/app-task.ts';
import { ConsoleService } from './constructs/console-service.ts';
import { KafkaCluster } from './constructs/kafka.ts';
import { Network } from './constructs/network.ts';
import { SparkJobs } from './constructs/spark.ts';
import { StreamService } from './constructs/stream-service.ts';
import { RiskTables } from './constructs/tables.ts';
import { TopicProvisioner } from './constructs/topic-provisioner.ts';
import { addNagSuppressions } from './nag-suppressions.ts';
import { serviceNames, services, ServiceKind, type ServiceName } from './services.ts';
import { topicPlan } from './topics.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `auditIndex` → DYNAMODB_TABLE_AUDIT_INDEX: the variable a service finds the table's name in. */
export const tableEnvName = (id: TableId): string => `DYNAMODB_TABLE_${id.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

export interface RiskStreamsStackProps extends StackProps {
  readonly config: DeployConfig;
  /** The PySpark jobs to define; default the repository's spark/. */
  readonly sparkDir?: string;
}

export class RiskStreamsStack extends Stack {
  readonly config: DeployConfig;
  readonly network: Network;
  readonly kafka: KafkaCluster;
  readonly tables: RiskTables;
  readonly topics: TopicProvisioner;
  readonly tasks: ReadonlyMap<ServiceName, AppTask>;
  readonly services: ReadonlyMap<ServiceName, StreamService>;
  readonly console: ConsoleService;
  readonly spark: SparkJobs;

  constructor(scope: Construct, id: string, props: RiskStreamsStackProps) {
    // A region but no account: synth needs no credentials, and with the account open CDK makes no lookups.
    super(scope, id, { ...props, env: { region: props.config.region } });
    const config = (this.config = props.config);
    const removal = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.network = new Network(this, 'Network', config);
    const { vpc, privateSubnets } = this.network;
    this.kafka = new KafkaCluster(this, 'Kafka', { clusterName: `${config.prefix}-${config.stage}`, vpc, subnets: privateSubnets });
    this.tables = new RiskTables(this, 'Tables', config);

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // Load balancer access logs can only go to a bucket with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
      removalPolicy: removal,
    });

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, clusterName: `${config.prefix}-${config.stage}`, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const image =
      config.imageUri === null
        ? ecs.ContainerImage.fromAsset(REPO_ROOT, { file: 'deploy/Dockerfile', platform: Platform.LINUX_AMD64 })
        : ecs.ContainerImage.fromRegistry(config.imageUri);

    const plan = topicPlan(config.partitions);
    for (const d of plan.dropped) {
      Annotations.of(this).addWarningV2(
        `risk-streams:topic-config:${d.topic}:${d.key}`,
        `${d.topic}: ${d.key}=${d.value} (CONTRACT §1) cannot be set on MSK Serverless: the topic task drops it and logs why`,
      );
    }
    this.topics = new TopicProvisioner(this, 'Topics', { config, plan, kafka: this.kafka, cluster, image, subnets: privateSubnets });
    // The task needs its route out (NAT or endpoints) before it can pull the image and reach the brokers.
    this.topics.resource.node.addDependency(vpc);

    const consoleToken = ConsoleService.createToken(this, config);
    const tasks = new Map<ServiceName, AppTask>();
    const streamServices = new Map<ServiceName, StreamService>();
    let consoleService: ConsoleService | undefined;
    for (const name of serviceNames) {
      const spec = services[name];
      const settings = config.services[name];
      const isConsole = spec.kind === ServiceKind.CONSOLE;
      const tableEnv = Object.fromEntries([...spec.tables.write, ...spec.tables.read].map((t) => [tableEnvName(t), this.tables.names[t]]));
      const task = new AppTask(this, `${name}Task`, {
        name,
        config,
        image,
        cpu: settings.cpu,
        memoryMiB: settings.memoryMiB,
        command: [...spec.command],
        environment: {
          KAFKA_BROKERS: this.topics.bootstrapBrokers,
          KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM',
          KAFKA_APPLICATION_ID: spec.applicationId,
          ...tableEnv,
          // The console binds every interface so the load balancer reaches it; it answers to the balancer's name
          // (CONSOLE_ALLOWED_HOSTS, set by ConsoleService) and serves /health to its probes.
          ...(isConsole
            ? { CONSOLE_PORT: String(config.console.port), CONSOLE_HOST: '0.0.0.0', ENFORCEMENT_APPLICATION_ID: services.enforcement.applicationId }
            : {}),
        },
        secrets: isConsole ? { CONSOLE_TOKEN: ecs.Secret.fromSecretsManager(consoleToken) } : undefined,
        containerPort: isConsole ? config.console.port : undefined,
        healthPort: isConsole ? config.console.port : undefined,
        healthCheck: true,
      });
      for (const statement of this.kafka.accessStatements(spec)) task.taskRole.addToPolicy(statement);
      for (const t of spec.tables.write) this.tables.tables[t].grantWriteData(task.taskRole);
      for (const t of spec.tables.read) this.tables.tables[t].grantReadData(task.taskRole);
      tasks.set(name, task);

      const securityGroup = new ec2.SecurityGroup(this, `${name}SecurityGroup`, { vpc, description: `risk-streams ${name} tasks` });
      this.kafka.allowClient(securityGroup, name);
      if (isConsole) {
        consoleService = new ConsoleService(this, 'Console', { config, cluster, task, securityGroup, subnets: privateSubnets, accessLogs });
      } else {
        streamServices.set(name, new StreamService(this, `${name}Service`, { spec, settings, config, kafka: this.kafka, cluster, task, securityGroup, subnets: privateSubnets }));
      }
    }
    this.tasks = tasks;
    this.services = streamServices;
    this.console = consoleService!;

    this.spark = new SparkJobs(this, 'Spark', {
      config,
      sparkDir: props.sparkDir ?? join(REPO_ROOT, 'spark'),
      vpc,
      subnets: privateSubnets,
      kafka: this.kafka,
      bootstrapBrokers: this.topics.bootstrapBrokers,
      accessLogs,
    });

    new CfnOutput(this, 'KafkaClusterArn', { value: this.kafka.clusterArn });
    new CfnOutput(this, 'BootstrapBrokers', { value: this.topics.bootstrapBrokers });
    new CfnOutput(this, 'ConsoleUrl', { value: `${config.console.certificateArn === null ? 'http' : 'https'}://${this.console.service.loadBalancer.loadBalancerDnsName}` });
    new CfnOutput(this, 'ConsoleTokenSecret', { value: consoleToken.secretName });
    for (const [job, machine] of this.spark.jobs) new CfnOutput(this, `SparkJob-${job}`, { value: machine.stateMachineArn });

    addNagSuppressions(this);
  }
}
