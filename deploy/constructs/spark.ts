// The PySpark reference jobs on EMR Serverless: one Spark application in the private subnets, the job scripts
// uploaded as S3 assets, and per job a state machine that starts the run and waits for it (EMR Serverless has no
// CloudFormation job resource; the state machine is the stored, runnable job definition).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { inputTopics } from '../../apps/schemas/topics.ts';
import type { DeployConfig } from '../config.ts';
import type { KafkaCluster } from './kafka.ts';

/**
 * The jobs are the top-level scripts with a `__main__` guard (spark/risk_signals.py, spark/margin.py); the other
 * modules are their helpers and travel in the --py-files zip.
 */
export function sparkJobScripts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.py') && !f.startsWith('test_') && /^if __name__ == ["']__main__["']:/m.test(readFileSync(join(dir, f), 'utf8')))
    .sort();
}

export const sparkJobName = (script: string): string => script.replace(/\.py$/, '').replace(/_/g, '-');

export interface SparkJobsProps {
  readonly config: DeployConfig;
  readonly sparkDir: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly kafka: KafkaCluster;
  readonly bootstrapBrokers: string;
  readonly accessLogs: s3.IBucket;
}

export class SparkJobs extends Construct {
  readonly application: emrserverless.CfnApplication;
  readonly bucket: s3.Bucket;
  readonly executionRole: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly jobs: ReadonlyMap<string, sfn.StateMachine>;
  readonly packages: readonly string[];

  constructor(scope: Construct, id: string, props: SparkJobsProps) {
    super(scope, id);
    const { config, kafka } = props;
    const removal = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.packages = config.spark.packages;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'spark-bucket/',
      removalPolicy: removal,
      autoDeleteObjects: false,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'EMR Serverless Spark workers: out to the brokers and S3' });
    kafka.allowClient(this.securityGroup, 'spark jobs');

    this.application = new emrserverless.CfnApplication(this, 'Application', {
      name: `${config.prefix}-${config.stage}-spark`,
      type: 'SPARK',
      releaseLabel: config.spark.releaseLabel,
      architecture: 'X86_64',
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: config.spark.idleTimeoutMinutes },
      maximumCapacity: { cpu: `${config.spark.maxVcpu} vCPU`, memory: `${config.spark.maxMemoryGb} GB` },
      networkConfiguration: {
        subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
        securityGroupIds: [this.securityGroup.securityGroupId],
      },
    });

    // The jobs read the contract's inputs to recompute what the apps produce; they write only to the bucket.
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID }, ArnLike: { 'aws:SourceArn': this.application.attrArn } },
      }),
      description: 'risk-streams Spark reference jobs: read the input topics and the job assets, write the job bucket',
    });
    this.executionRole.addToPolicy(new iam.PolicyStatement({ sid: 'Connect', actions: ['kafka-cluster:Connect'], resources: [kafka.clusterArn] }));
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'ReadInputs', actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resources: inputTopics.map((t) => kafka.topicArn(t)) }),
    );
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'OwnGroups', actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], resources: [kafka.groupArn('spark-*')] }),
    );
    this.bucket.grantReadWrite(this.executionRole, 'jobs/*');

    const scripts = sparkJobScripts(props.sparkDir);
    const jobs = new Map<string, sfn.StateMachine>();
    if (scripts.length === 0) {
      Annotations.of(this).addWarningV2('risk-streams:no-spark-jobs', `no PySpark jobs in ${props.sparkDir}: the application is created without job definitions`);
    } else {
      const modules = new s3assets.Asset(this, 'Modules', { path: props.sparkDir, exclude: ['**/__pycache__', '**/test_*', '**/tests', '**/conftest.py', '*.md', '*.sh', '*.txt'] });
      modules.grantRead(this.executionRole);
      const logGroup = new logs.LogGroup(this, 'JobStateMachineLogs', { retention: config.logRetentionDays as logs.RetentionDays, removalPolicy: removal });
      for (const script of scripts) {
        const name = sparkJobName(script);
        const asset = new s3assets.Asset(this, `Script-${name}`, { path: join(props.sparkDir, script) });
        asset.grantRead(this.executionRole);
        jobs.set(name, this.#job(name, asset, modules, props.bootstrapBrokers, logGroup));
      }
    }
    this.jobs = jobs;
  }

  /** A state machine whose one task starts the job run and waits until it ends (`.sync`). */
  #job(name: string, script: s3assets.Asset, modules: s3assets.Asset, bootstrapBrokers: string, logGroup: logs.ILogGroup): sfn.StateMachine {
    const stack = Stack.of(this);
    const output = `s3://${this.bucket.bucketName}/jobs/${name}`;
    const run = new sfn.CustomState(this, `Run-${name}`, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::emr-serverless:startJobRun.sync`,
        Parameters: {
          ApplicationId: this.application.attrApplicationId,
          ExecutionRoleArn: this.executionRole.roleArn,
          Name: name,
          'ClientToken.$': 'States.UUID()',
          JobDriver: {
            SparkSubmit: {
              EntryPoint: script.s3ObjectUrl,
              // Bounded (--available-now) and written to the bucket, not to the apps' topics: the reference
              // jobs are compared with the apps, they must not produce alongside them.
              EntryPointArguments: ['--brokers', bootstrapBrokers, '--checkpoint', `${output}/checkpoints/`, '--output', `${output}/output/`, '--available-now'],
              SparkSubmitParameters: [
                `--py-files ${modules.s3ObjectUrl}`,
                `--conf spark.jars.packages=${this.packages.join(',')}`,
                '--conf spark.executor.cores=2',
                '--conf spark.executor.memory=4g',
              ].join(' '),
            },
          },
          ConfigurationOverrides: { MonitoringConfiguration: { S3MonitoringConfiguration: { LogUri: `${output}/logs/` } } },
        },
      },
    });
    const machine = new sfn.StateMachine(this, `Job-${name}`, {
      stateMachineName: `${this.application.name}-${name}`,
      definitionBody: sfn.DefinitionBody.fromChainable(run),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['emr-serverless:StartJobRun'], resources: [this.application.attrArn] }));
    machine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], resources: [`${this.application.attrArn}/jobruns/*`] }),
    );
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
      }),
    );
    // `.sync` learns that the run ended from an EventBridge rule Step Functions manages.
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForEMRServerlessJobRule' })],
      }),
    );
    return machine;
  }
}
