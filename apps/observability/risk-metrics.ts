// The risk apps' own metrics: the sensors their processors record (looked up once, at init) and how each
// appears in Prometheus. Labels are bounded sets — scope types, decisions, rule names, statuses — never an
// account, order or symbol id.

import { AGE_BOUNDS_MS, type Gauge, type Sensor, type StreamsMetrics } from '../../common/metrics.ts';
import type { MetricSpec } from '../../runtime/metrics/prometheus.ts';
import type { Emission } from '../enforcement/ladder.ts';
import type { MarginStatus } from '../schemas/records.ts';

export const RiskSensor = {
  ORDERS_ROUTED: 'orders_routed',
  KILL_PROPAGATION: 'kill_propagation_latency',
  KILLSWITCH_COMMANDS: 'killswitch_commands',
  KILLED_SCOPES: 'killswitch_killed_scopes',
  BREACHES: 'risk_breaches',
  LADDER_EVENTS: 'margin_ladder_events',
  ACCOUNTS: 'enforcement_accounts',
} as const;

export const RISK_METRICS: readonly MetricSpec[] = [
  {
    source: RiskSensor.ORDERS_ROUTED,
    name: 'risk_orders_routed_total',
    help: 'Orders decided by the router: ALLOW (scope_type NONE) or DROP by the type of the first killed scope (GLOBAL, ACCOUNT, SYMBOL).',
    type: 'counter',
    labels: ['decision', 'scope_type'],
  },
  {
    source: RiskSensor.KILL_PROPAGATION,
    name: 'risk_kill_propagation_latency_seconds',
    help: "From a kill command's ts to the router's first drop under it, on the router's clock.",
    type: 'histogram',
    labels: ['scope_type'],
    ms: true,
  },
  { source: RiskSensor.KILLSWITCH_COMMANDS, name: 'risk_killswitch_commands_total', help: 'Kill-switch commands by action and outcome (applied, duplicate, stale).', type: 'counter', labels: ['action', 'outcome'] },
  { source: RiskSensor.KILLED_SCOPES, name: 'risk_killswitch_killed_scopes', help: 'Scopes currently KILLED, by scope type (sum over instances).', type: 'gauge', labels: ['scope_type'] },
  {
    source: RiskSensor.BREACHES,
    name: 'risk_breaches_total',
    help: 'Risk-rule breaches (one KILL each from risk signals), by the breached metric, as the kill-switch aggregator receives them.',
    type: 'counter',
    labels: ['metric'],
  },
  { source: RiskSensor.LADDER_EVENTS, name: 'risk_margin_ladder_events_total', help: 'Enforcement actions: margin_call, restriction, restriction_lifted, liquidation.', type: 'counter', labels: ['event'] },
  { source: RiskSensor.ACCOUNTS, name: 'risk_accounts', help: 'Accounts by margin status (sum over instances).', type: 'gauge', labels: ['status'] },
];

export const SCOPE_TYPES = ['GLOBAL', 'ACCOUNT', 'SYMBOL'] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];

export function scopeType(scope: string): ScopeType {
  if (scope.startsWith('ACCOUNT:')) return 'ACCOUNT';
  if (scope.startsWith('SYMBOL:')) return 'SYMBOL';
  return 'GLOBAL';
}

const perScopeType = <T>(make: (type: ScopeType) => T): Record<ScopeType, T> => ({ GLOBAL: make('GLOBAL'), ACCOUNT: make('ACCOUNT'), SYMBOL: make('SYMBOL') });

/** Only an instance's first drop under a kill is timed: one map per instance, found by its metrics registry. */
const timedKillsByInstance = new WeakMap<StreamsMetrics, Map<string, string>>();

export class RouterMetrics {
  readonly allowed: Sensor;
  readonly dropped: Readonly<Record<ScopeType, Sensor>>;
  readonly #propagation: Readonly<Record<ScopeType, Sensor>>;
  /** The kill (last_cmd_id) each scope was last seen dropping under, shared by the instance's tasks (they share the table). */
  readonly #timedKills: Map<string, string>;

  constructor(metrics: StreamsMetrics) {
    let timed = timedKillsByInstance.get(metrics);
    if (timed === undefined) timedKillsByInstance.set(metrics, (timed = new Map()));
    this.#timedKills = timed;
    this.allowed = metrics.sensor(RiskSensor.ORDERS_ROUTED, { decision: 'ALLOW', scope_type: 'NONE' });
    this.dropped = perScopeType((scope_type) => metrics.sensor(RiskSensor.ORDERS_ROUTED, { decision: 'DROP', scope_type }));
    this.#propagation = perScopeType((scope_type) => metrics.histogram(RiskSensor.KILL_PROPAGATION, { scope_type }, AGE_BOUNDS_MS));
  }

