// risk-streams/testing: run topologies in tests without a broker.
export { TopologyTestDriver, type TestDriverConfig } from './topology-test-driver.ts';
export { TestInputTopic, TestOutputTopic, type TestRecord } from './test-topics.ts';
