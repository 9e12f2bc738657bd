// The VPC every task, the Kafka cluster and the Spark application live in: private subnets for all of them,
// public ones only for the NAT gateways and an internet-facing console load balancer.

import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config.ts';

export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

  constructor(scope: Construct, id: string, config: DeployConfig) {
    super(scope, id);
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(config.vpc.cidr),
      maxAzs: config.vpc.maxAzs,
      natGateways: config.vpc.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        // Without NAT gateways the private subnets reach AWS only through the endpoints below.
        { name: 'private', subnetType: config.vpc.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
      ],
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup), trafficType: ec2.FlowLogTrafficType.ALL } },
    });
    if (config.vpc.natGateways === 0) this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    // Gateway endpoints cost nothing and keep state writes and asset reads off the NAT.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.privateSubnets] });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [this.privateSubnets] });
    if (config.vpc.interfaceEndpoints || config.vpc.natGateways === 0) {
      const services = {
        EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
        SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      };
      for (const [name, service] of Object.entries(services)) {
        const endpoint = this.vpc.addInterfaceEndpoint(name, { service, subnets: this.privateSubnets, privateDnsEnabled: true, open: false });
        // The VPC's range written out rather than as the VPC's attribute, so the rule can be checked at synth.
        endpoint.connections.allowFrom(ec2.Peer.ipv4(config.vpc.cidr), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
      }
    }
  }
}
