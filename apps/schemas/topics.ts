// Topic names and their record schemas (CONTRACT §1), with the configs the contract fixes.

import type { ZodType } from 'zod';
import * as R from './records.ts';

export const Topics = {
  ORDERS: 'orders.v1',
  ORDERS_GATED: 'orders.gated.v1',
  AUDIT: 'audit.v1',
  RISK_SIGNALS: 'risk_signals.v1',
  KILLSWITCH_COMMANDS: 'killswitch.commands.v1',
  KILLSWITCH_STATE: 'killswitch.state.v1',
  FILLS: 'fills.v1',
  PRICES: 'prices.v1',
  BETAS: 'betas.v1',
  CASH: 'cash.v1',
  MARGIN_CALC: 'margin.calc.v1',
  STRESS: 'stress.beta_spy.v1',
  MARGIN_CALLS: 'margin.calls.v1',
  RESTRICTIONS: 'restrictions.v1',
  LIQUIDATIONS: 'liquidations.v1',
  DEAD_LETTER: 'risk.dlq.v1',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

export const topicSchemas: Readonly<Record<Exclude<TopicName, 'risk.dlq.v1'>, ZodType<unknown>>> = {
  [Topics.ORDERS]: R.Order,
  [Topics.ORDERS_GATED]: R.Order,
  [Topics.AUDIT]: R.AuditEvent,
  [Topics.RISK_SIGNALS]: R.RiskSignal,
  [Topics.KILLSWITCH_COMMANDS]: R.KillCommand,
  [Topics.KILLSWITCH_STATE]: R.KillState,
  [Topics.FILLS]: R.Fill,
  [Topics.PRICES]: R.Price,
  [Topics.BETAS]: R.Beta,
  [Topics.CASH]: R.CashTxn,
  [Topics.MARGIN_CALC]: R.MarginCalc,
  [Topics.STRESS]: R.StressResult,
  [Topics.MARGIN_CALLS]: R.MarginCallRecord,
  [Topics.RESTRICTIONS]: R.Restriction,
  [Topics.LIQUIDATIONS]: R.Liquidation,
};

/** Topic-level configs the contract fixes; everything else takes the cluster's defaults. */
export const topicConfigs: Readonly<Partial<Record<TopicName, Readonly<Record<string, string>>>>> = {
  [Topics.KILLSWITCH_STATE]: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01', 'segment.ms': '60000' },
  [Topics.KILLSWITCH_COMMANDS]: { 'retention.ms': String(30 * 24 * 3600 * 1000) },
};

/** The inputs the apps read from outside, in the order the generator writes them. */
export const inputTopics = [Topics.ORDERS, Topics.KILLSWITCH_COMMANDS, Topics.FILLS, Topics.PRICES, Topics.BETAS, Topics.CASH] as const;
