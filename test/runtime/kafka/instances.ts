// App instances for the Kafka runtime tests: short commit interval, quick group timeouts, closed after each test.

import { afterEach } from 'vitest';
import type { StreamsConfigInput } from '../../../runtime/config.ts';
import { KafkaStreamsApp, type KafkaStreamsOptions } from '../../../runtime/kafka/kafka-streams-app.ts';
import type { Topology } from '../../../topology/topology.ts';
import { kafkaBrokers, testLogger } from '../../helpers/kafka.ts';

/** Creates instances closed by an afterEach hook registered in the calling test file. */
export function instances() {
  const running: KafkaStreamsApp[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close({ timeoutMs: 20_000 })));
  });
  return function instance(topology: Topology, config: Partial<StreamsConfigInput> & { applicationId: string }, kafka: Partial<KafkaStreamsOptions> = {}) {
    const app = new KafkaStreamsApp(topology, { commitIntervalMs: 200, logger: testLogger, ...config }, {
      brokers: kafkaBrokers(),
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      shutdownOnSignals: false,
      ...kafka,
    });
    running.push(app);
    return app;
  };
}
