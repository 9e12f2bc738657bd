// Shared fixtures: a driver with string keys and JSON values, closed after each test.

import { afterEach } from 'vitest';
import { Serdes } from '../../common/serdes.ts';
import type { Topology } from '../../topology/topology.ts';
import { TopologyTestDriver, type TestDriverConfig } from '../../runtime/testing/index.ts';

const open: TopologyTestDriver[] = [];

afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

export function driverFor(topology: Topology, config: TestDriverConfig = {}): TopologyTestDriver {
  const driver = new TopologyTestDriver(topology, config);
  open.push(driver);
  return driver;
}

export const S = Serdes.String();
export const J = Serdes.Json<any>();
export const L = Serdes.Long();
