"""The streaming side shared by both jobs: Structured Streaming delivers micro-batches, and each batch is run
through the same DataFrame logic as the batch job, seeded with the state the previous batch left behind.

Why foreachBatch and not Spark's built-in stateful operators: the margin job needs a foreign-key join (a price
moves every account holding the symbol) and both jobs evaluate record by record in order, which groupBy
state functions cannot express without a second implementation. Keeping one implementation is what makes the
Spark jobs a reference: the streaming job computes exactly what the batch job computes.

The state of batch N is written under <checkpoint>/state/<name>/batch=N and becomes visible with a commit
marker; a batch Spark re-runs after a crash reads the state of the last committed batch before it, so the
state is exactly-once. Outputs are at-least-once (a re-run batch can write its records again): the command
ids are deterministic so the kill-switch aggregator ignores repeats.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from record_io import from_kafka_batch, kafka_sink_frame, kafka_stream


class BatchStateStore:
    """Versioned state tables on any Hadoop file system (local disk, S3 on EMR)."""

    KEEP = 3

    def __init__(self, spark: SparkSession, root: str):
        self.spark = spark
        self.root = root.rstrip("/")
        jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
        self._path = jvm.org.apache.hadoop.fs.Path
        self._fs = self._path(self.root).getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())  # type: ignore[attr-defined]

    def _commits(self) -> list[int]:
        marker_dir = self._path(f"{self.root}/_commits")
        if not self._fs.exists(marker_dir):
            return []
        return sorted(int(s.getPath().getName()) for s in self._fs.listStatus(marker_dir))

    def last_committed_before(self, batch_id: int) -> int | None:
        done = [b for b in self._commits() if b < batch_id]
        return done[-1] if done else None

    def load(self, batch_id: int, name: str, schema: StructType) -> DataFrame:
        """The table as the last committed batch before `batch_id` left it (empty before the first)."""
        version = self.last_committed_before(batch_id)
        if version is None:
            return self.spark.createDataFrame([], schema)
        return self.spark.read.schema(schema).parquet(f"{self.root}/{name}/batch={version}")

    def save(self, batch_id: int, name: str, df: DataFrame) -> None:
        df.write.mode("overwrite").parquet(f"{self.root}/{name}/batch={batch_id}")

    def commit(self, batch_id: int, names: list[str]) -> None:
        self._fs.create(self._path(f"{self.root}/_commits/{batch_id}")).close()
        # Older versions are no longer needed once a newer one is committed; a few are kept for inspection.
        for old in self._commits()[: -self.KEEP]:
            for name in names:
                self._fs.delete(self._path(f"{self.root}/{name}/batch={old}"), True)
            self._fs.delete(self._path(f"{self.root}/_commits/{old}"), False)


def add_streaming_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--brokers", help="Kafka bootstrap servers, host:port[,host:port]: run as a Structured Streaming job")
    parser.add_argument("--checkpoint", help="checkpoint folder (local path or s3://…); required with --brokers")
    parser.add_argument("--output-topics", action="store_true", default=None,
                        help="with --brokers: write results to their Kafka topics (the default unless --output is given)")
    parser.add_argument("--starting-offsets", default="earliest", help="Kafka startingOffsets for a new checkpoint (default earliest)")
    parser.add_argument("--available-now", action="store_true", help="process what the topics hold now, then stop")
    parser.add_argument("--trigger-seconds", type=float, default=5.0, help="micro-batch interval (default 5)")
    parser.add_argument("--max-offsets-per-trigger", type=int, help="cap on records per micro-batch")
    parser.add_argument("--kafka-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a Kafka client setting for source and sink, e.g. security.protocol=SASL_SSL (repeatable)")


def kafka_options(args: argparse.Namespace) -> dict[str, str]:
    """--kafka-option KEY=VALUE pairs as the `kafka.`-prefixed options Spark's Kafka source and sink take."""
    options = {"kafka.bootstrap.servers": args.brokers}
    for item in args.kafka_option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--kafka-option needs KEY=VALUE, got {item!r}")
        options[key if key.startswith("kafka.") else f"kafka.{key}"] = value
    return options


# topic name -> (timestamp, key, value) rows, plus the input-order columns below where the job has them.
Outputs = dict[str, DataFrame]
ORDER_COLUMNS = ("seq", "part", "pos")


def run_streaming(
    spark: SparkSession,
    args: argparse.Namespace,
    input_topics: list[str],
    state_tables: list[str],
    process: Callable[[DataFrame | None, int, BatchStateStore], Outputs],
) -> None:
    """Reads the topics from Kafka and runs `process` on every micro-batch, writing what it returns to Kafka
    topics or, with --output, to record files per topic and batch."""
    if not args.checkpoint:
        raise SystemExit("--checkpoint is needed with --brokers (Structured Streaming keeps its offsets there)")
    state = BatchStateStore(spark, f"{args.checkpoint.rstrip('/')}/state")
    to_kafka = args.output_topics or args.output is None
    options = kafka_options(args)
    stream = kafka_stream(spark, options, input_topics, args.starting_offsets, args.max_offsets_per_trigger)

    def each_batch(raw: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        records = from_kafka_batch(raw, input_topics)
        outputs = process(records, batch_id, state)
        written = {}
        for topic, df in outputs.items():
            # A consumer (enforcement reading margin.calc.v1) depends on the order of an account's records: one
            # sorted partition writes them in input order.
            order = [c for c in ORDER_COLUMNS if c in df.columns]
            df = df.repartition(1).sortWithinPartitions(*order, "key").cache()
            written[topic] = df.count()
            if written[topic] == 0:
                continue
            if to_kafka:
                kafka_sink_frame(df, topic).write.format("kafka").options(**options).save()
            else:
                # One folder per batch: a re-run batch replaces its own files instead of appending twice.
                df.selectExpr("to_json(struct(timestamp, key, value)) AS line").write.mode("overwrite").text(
                    os.path.join(args.output, topic, f"batch={batch_id:08d}")
                )
            df.unpersist()
        state.commit(batch_id, state_tables)
        print(f"batch {batch_id}: " + ", ".join(f"{t} {n}" for t, n in written.items()) + f" in {time.monotonic() - started:.1f} s", flush=True)

    writer = stream.writeStream.foreachBatch(each_batch).option("checkpointLocation", f"{args.checkpoint.rstrip('/')}/offsets")
    writer = writer.trigger(availableNow=True) if args.available_now else writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
    query = writer.start()
    query.awaitTermination()

