// The grants in deploy/services.ts against what the topologies really read and write: a topic an app starts
// using must be granted here, and a grant no topology needs must go.

import { describe, expect, it } from 'vitest';
import { defaultRiskConfig } from '../../apps/config.ts';
import { consoleTopics } from '../../apps/console/kafka-backend.ts';
import { ENFORCEMENT_STORE } from '../../apps/enforcement/topology.ts';
import { liveGeneratorTopics } from '../../apps/generator/live.ts';
import { apps } from '../../apps/registry.ts';
import { Topics } from '../../apps/schemas/topics.ts';
import { consumerGroupTopics, services, serviceNames, ServiceKind } from '../../deploy/services.ts';
import { contractTopics } from '../../deploy/topics.ts';
import { changelogTopic, planTopics } from '../../runtime/kafka/internal-topics.ts';

describe('service manifest', () => {
  it.each(apps.map((a) => [a.name, a] as const))('%s: reads and writes exactly its topology topics', (name, app) => {
    const spec = services[name as keyof typeof services];
    expect(spec, `${name} is registered but not deployed`).toBeDefined();
    expect(spec.applicationId).toBe(app.applicationId);
    const topology = app.build(defaultRiskConfig, {});
    const external = (topics: readonly string[]) => topics.filter((t) => !topology.isInternalTopic(t));
    const subs = topology.subtopologies();
    const reads = new Set([...external(subs.flatMap((s) => s.sourceTopics)), ...topology.globalStores().map((g) => g.topic)]);
    const writes = new Set([...external(subs.flatMap((s) => s.sinkTopics)), Topics.DEAD_LETTER]);
    expect(new Set(spec.reads)).toEqual(reads);
    expect(new Set(spec.writes)).toEqual(writes);
  });

  it('names only contract topics, and only operators and risk signals write kill-switch commands', () => {
    for (const name of serviceNames) {
      for (const t of [...services[name].reads, ...services[name].writes]) expect(contractTopics).toContain(t);
    }
    const commandWriters = serviceNames.filter((n) => services[n].writes.includes(Topics.KILLSWITCH_COMMANDS));
    expect(commandWriters.sort()).toEqual(['console', 'risk-signals']);
  });

  it('grants the console what its Kafka backend follows and writes, and the generator what it produces', () => {
    expect(services.console.reads).toEqual(consoleTopics.follows);
    expect(services.console.readsInternal).toEqual([changelogTopic(services.enforcement.applicationId, ENFORCEMENT_STORE)]);
    expect(services.console.writes).toEqual([Topics.KILLSWITCH_COMMANDS]);
    expect(services.generator.writes).toEqual(liveGeneratorTopics);
    expect(services.generator.writes).not.toContain(Topics.KILLSWITCH_COMMANDS);
    for (const name of serviceNames.filter((n) => services[n].kind === ServiceKind.STREAMS)) expect(services[name].readsInternal).toEqual([]);
  });

  it.each(apps.map((a) => [a.name, a] as const))('%s: lag is watched on exactly the topics its group subscribes to', (name, app) => {
    const spec = services[name as keyof typeof services];
    const plan = planTopics(app.build(defaultRiskConfig, {}), spec.applicationId, new Map(contractTopics.map((t) => [t, 3])), 3);
    expect(consumerGroupTopics(spec, defaultRiskConfig).sort()).toEqual([...plan.sourceTopics].sort());
  });

  it('watches no lag for the generator and the console, which join no group', () => {
    expect(consumerGroupTopics(services.generator, defaultRiskConfig)).toEqual([]);
    expect(consumerGroupTopics(services.console, defaultRiskConfig)).toEqual([]);
  });

  it('gives every streams app its own application id', () => {
    const ids = serviceNames.filter((n) => services[n].kind === ServiceKind.STREAMS).map((n) => services[n].applicationId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
