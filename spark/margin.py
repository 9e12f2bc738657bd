"""Margin, stress and margin-call episodes (CONTRACT §3–§4) as a Spark job: the independent reference for the
TypeScript margin app and the margin calls enforcement raises from it.

Inputs are taken in the replay's order (record timestamp, then topic name, file order kept). After every input
record that touches an account (its own fills and cash, a price or beta of a symbol it holds or has held) the job
computes the account's figures from one consistent state:

    cash = Σ cash.amount − Σ fill.qty × fill.price          price = latest prices.v1, before any: last fill price
    long_mv / short_mv / market_value / equity / maintenance_req / excess / beta_weighted_exposure (beta 1.0 if none)
    stress(s): delta_pnl = bwe × s, equity_stressed, excess_stressed, underwater

and a margin-call episode opens when excess < 0 with no call open and is cured when excess ≥ 0 again.

The "as of each record" state is built without a per-record loop: every point of an account is crossed with
the symbols it trades, and running window functions per (account, symbol) carry quantity, last fill price,
last market price and beta forward; a sum per point then gives the account's figures.

    python spark/margin.py --input DIR --output DIR [--config FILE] [--emit all|final]
    python spark/margin.py --brokers HOST:PORT --checkpoint DIR [--output DIR] [--available-now]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from job_config import ConfigError, MarginConfig
from job_config import load as load_config
from record_io import RecordFileError, read_record_files, with_merge_order, write_record_file
from spark_session import KafkaConnectorMissing, build_session
from streaming import BatchStateStore, Outputs, add_streaming_arguments, run_streaming

FILLS, PRICES, BETAS, CASH = "fills.v1", "prices.v1", "betas.v1", "cash.v1"
INPUTS = [BETAS, CASH, FILLS, PRICES]
MARGIN, STRESS, CALLS = "margin.calc.v1", "stress.beta_spy.v1", "margin.calls.v1"
EPISODES = "margin.episodes"  # not a topic: the call episodes with their cure, for the cross-check
SEED = "~seed"  # the topic name of the rows that carry a previous batch's state

POSITION_STATE = StructType([
    StructField("account_id", StringType()),
    StructField("symbol", StringType()),
    StructField("qty", DoubleType()),
    StructField("fill_price", DoubleType()),
])
ACCOUNT_STATE = StructType([
    StructField("account_id", StringType()),
    StructField("cash", DoubleType()),
    StructField("excess", DoubleType()),
])
SYMBOL_STATE = StructType([
    StructField("symbol", StringType()),
    StructField("price", DoubleType()),
    StructField("beta", DoubleType()),
])


class CarriedState:
    """What a streaming batch needs from the ones before it."""

    def __init__(self, positions: DataFrame, accounts: DataFrame, symbols: DataFrame):
        self.positions, self.accounts, self.symbols = positions, accounts, symbols


def events_from_records(records: DataFrame) -> DataFrame:
    """The four input topics as one ordered event table (seq = delivery order)."""
    v = "value."
    ordered = with_merge_order(records.where(F.col("topic").isin(INPUTS)))
    return ordered.select(
        "seq",
        "timestamp",
        "topic",
        F.col(v + "account_id").alias("account_id"),
        F.col(v + "symbol").alias("symbol"),
        F.col(v + "qty").alias("qty"),
        F.col(v + "price").alias("price"),
        F.col(v + "amount").alias("amount"),
        F.col(v + "beta").alias("beta"),
    )


def margin_timeline(events: DataFrame, cfg: MarginConfig, carried: CarriedState | None = None) -> tuple[DataFrame, DataFrame]:
    """(timeline, grid): the account's figures after every event that touches it, and the per (account,
    symbol) running state behind them (for the next streaming batch's positions)."""
    own = events.where(F.col("topic").isin(FILLS, CASH)).select(
        "account_id", "seq", "timestamp", "topic", "symbol", "qty", "price", "amount", F.lit(None).cast("double").alias("beta")
    )
    traded = own.where(F.col("topic") == FILLS).select("account_id", "symbol")
    first_seen = own.groupBy("account_id").agg(F.min("seq").alias("first_seq"))
    if carried is not None:
        traded = traded.unionByName(carried.positions.select("account_id", "symbol"))
        known = carried.accounts.select("account_id").unionByName(carried.positions.select("account_id")).distinct()
        first_seen = first_seen.unionByName(known.withColumn("first_seq", F.lit(0).cast("long")))
        first_seen = first_seen.groupBy("account_id").agg(F.min("first_seq").alias("first_seq"))
    traded = traded.distinct()
    # A price or beta is an event of every account trading the symbol (the foreign-key join); `held` below
    # drops the ones before its first fill of it.
    market = (
        events.where(F.col("topic").isin(PRICES, BETAS))
        .drop("account_id")
        .join(traded, "symbol")
        .select("account_id", "seq", "timestamp", "topic", "symbol", "qty", "price", "amount", "beta")
    )
    points = own.unionByName(market)
    if carried is not None:
        seeds = first_seen.select(
            "account_id",
            F.lit(0).cast("long").alias("seq"),
            F.lit(None).cast("long").alias("timestamp"),
            F.lit(SEED).alias("topic"),
            *[F.lit(None).cast(t).alias(c) for c, t in [("symbol", "string"), ("qty", "double"), ("price", "double"), ("amount", "double"), ("beta", "double")]],
        )
        points = points.unionByName(seeds)

    grid = points.join(traded.withColumnRenamed("symbol", "s"), "account_id", "left")
    this_symbol = F.col("symbol") == F.col("s")
    is_fill = (F.col("topic") == FILLS) & this_symbol
    fill_qty = F.when(is_fill, F.col("qty"))
    fill_px = F.when(is_fill, F.col("price"))
    mkt_px = F.when((F.col("topic") == PRICES) & this_symbol, F.col("price"))
    beta = F.when((F.col("topic") == BETAS) & this_symbol, F.col("beta"))
    if carried is not None:
        grid = grid.join(
            carried.positions.select(
                "account_id", F.col("symbol").alias("s"), F.col("qty").alias("seed_qty"), F.col("fill_price").alias("seed_fill_px")
            ),
            ["account_id", "s"],
            "left",
        ).join(
            carried.symbols.select(F.col("symbol").alias("s"), F.col("price").alias("seed_px"), F.col("beta").alias("seed_beta")),
            "s",
            "left",
        )
        seed = F.col("topic") == SEED
        fill_qty = F.when(seed, F.col("seed_qty")).otherwise(fill_qty)
        fill_px = F.when(seed, F.col("seed_fill_px")).otherwise(fill_px)
        mkt_px = F.when(seed, F.col("seed_px")).otherwise(mkt_px)
        beta = F.when(seed, F.col("seed_beta")).otherwise(beta)

    as_of = Window.partitionBy("account_id", "s").orderBy("seq").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    grid = (
        grid.withColumn("q", F.sum(F.coalesce(fill_qty, F.lit(0.0))).over(as_of))
        .withColumn("last_fill_px", F.last(fill_px, ignorenulls=True).over(as_of))
        .withColumn("last_px", F.last(mkt_px, ignorenulls=True).over(as_of))
        .withColumn("last_beta", F.last(beta, ignorenulls=True).over(as_of))
        .withColumn("px", F.coalesce("last_px", "last_fill_px"))
        .withColumn("bt", F.coalesce("last_beta", F.lit(1.0)))
        # "Holding" a symbol: the account has had a position in it (a fill, or one carried in) by this point.
        .withColumn("held", F.max(fill_qty.isNotNull()).over(as_of))
    )
    touches = F.col("topic").isin(FILLS, CASH, SEED) | F.coalesce(this_symbol & F.col("held"), F.lit(False))
    cash_delta = (
        F.when(F.col("topic") == FILLS, -(F.col("qty") * F.col("price")))
        .when(F.col("topic") == CASH, F.col("amount"))
        .otherwise(F.lit(0.0))
    )
    if carried is not None:
        grid = grid.join(carried.accounts.select("account_id", F.col("cash").alias("seed_cash")), "account_id", "left")
        cash_delta = F.when(F.col("topic") == SEED, F.coalesce("seed_cash", F.lit(0.0))).otherwise(cash_delta)

    q = F.col("q")
    per_point = grid.groupBy("account_id", "seq").agg(
        F.first("timestamp").alias("ts"),
        F.first("topic").alias("topic"),
        F.first(cash_delta).alias("cash_delta"),
        F.sum(F.when(q > 0, q * F.col("px")).otherwise(F.lit(0.0))).alias("long_mv"),
        F.sum(F.when(q < 0, -q * F.col("px")).otherwise(F.lit(0.0))).alias("short_mv"),
        F.sum(F.when(q != 0, q * F.col("px") * F.col("bt")).otherwise(F.lit(0.0))).alias("beta_weighted_exposure"),
        F.max(touches).alias("touches"),
    )
    in_account = Window.partitionBy("account_id").orderBy("seq")
    timeline = (
        per_point.join(first_seen, "account_id")
        .withColumn("cash", F.sum("cash_delta").over(in_account.rowsBetween(Window.unboundedPreceding, Window.currentRow)))
        .where((F.col("seq") >= F.col("first_seq")) & F.col("touches"))
        .withColumn("market_value", F.col("long_mv") - F.col("short_mv"))
        .withColumn("equity", F.col("cash") + F.col("market_value"))
        .withColumn("maintenance_req", cfg.long_rate * F.col("long_mv") + cfg.short_rate * F.col("short_mv"))
        .withColumn("excess", F.col("equity") - F.col("maintenance_req"))
        .withColumn(
            "status",
            F.when(F.col("excess") < 0, F.lit("MARGIN_CALL")).when(F.col("excess") < cfg.warning_threshold, F.lit("WARNING")).otherwise(F.lit("ACTIVE")),
        )
    )
    # A call is open after a record exactly when that record's excess was negative. A seed row re-derives the
    # previous batch's last figures, so it stands in for them here and opens or cures nothing itself.
    prev = F.lag("excess").over(in_account)
    not_seed = F.col("topic") != SEED
    timeline = (
        timeline.withColumn("prev_excess", prev)
        .withColumn("opens", not_seed & (F.col("excess") < 0) & (F.col("prev_excess").isNull() | (F.col("prev_excess") >= 0)))
        .withColumn("cures", not_seed & (F.col("excess") >= 0) & (F.col("prev_excess") < 0))
    )
    return timeline, grid


def margin_records(timeline: DataFrame) -> DataFrame:
    value = F.struct(
        "account_id", "ts", "cash", "market_value", "long_mv", "short_mv", "beta_weighted_exposure",
        "equity", "maintenance_req", "excess", "status",
    )
    return timeline.select(F.col("ts").alias("timestamp"), F.col("account_id").alias("key"), value.alias("value"), "seq")


def stress_records(timeline: DataFrame, cfg: MarginConfig) -> DataFrame:
    scenarios = F.explode(F.array(*[F.lit(s) for s in cfg.scenarios])).alias("scenario")
    stressed = timeline.select("account_id", "ts", "seq", "equity", "maintenance_req", "beta_weighted_exposure", scenarios)
    stressed = (
        stressed.withColumn("delta_pnl", F.col("beta_weighted_exposure") * F.col("scenario"))
        .withColumn("equity_stressed", F.col("equity") + F.col("delta_pnl"))
        .withColumn("excess_stressed", F.col("equity_stressed") - F.col("maintenance_req"))
        .withColumn("underwater", F.col("excess_stressed") < 0)
    )
    value = F.struct("account_id", "ts", "scenario", "delta_pnl", "equity_stressed", "excess_stressed", "underwater")
    return stressed.select(F.col("ts").alias("timestamp"), F.col("account_id").alias("key"), value.alias("value"), "seq")


def call_id(account: str, ts: str) -> F.Column:
    return F.concat(F.col(account), F.lit(":call:"), F.col(ts).cast("string"))


def call_records(timeline: DataFrame, cfg: MarginConfig) -> DataFrame:
    """margin.calls.v1: one per episode, when it opens."""
    value = F.struct(
        call_id("account_id", "ts").alias("call_id"),
        "account_id",
        (-F.col("excess")).alias("deficiency"),
        "ts",
        (F.col("ts") + cfg.restrict_after_ms).alias("due_ts"),
    )
    return timeline.where("opens").select(F.col("ts").alias("timestamp"), F.col("account_id").alias("key"), value.alias("value"), "seq")


def episode_records(timeline: DataFrame) -> DataFrame:
    """Each call episode (batch mode: one pass over an account's whole history) with when it was cured."""
    numbered = timeline.withColumn(
        "episode",
        F.sum(F.col("opens").cast("int")).over(Window.partitionBy("account_id").orderBy("seq").rowsBetween(Window.unboundedPreceding, Window.currentRow)),
    ).where("episode > 0 AND (opens OR cures)")
    episodes = numbered.groupBy("account_id", "episode").agg(
        F.min(F.when(F.col("opens"), F.struct("seq", "ts", "excess"))).alias("open"),
        F.min(F.when(F.col("cures"), F.struct("seq", "ts", "excess"))).alias("cure"),
    )
    value = F.struct(
        F.concat(F.col("account_id"), F.lit(":call:"), F.col("open.ts").cast("string")).alias("call_id"),
        "account_id",
        F.col("open.ts").alias("opened_ts"),
        (-F.col("open.excess")).alias("deficiency"),
        F.col("cure.ts").alias("cured_ts"),
        F.col("cure.excess").alias("excess_at_cure"),
    )
    return episodes.select(F.col("open.ts").alias("timestamp"), F.col("account_id").alias("key"), value.alias("value"), F.col("open.seq").alias("seq"))


def last_per_account(df: DataFrame, partition: list[str]) -> DataFrame:
    latest = Window.partitionBy(*partition).orderBy(F.col("seq").desc())
    return df.withColumn("_r", F.row_number().over(latest)).where("_r = 1").drop("_r")


def run_batch(spark: SparkSession, input_dir: str, output_dir: str, cfg: MarginConfig, emit: str) -> dict[str, int]:
    records = read_record_files(spark, input_dir, INPUTS)
    if records is None:
        raise RecordFileError(f"none of {', '.join(f'{t}.jsonl' for t in INPUTS)} in {input_dir}")
    timeline, _ = margin_timeline(events_from_records(records), cfg)
    timeline = timeline.cache()
    stress = stress_records(timeline, cfg)
    if emit == "final":
        margin_out = margin_records(last_per_account(timeline, ["account_id"]))
        stress_out = last_per_account(stress.withColumn("account_id", F.col("key")).withColumn("scenario", F.col("value.scenario")), ["account_id", "scenario"])
    else:
        margin_out, stress_out = margin_records(timeline), stress
    # In input (replay) order rather than by timestamp: several records can share a timestamp (a price tick of
    # each symbol), and an account's records only make sense in the order they happened.
    counts = {
        MARGIN: write_record_file(margin_out, output_dir, MARGIN, ["seq", "key"]),
        STRESS: write_record_file(stress_out, output_dir, STRESS, ["seq", "key", "value.scenario"]),
        CALLS: write_record_file(call_records(timeline, cfg), output_dir, CALLS, ["seq", "key"]),
        EPISODES: write_record_file(episode_records(timeline), output_dir, EPISODES, ["seq", "key"]),
    }
    timeline.unpersist()
    return counts


def process_stream_batch(cfg: MarginConfig) -> Callable[[DataFrame | None, int, BatchStateStore], Outputs]:
    """One micro-batch: carried positions, cash and market state + new records → records and the next state."""

    def process(records: DataFrame | None, batch_id: int, state: BatchStateStore) -> Outputs:
        carried = CarriedState(
            state.load(batch_id, "positions", POSITION_STATE).cache(),
            state.load(batch_id, "accounts", ACCOUNT_STATE).cache(),
            state.load(batch_id, "symbols", SYMBOL_STATE).cache(),
        )
        assert records is not None
        events = events_from_records(records).cache()
        timeline, grid = margin_timeline(events, cfg, carried)
        timeline, grid = timeline.cache(), grid.cache()

        positions = last_per_account(grid.where(F.col("s").isNotNull()), ["account_id", "s"]).select(
            "account_id", F.col("s").alias("symbol"), F.col("q").alias("qty"), F.col("last_fill_px").alias("fill_price")
        )
        accounts = last_per_account(timeline, ["account_id"]).select("account_id", "cash", "excess")
        latest = Window.partitionBy("symbol").orderBy(F.col("seq").desc())
        prices = events.where(F.col("topic") == PRICES).withColumn("_r", F.row_number().over(latest)).where("_r = 1").select("symbol", F.col("price").alias("new_price"))
        betas = events.where(F.col("topic") == BETAS).withColumn("_r", F.row_number().over(latest)).where("_r = 1").select("symbol", F.col("beta").alias("new_beta"))
        symbols = (
            carried.symbols.join(prices, "symbol", "full").join(betas, "symbol", "full")
            .select("symbol", F.coalesce("new_price", "price").alias("price"), F.coalesce("new_beta", "beta").alias("beta"))
        )
        state.save(batch_id, "positions", positions)
        state.save(batch_id, "accounts", accounts)
        state.save(batch_id, "symbols", symbols)
        new = timeline.where(F.col("topic") != SEED)
        return {
            MARGIN: margin_records(new),
            STRESS: stress_records(new, cfg),
            CALLS: call_records(new, cfg),
        }

    return process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="margin.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", help="folder of <topic>.jsonl record files (batch mode)")
    parser.add_argument("--output", help="folder for the output record files")
    parser.add_argument("--config", help="CONTRACT §5 config JSON (defaults when absent)")
    parser.add_argument("--emit", choices=["all", "final"], default="all",
                        help="batch: margin and stress records after every input record (default) or each account's final ones")
    add_streaming_arguments(parser)
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config).margin
    except ConfigError as e:
        print(f"margin: {e}", file=sys.stderr)
        return 1
    if args.brokers:
        try:
            spark = build_session("margin-stream", kafka=True)
        except KafkaConnectorMissing as e:
            print(f"margin: {e}", file=sys.stderr)
            return 1
        run_streaming(spark, args, INPUTS, ["positions", "accounts", "symbols"], process_stream_batch(cfg))
        return 0
    if not args.input or not args.output:
        parser.error("batch mode needs --input DIR and --output DIR (or --brokers for streaming)")
    started = time.monotonic()
    spark = build_session("margin-batch")
    try:
        counts = run_batch(spark, args.input, args.output, cfg, args.emit)
    except RecordFileError as e:
        print(f"margin: {e}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    print(
        f"margin: {counts[MARGIN]} margin records, {counts[STRESS]} stress records, {counts[CALLS]} margin calls "
        f"in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
