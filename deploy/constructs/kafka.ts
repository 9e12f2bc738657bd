// The MSK Serverless cluster (IAM authentication only) and the ARNs its IAM actions are granted on: topics,
// consumer groups and transactional ids are addressed as `<kind>/<cluster name>/<cluster uuid>/<name>`.

import { Arn, ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { ServiceKind, type ServiceSpec, usesGroups } from '../services.ts';

/** The port brokers listen on for SASL/IAM over TLS. */
export const MSK_IAM_PORT = 9098;

export interface KafkaClusterProps {
  readonly clusterName: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
}

export class KafkaCluster extends Construct {
  readonly cluster: msk.CfnServerlessCluster;
  readonly clusterName: string;
  readonly securityGroup: ec2.SecurityGroup;
  readonly clusterArn: string;
  readonly #uuid: string;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    this.clusterName = props.clusterName;
    this.securityGroup = new ec2.SecurityGroup(this, 'Brokers', {
      vpc: props.vpc,
      description: 'MSK Serverless brokers: SASL/IAM from the risk-streams tasks only',
      allowAllOutbound: false,
    });
    this.cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName: props.clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [{ subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds, securityGroups: [this.securityGroup.securityGroupId] }],
    });
    this.clusterArn = this.cluster.attrArn;
    // arn:…:cluster/<name>/<uuid>: the uuid is only known once the cluster exists.
    this.#uuid = Fn.select(2, Fn.split('/', this.clusterArn));
  }

  /** Lets `peer` reach the brokers. */
  allowClient(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(MSK_IAM_PORT), description);
  }

  #arn(kind: 'topic' | 'group' | 'transactional-id', name: string): string {
    return Arn.format(
      { service: 'kafka', resource: kind, resourceName: `${this.clusterName}/${this.#uuid}/${name}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
      Stack.of(this),
    );
  }

  topicArn(name: string): string {
    return this.#arn('topic', name);
  }

  groupArn(name: string): string {
    return this.#arn('group', name);
  }

  transactionalIdArn(name: string): string {
    return this.#arn('transactional-id', name);
  }

  /**
   * The statements a service's task role gets: connect, its own topics for reading and writing, and for a
   * streams app its application id's internal topics, groups and transactional ids. Nothing else on the cluster:
   * a service that uses no consumer group (the console follows topics by offset) gets no group action.
   */
  accessStatements(spec: ServiceSpec): iam.PolicyStatement[] {
    const own = `${spec.applicationId}-*`;
    const statements = [
      new iam.PolicyStatement({
        sid: 'Connect',
        actions: ['kafka-cluster:Connect', ...(spec.writes.length > 0 ? ['kafka-cluster:WriteDataIdempotently'] : [])],
        resources: [this.clusterArn],
      }),
    ];
    const reads = [...spec.reads, ...spec.readsInternal];
    if (reads.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ReadTopics',
          actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          resources: reads.map((t) => this.topicArn(t)),
        }),
      );
    }
    if (usesGroups(spec)) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'OwnGroups',
          actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          resources: [this.groupArn(spec.applicationId), this.groupArn(own)],
        }),
      );
    }
    if (spec.writes.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'WriteOwnTopics',
          actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
          resources: spec.writes.map((t) => this.topicArn(t)),
        }),
      );
    }
    if (spec.kind === ServiceKind.STREAMS) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'OwnInternalTopics',
          actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:ReadData', 'kafka-cluster:WriteData'],
          resources: [this.topicArn(own)],
        }),
        new iam.PolicyStatement({
          sid: 'OwnTransactionalIds',
          actions: ['kafka-cluster:DescribeTransactionalId', 'kafka-cluster:AlterTransactionalId'],
          resources: [this.transactionalIdArn(own)],
        }),
      );
    }
    return statements;
  }
}
