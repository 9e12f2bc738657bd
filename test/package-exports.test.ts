// The package's public entry points resolve by name, as a user's code imports them.

import { describe, expect, it } from 'vitest';

describe('package exports', () => {
  it('risk-streams and risk-streams/testing resolve to the DSL and the test driver', async () => {
    const lib = await import('risk-streams');
    const testing = await import('risk-streams/testing');
    const builder = new lib.StreamsBuilder();
    builder.stream('in', lib.Consumed.with(lib.Serdes.String(), lib.Serdes.String())).mapValues((v: string) => v.length).to('out');
    const driver = new testing.TopologyTestDriver(builder.build());
    driver.createInputTopic('in', lib.Serdes.String(), lib.Serdes.String()).pipeInput('k', 'four', 1);
    expect(driver.createOutputTopic('out', lib.Serdes.String(), lib.Serdes.Json()).readValue()).toBe(4);
    driver.close();
  });
});
