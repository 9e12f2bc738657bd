"""Risk signals and automatic kills (CONTRACT §2) as a Spark job: the independent reference for the
TypeScript risk-signals app.

Per account, tumbling windows of windowMs aligned to the epoch over every order. Each order updates its
window's count, notional (Σ qty × price) and symbol counts; the state after the order is that update's risk
signal, and the first order whose state breaches a rule triggers the window's one KILL. Everything is window
functions over the orders in event-time order, so "state after each order" needs no per-record loop.

    python spark/risk_signals.py --input DIR --output DIR [--config FILE] [--emit last|all]
    python spark/risk_signals.py --brokers HOST:PORT --checkpoint DIR [--output DIR] [--available-now]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

from job_config import ConfigError, RiskConfig
from job_config import load as load_config
from record_io import RecordFileError, read_record_file, write_record_file
from spark_session import KafkaConnectorMissing, build_session
from streaming import BatchStateStore, Outputs, add_streaming_arguments, run_streaming

ORDERS = "orders.v1"
SIGNALS = "risk_signals.v1"
COMMANDS = "killswitch.commands.v1"

# What a streaming batch hands the next one per open window and symbol. The window's notional rides on every
# row of the window (it is per window, not per symbol) and is counted once when the rows are read back.
WINDOW_STATE = StructType([
    StructField("account_id", StringType()),
    StructField("window_start", LongType()),
    StructField("symbol", StringType()),
    StructField("count", LongType()),
    StructField("notional", DoubleType()),
    StructField("breached", BooleanType()),
])
WATERMARK_STATE = StructType([StructField("max_ts", LongType())])


def orders_from_records(records: DataFrame, window_ms: int) -> DataFrame:
    """Input records of orders.v1 as the rows the window logic works on: one per order, weight 1."""
    v = "value."
    return records.where(F.col("topic") == ORDERS).select(
        F.col(v + "account_id").alias("account_id"),
        # Integer arithmetic: an order exactly at a window's end starts the next window.
        (F.col(v + "ts") - F.pmod(F.col(v + "ts"), F.lit(window_ms).cast("long"))).alias("window_start"),
        F.col(v + "ts").alias("ts"),
        F.col("part"),
        F.col("pos"),
        F.col(v + "symbol").alias("symbol"),
        F.lit(1).cast("long").alias("n"),
        (F.col(v + "qty") * F.col(v + "price")).alias("notional"),
        F.coalesce(F.col(v + "corr_id"), F.col(v + "order_id")).alias("corr_id"),
        F.lit(True).alias("is_order"),
        F.lit(False).alias("breached_before"),
    )


def carried_rows(state: DataFrame) -> DataFrame:
    """Open windows from the previous batch as rows that sort before every order (ts = -1) and weigh as many
    orders as they stand for, so the running sums continue where the previous batch stopped."""
    first_symbol = Window.partitionBy("account_id", "window_start").orderBy("symbol")
    return state.select(
        "account_id",
        "window_start",
        F.lit(-1).cast("long").alias("ts"),
        F.lit(-1).alias("part"),
        F.lit(-1).cast("long").alias("pos"),
        "symbol",
        F.col("count").alias("n"),
        F.when(F.row_number().over(first_symbol) == 1, F.col("notional")).otherwise(F.lit(0.0)).alias("notional"),
        F.lit(None).cast("string").alias("corr_id"),
        F.lit(False).alias("is_order"),
        F.col("breached").alias("breached_before"),
    )


def breach_metric(cfg: RiskConfig) -> tuple[Column, Column]:
    """(breached, metric) for the state after an order; the rules are checked in CONTRACT order, so when several
    hold at once the kill names the first."""
    rate = F.col("order_rate_60s") > cfg.order_rate_threshold
    notional = F.col("rolling_notional_60s") > cfg.notional_threshold
    concentration = (F.col("order_rate_60s") >= cfg.concentration_min_orders) & (F.col("top_symbol_share") > cfg.concentration_threshold)
    metric = (
        F.when(rate, F.lit("order_rate_60s"))
        .when(notional, F.lit("rolling_notional_60s"))
        .when(concentration, F.lit("top_symbol_share"))
    )
    return rate | notional | concentration, metric


def window_updates(rows: DataFrame, cfg: RiskConfig) -> DataFrame:
    """The state of its window after every row: count, notional, top symbol and share, whether it breaches,
    and whether this row is the window's first breach (the one that kills)."""
    order = ["ts", "part", "pos"]
    upto = Window.unboundedPreceding, Window.currentRow
    in_window = Window.partitionBy("account_id", "window_start").orderBy(*order).rowsBetween(*upto)
    in_symbol = Window.partitionBy("account_id", "window_start", "symbol").orderBy(*order).rowsBetween(*upto)
    whole_window = Window.partitionBy("account_id", "window_start")
    df = (
        rows.withColumn("order_rate_60s", F.sum("n").over(in_window))
        .withColumn("rolling_notional_60s", F.sum("notional").over(in_window))
        .withColumn("symbol_count", F.sum("n").over(in_symbol))
        # Counts only grow, so the smallest (-count, symbol) seen so far is the leader now: the most orders,
        # and among equals the alphabetically first symbol.
        .withColumn("top", F.min(F.struct((-F.col("symbol_count")).alias("neg_count"), F.col("symbol").alias("symbol"))).over(in_window))
        .withColumn("top_symbol", F.col("top.symbol"))
        .withColumn("top_symbol_share", (-F.col("top.neg_count")) / F.col("order_rate_60s"))
    )
    breached, metric = breach_metric(cfg)
    # Only an order's state counts: the carried rows' running states in between are bookkeeping, not orders.
    df = df.withColumn("breach", breached & F.col("is_order")).withColumn("metric", metric)
    df = df.withColumn("window_breached_before", F.max("breached_before").over(whole_window))
    first_breach = Window.partitionBy("account_id", "window_start").orderBy(F.col("breach").desc(), *order)
    return (
        df.withColumn("breach_rank", F.row_number().over(first_breach))
        .withColumn("kills", F.col("breach") & (F.col("breach_rank") == 1) & ~F.col("window_breached_before"))
        .withColumn("window_end", F.col("window_start") + cfg.window_ms)
        .drop("top", "breach_rank")
    )


