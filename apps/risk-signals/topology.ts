// Risk signals: per-account tumbling windows over every order (gated or not). Each update of an account's
// window emits a risk signal; the first update that breaches a rule also emits one KILL of the account.

import { Serdes } from '../../common/serdes.ts';
import type { Windowed } from '../../state/api/windowed.ts';
import { Consumed, Produced, type StoreType } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import type { Topology } from '../../topology/topology.ts';
import { TimeWindows } from '../../topology/windows.ts';
import type { RiskConfig } from '../config.ts';
import type { KillCommand, Order, RiskSignal } from '../schemas/records.ts';
import { KeySerde, serdes } from '../schemas/serdes.ts';
import { Topics } from '../schemas/topics.ts';
import { addOrder, emptyWindow, topSymbol, type WindowState } from './rules.ts';

export const RISK_WINDOWS_STORE = 'risk-windows';

export function signalOf(account: string, window: { start: number; end: number }, state: WindowState): RiskSignal {
  const top = topSymbol(state.symbols);
  return {
    ts: state.last_ts,
    account_id: account,
    window_start: window.start,
    window_end: window.end,
    order_rate_60s: state.count,
    rolling_notional_60s: state.notional,
    top_symbol: top.symbol,
    top_symbol_share: state.count === 0 ? 0 : top.count / state.count,
    corr_id: state.last_corr_id,
  };
}

export function killOf(account: string, window: { start: number }, state: WindowState): KillCommand | null {
  if (state.kill === null) return null;
  return {
    cmd_id: `risk_signals:${account}:${window.start}`,
    ts: state.last_ts,
    scope: `ACCOUNT:${account}`,
    action: 'KILL',
    reason: state.kill.reason,
    triggered_by: 'risk_signals',
    metric: state.kill.metric,
    value: state.kill.value,
    corr_id: state.last_corr_id,
  };
}

export function buildRiskSignals(config: RiskConfig, options: { storeType?: StoreType } = {}): Topology {
  const rules = config.risk;
  const builder = new StreamsBuilder({ defaultStoreType: options.storeType });
  const updates = builder
    .stream<string, Order>(Topics.ORDERS, {
      ...Consumed.with(KeySerde, serdes.order),
      // `ts` in the order is its event time.
      timestampExtractor: (record) => (record.value as Order | null)?.ts ?? record.timestamp,
    })
    .groupByKey()
    // A window's grace equals its size: an order up to a window late still counts where it belongs.
    .windowedBy(TimeWindows.ofSizeAndGrace(rules.windowMs, rules.windowMs))
    .aggregate<WindowState>(
      () => emptyWindow,
      (_account, order, state) => addOrder(state, order, rules),
      { storeName: RISK_WINDOWS_STORE, keySerde: KeySerde, valueSerde: Serdes.Json<WindowState>(), cachingEnabled: false },
    )
    .toStream()
    .filter((_k, state) => state !== null);

  updates
    .map((w: Windowed<string>, state) => ({ key: w.key, value: signalOf(w.key, w.window, state) }), { name: 'risk-signal' })
    .to(Topics.RISK_SIGNALS, Produced.with(KeySerde, serdes.riskSignal));
  updates
    .flatMap((w: Windowed<string>, state) => {
      const kill = killOf(w.key, w.window, state);
      return kill === null ? [] : [{ key: kill.scope, value: kill }];
    }, { name: 'risk-kill' })
    .to(Topics.KILLSWITCH_COMMANDS, Produced.with(KeySerde, serdes.killCommand));
  return builder.build();
}
