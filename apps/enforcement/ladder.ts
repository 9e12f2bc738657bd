// The enforcement ladder of CONTRACT §4 as a pure state machine: given an account's state and one input
// (a margin record, a stress record, a fill, or stream time passing a deadline) it returns the new state and
// the records to emit. The processor around it only loads, stores and forwards.

import type { RiskConfig } from '../config.ts';
import type {
  EnforcementAudit,
  Fill,
  Liquidation,
  MarginCalc,
  MarginCallRecord,
  MarginStatus,
  Restriction,
  StressResult,
} from '../schemas/records.ts';

export interface OpenCall {
  readonly call_id: string;
  readonly ts: number;
  readonly deficiency: number;
  readonly restricted: boolean;
  readonly liquidated: boolean;
}

export interface AccountState {
  readonly account_id: string;
  readonly status: MarginStatus;
  readonly excess: number | null;
  readonly call: OpenCall | null;
  /** Severe scenarios (|s| ≥ stressRestrictAbsScenario) in which the account is currently underwater. */
  readonly underwater: readonly number[];
  /** Whether a CLOSE_ONLY is in force (from the call, from stress, or both). */
  readonly restricted: boolean;
  readonly positions: Readonly<Record<string, number>>;
  readonly corr_id: string;
  /** Timestamp and count of the calls opened at that timestamp, so two episodes at one instant get distinct ids. */
  readonly last_call?: { readonly ts: number; readonly seq: number };
}

export type Emission =
  | { readonly topic: 'margin.calls.v1'; readonly value: MarginCallRecord; readonly ts: number }
  | { readonly topic: 'restrictions.v1'; readonly value: Restriction; readonly ts: number }
  | { readonly topic: 'liquidations.v1'; readonly value: Liquidation; readonly ts: number }
  | { readonly topic: 'audit.v1'; readonly value: EnforcementAudit; readonly ts: number };

export function initialState(account_id: string): AccountState {
  return { account_id, status: 'ACTIVE', excess: null, call: null, underwater: [], restricted: false, positions: {}, corr_id: '' };
}

type Input = { margin: MarginCalc; corr_id: string } | { stress: StressResult; corr_id: string } | { fill: Fill } | { deadline: number };

export class Ladder {
  readonly #config: RiskConfig['margin'];

  constructor(config: RiskConfig['margin']) {
    this.#config = config;
  }

  /** The earliest stream time at which this account's open call needs attention, or null. */
  nextDeadline(state: AccountState): number | null {
    const call = state.call;
    if (call === null) return null;
    if (!call.restricted) return call.ts + this.#config.restrictAfterMs;
    if (!call.liquidated) return call.ts + this.#config.liquidateAfterMs;
    return null;
  }

