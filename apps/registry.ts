// The risk apps by name: how to build each topology, and its application id.

import type { StoreType } from '../topology/options.ts';
import type { Topology } from '../topology/topology.ts';
import type { RiskConfig } from './config.ts';
import { buildEnforcement } from './enforcement/topology.ts';
import { buildKillSwitchAggregator } from './killswitch-aggregator/topology.ts';
import { buildMargin } from './margin/topology.ts';
import { buildRiskSignals } from './risk-signals/topology.ts';
import { buildOrderRouter } from './order-router/topology.ts';

export interface AppDefinition {
  readonly name: string;
  readonly applicationId: string;
  build(config: RiskConfig, options: { storeType?: StoreType }): Topology;
}

/** In replay order: on equal timestamps and topics, earlier apps go first. */
export const apps: AppDefinition[] = [
  { name: 'killswitch-aggregator', applicationId: 'killswitch-aggregator', build: (_c, o) => buildKillSwitchAggregator(o) },
  { name: 'order-router', applicationId: 'order-router', build: (_c, o) => buildOrderRouter(o) },
  { name: 'risk-signals', applicationId: 'risk-signals', build: (c, o) => buildRiskSignals(c, o) },
  { name: 'margin', applicationId: 'margin', build: (c, o) => buildMargin(c, o) },
  { name: 'enforcement', applicationId: 'enforcement', build: (c, o) => buildEnforcement(c, o) },
];

export function appNamed(name: string): AppDefinition {
  const app = apps.find((a) => a.name === name);
  if (app === undefined) throw new Error(`unknown app "${name}"; apps: ${apps.map((a) => a.name).join(', ')}`);
  return app;
}
