// bench:compare end to end at toy size on the test broker: Kafka Streams (Java) and our engine each run topology (a)
// once as a child process, and the independent consumer finds every expected order in each output exactly once.

import { beforeAll, describe, expect, it } from 'vitest';
import { runCompare } from '../../bench/compare/compare.ts';
import { ensureJavaBuild } from '../../bench/compare/engines.ts';
import { kafkaBrokers } from '../helpers/kafka.ts';

describe('bench:compare', () => {
  // Maven builds the Java side once (downloading kafka-streams the first time); later runs reuse .cache/.
  beforeAll(() => {
    ensureJavaBuild();
  }, 300_000);

  it('runs Kafka Streams and our engine on the same input, and both outputs are complete without duplicates', async () => {
    const result = await runCompare({
      brokers: kafkaBrokers(),
      records: 15_000,
      warmUpRecords: 5_000,
      runs: 1,
      topologies: ['filter'],
      guarantees: ['at_least_once'],
      ceiling: false,
      latency: null,
    });
    expect(result.cells.map((c) => c.engine).sort()).toEqual(['kafka-streams', 'risk-streams']);
    for (const cell of result.cells) {
      const check = cell.runs[0].check;
      expect({ engine: cell.engine, ...check }).toEqual({ engine: cell.engine, records: 19_000, expected: 19_000, gaps: 0, duplicates: 0, unexpected: 0, ok: true });
      expect(cell.runs[0].cpuSeconds).toBeGreaterThan(0);
      expect(cell.runs[0].peakRssMb).toBeGreaterThan(0);
    }
  });
});