def signal_records(updates: DataFrame) -> DataFrame:
    """risk_signals.v1 records (timestamp, key, value) for the given updates."""
    value = F.struct(
        "ts", "account_id", "window_start", "window_end", "order_rate_60s", "rolling_notional_60s",
        "top_symbol", "top_symbol_share", "corr_id",
    )
    return updates.select(F.col("ts").alias("timestamp"), F.col("account_id").alias("key"), value.alias("value"), "part", "pos")


def kill_records(updates: DataFrame, cfg: RiskConfig) -> DataFrame:
    """killswitch.commands.v1 KILLs for the updates that are their window's first breach."""
    seconds = f"{cfg.window_ms / 1000:g}s"
    value_of = (
        F.when(F.col("metric") == "order_rate_60s", F.col("order_rate_60s").cast("double"))
        .when(F.col("metric") == "rolling_notional_60s", F.col("rolling_notional_60s"))
        .otherwise(F.col("top_symbol_share"))
    )
    reason = (
        F.when(F.col("metric") == "order_rate_60s", F.format_string(f"Order rate breach: %d orders in {seconds}", "order_rate_60s"))
        .when(F.col("metric") == "rolling_notional_60s",
              F.concat(F.lit("Notional breach: $"), F.format_number("rolling_notional_60s", 2), F.lit(f" in {seconds}")))
        .otherwise(F.format_string(f"Concentration breach: %s is %.1f%% of %d orders in {seconds}",
                                   "top_symbol", F.col("top_symbol_share") * 100, "order_rate_60s"))
    )
    scope = F.concat(F.lit("ACCOUNT:"), F.col("account_id"))
    value = F.struct(
        # Deterministic, so a command written twice (a re-run micro-batch) is applied once by the aggregator.
        F.concat(F.lit("risk-"), F.col("account_id"), F.lit("-"), F.col("window_start").cast("string")).alias("cmd_id"),
        F.col("ts"),
        scope.alias("scope"),
        F.lit("KILL").alias("action"),
        reason.alias("reason"),
        F.lit("risk_signals").alias("triggered_by"),
        F.col("metric"),
        value_of.alias("value"),
        F.col("corr_id"),
    )
    return updates.where("kills").select(F.col("ts").alias("timestamp"), scope.alias("key"), value.alias("value"))


def last_per_window(updates: DataFrame) -> DataFrame:
    latest = Window.partitionBy("account_id", "window_start").orderBy(F.col("ts").desc(), F.col("part").desc(), F.col("pos").desc())
    return updates.where("is_order").withColumn("_r", F.row_number().over(latest)).where("_r = 1").drop("_r")


