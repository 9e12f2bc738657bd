// One Kafka-consuming app as a Fargate service: rolled back when its tasks fail to become healthy, and scaled
// on its consumer group's lag as MSK itself reports it to CloudWatch (AWS/Kafka SumOffsetLag per topic).

import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { DeployConfig, ServiceSettings } from '../config.ts';
import { consumerGroupTopics, consumesPartitions, type ServiceSpec } from '../services.ts';
import type { AppTask } from './app-task.ts';
import type { KafkaCluster } from './kafka.ts';

/** Where MSK publishes consumer lag: per cluster, consumer group and topic, summed over the topic's partitions. */
export const MSK_LAG_NAMESPACE = 'AWS/Kafka';
export const MSK_SUM_OFFSET_LAG = 'SumOffsetLag';

/** A CloudWatch alarm may retrieve at most 10 metrics for its math expression. */
const MAX_ALARM_METRICS = 10;

/**
 * The group's total lag: SumOffsetLag of each topic it consumes, added up. MSK reports a group's lag only while
 * the group is STABLE or EMPTY, only once it has committed offsets on that topic, and never for a name with a
 * colon; SUM over the array adds the topics that reported in each minute.
 */
export function consumerLagExpression(clusterName: string, group: string, topics: readonly string[]): cloudwatch.MathExpression {
  if (group.includes(':')) throw new Error(`consumer group "${group}": MSK publishes no lag for a group name with a colon`);
  if (topics.length === 0 || topics.length > MAX_ALARM_METRICS) {
    throw new Error(`consumer group "${group}" reads ${topics.length} topics: a lag alarm sums 1 to ${MAX_ALARM_METRICS}`);
  }
  const usingMetrics = Object.fromEntries(
    topics.map((topic, i) => [
      `lag${i}`,
      new cloudwatch.Metric({
        namespace: MSK_LAG_NAMESPACE,
        metricName: MSK_SUM_OFFSET_LAG,
        dimensionsMap: { 'Cluster Name': clusterName, 'Consumer Group': group, Topic: topic },
        // MSK emits one value a minute; the largest sample is the one that matters.
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
    ]),
  );
  return new cloudwatch.MathExpression({
    expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    label: `${group} consumer lag`,
    period: Duration.minutes(1),
  });
}

export interface StreamServiceProps {
  readonly spec: ServiceSpec;
  readonly settings: ServiceSettings;
  readonly config: DeployConfig;
  /** The MSK cluster whose lag metrics name it ("Cluster Name"). */
  readonly kafka: KafkaCluster;
  readonly cluster: ecs.ICluster;
  readonly task: AppTask;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly subnets: ec2.SubnetSelection;
}

export class StreamService extends Construct {
  readonly service: ecs.FargateService;
  readonly scaling?: ecs.ScalableTaskCount;

  constructor(scope: Construct, id: string, props: StreamServiceProps) {
    super(scope, id);
    const { spec, settings, config } = props;
    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: `${config.prefix}-${config.stage}-${spec.name}`,
      cluster: props.cluster,
      taskDefinition: props.task.taskDefinition,
      desiredCount: settings.desiredCount,
      securityGroups: [props.securityGroup],
      vpcSubnets: props.subnets,
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      // A new task joins the group before an old one leaves, so partitions move once per replaced task.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      enableExecuteCommand: false,
    });
    if (!consumesPartitions(spec) || settings.maxCount <= settings.minCount) return;

    this.scaling = this.service.autoScaleTaskCount({ minCapacity: settings.minCount, maxCapacity: settings.maxCount });
    // Step scaling, not target tracking: total lag does not fall in proportion to the task count, and a
    // rebalance briefly raises it, so one task is added or removed at a time with cooldowns between.
    this.scaling.scaleOnMetric('ScaleOnLag', {
      metric: consumerLagExpression(props.kafka.clusterName, spec.applicationId, consumerGroupTopics(spec, config.risk)),
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: settings.lagScaleInBelow, change: -1 },
        { lower: settings.lagScaleOutAbove, change: +1 },
        { lower: settings.lagScaleOutAbove * 10, change: +2 },
      ],
      evaluationPeriods: 3,
      cooldown: Duration.minutes(5),
    });
    // No lag data means the group is rebalancing (as every scaling step makes it), has committed nothing yet, or
    // MSK is not reporting: nothing to act on. Missing points count as not breaching, so neither alarm reaches
    // ALARM on them: no task is added, and above all none removed because the lag merely went unreported.
    for (const child of this.scaling.node.findAll()) {
      if (child instanceof cloudwatch.CfnAlarm) child.treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING;
    }
  }
}
