// `npm run synth`: the CDK app. Settings come from context and the environment (deploy/config.ts); the
// AwsSolutions checks run on every synth, and an unsuppressed finding fails it.
//   npx cdk synth --app 'node deploy/bin/app.ts' -c stage=prod -c riskStreams='{"vpc":{"natGateways":2}}'

import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../common/errors.ts';
import { loadDeployConfig } from '../config.ts';
import { RiskStreamsStack } from '../stack.ts';

const app = new App();
try {
  const config = loadDeployConfig({ context: (key) => app.node.tryGetContext(key), env: process.env });
  new RiskStreamsStack(app, `RiskStreams-${config.stage}`, { config, description: `risk-streams ${config.stage}: Kafka, apps, tables, Spark jobs` });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`risk-streams deploy: ${error.message}`);
  process.exitCode = 1;
}