  apply(state: AccountState, input: Input): { state: AccountState; emit: Emission[] } {
    const emit: Emission[] = [];
    if ('fill' in input) {
      const qty = (state.positions[input.fill.symbol] ?? 0) + input.fill.qty;
      const positions = { ...state.positions };
      if (qty === 0) delete positions[input.fill.symbol];
      else positions[input.fill.symbol] = qty;
      return { state: { ...state, positions }, emit };
    }
    if ('deadline' in input) return { state: this.#deadlines(state, input.deadline, emit), emit };
    if ('margin' in input) {
      const next = this.#margin({ ...state, corr_id: input.corr_id }, input.margin, emit);
      return { state: this.#settle(state, next, input.margin.ts, emit), emit };
    }
    const next = this.#stress({ ...state, corr_id: input.corr_id }, input.stress, emit);
    return { state: this.#settle(state, next, input.stress.ts, emit), emit };
  }

  #margin(state: AccountState, margin: MarginCalc, emit: Emission[]): AccountState {
    const ts = margin.ts;
    if (margin.excess < 0 && state.call === null) {
      const seq = state.last_call?.ts === ts ? state.last_call.seq + 1 : 1;
      const call_id = seq === 1 ? `${state.account_id}:call:${ts}` : `${state.account_id}:call:${ts}:${seq}`;
      const call: OpenCall = { call_id, ts, deficiency: -margin.excess, restricted: false, liquidated: false };
      emit.push({
        topic: 'margin.calls.v1',
        ts,
        value: { call_id: call.call_id, account_id: state.account_id, deficiency: call.deficiency, ts, due_ts: ts + this.#config.restrictAfterMs },
      });
      emit.push(this.#audit(state, 'MARGIN_CALL_ISSUED', ts, { deficiency: call.deficiency, equity: margin.equity, maintenance_req: margin.maintenance_req, due_ts: ts + this.#config.restrictAfterMs }, `margin:${state.account_id}:${ts}`));
      return { ...state, excess: margin.excess, call, last_call: { ts, seq } };
    }
    if (margin.excess >= 0 && state.call !== null) {
      emit.push(this.#audit(state, 'MARGIN_CALL_CURED', ts, { call_id: state.call.call_id, excess: margin.excess }, state.call.call_id));
      return { ...state, excess: margin.excess, call: null };
    }
    return { ...state, excess: margin.excess };
  }

  #stress(state: AccountState, stress: StressResult, emit: Emission[]): AccountState {
    if (Math.abs(stress.scenario) + 1e-12 < this.#config.stressRestrictAbsScenario) return state;
    const others = state.underwater.filter((s) => s !== stress.scenario);
    const underwater = stress.underwater ? [...others, stress.scenario].sort((a, b) => a - b) : others;
    if (state.underwater.length === 0 && underwater.length > 0) {
      emit.push(this.#audit(state, 'STRESS_BREACH', stress.ts, { scenario: stress.scenario, excess_stressed: stress.excess_stressed }, `stress:${state.account_id}:${stress.ts}:${stress.scenario}`));
    }
    return { ...state, underwater };
  }

  /** Fires each deadline the stream time has passed, in order, each at its own time. */
  #deadlines(state: AccountState, now: number, emit: Emission[]): AccountState {
    let call = state.call;
    if (call === null) return state;
    const restrictAt = call.ts + this.#config.restrictAfterMs;
    const liquidateAt = call.ts + this.#config.liquidateAfterMs;
    if (!call.restricted && now >= restrictAt) {
      emit.push(this.#audit(state, 'CALL_OVERDUE', restrictAt, { call_id: call.call_id, deficiency: call.deficiency }, call.call_id));
      call = { ...call, restricted: true };
      state = this.#settle(state, { ...state, call }, restrictAt, emit);
    }
    if (!call.liquidated && now >= liquidateAt) {
      const positions = Object.entries(state.positions)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([symbol, qty]) => ({ symbol, qty }));
      const reason = `Margin call ${call.call_id} unmet after ${this.#config.liquidateAfterMs / 60_000} min`;
      emit.push({ topic: 'liquidations.v1', ts: liquidateAt, value: { account_id: state.account_id, positions, reason, ts: liquidateAt, corr_id: call.call_id } });
      emit.push(this.#audit(state, 'LIQUIDATION_STARTED', liquidateAt, { call_id: call.call_id, positions }, call.call_id));
      call = { ...call, liquidated: true };
      state = this.#settle(state, { ...state, call }, liquidateAt, emit);
    }
    return state;
  }

  /** Derives status and the CLOSE_ONLY flag from the new state; emits restriction changes and status audit. */
  #settle(before: AccountState, state: AccountState, ts: number, emit: Emission[]): AccountState {
    const callHolds = state.call !== null && state.call.restricted;
    const stressHolds = state.underwater.length > 0;
    const restricted = callHolds || stressHolds;
    if (restricted && !before.restricted) {
      const reason = callHolds
        ? `Margin call ${state.call!.call_id} not met within ${this.#config.restrictAfterMs / 60_000} min`
        : `Underwater in SPY ${(state.underwater[0] * 100).toFixed(1)}% scenario`;
      emit.push({ topic: 'restrictions.v1', ts, value: { account_id: state.account_id, action: 'CLOSE_ONLY', reason, ts, corr_id: state.call?.call_id ?? state.corr_id } });
      emit.push(this.#audit(state, 'RESTRICTED', ts, { action: 'CLOSE_ONLY', reason }, state.call?.call_id ?? state.corr_id));
    } else if (!restricted && before.restricted) {
      const reason = 'Margin restored and no severe stress scenario underwater';
      emit.push({ topic: 'restrictions.v1', ts, value: { account_id: state.account_id, action: 'NONE', reason, ts, corr_id: state.corr_id } });
      emit.push(this.#audit(state, 'RESTRICTION_LIFTED', ts, { action: 'NONE', reason }, state.corr_id));
    }
    let status: MarginStatus;
    if (state.call?.liquidated) status = 'LIQUIDATING';
    else if (restricted) status = 'RESTRICTED';
    else if (state.call !== null) status = 'MARGIN_CALL';
    else if (state.excess !== null && state.excess < this.#config.warningThreshold) status = 'WARNING';
    else status = 'ACTIVE';
    if (status !== before.status) {
      emit.push(this.#audit(state, 'STATUS_CHANGED', ts, { from: before.status, to: status, excess: state.excess }, state.corr_id));
    }
    return { ...state, restricted, status };
  }

  #audit(state: AccountState, event_type: string, ts: number, details: Record<string, unknown>, causation_id: string): Emission {
    return {
      topic: 'audit.v1',
      ts,
      value: {
        event_id: `${state.account_id}:${event_type}:${ts}`,
        event_type,
        account_id: state.account_id,
        timestamp: ts,
        details,
        correlation_id: state.corr_id,
        causation_id,
        service: 'enforcement',
      },
    };
  }
}
