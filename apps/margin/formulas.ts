// CONTRACT §3 as plain functions: an account's margin and its stress results from its aggregated exposure.

import type { RiskConfig } from '../config.ts';
import type { MarginCalc, MarginStatus, StressResult } from '../schemas/records.ts';

/** What the per-account aggregate holds: sums over the account's position rows and cash row. */
export interface Exposure {
  readonly account_id: string;
  /** Σ cash.amount − Σ fill.qty × fill.price */
  readonly cash: number;
  readonly long_mv: number;
  readonly short_mv: number;
  readonly beta_weighted_exposure: number;
}

/** One position row (or the cash row, symbol null) after the join with its symbol's price and beta. */
export interface PricedRow {
  readonly account_id: string;
  readonly symbol: string | null;
  readonly qty: number;
  readonly cash_flow: number;
  /** Latest price, or before any price the last fill price; null for the cash row. */
  readonly price: number | null;
  /** Missing beta counts as 1.0. */
  readonly beta: number;
}

export function rowContribution(row: PricedRow): Omit<Exposure, 'account_id'> {
  const price = row.price ?? 0;
  return {
    cash: row.cash_flow,
    long_mv: Math.max(row.qty, 0) * price,
    short_mv: Math.max(-row.qty, 0) * price,
    beta_weighted_exposure: row.qty * price * row.beta,
  };
}

export function marginStatus(excess: number, config: RiskConfig['margin']): MarginStatus {
  if (excess < 0) return 'MARGIN_CALL';
  if (excess < config.warningThreshold) return 'WARNING';
  return 'ACTIVE';
}

export function marginOf(e: Exposure, ts: number, config: RiskConfig['margin']): MarginCalc {
  const market_value = e.long_mv - e.short_mv;
  const equity = e.cash + market_value;
  const maintenance_req = config.longMaintenanceRate * e.long_mv + config.shortMaintenanceRate * e.short_mv;
  const excess = equity - maintenance_req;
  return {
    account_id: e.account_id,
    ts,
    cash: e.cash,
    market_value,
    long_mv: e.long_mv,
    short_mv: e.short_mv,
    beta_weighted_exposure: e.beta_weighted_exposure,
    equity,
    maintenance_req,
    excess,
    status: marginStatus(excess, config),
  };
}

export function stressOf(m: MarginCalc, config: RiskConfig['margin']): StressResult[] {
  return config.stressScenarios.map((scenario) => {
    const delta_pnl = m.beta_weighted_exposure * scenario;
    const equity_stressed = m.equity + delta_pnl;
    const excess_stressed = equity_stressed - m.maintenance_req;
    return { account_id: m.account_id, ts: m.ts, scenario, delta_pnl, equity_stressed, excess_stressed, underwater: excess_stressed < 0 };
  });
}
