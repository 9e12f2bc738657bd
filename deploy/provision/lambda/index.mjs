// The custom resource that runs the topic task and waits for it (CDK Provider framework: onEvent starts,
// isComplete polls). Plain JavaScript because Lambda loads only .js/.mjs handlers; the AWS SDK comes with
// Lambda's Node.js runtime. The calls are injected, so tests drive the same code with fakes.
/* global console */

/**
 * @typedef {{ lastStatus?: string, stoppedReason?: string, containers?: { name?: string, exitCode?: number, reason?: string }[] }} TaskState
 * @typedef {{
 *   bootstrapBrokers(clusterArn: string): Promise<string>,
 *   runTask(input: object): Promise<{ tasks?: { taskArn?: string }[], failures?: { arn?: string, reason?: string, detail?: string }[] }>,
 *   describeTask(cluster: string, taskArn: string): Promise<TaskState | undefined>,
 * }} AwsCalls
 */

/** @param {AwsCalls} aws */
export function createHandlers(aws) {
  /** @param {any} event */
  async function onEvent(event) {
    const p = event.ResourceProperties;
    // Topics outlive the stack: deleting them would delete the audit trail and the kill-switch state.
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const brokers = await aws.bootstrapBrokers(p.ClusterArn);
    if (!brokers) throw new Error(`cluster ${p.ClusterArn} has no SASL/IAM bootstrap brokers yet`);
    const response = await aws.runTask({
      cluster: p.EcsCluster,
      taskDefinition: p.TaskDefinitionArn,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'risk-streams-topics',
      networkConfiguration: { awsvpcConfiguration: { subnets: p.Subnets, securityGroups: p.SecurityGroups, assignPublicIp: 'DISABLED' } },
      overrides: { containerOverrides: [{ name: p.ContainerName, environment: [{ name: 'KAFKA_BROKERS', value: brokers }] }] },
    });
    const taskArn = response.tasks?.[0]?.taskArn;
    if (taskArn === undefined) {
      const why = (response.failures ?? []).map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`).join('; ');
      throw new Error(`the topic task did not start: ${why || 'no task and no failure returned'}`);
    }
    console.log(JSON.stringify({ msg: 'topic task started', taskArn }));
    // The physical id stays the same on update, so CloudFormation never "replaces" (deletes) the topics.
    return { PhysicalResourceId: `${p.ClusterArn}/topics`, Data: { BootstrapBrokers: brokers, TaskArn: taskArn } };
  }

  /** @param {any} event */
  async function isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    const p = event.ResourceProperties;
    const taskArn = event.Data?.TaskArn;
    if (typeof taskArn !== 'string') throw new Error('isComplete got no TaskArn from onEvent');
    const task = await aws.describeTask(p.EcsCluster, taskArn);
    if (task === undefined) throw new Error(`topic task ${taskArn} is unknown to ECS`);
    if (task.lastStatus !== 'STOPPED') return { IsComplete: false };
    const container = (task.containers ?? []).find((c) => c.name === p.ContainerName);
    if (container?.exitCode === 0) return { IsComplete: true };
    const exit = container?.exitCode === undefined ? 'no exit code' : `exit code ${container.exitCode}`;
    throw new Error(
      `topic task ${taskArn} failed (${exit}; ${container?.reason ?? task.stoppedReason ?? 'no reason given'}): see log group ${p.LogGroup}`,
    );
  }

  return { onEvent, isComplete };
}

/** @returns {Promise<AwsCalls>} */
async function awsCalls() {
  const ecsSdk = await import('@aws-sdk/client-ecs');
  const kafkaSdk = await import('@aws-sdk/client-kafka');
  const ecs = new ecsSdk.ECSClient({});
  const kafka = new kafkaSdk.KafkaClient({});
  return {
    bootstrapBrokers: async (clusterArn) =>
      (await kafka.send(new kafkaSdk.GetBootstrapBrokersCommand({ ClusterArn: clusterArn }))).BootstrapBrokerStringSaslIam ?? '',
    runTask: (input) => ecs.send(new ecsSdk.RunTaskCommand(/** @type {any} */ (input))),
    describeTask: async (cluster, taskArn) => (await ecs.send(new ecsSdk.DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks?.[0],
  };
}

/** @type {ReturnType<typeof createHandlers> | undefined} */
let handlers;
const live = async () => (handlers ??= createHandlers(await awsCalls()));

/** @param {any} event */
export const onEvent = async (event) => (await live()).onEvent(event);
/** @param {any} event */
export const isComplete = async (event) => (await live()).isComplete(event);
