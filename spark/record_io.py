"""Getting records into and out of the Spark jobs: record files (CONTRACT §6) in batch mode, Kafka topics in
streaming mode, both turned into one shape (topic, partition, position, timestamp, key, typed value) so the
jobs' logic never knows where its input came from."""

from __future__ import annotations

import glob
import os
import shutil
import uuid

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DoubleType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)


def _struct(*fields: tuple[str, object]) -> StructType:
    return StructType([StructField(name, dtype, True) for name, dtype in fields])  # type: ignore[arg-type]


# Only the fields the jobs read (and carry through); from_json ignores the rest.
VALUE_SCHEMAS: dict[str, StructType] = {
    "orders.v1": _struct(
        ("order_id", StringType()), ("ts", LongType()), ("account_id", StringType()), ("symbol", StringType()),
        ("side", StringType()), ("qty", DoubleType()), ("price", DoubleType()), ("corr_id", StringType()),
    ),
    "fills.v1": _struct(
        ("fill_id", StringType()), ("account_id", StringType()), ("symbol", StringType()),
        ("qty", DoubleType()), ("price", DoubleType()), ("timestamp", LongType()),
    ),
    "prices.v1": _struct(("symbol", StringType()), ("price", DoubleType()), ("timestamp", LongType())),
    "betas.v1": _struct(("symbol", StringType()), ("beta", DoubleType()), ("timestamp", LongType())),
    "cash.v1": _struct(
        ("txn_id", StringType()), ("account_id", StringType()), ("amount", DoubleType()), ("timestamp", LongType()),
    ),
}

# What the TypeScript serdes would refuse (and dead-letter) rather than process: such values are skipped here
# too, and counted, so both sides compute over the same records.
VALID_VALUE: dict[str, str] = {
    "orders.v1": "value.order_id IS NOT NULL AND value.ts >= 0 AND value.account_id IS NOT NULL"
    " AND value.symbol IS NOT NULL AND value.qty > 0 AND value.price > 0",
    "fills.v1": "value.account_id IS NOT NULL AND value.symbol IS NOT NULL AND value.qty != 0 AND value.price > 0",
    "prices.v1": "value.symbol IS NOT NULL AND value.price > 0",
    "betas.v1": "value.symbol IS NOT NULL AND value.beta IS NOT NULL",
    "cash.v1": "value.account_id IS NOT NULL AND value.amount IS NOT NULL",
}

# The replay's tie-break on equal timestamps is the topic name, so plain string order of topics is enough.


class RecordFileError(ValueError):
    """Lines of a record file that are not records; the message lists them as file:line: reason."""


def _envelope(value_schema: StructType) -> StructType:
    return _struct(
        ("timestamp", LongType()), ("key", StringType()), ("value", value_schema),
        ("headers", MapType(StringType(), StringType())),
    )


def read_record_file(spark: SparkSession, input_dir: str, topic: str) -> DataFrame | None:
    """One topic's record file as (topic, part, pos, timestamp, key, value); None when the file is absent.

    `pos` keeps file order (it is not the line number: numbering every line would cost a full sort, so line
    numbers are only worked out for the error message). Malformed lines fail the job; tombstones and values the
    apps would dead-letter are dropped.
    """
    path = os.path.join(input_dir, f"{topic}.jsonl")
    if not os.path.exists(path):
        return None
    # Single-file splits are read in offset order, so a monotonically increasing id preserves file order.
    raw = spark.read.text(path).withColumn("pos", F.monotonically_increasing_id())
    parsed = raw.select(
        "pos",
        F.col("value").alias("text"),
        F.from_json("value", _envelope(VALUE_SCHEMAS[topic]), {"mode": "PERMISSIVE"}).alias("r"),
    ).cache()
    bad = parsed.where((F.trim("text") != "") & (F.col("r").isNull() | F.col("r.timestamp").isNull() | (F.col("r.timestamp") < 0)))
    if bad.limit(1).count() > 0:
        numbered = raw.withColumn("line", F.row_number().over(Window.orderBy("pos")))
        lines = (
            bad.join(numbered.select("pos", "line"), "pos")
            .orderBy("line")
            .select("line", "text")
            .limit(20)
            .collect()
        )
        shown = "\n  ".join(f"{path}:{row.line}: not a record: {row.text[:80]}" for row in lines)
        raise RecordFileError(f"bad record lines:\n  {shown}")
    records = parsed.where(F.trim("text") != "").select(
        F.lit(topic).alias("topic"),
        F.lit(0).alias("part"),
        "pos",
        F.col("r.timestamp").alias("timestamp"),
        F.col("r.key").alias("key"),
        F.col("r.value").alias("value"),
    )
    return records.where(F.col("value").isNotNull()).where(VALID_VALUE[topic])