  /** Times the first drop under a kill; `now` is the router's clock. */
  dropUnder(kill: { scope: string; last_cmd_id: string; updated_ts: number }, now: number): void {
    if (this.#timedKills.get(kill.scope) === kill.last_cmd_id) return;
    this.#timedKills.set(kill.scope, kill.last_cmd_id);
    // A kill stamped after the router's clock (a replay on a manual clock) has no meaningful latency.
    const latency = now - kill.updated_ts;
    if (latency >= 0) this.#propagation[scopeType(kill.scope)].record(latency);
  }
}

const OUTCOMES = ['applied', 'duplicate', 'stale'] as const;
const BREACH_METRICS = ['order_rate_60s', 'rolling_notional_60s', 'top_symbol_share'] as const;

export class KillSwitchMetrics {
  readonly #commands: Readonly<Record<string, Readonly<Record<string, Sensor>>>>;
  readonly #breaches: Readonly<Record<string, Sensor>>;
  readonly #killed: Readonly<Record<ScopeType, Gauge>>;
  /** This processor's share of the killed gauges, taken back when its task closes. */
  readonly #own: Record<ScopeType, number> = { GLOBAL: 0, ACCOUNT: 0, SYMBOL: 0 };

  constructor(metrics: StreamsMetrics) {
    const byOutcome = (action: string) => Object.fromEntries(OUTCOMES.map((outcome) => [outcome, metrics.sensor(RiskSensor.KILLSWITCH_COMMANDS, { action, outcome })]));
    this.#commands = { KILL: byOutcome('KILL'), UNKILL: byOutcome('UNKILL') };
    this.#breaches = Object.fromEntries([...BREACH_METRICS, 'other'].map((metric) => [metric, metrics.sensor(RiskSensor.BREACHES, { metric })]));
    this.#killed = perScopeType((scope_type) => metrics.gauge(RiskSensor.KILLED_SCOPES, { scope_type }));
  }

  command(action: 'KILL' | 'UNKILL', outcome: (typeof OUTCOMES)[number]): void {
    this.#commands[action][outcome].record();
  }

  breach(metric: string | undefined): void {
    (this.#breaches[metric ?? 'other'] ?? this.#breaches.other).record();
  }

  /** A scope's status changed (from undefined when it had no state). */
  transition(scope: string, from: 'KILLED' | 'ACTIVE' | undefined, to: 'KILLED' | 'ACTIVE'): void {
    const delta = (to === 'KILLED' ? 1 : 0) - (from === 'KILLED' ? 1 : 0);
    if (delta === 0) return;
    const type = scopeType(scope);
    this.#own[type] += delta;
    this.#killed[type].add(delta);
  }

  close(): void {
    for (const type of SCOPE_TYPES) {
      this.#killed[type].add(-this.#own[type]);
      this.#own[type] = 0;
    }
  }
}

const STATUSES: readonly MarginStatus[] = ['ACTIVE', 'WARNING', 'MARGIN_CALL', 'RESTRICTED', 'LIQUIDATING'];
export const LADDER_EVENTS = ['margin_call', 'restriction', 'restriction_lifted', 'liquidation'] as const;
export type LadderEvent = (typeof LADDER_EVENTS)[number];

export class EnforcementMetrics {
  readonly events: Readonly<Record<LadderEvent, Sensor>>;
  readonly #accounts: Readonly<Record<string, Gauge>>;
  readonly #own = new Map<string, number>();

  constructor(metrics: StreamsMetrics) {
    this.events = Object.fromEntries(LADDER_EVENTS.map((event) => [event, metrics.sensor(RiskSensor.LADDER_EVENTS, { event })])) as Record<LadderEvent, Sensor>;
    this.#accounts = Object.fromEntries(STATUSES.map((status) => [status, metrics.gauge(RiskSensor.ACCOUNTS, { status })]));
  }

  /** Counts an emission of the ladder that is an enforcement action (audit events are not). */
  emitted(e: Emission): void {
    if (e.topic === 'margin.calls.v1') this.events.margin_call.record();
    else if (e.topic === 'liquidations.v1') this.events.liquidation.record();
    else if (e.topic === 'restrictions.v1') (e.value.action === 'CLOSE_ONLY' ? this.events.restriction : this.events.restriction_lifted).record();
  }

  /** An account's status changed (from undefined for an account seen for the first time). */
  status(from: MarginStatus | undefined, to: MarginStatus): void {
    if (from === to) return;
    if (from !== undefined) this.#move(from, -1);
    this.#move(to, 1);
  }

  close(): void {
    for (const [status, n] of this.#own) this.#accounts[status].add(-n);
    this.#own.clear();
  }

  #move(status: MarginStatus, delta: number): void {
    this.#accounts[status].add(delta);
    this.#own.set(status, (this.#own.get(status) ?? 0) + delta);
  }
}
