// cdk-nag AwsSolutions findings we accept, each with the reason it is acceptable here. Every suppression names
// the finding it covers (`appliesTo`) where the rule is granular, so a new wildcard still fails the synth.

import { NagSuppressions, type NagPackSuppression } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { services } from './services.ts';
import type { RiskStreamsStack } from './stack.ts';

const regex = (source: string) => ({ regex: `/${source}/g` });
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** `<kind>/<cluster>/<uuid>/<prefix>-*` on our cluster, for one prefix only. */
const ownKafkaPrefix = (cluster: string, prefix: string, kinds: string) =>
  regex(`^Resource::arn:<AWS::Partition>:kafka:[a-z0-9-]+:<AWS::AccountId>:(${kinds})\\/${escape(cluster)}\\/.+\\/${escape(prefix)}-\\*$`);

const suppress = (construct: IConstruct, suppressions: NagPackSuppression[]) => NagSuppressions.addResourceSuppressions(construct, suppressions, true);

export const ECR_TOKEN_REASON =
  'The task execution role CDK creates needs ecr:GetAuthorizationToken, which AWS only allows on "*"; image pulls and log writes on the same role are scoped to the repository and the log group.';

export function addNagSuppressions(stack: RiskStreamsStack): void {
  for (const [name, task] of stack.tasks) {
    suppress(task.taskRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          "A streams app names its internal topics, extra consumer groups and transactional ids <application id>-…, and creates them at run time; the grant covers that one prefix (ARNs <kind>/<cluster>/<uuid>/<application id>-*), never another app's names or the contract's topics.",
        appliesTo: [ownKafkaPrefix(stack.kafka.clusterName, services[name].applicationId, 'topic|group|transactional-id')],
      },
    ]);
  }
  for (const task of [...stack.tasks.values(), stack.topics.task]) {
    suppress(task.taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The variables hold no secrets: broker endpoints, table names, ports and the risk thresholds. The one secret, the console token, is injected from Secrets Manager.',
      },
      { id: 'AwsSolutions-IAM5', reason: ECR_TOKEN_REASON, appliesTo: ['Resource::*'] },
    ]);
    suppress(task.taskRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason: "Querying the table's own global secondary index (account_id-index) needs the index ARN, which CDK grants as <table>/index/*; no other table is reachable.",
        appliesTo: [regex('^Resource::<Tables[A-Za-z0-9]+\\.Arn>\\/index\\/\\*$')],
      },
    ]);
  }

  suppress(stack.node.findChild('ConsoleToken'), [
    {
      id: 'AwsSolutions-SMG4',
      reason:
        'The console reads its bearer token once at start and operators hold a copy, so automatic rotation would lock them out mid-shift; it is rotated by hand (put-secret-value, then a new console deployment).',
    },
  ]);

  const topics = stack.topics;
  suppress(topics, [
    {
      id: 'AwsSolutions-IAM5',
      reason: "The handlers write only to their own log group; CloudWatch Logs names each stream at run time, so the grant covers the group's streams (<group>:log-stream:*).",
      appliesTo: [regex('^Resource::<TopicsHandlerLogs[A-Za-z0-9]+\\.Arn>:log-stream:\\*$')],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'ECS task ARNs are known only after RunTask, so DescribeTasks is granted on the tasks of our one cluster (task/<cluster>/*) and conditioned on ecs:cluster.',
      appliesTo: [regex('^Resource::arn:<AWS::Partition>:ecs:[a-z0-9-]+:<AWS::AccountId>:task\\/<Cluster[A-Za-z0-9]+>\\/\\*$')],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: "The CDK Provider framework invokes the handler functions by qualified ARN (<function>:*, any version); the grant covers only this construct's functions.",
      appliesTo: [regex('^Resource::<Topics[A-Za-z0-9]+\\.Arn>:\\*$')],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'The CDK Provider waiter state machine writes its execution logs; CloudWatch Logs log delivery actions have no resource-level permissions.',
      appliesTo: ['Resource::*'],
    },
    {
      id: 'AwsSolutions-SF2',
      reason: 'The waiter state machine belongs to the CDK Provider framework, which offers no tracing option; it only polls the topic task, and its executions are logged in full (level ALL).',
    },
  ]);

  const spark = stack.spark;
  suppress(spark.executionRole, [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Spark names its Kafka consumer groups at run time (spark-kafka-source-<uuid>); the grant covers groups with the spark- prefix only.',
      appliesTo: [ownKafkaPrefix(stack.kafka.clusterName, 'spark', 'group')],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'Spark reads and writes its checkpoints, outputs and logs under jobs/ of its own bucket: object keys are made at run time, and the s3:*Object* action groups are what CDK grants for read/write on that prefix.',
      appliesTo: ['Action::s3:Abort*', 'Action::s3:DeleteObject*', 'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*', regex('^Resource::<SparkBucket[A-Za-z0-9]+\\.Arn>\\/jobs\\/\\*$')],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'The job scripts are CDK file assets in the bootstrap asset bucket; their keys are content hashes, so the read grant covers that bucket\'s objects (read only).',
      appliesTo: [regex('^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-[a-z0-9-]+\\/\\*$')],
    },
  ]);
  for (const machine of spark.jobs.values()) {
    suppress(machine, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'X-Ray (tracing is on) and CloudWatch Logs delivery (logging is on) have no resource-level permissions; job runs get their ids at StartJobRun, so Get/CancelJobRun cover <application>/jobruns/* of the one application.',
        appliesTo: ['Resource::*', regex('^Resource::<SparkApplication[A-Za-z0-9]+\\.Arn>\\/jobruns\\/\\*$')],
      },
    ]);
  }
}
