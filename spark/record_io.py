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
# too, so both sides compute over the same records.
VALID_VALUE: dict[str, str] = {
    "orders.v1": "value.order_id IS NOT NULL AND value.ts >= 0 AND value.account_id IS NOT NULL"
    " AND value.symbol IS NOT NULL AND value.qty > 0 AND value.price > 0",
    "fills.v1": "value.account_id IS NOT NULL AND value.symbol IS NOT NULL AND value.qty != 0 AND value.price > 0",
    "prices.v1": "value.symbol IS NOT NULL AND value.price > 0",
    "betas.v1": "value.symbol IS NOT NULL AND value.beta IS NOT NULL",
    "cash.v1": "value.account_id IS NOT NULL AND value.amount IS NOT NULL",
}


class RecordFileError(ValueError):
    """Lines of a record file that are not records; the message lists them as file:line: reason."""


def _envelope(value_schema: StructType) -> StructType:
    return _struct(
        ("timestamp", LongType()), ("key", StringType()), ("value", value_schema),
        ("headers", MapType(StringType(), StringType())),
    )


def _wide_value(topics: list[str]) -> StructType:
    """The value fields of all the topics in one struct (each topic's own fields filled, the rest null), so
    records of several topics share one frame and one parse."""
    fields: dict[str, object] = {}
    for topic in topics:
        for f in VALUE_SCHEMAS[topic].fields:
            fields.setdefault(f.name, f.dataType)
    return _struct(*fields.items())


def _valid(topics: list[str]) -> str:
    return " OR ".join(f"(topic = '{t}' AND value IS NOT NULL AND {VALID_VALUE[t]})" for t in topics)


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _exists(spark: SparkSession, path: str) -> bool:
    if not _is_remote(path):
        return os.path.exists(path.removeprefix("file://"))
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return bool(hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(hadoop_path))  # type: ignore[attr-defined]


def read_record_files(spark: SparkSession, input_dir: str, topics: list[str]) -> DataFrame | None:
    """The topics' record files that exist, as (topic, part, pos, timestamp, key, value); None when none exists.

    `pos` keeps each file's order without numbering lines: Spark reads a file's splits in offset order and a
    monotonically increasing id follows them (line numbers would cost a sort, so they are only worked out for
    an error message). Malformed lines fail the job, listed as file:line; tombstones and values the apps would
    dead-letter are dropped.
    """
    paths = {t: f"{input_dir.rstrip('/')}/{t}.jsonl" for t in topics}
    paths = {t: p for t, p in paths.items() if _exists(spark, p)}
    if not paths:
        return None
    raw = (
        spark.read.text(list(paths.values()))
        .withColumn("pos", F.monotonically_increasing_id())
        .withColumn("topic", F.regexp_extract(F.input_file_name(), r"([^/]+)\.jsonl$", 1))
    )
    parsed = raw.select(
        "topic",
        "pos",
        F.col("value").alias("text"),
        F.from_json("value", _envelope(_wide_value(topics)), {"mode": "PERMISSIVE"}).alias("r"),
    ).where(F.trim("text") != "")
    parsed = parsed.cache()
    bad = parsed.where(F.col("r").isNull() | F.col("r.timestamp").isNull() | (F.col("r.timestamp") < 0))
    if bad.limit(1).count() > 0:
        numbered = raw.withColumn("line", F.row_number().over(Window.partitionBy("topic").orderBy("pos")))
        lines = bad.join(numbered.select("pos", "topic", "line"), ["topic", "pos"]).orderBy("topic", "line").limit(20).collect()
        shown = "\n  ".join(f"{paths[row.topic]}:{row.line}: not a record: {row.text[:80]}" for row in lines)
        raise RecordFileError(f"bad record lines:\n  {shown}")
    records = parsed.select(
        "topic",
        F.lit(0).alias("part"),
        "pos",
        F.col("r.timestamp").alias("timestamp"),
        F.col("r.key").alias("key"),
        F.col("r.value").alias("value"),
    )
    return records.where(_valid(list(paths)))


def read_record_file(spark: SparkSession, input_dir: str, topic: str) -> DataFrame | None:
    return read_record_files(spark, input_dir, [topic])


def kafka_stream(
    spark: SparkSession, kafka_options: dict[str, str], topics: list[str], starting_offsets: str = "earliest", max_offsets: int | None = None
) -> DataFrame:
    """A streaming frame of raw Kafka records from the topics (needs the spark-sql-kafka package)."""
    reader = (
        spark.readStream.format("kafka")
        .options(**kafka_options)
        .option("subscribe", ",".join(topics))
        .option("startingOffsets", starting_offsets)
        .option("failOnDataLoss", "false")
    )
    if max_offsets:
        reader = reader.option("maxOffsetsPerTrigger", str(max_offsets))
    return reader.load()


def from_kafka_batch(raw: DataFrame, topics: list[str]) -> DataFrame:
    """A micro-batch of raw Kafka records in the jobs' input shape, invalid values dropped."""
    return raw.select(
        "topic",
        F.col("partition").alias("part"),
        F.col("offset").alias("pos"),
        F.unix_millis("timestamp").alias("timestamp"),
        F.col("key").cast("string").alias("key"),
        F.from_json(F.col("value").cast("string"), _wide_value(topics)).alias("value"),
    ).where(_valid(topics))


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

    Spark writes a folder of part files; with one partition there is one, and on a local disk it is moved into
    place as the file. On S3 and the like the folder `<name>.jsonl/` stays, holding that one part. Returns the
    number of records.
    """
    # One partition sorted locally: the same order as a global sort without its sampling pass.
    lines = df.repartition(1).sortWithinPartitions(*order_by).select(F.to_json(F.struct("timestamp", "key", "value")).alias("line"))
    if _is_remote(output_dir):
        lines = lines.cache()
        lines.write.mode("overwrite").text(f"{output_dir.rstrip('/')}/{name}.jsonl")
        count = lines.count()
        lines.unpersist()
        return count
    output_dir = output_dir.removeprefix("file://")
    os.makedirs(output_dir, exist_ok=True)
    staging = os.path.join(output_dir, f".{name}.{uuid.uuid4().hex[:8]}")
    lines.write.mode("overwrite").text(staging)
    target = os.path.join(output_dir, f"{name}.jsonl")
    with open(target, "wb") as out:
        for part in sorted(glob.glob(os.path.join(staging, "part-*"))):
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out)
    shutil.rmtree(staging)
    with open(target, "rb") as f:
        return sum(1 for _ in f)


def kafka_sink_frame(df: DataFrame, topic: str) -> DataFrame:
    """(timestamp, key, value) rows as the Kafka sink's (topic, key, value) columns, the value as JSON."""
    return df.select(F.lit(topic).alias("topic"), F.col("key"), F.to_json("value").alias("value"))
