// The custom resource behind Custom::KafkaTopics: starts the topic task, polls until it stops, fails the
// deployment on a non-zero exit, and never deletes topics. Driven with fake AWS calls.

import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

interface TaskState {
  lastStatus?: string;
  stoppedReason?: string;
  containers?: { name?: string; exitCode?: number; reason?: string }[];
}
type Handler = (event: Record<string, unknown>) => Promise<Record<string, unknown>>;
interface HandlerModule {
  createHandlers(aws: {
    bootstrapBrokers(clusterArn: string): Promise<string>;
    runTask(input: object): Promise<{ tasks?: { taskArn?: string }[]; failures?: { reason?: string; detail?: string }[] }>;
    describeTask(cluster: string, taskArn: string): Promise<TaskState | undefined>;
  }): { onEvent: Handler; isComplete: Handler };
}

// Loaded by URL: the handler is plain JavaScript (Lambda loads no TypeScript), so it has no type declarations.
const handlerUrl = pathToFileURL(join(import.meta.dirname, '../../deploy/provision/lambda/index.mjs')).href;
const { createHandlers } = (await import(handlerUrl)) as HandlerModule;

const properties = {
  ClusterArn: 'arn:aws:kafka:eu-west-1:1:cluster/risk-dev/abc-1',
  EcsCluster: 'arn:aws:ecs:eu-west-1:1:cluster/risk-dev',
  TaskDefinitionArn: 'arn:aws:ecs:eu-west-1:1:task-definition/risk-dev-topics:7',
  ContainerName: 'topics',
  Subnets: ['subnet-1', 'subnet-2'],
  SecurityGroups: ['sg-1'],
  LogGroup: '/risk/dev/topics',
};

describe('topic task custom resource', () => {
  let runs: Record<string, unknown>[];
  let task: TaskState;
  let handlers: { onEvent: Handler; isComplete: Handler };

  beforeEach(() => {
    runs = [];
    task = { lastStatus: 'RUNNING' };
    handlers = createHandlers({
      bootstrapBrokers: async () => 'b-1:9098,b-2:9098',
      runTask: async (input) => {
        runs.push(input as Record<string, unknown>);
        return { tasks: [{ taskArn: 'arn:task/1' }] };
      },
      describeTask: async () => task,
    });
  });

  it('starts the task in the private subnets with the brokers, and keeps one physical id across updates', async () => {
    const created = await handlers.onEvent({ RequestType: 'Create', ResourceProperties: properties });
    expect(created).toEqual({ PhysicalResourceId: `${properties.ClusterArn}/topics`, Data: { BootstrapBrokers: 'b-1:9098,b-2:9098', TaskArn: 'arn:task/1' } });
    expect(runs[0]).toMatchObject({
      cluster: properties.EcsCluster,
      taskDefinition: properties.TaskDefinitionArn,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: properties.Subnets, securityGroups: properties.SecurityGroups, assignPublicIp: 'DISABLED' } },
      overrides: { containerOverrides: [{ name: 'topics', environment: [{ name: 'KAFKA_BROKERS', value: 'b-1:9098,b-2:9098' }] }] },
    });
    const updated = await handlers.onEvent({ RequestType: 'Update', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: properties });
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
  });

  it('waits while the task runs and completes when it exits 0', async () => {
    const event = { RequestType: 'Create', ResourceProperties: properties, Data: { TaskArn: 'arn:task/1' } };
    expect(await handlers.isComplete(event)).toEqual({ IsComplete: false });
    task = { lastStatus: 'STOPPED', containers: [{ name: 'topics', exitCode: 0 }] };
    expect(await handlers.isComplete(event)).toEqual({ IsComplete: true });
  });

  it('fails the deployment with the exit code and where the logs are', async () => {
    task = { lastStatus: 'STOPPED', stoppedReason: 'Essential container in task exited', containers: [{ name: 'topics', exitCode: 1 }] };
    await expect(handlers.isComplete({ RequestType: 'Update', ResourceProperties: properties, Data: { TaskArn: 'arn:task/1' } })).rejects.toThrow(
      /exit code 1; Essential container in task exited\): see log group \/risk\/dev\/topics/,
    );
  });

  it('reports why a task could not start', async () => {
    handlers = createHandlers({
      bootstrapBrokers: async () => 'b-1:9098',
      runTask: async () => ({ failures: [{ reason: 'RESOURCE:ENI', detail: 'no free addresses' }] }),
      describeTask: async () => undefined,
    });
    await expect(handlers.onEvent({ RequestType: 'Create', ResourceProperties: properties })).rejects.toThrow(/did not start: RESOURCE:ENI \(no free addresses\)/);
  });

  it('leaves the topics in place when the stack is deleted', async () => {
    expect(await handlers.onEvent({ RequestType: 'Delete', PhysicalResourceId: 'x/topics', ResourceProperties: properties })).toEqual({ PhysicalResourceId: 'x/topics' });
    expect(runs).toEqual([]);
    expect(await handlers.isComplete({ RequestType: 'Delete', ResourceProperties: properties })).toEqual({ IsComplete: true });
  });
});
