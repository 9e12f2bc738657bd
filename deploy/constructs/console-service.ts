// The operator console behind an Application Load Balancer. Its bearer token lives in Secrets Manager and
// reaches the container as CONSOLE_TOKEN; only the allowed ranges reach the load balancer.

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as patterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HEALTH_PATH } from '../../apps/console/server.ts';
import type { DeployConfig } from '../config.ts';
import type { AppTask } from './app-task.ts';

export interface ConsoleServiceProps {
  readonly config: DeployConfig;
  readonly cluster: ecs.ICluster;
  readonly task: AppTask;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly subnets: ec2.SubnetSelection;
  readonly accessLogs: s3.IBucket;
}

export class ConsoleService extends Construct {
  readonly service: patterns.ApplicationLoadBalancedFargateService;

  /** The token operators send as `Authorization: Bearer …`; the task gets it injected, never in plain config. */
  static createToken(scope: Construct, config: DeployConfig): secretsmanager.Secret {
    return new secretsmanager.Secret(scope, 'ConsoleToken', {
      secretName: `${config.prefix}/${config.stage}/console-token`,
      description: 'Bearer token for writes to the risk-streams operator console',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  constructor(scope: Construct, id: string, props: ConsoleServiceProps) {
    super(scope, id);
    const { config } = props;
    const settings = config.services.console;
    const tls = config.console.certificateArn !== null;
    this.service = new patterns.ApplicationLoadBalancedFargateService(this, 'Service', {
      serviceName: `${config.prefix}-${config.stage}-console`,
      cluster: props.cluster,
      taskDefinition: props.task.taskDefinition,
      desiredCount: settings.desiredCount,
      securityGroups: [props.securityGroup],
      taskSubnets: props.subnets,
      assignPublicIp: false,
      publicLoadBalancer: config.console.internetFacing,
      // Ingress is opened below to the allowed ranges only.
      openListener: false,
      protocol: tls ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      certificate: tls ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.console.certificateArn!) : undefined,
      sslPolicy: tls ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      redirectHTTP: tls,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      healthCheckGracePeriod: Duration.seconds(config.healthCheckStartPeriodSeconds),
      enableExecuteCommand: false,
    });
    // The probes address the task by IP: /health answers whatever the Host header, every other path only to the
    // balancer's name and the configured ones.
    this.service.targetGroup.configureHealthCheck({ path: HEALTH_PATH, healthyHttpCodes: '200', interval: Duration.seconds(15) });
    props.task.container.addEnvironment('CONSOLE_ALLOWED_HOSTS', [this.service.loadBalancer.loadBalancerDnsName, ...config.console.hostNames].join(','));
    this.service.targetGroup.setAttribute('deregistration_delay.timeout_seconds', String(Math.min(config.shutdownTimeoutSeconds, 60)));
    this.service.loadBalancer.logAccessLogs(props.accessLogs, `console-alb/${config.stage}`);
    this.service.loadBalancer.setAttribute('routing.http.drop_invalid_header_fields.enabled', 'true');

    const ranges = config.console.allowedCidrs.length > 0 ? config.console.allowedCidrs : [config.vpc.cidr];
    for (const cidr of ranges) {
      this.service.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.tcp(tls ? 443 : 80), `operators ${cidr}`);
      if (tls) this.service.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.tcp(80), `operators ${cidr}, redirected to HTTPS`);
    }
  }
}