def run_batch(spark: SparkSession, input_dir: str, output_dir: str, cfg: RiskConfig, emit: str) -> dict[str, int]:
    records = read_record_file(spark, input_dir, ORDERS)
    if records is None:
        raise RecordFileError(f"no {ORDERS}.jsonl in {input_dir}")
    updates = window_updates(orders_from_records(records, cfg.window_ms), cfg).cache()
    signals = updates.where("is_order") if emit == "all" else last_per_window(updates)
    counts = {
        SIGNALS: write_record_file(signal_records(signals), output_dir, SIGNALS, ["timestamp", "key", "part", "pos"]),
        COMMANDS: write_record_file(kill_records(updates, cfg), output_dir, COMMANDS, ["timestamp", "key"]),
    }
    updates.unpersist()
    return counts


def process_stream_batch(cfg: RiskConfig, grace_ms: int) -> Callable[[DataFrame | None, int, BatchStateStore], Outputs]:
    """One micro-batch: carried windows + new orders → a signal per order, kills, and the next state."""

    def process(records: DataFrame | None, batch_id: int, state: BatchStateStore) -> Outputs:
        spark = state.spark
        carried = state.load(batch_id, "windows", WINDOW_STATE)
        before = state.load(batch_id, "watermark", WATERMARK_STATE).collect()
        watermark = before[0].max_ts if before and before[0].max_ts is not None else None
        orders = orders_from_records(records, cfg.window_ms) if records is not None else carried_rows(carried).limit(0)
        if watermark is not None:
            # Kafka Streams' grace period: a window closed longer ago than that takes no more orders.
            orders = orders.where(F.col("window_start") + cfg.window_ms + grace_ms > watermark)
        orders = orders.cache()
        updates = window_updates(carried_rows(carried).unionByName(orders), cfg).cache()
        new_orders = updates.where("is_order")
        max_ts = orders.agg(F.max("ts")).first()[0]
        if max_ts is not None and (watermark is None or max_ts > watermark):
            watermark = max_ts
        per_symbol = (
            updates.groupBy("account_id", "window_start", "symbol")
            .agg(F.max("symbol_count").alias("count"))
        )
        per_window = updates.groupBy("account_id", "window_start").agg(
            F.sum("notional").alias("notional"),
            (F.max("breach") | F.max("window_breached_before")).alias("breached"),
        )
        next_windows = per_symbol.join(per_window, ["account_id", "window_start"])
        if watermark is not None:
            next_windows = next_windows.where(F.col("window_start") + cfg.window_ms + grace_ms > watermark)
        state.save(batch_id, "windows", next_windows.select(*[f.name for f in WINDOW_STATE.fields]))
        state.save(batch_id, "watermark", spark.createDataFrame([(watermark,)], WATERMARK_STATE))
        return {SIGNALS: signal_records(new_orders), COMMANDS: kill_records(updates, cfg)}

    return process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="risk_signals.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", help="folder of <topic>.jsonl record files (batch mode)")
    parser.add_argument("--output", help="folder for the output record files")
    parser.add_argument("--config", help="CONTRACT §5 config JSON (defaults when absent)")
    parser.add_argument("--emit", choices=["last", "all"], default="last",
                        help="batch: the last signal of each window (default) or one per order")
    parser.add_argument("--grace-ms", type=int, default=60000, help="streaming: how long a window accepts late orders")
    add_streaming_arguments(parser)
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config).risk
    except ConfigError as e:
        print(f"risk_signals: {e}", file=sys.stderr)
        return 1
    if args.brokers:
        try:
            spark = build_session("risk-signals-stream", kafka=True)
        except KafkaConnectorMissing as e:
            print(f"risk_signals: {e}", file=sys.stderr)
            return 1
        run_streaming(spark, args, [ORDERS], ["windows", "watermark"], process_stream_batch(cfg, args.grace_ms))
        return 0
    if not args.input or not args.output:
        parser.error("batch mode needs --input DIR and --output DIR (or --brokers for streaming)")
    started = time.monotonic()
    spark = build_session("risk-signals-batch")
    try:
        counts = run_batch(spark, args.input, args.output, cfg, args.emit)
    except RecordFileError as e:
        print(f"risk_signals: {e}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    print(f"risk_signals: {counts[SIGNALS]} signals, {counts[COMMANDS]} kills in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
