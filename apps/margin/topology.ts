// Margin: positions from fills, a cash ledger, the latest price and beta per symbol → margin.calc.v1 and
// stress.beta_spy.v1. Each account is a set of rows (one per symbol held, one for cash); a fill changes one
// row's quantity and cash together, so every input changes exactly one row, and the per-account aggregate
// subtracts the row's old contribution and adds its new one in a single update. A price or beta change reaches
// every row holding the symbol through a foreign-key join. No intermediate state is ever emitted.

import { Serdes } from '../../common/serdes.ts';
import type { StreamRecord } from '../../common/record.ts';
import type { Processor, ProcessorContext } from '../../operators/api/processor.ts';
import { Consumed, Materialized, Produced, type StoreType } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import type { Topology } from '../../topology/topology.ts';
import type { RiskConfig } from '../config.ts';
import type { Beta, CashTxn, Fill, MarginCalc, Price } from '../schemas/records.ts';
import { KeySerde, serdes } from '../schemas/serdes.ts';
import { Topics } from '../schemas/topics.ts';
import { type Exposure, marginOf, type PricedRow, rowContribution, stressOf } from './formulas.ts';

export const MARGIN_STORE = 'margin-accounts';
export const ROWS_STORE = 'margin-position-rows';
const CASH_ROW = '$CASH';

interface RowDelta {
  readonly account_id: string;
  readonly symbol: string | null;
  readonly qty: number;
  readonly cash: number;
  readonly price: number | null;
}

interface Row {
  readonly account_id: string;
  readonly symbol: string | null;
  readonly qty: number;
  readonly cash_flow: number;
  readonly last_fill_price: number | null;
}

interface SymbolInfo {
  readonly price: number | null;
  readonly beta: number | null;
}

const J = <T>() => Serdes.Json<T>();

class MarginCalculator implements Processor<string, Exposure | null, string, MarginCalc> {
  readonly #config: RiskConfig['margin'];
  #ctx!: ProcessorContext<string, MarginCalc>;
  constructor(config: RiskConfig['margin']) {
    this.#config = config;
  }
  init(ctx: ProcessorContext<string, MarginCalc>): void {
    this.#ctx = ctx;
  }
  process(r: StreamRecord<string, Exposure | null>): void {
    if (r.value === null) return;
    this.#ctx.forward({ key: r.key, value: marginOf(r.value, r.timestamp, this.#config), timestamp: r.timestamp, headers: r.headers });
  }
}

export function buildMargin(config: RiskConfig, options: { storeType?: StoreType } = {}): Topology {
  const builder = new StreamsBuilder({ defaultStoreType: options.storeType });
  const noCache = { cachingEnabled: false } as const;

  const prices = builder.table<string, Price>(Topics.PRICES, Consumed.with(KeySerde, serdes.price), { ...noCache, storeName: 'margin-prices' });
  const betas = builder.table<string, Beta>(Topics.BETAS, Consumed.with(KeySerde, serdes.beta), { ...noCache, storeName: 'margin-betas' });
  const symbols = prices.outerJoin(
    betas,
    (p, b): SymbolInfo => ({ price: p?.price ?? null, beta: b?.beta ?? null }),
    Materialized.as<string, SymbolInfo>('margin-symbols').withValueSerde(J<SymbolInfo>()).withCachingDisabled(),
  );

  const fills = builder
    .stream<string, Fill>(Topics.FILLS, Consumed.with(KeySerde, serdes.fill))
    .mapValues((f): RowDelta => ({ account_id: f.account_id, symbol: f.symbol, qty: f.qty, cash: -f.qty * f.price, price: f.price }));
  const cash = builder
    .stream<string, CashTxn>(Topics.CASH, Consumed.with(KeySerde, serdes.cash))
    .mapValues((c): RowDelta => ({ account_id: c.account_id, symbol: null, qty: 0, cash: c.amount, price: null }));

  const rows = fills
    .merge(cash)
    .selectKey((_k, d) => `${d.account_id}|${d.symbol ?? CASH_ROW}`)
    .groupByKey({ keySerde: KeySerde, valueSerde: J<RowDelta>(), name: 'margin-rows' })
    .aggregate(
      (): Row => ({ account_id: '', symbol: null, qty: 0, cash_flow: 0, last_fill_price: null }),
      (_k, d, row): Row => ({
        account_id: d.account_id,
        symbol: d.symbol,
        qty: row.qty + d.qty,
        cash_flow: row.cash_flow + d.cash,
        last_fill_price: d.price ?? row.last_fill_price,
      }),
      { ...noCache, storeName: ROWS_STORE, keySerde: KeySerde, valueSerde: J<Row>() },
    );

  const priced = rows.leftJoin(
    symbols,
    (row) => row.symbol,
    (row, info): PricedRow => ({
      account_id: row.account_id,
      symbol: row.symbol,
      qty: row.qty,
      cash_flow: row.cash_flow,
      price: row.symbol === null ? null : (info?.price ?? row.last_fill_price),
      beta: info?.beta ?? 1,
    }),
    Materialized.as<string, PricedRow>('margin-priced-rows').withKeySerde(KeySerde).withValueSerde(J<PricedRow>()).withCachingDisabled(),
  );

  const add = (e: Exposure, c: Omit<Exposure, 'account_id'>, sign: 1 | -1, account_id: string): Exposure => ({
    account_id,
    cash: e.cash + sign * c.cash,
    long_mv: e.long_mv + sign * c.long_mv,
    short_mv: e.short_mv + sign * c.short_mv,
    beta_weighted_exposure: e.beta_weighted_exposure + sign * c.beta_weighted_exposure,
  });
  const accounts = priced
    .groupBy((_k, row) => ({ key: row.account_id, value: row }), { keySerde: KeySerde, valueSerde: J<PricedRow>(), name: 'margin-accounts' })
    .aggregate(
      (): Exposure => ({ account_id: '', cash: 0, long_mv: 0, short_mv: 0, beta_weighted_exposure: 0 }),
      (account, row, e) => add(e, rowContribution(row), 1, account),
      (account, row, e) => add(e, rowContribution(row), -1, account),
      { ...noCache, storeName: MARGIN_STORE, keySerde: KeySerde, valueSerde: J<Exposure>() },
    );

  // The margin record's ts is the time of the input that changed the account (the update's timestamp).
  const margin = accounts
    .toStream()
    .process<string, MarginCalc>(() => new MarginCalculator(config.margin), { name: 'margin-calc' });
  margin.to(Topics.MARGIN_CALC, Produced.with(KeySerde, serdes.marginCalc));
  margin.flatMapValues((m) => stressOf(m, config.margin), { name: 'margin-stress' }).to(Topics.STRESS, Produced.with(KeySerde, serdes.stress));
  return builder.build();
}
