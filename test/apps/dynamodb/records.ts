// Records of the topics the DynamoDB sinks read, valid by default; each builder takes overrides.

import type { SinkRecord } from '../../../apps/dynamodb/index.ts';
import {
  Topics,
  type EnforcementAudit,
  type KillState,
  type MarginCalc,
  type MarginCallRecord,
  type RouterAudit,
} from '../../../apps/schemas/index.ts';

/**
 * Midnight UTC today. Items expire 7 or 30 days after their record's time, and DynamoDB Local deletes expired
 * items in the background, so a fixed date in the past would make items vanish during the tests.
 */
export const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000;

export function routerAudit(overrides: Partial<RouterAudit> = {}): RouterAudit {
  return {
    ts: T0,
    decision: 'DROP',
    order_id: 'ORD-1',
    account_id: 'ACC-1',
    symbol: 'NVDA',
    scope_matches: ['ACCOUNT:ACC-1'],
    killswitch_status: 'KILLED',
    reason: 'Order rate breach: 101 orders in 60s',
    corr_id: 'corr-kill-1',
    service: 'order_router',
    ...overrides,
  };
}

export function enforcementAudit(overrides: Partial<EnforcementAudit> = {}): EnforcementAudit {
  return {
    event_id: 'EVT-1',
    event_type: 'MARGIN_CALL_ISSUED',
    account_id: 'ACC-1',
    timestamp: T0,
    details: { deficiency: 1200 },
    correlation_id: 'corr-1',
    causation_id: 'cause-1',
    service: 'enforcement',
    ...overrides,
  };
}

export function killState(overrides: Partial<KillState> = {}): KillState {
  return {
    scope: 'ACCOUNT:ACC-1',
    status: 'KILLED',
    updated_ts: T0,
    updated_by: 'risk_signals',
    reason: 'Order rate breach: 101 orders in 60s',
    last_cmd_id: 'CMD-1',
    corr_id: 'corr-kill-1',
    ...overrides,
  };
}

export function marginCalc(overrides: Partial<MarginCalc> = {}): MarginCalc {
  return {
    account_id: 'ACC-1',
    ts: T0,
    cash: 40_000,
    market_value: 364_000,
    long_mv: 364_000,
    short_mv: 0,
    beta_weighted_exposure: 655_200,
    equity: 404_000,
    maintenance_req: 91_000,
    excess: 313_000,
    status: 'ACTIVE',
    ...overrides,
  };
}

export function marginCall(overrides: Partial<MarginCallRecord> = {}): MarginCallRecord {
  return { call_id: 'CALL-1', account_id: 'ACC-1', deficiency: 1_250, ts: T0, due_ts: T0 + 3_600_000, ...overrides };
}

/** As the sink receives it: key per CONTRACT §1, Kafka timestamp = the record's event time. */
export function sinkRecord(topic: string, key: string | null, value: unknown, timestamp = T0): SinkRecord {
  return { topic, key, value, timestamp };
}

export const auditRecord = (audit: RouterAudit | EnforcementAudit): SinkRecord =>
  sinkRecord(Topics.AUDIT, audit.service === 'order_router' ? audit.order_id : audit.account_id, audit, 'ts' in audit ? audit.ts : audit.timestamp);
export const stateRecord = (state: KillState): SinkRecord => sinkRecord(Topics.KILLSWITCH_STATE, state.scope, state, state.updated_ts);
export const marginRecord = (margin: MarginCalc): SinkRecord => sinkRecord(Topics.MARGIN_CALC, margin.account_id, margin, margin.ts);
export const callRecord = (call: MarginCallRecord): SinkRecord => sinkRecord(Topics.MARGIN_CALLS, call.account_id, call, call.ts);
