// The records of every topic in CONTRACT §1, as zod schemas: the single source of field names and types.
// Serdes built from them reject malformed records with the failing path; the apps send those to the DLQ.

import { z } from 'zod';

const epochMs = z.number().int().nonnegative();
const id = z.string().min(1);

export const Scope = z.union([z.literal('GLOBAL'), z.string().regex(/^ACCOUNT:.+$/), z.string().regex(/^SYMBOL:.+$/)]);
export type Scope = z.infer<typeof Scope>;

export const Order = z.object({
  order_id: id,
  ts: epochMs,
  account_id: id,
  symbol: id,
  side: z.enum(['BUY', 'SELL']),
  qty: z.number().positive(),
  price: z.number().positive(),
  strategy: z.string().optional(),
  corr_id: z.string().optional(),
});
export type Order = z.infer<typeof Order>;

export const RiskSignal = z.object({
  ts: epochMs,
  account_id: id,
  window_start: epochMs,
  window_end: epochMs,
  order_rate_60s: z.number().int().nonnegative(),
  rolling_notional_60s: z.number(),
  top_symbol: z.string(),
  top_symbol_share: z.number().min(0).max(1),
  corr_id: z.string().optional(),
});
export type RiskSignal = z.infer<typeof RiskSignal>;

export const KillCommand = z.object({
  cmd_id: id,
  ts: epochMs,
  scope: Scope,
  action: z.enum(['KILL', 'UNKILL']),
  reason: z.string(),
  triggered_by: z.enum(['risk_signals', 'operator', 'spark']),
  operator: z.string().optional(),
  metric: z.string().optional(),
  value: z.number().optional(),
  corr_id: z.string(),
});
export type KillCommand = z.infer<typeof KillCommand>;

export const KillState = z.object({
  scope: Scope,
  status: z.enum(['KILLED', 'ACTIVE']),
  updated_ts: epochMs,
  updated_by: z.string(),
  reason: z.string(),
  last_cmd_id: id,
  corr_id: z.string(),
});
export type KillState = z.infer<typeof KillState>;

export const RouterAudit = z.object({
  ts: epochMs,
  decision: z.enum(['ALLOW', 'DROP']),
  order_id: id,
  account_id: id,
  symbol: id,
  scope_matches: z.array(Scope),
  killswitch_status: z.enum(['KILLED', 'ACTIVE']),
  reason: z.string(),
  corr_id: z.string(),
  service: z.literal('order_router'),
});
export type RouterAudit = z.infer<typeof RouterAudit>;

export const EnforcementAudit = z.object({
  event_id: id,
  event_type: z.string(),
  account_id: id,
  timestamp: epochMs,
  details: z.record(z.string(), z.unknown()),
  correlation_id: z.string(),
  causation_id: z.string(),
  service: z.literal('enforcement'),
});
export type EnforcementAudit = z.infer<typeof EnforcementAudit>;

export const AuditEvent = z.discriminatedUnion('service', [RouterAudit, EnforcementAudit]);
export type AuditEvent = z.infer<typeof AuditEvent>;

export const Fill = z.object({
  fill_id: id,
  account_id: id,
  symbol: id,
  qty: z.number().refine((q) => q !== 0, 'qty must not be 0'),
  price: z.number().positive(),
  timestamp: epochMs,
});
export type Fill = z.infer<typeof Fill>;

export const Price = z.object({ symbol: id, price: z.number().positive(), timestamp: epochMs });
export type Price = z.infer<typeof Price>;

export const Beta = z.object({ symbol: id, beta: z.number(), timestamp: epochMs });
export type Beta = z.infer<typeof Beta>;

export const CashTxn = z.object({ txn_id: id, account_id: id, amount: z.number(), timestamp: epochMs });
export type CashTxn = z.infer<typeof CashTxn>;

export const MarginStatus = z.enum(['ACTIVE', 'WARNING', 'MARGIN_CALL', 'RESTRICTED', 'LIQUIDATING']);
export type MarginStatus = z.infer<typeof MarginStatus>;

export const MarginCalc = z.object({
  account_id: id,
  ts: epochMs,
  cash: z.number(),
  market_value: z.number(),
  long_mv: z.number(),
  short_mv: z.number(),
  beta_weighted_exposure: z.number(),
  equity: z.number(),
  maintenance_req: z.number(),
  excess: z.number(),
  status: MarginStatus,
});
export type MarginCalc = z.infer<typeof MarginCalc>;

export const StressResult = z.object({
  account_id: id,
  ts: epochMs,
  scenario: z.number(),
  delta_pnl: z.number(),
  equity_stressed: z.number(),
  excess_stressed: z.number(),
  underwater: z.boolean(),
});
export type StressResult = z.infer<typeof StressResult>;

export const MarginCallRecord = z.object({
  call_id: id,
  account_id: id,
  deficiency: z.number().positive(),
  ts: epochMs,
  due_ts: epochMs,
});
export type MarginCallRecord = z.infer<typeof MarginCallRecord>;

export const Restriction = z.object({
  account_id: id,
  action: z.enum(['CLOSE_ONLY', 'NONE']),
  reason: z.string(),
  ts: epochMs,
  corr_id: z.string(),
});
export type Restriction = z.infer<typeof Restriction>;

export const Liquidation = z.object({
  account_id: id,
  positions: z.array(z.object({ symbol: id, qty: z.number() })),
  reason: z.string(),
  ts: epochMs,
  corr_id: z.string(),
});
export type Liquidation = z.infer<typeof Liquidation>;
