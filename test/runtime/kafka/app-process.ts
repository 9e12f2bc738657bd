// One application instance in its own process, for crash tests: the parent kills it with SIGKILL mid-stream.
// Usage: node app-process.ts '<json of AppProcessArgs>'. Prints "RUNNING" on stdout each time it runs.
// The topology copies every input record to `out` and counts records per group (seq % 7) through a
// repartition topic into `counts`, with caching off so every count update is emitted.

import { consoleLogger } from '../../../common/logger.ts';
import { KafkaStreamsApp } from '../../../runtime/kafka/kafka-streams-app.ts';
import { Consumed, Grouped, Materialized, Produced } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { Serdes } from '../../../common/serdes.ts';

// Not from helpers/driver.ts: that module registers vitest hooks, and this runs outside vitest.
const S = Serdes.String();
const J = Serdes.Json<any>();
const L = Serdes.Long();

export interface AppProcessArgs {
  readonly brokers: string[];
  readonly applicationId: string;
  readonly guarantee: 'at_least_once' | 'exactly_once_v2';
  readonly input: string;
  readonly output: string;
  readonly counts: string;
}

export function crashTestTopology(args: AppProcessArgs) {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  const stream = b.stream<string, { seq: number }>(args.input, Consumed.with(S, J));
  stream.mapValues((v) => v).to(args.output, Produced.with(S, J));
  stream
    .groupBy((_k, v) => `g-${v.seq % 7}`, Grouped.with(S, J))
    .count(Materialized.as('per-group'))
    .toStream()
    .to(args.counts, Produced.with(S, L));
  return b.build();
}

if (import.meta.main) {
  const args = JSON.parse(process.argv[2]) as AppProcessArgs;
  const app = new KafkaStreamsApp(
    crashTestTopology(args),
    {
      applicationId: args.applicationId,
      processingGuarantee: args.guarantee,
      commitIntervalMs: args.guarantee === 'exactly_once_v2' ? 100 : 200,
      cacheMaxBytes: 0,
      logger: consoleLogger((process.env.RISK_STREAMS_LOG as 'info' | undefined) ?? 'warn'),
    },
    { brokers: args.brokers, sessionTimeoutMs: 4000, heartbeatIntervalMs: 500, transactionTimeoutMs: 5000 },
  );
  app.onStateChange((state) => {
    if (state === 'RUNNING') process.stdout.write('RUNNING\n');
    if (state === 'ERROR') process.exit(2);
    if (state === 'NOT_RUNNING') process.exit(0);
  });
  await app.start();
}
