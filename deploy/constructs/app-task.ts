// One service's task: its own task role, log group and container, with the health check, the stop timeout and
// the environment every risk-streams process reads (brokers, MSK IAM, metrics, state dir, thresholds).

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RiskConfig } from '../../apps/config.ts';
import type { DeployConfig } from '../config.ts';

/** Where the image keeps RocksDB state (created and owned by the app user in deploy/Dockerfile). */
export const STATE_DIR = '/var/lib/risk-streams';

/**
 * RISK_<SECTION>_<KEY> variables, the form `riskConfigFromEnv` reads: `orderRateThreshold60s` becomes
 * RISK_RISK_ORDER_RATE_THRESHOLD60S, values JSON.
 */
export function riskEnvironment(risk: RiskConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [section, values] of Object.entries(risk)) {
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      env[`RISK_${section.toUpperCase()}_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = JSON.stringify(value);
    }
  }
  return env;
}

/** A container health check that needs nothing but node, which the slim image lacks curl for. */
export function healthCheckCommand(port: number): string[] {
  const probe = `fetch('http://127.0.0.1:${port}/health').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))`;
  return ['CMD', 'node', '-e', probe];
}

export interface AppTaskProps {
  readonly name: string;
  readonly config: DeployConfig;
  readonly image: ecs.ContainerImage;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Replaces the image's `node bin/risk-streams.ts run` (the topic task runs another script). */
  readonly entryPoint?: string[];
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly secrets?: Record<string, ecs.Secret>;
  readonly containerPort?: number;
  /** Where GET /health is served; the deployment's healthPort unless the app serves it on its own port. */
  readonly healthPort?: number;
  /** Off for the one-off topic task, which serves nothing. */
  readonly healthCheck: boolean;
}

export class AppTask extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppTaskProps) {
    super(scope, id);
    const { config } = props;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/${config.prefix}/${config.stage}/${props.name}`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `risk-streams ${props.name}: only its own topics, groups and tables`,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family: `${config.prefix}-${config.stage}-${props.name}`,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      taskRole: this.taskRole,
      // The RocksDB prebuilt binding in the image is linux-x64.
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const stack = Stack.of(this);
    const healthPort = props.healthPort ?? config.healthPort;
    this.container = this.taskDefinition.addContainer('app', {
      containerName: props.name,
      image: props.image,
      entryPoint: props.entryPoint,
      command: props.command,
      essential: true,
      environment: {
        RISK_SERVICE: props.name,
        RISK_STAGE: config.stage,
        AWS_REGION: stack.region,
        STATE_DIR,
        HEALTH_PORT: String(healthPort),
        // The app must finish its last commit before ECS kills it; 10 s are left for the process to exit.
        SHUTDOWN_TIMEOUT_MS: String((config.shutdownTimeoutSeconds - 10) * 1000),
        ...riskEnvironment(config.risk),
        ...props.environment,
      },
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: props.name, mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
      stopTimeout: Duration.seconds(config.shutdownTimeoutSeconds),
      healthCheck: props.healthCheck
        ? {
            command: healthCheckCommand(healthPort),
            interval: Duration.seconds(15),
            timeout: Duration.seconds(5),
            retries: 3,
            startPeriod: Duration.seconds(config.healthCheckStartPeriodSeconds),
          }
        : undefined,
      portMappings: props.containerPort === undefined ? undefined : [{ containerPort: props.containerPort }],
    });
  }
}
