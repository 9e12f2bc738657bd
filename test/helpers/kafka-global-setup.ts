// Vitest global setup of the Kafka test project: one real broker for every Kafka test file, started
// once and stopped after them, unless KAFKA_BROKERS names a broker to use instead. A missing Java or
// Maven fails the run with what to install: these tests never skip.

import type { TestProject } from 'vitest/node';
import { startBroker, type RunningBroker } from '../../scripts/kafka/broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS;
  if (external !== undefined && external.trim() !== '') {
    project.provide('kafkaBrokers', external.split(',').map((b) => b.trim()));
    return async () => {};
  }
  const broker: RunningBroker = await startBroker();
  process.stderr.write(`[kafka tests] Kafka broker on ${broker.brokers.join(',')} started in ${broker.startupMs} ms\n`);
  project.provide('kafkaBrokers', broker.brokers);
  return async () => {
    await broker.stop();
  };
}