def read_record_files(spark: SparkSession, input_dir: str, topics: list[str]) -> DataFrame | None:
    """The union of the topics' record files that exist, each value parsed with its own schema and re-encoded
    as one wide struct so the frames can be unioned."""
    frames = []
    for topic in topics:
        df = read_record_file(spark, input_dir, topic)
        if df is not None:
            frames.append(df)
    return _union_wide(frames, topics)


def kafka_stream(spark: SparkSession, brokers: str, topics: list[str], starting_offsets: str = "earliest", max_offsets: int | None = None) -> DataFrame:
    """A streaming frame of raw Kafka records from the topics (needs the spark-sql-kafka package)."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", brokers)
        .option("subscribe", ",".join(topics))
        .option("startingOffsets", starting_offsets)
        .option("failOnDataLoss", "false")
    )
    if max_offsets:
        reader = reader.option("maxOffsetsPerTrigger", str(max_offsets))
    return reader.load()


def from_kafka_batch(raw: DataFrame, topics: list[str]) -> DataFrame | None:
    """A micro-batch of raw Kafka records in the jobs' input shape; per topic its value schema, invalid values dropped."""
    frames = []
    base = raw.select(
        "topic",
        F.col("partition").alias("part"),
        F.col("offset").alias("pos"),
        F.unix_millis("timestamp").alias("timestamp"),
        F.col("key").cast("string").alias("key"),
        F.col("value").cast("string").alias("text"),
    )
    for topic in topics:
        df = base.where(F.col("topic") == topic).select(
            "topic", "part", "pos", "timestamp", "key",
            F.from_json("text", VALUE_SCHEMAS[topic]).alias("value"),
        )
        frames.append(df.where(F.col("value").isNotNull()).where(VALID_VALUE[topic]))
    return _union_wide(frames, topics)


def _union_wide(frames: list[DataFrame], topics: list[str]) -> DataFrame | None:
    """Unions per-topic frames by giving each the value fields of all the topics (absent ones null), so the
    result has the same columns whichever of the topics' files exist."""
    if not frames:
        return None
    fields: dict[str, object] = {}
    for topic in topics:
        for f in VALUE_SCHEMAS[topic].fields:
            fields.setdefault(f.name, f.dataType)
    wide = []
    for df in frames:
        have = {f.name for f in df.schema["value"].dataType.fields}  # type: ignore[attr-defined]
        value = F.struct(*[
            (F.col(f"value.{name}") if name in have else F.lit(None).cast(dtype)).alias(name)  # type: ignore[arg-type]
            for name, dtype in fields.items()
        ])
        wide.append(df.select("topic", "part", "pos", "timestamp", "key", value.alias("value")))
    out = wide[0]
    for df in wide[1:]:
        out = out.unionByName(df)
    return out


def with_merge_order(df: DataFrame) -> DataFrame:
    """Adds `seq`, the order in which the replay (and Kafka Streams' partition group) delivers these records.

    The replay repeatedly takes, among the inputs' next records, the one with the smallest timestamp (ties: topic
    name), keeping each input's own order, so a late record waits behind its predecessors. That is the same as
    sorting by (the largest timestamp of the input up to and including the record, topic, partition, position):
    a record is released once its input's running maximum is the smallest among the inputs.
    """
    running_max = Window.partitionBy("topic", "part").orderBy("pos").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    keyed = df.withColumn("merge_ts", F.max("timestamp").over(running_max))
    order = Window.orderBy("merge_ts", "topic", "part", "pos")
    return keyed.withColumn("seq", F.row_number().over(order).cast("long")).drop("merge_ts")


def write_record_file(df: DataFrame, output_dir: str, name: str, order_by: list[str]) -> int:
    """Writes (timestamp, key, value) rows as `<output_dir>/<name>.jsonl`, sorted, one record per line.

    Spark writes a folder of part files; coalescing the sorted frame to one partition keeps the order and the
    single part file is moved into place. Returns the number of records.
    """
    os.makedirs(output_dir, exist_ok=True)
    staging = os.path.join(output_dir, f".{name}.{uuid.uuid4().hex[:8]}")
    lines = df.orderBy(*order_by).select(F.to_json(F.struct("timestamp", "key", "value")).alias("line")).coalesce(1)
    lines.write.mode("overwrite").text(staging)
    target = os.path.join(output_dir, f"{name}.jsonl")
    parts = sorted(glob.glob(os.path.join(staging, "part-*")))
    with open(target, "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out)
    shutil.rmtree(staging)
    with open(target, "rb") as f:
        return sum(1 for _ in f)


def kafka_sink_frame(df: DataFrame, topic: str) -> DataFrame:
    """(timestamp, key, value) rows as the Kafka sink's (topic, key, value) columns, the value as JSON."""
    return df.select(F.lit(topic).alias("topic"), F.col("key"), F.to_json("value").alias("value"))
