// One Kafka-consuming app as a Fargate service: rolled back when its tasks fail to become healthy, and scaled
// on the consumer lag it publishes (namespace RiskStreams, metric ConsumerLag, dimension service).

import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { DeployConfig, ServiceSettings } from '../config.ts';
import { consumesPartitions, type ServiceSpec } from '../services.ts';
import type { AppTask } from './app-task.ts';

export const CONSUMER_LAG_METRIC = 'ConsumerLag';

export function consumerLagMetric(namespace: string, service: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace,
    metricName: CONSUMER_LAG_METRIC,
    dimensionsMap: { service },
    // The app publishes its total lag once a minute; the largest sample is the one that matters.
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.minutes(1),
  });
}

export interface StreamServiceProps {
  readonly spec: ServiceSpec;
  readonly settings: ServiceSettings;
  readonly config: DeployConfig;
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
      metric: consumerLagMetric(config.metricsNamespace, spec.name),
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: settings.lagScaleInBelow, change: -1 },
        { lower: settings.lagScaleOutAbove, change: +1 },
        { lower: settings.lagScaleOutAbove * 10, change: +2 },
      ],
      evaluationPeriods: 3,
      cooldown: Duration.minutes(5),
    });
  }
}
