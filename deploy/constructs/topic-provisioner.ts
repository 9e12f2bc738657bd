// Creates the contract's topics before any app starts. MSK Serverless has no CloudFormation topic resource
// (AWS::MSK::Topic serves provisioned clusters only), so a custom resource runs a one-off Fargate task from the
// apps' own image (deploy/provision/main.ts, our admin client, the same IAM sign-in) and waits for it to exit 0.
// The apps read the bootstrap brokers from this resource, so none of them is created before the topics exist.

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config.ts';
import type { TopicPlan } from '../topics.ts';
import { AppTask } from './app-task.ts';
import type { KafkaCluster } from './kafka.ts';

const HANDLER_DIR = fileURLToPath(new URL('../provision/lambda/', import.meta.url));

export interface TopicProvisionerProps {
  readonly config: DeployConfig;
  readonly plan: TopicPlan;
  readonly kafka: KafkaCluster;
  readonly cluster: ecs.ICluster;
  readonly image: ecs.ContainerImage;
  readonly subnets: ec2.SubnetSelection;
}

export class TopicProvisioner extends Construct {
  readonly task: AppTask;
  readonly securityGroup: ec2.SecurityGroup;
  readonly resource: CustomResource;
  /** SASL/IAM bootstrap brokers, available once the topics exist. */
  readonly bootstrapBrokers: string;
  readonly handlers: readonly lambda.Function[];

  constructor(scope: Construct, id: string, props: TopicProvisionerProps) {
    super(scope, id);
    const { config, kafka, plan } = props;
    const stack = Stack.of(this);

    this.task = new AppTask(this, 'Topics', {
      name: 'topics',
      config,
      image: props.image,
      cpu: 256,
      memoryMiB: 512,
      entryPoint: ['node', 'deploy/provision/main.ts'],
      environment: { TOPIC_PLAN: JSON.stringify(plan.topics), TOPIC_CLUSTER_PROFILE: plan.profile, KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM' },
      healthCheck: false,
    });
    this.task.taskRole.addToPolicy(new iam.PolicyStatement({ sid: 'Connect', actions: ['kafka-cluster:Connect'], resources: [kafka.clusterArn] }));
    this.task.taskRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CreateContractTopics',
        actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic'],
        resources: plan.topics.map((t) => kafka.topicArn(t.name)),
      }),
    );
    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: props.cluster.vpc,
      description: 'risk-streams topic task: out to the brokers and AWS APIs only',
    });
    kafka.allowClient(this.securityGroup, 'topic task');

    const handlerLogs = new logs.LogGroup(this, 'HandlerLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const handler = (name: 'onEvent' | 'isComplete', statements: iam.PolicyStatement[]) => {
      const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [handlerLogs.logGroupArn, `${handlerLogs.logGroupArn}:log-stream:*`] }));
      for (const s of statements) role.addToPolicy(s);
      return new lambda.Function(this, name, {
        runtime: lambda.Runtime.NODEJS_24_X,
        code: lambda.Code.fromAsset(HANDLER_DIR),
        handler: `index.${name}`,
        role,
        logGroup: handlerLogs,
        timeout: Duration.seconds(30),
        description: `risk-streams topic task: ${name}`,
      });
    };
    const ecsCluster = props.cluster.clusterArn;
    const onEvent = handler('onEvent', [
      new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: [kafka.clusterArn] }),
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [this.task.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': ecsCluster } },
      }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.task.taskRole.roleArn, this.task.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    ]);
    const isComplete = handler('isComplete', [
      new iam.PolicyStatement({
        actions: ['ecs:DescribeTasks'],
        resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.cluster.clusterName}/*` })],
        conditions: { ArnEquals: { 'ecs:cluster': ecsCluster } },
      }),
    ]);
    this.handlers = [onEvent, isComplete];

    // The framework's own functions get roles without AWS managed policies, logging to the same group.
    const frameworkRole = (name: string) => {
      const role = new iam.Role(this, name, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [handlerLogs.logGroupArn, `${handlerLogs.logGroupArn}:log-stream:*`] }));
      return role;
    };
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      frameworkOnEventRole: frameworkRole('FrameworkOnEventRole'),
      frameworkCompleteAndTimeoutRole: frameworkRole('FrameworkCompleteRole'),
      logGroup: handlerLogs,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: handlerLogs, level: sfn.LogLevel.ALL },
      queryInterval: Duration.seconds(15),
      // A cold Fargate start plus the image pull takes minutes; creating a dozen topics takes seconds.
      totalTimeout: Duration.minutes(20),
    });
    const subnets = props.cluster.vpc.selectSubnets(props.subnets).subnetIds;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::KafkaTopics',
      properties: {
        ClusterArn: kafka.clusterArn,
        EcsCluster: props.cluster.clusterArn,
        // A new plan makes a new task definition revision, and the new ARN reruns the task.
        TaskDefinitionArn: this.task.taskDefinition.taskDefinitionArn,
        ContainerName: this.task.container.containerName,
        Subnets: subnets,
        SecurityGroups: [this.securityGroup.securityGroupId],
        LogGroup: this.task.logGroup.logGroupName,
        PlanHash: createHash('sha256').update(JSON.stringify([plan.profile, plan.topics])).digest('hex').slice(0, 16),
      },
    });
    this.resource.node.addDependency(kafka.cluster);
    this.bootstrapBrokers = this.resource.getAttString('BootstrapBrokers');
  }
}
