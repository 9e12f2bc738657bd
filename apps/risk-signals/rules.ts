// CONTRACT §2's risk rules over one account window: the running figures, the top symbol, and which rule
// (if any) the window breaches. Pure functions; the topology folds orders through `addOrder`.

import type { RiskConfig } from '../config.ts';
import type { Order } from '../schemas/records.ts';

export interface WindowState {
  readonly count: number;
  readonly notional: number;
  readonly symbols: Readonly<Record<string, number>>;
  /** Set once: a window kills at most once. */
  readonly breached: boolean;
  /** The breach this update caused (only on the update that first breached). */
  readonly kill: Breach | null;
  /** The order that made this update. */
  readonly last_ts: number;
  readonly last_corr_id: string;
}

export interface Breach {
  readonly metric: 'order_rate_60s' | 'rolling_notional_60s' | 'top_symbol_share';
  readonly value: number;
  readonly reason: string;
}

export const emptyWindow: WindowState = { count: 0, notional: 0, symbols: {}, breached: false, kill: null, last_ts: 0, last_corr_id: '' };

/** The symbol with the most orders; ties go to the alphabetically first. */
export function topSymbol(symbols: Readonly<Record<string, number>>): { symbol: string; count: number } {
  let best = { symbol: '', count: 0 };
  for (const [symbol, count] of Object.entries(symbols)) {
    if (count > best.count || (count === best.count && symbol < best.symbol)) best = { symbol, count };
  }
  return best;
}

const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function breachOf(state: Pick<WindowState, 'count' | 'notional' | 'symbols'>, rules: RiskConfig['risk']): Breach | null {
  const seconds = Math.round(rules.windowMs / 1000);
  if (state.count > rules.orderRateThreshold60s) {
    return { metric: 'order_rate_60s', value: state.count, reason: `Order rate breach: ${state.count} orders in ${seconds}s` };
  }
  if (state.notional > rules.notionalThreshold60s) {
    return { metric: 'rolling_notional_60s', value: state.notional, reason: `Notional breach: $${money(state.notional)} in ${seconds}s` };
  }
  const top = topSymbol(state.symbols);
  const share = state.count === 0 ? 0 : top.count / state.count;
  if (state.count >= rules.concentrationMinOrders && share > rules.symbolConcentrationThreshold) {
    return {
      metric: 'top_symbol_share',
      value: share,
      reason: `Symbol concentration breach: ${(share * 100).toFixed(1)}% of ${state.count} orders in ${top.symbol} within ${seconds}s`,
    };
  }
  return null;
}

export function addOrder(state: WindowState, order: Order, rules: RiskConfig['risk']): WindowState {
  const symbols = { ...state.symbols, [order.symbol]: (state.symbols[order.symbol] ?? 0) + 1 };
  const next = { count: state.count + 1, notional: state.notional + order.qty * order.price, symbols };
  const breach = state.breached ? null : breachOf(next, rules);
  return {
    ...next,
    breached: state.breached || breach !== null,
    kill: breach,
    last_ts: order.ts,
    last_corr_id: order.corr_id ?? order.order_id,
  };
}
