"""The input side: record files with bad lines, Kafka records in the same shape as record files, and the
Kafka client options of the streaming mode."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest
from conftest import write_records

from record_io import RecordFileError, from_kafka_batch, read_record_files
from streaming import add_streaming_arguments, kafka_options

T0 = 1_767_623_400_000


def test_bad_lines_are_named_by_file_and_line(spark, tmp_path):
    folder = write_records(tmp_path, {"prices.v1": [(T0, "KO", {"symbol": "KO", "price": 60.0, "timestamp": T0})] * 3})
    path = folder / "prices.v1.jsonl"
    lines = path.read_text().splitlines()
    lines[1] = '{"timestamp": "soon", "key": "KO", "value": {}}'
    lines.append("not json")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordFileError) as error:
        read_record_files(spark, str(folder), ["prices.v1", "fills.v1"])
    assert f"{path}:2: not a record" in str(error.value)
    assert f"{path}:4: not a record: not json" in str(error.value)


def test_tombstones_and_values_the_apps_would_dead_letter_are_skipped(spark, tmp_path):
    folder = write_records(tmp_path, {
        "prices.v1": [
            (T0, "KO", {"symbol": "KO", "price": 60.0, "timestamp": T0}),
            (T0 + 1, "KO", None),
            (T0 + 2, "KO", {"symbol": "KO", "price": -1.0, "timestamp": T0}),
            (T0 + 3, "KO", {"price": 61.0, "timestamp": T0}),
        ],
    })
    rows = read_record_files(spark, str(folder), ["prices.v1"]).collect()
    assert [(r.timestamp, r.value.price) for r in rows] == [(T0, 60.0)]


def test_kafka_records_take_the_record_files_shape(spark):
    def record(topic: str, partition: int, offset: int, value: object) -> tuple:
        raw = value.encode() if isinstance(value, str) else json.dumps(value).encode()
        when = dt.datetime.fromtimestamp((T0 + offset) / 1000, tz=dt.timezone.utc).replace(tzinfo=None)
        return (b"k", bytearray(raw), topic, partition, offset, when)

    raw = spark.createDataFrame(
        [
            record("fills.v1", 2, 7, {"fill_id": "f", "account_id": "A", "symbol": "KO", "qty": 5, "price": 60.0, "timestamp": T0}),
            record("prices.v1", 0, 3, {"symbol": "KO", "price": 61.5, "timestamp": T0}),
            record("prices.v1", 0, 4, "{not json"),
            record("cash.v1", 1, 9, {"txn_id": "t", "account_id": "A", "amount": 100, "timestamp": T0}),
        ],
        "key binary, value binary, topic string, partition int, offset long, timestamp timestamp",
    )
    rows = sorted(from_kafka_batch(raw, ["cash.v1", "fills.v1", "prices.v1"]).collect(), key=lambda r: r.topic)
    assert [(r.topic, r.part, r.pos, r.timestamp, r.key) for r in rows] == [
        ("cash.v1", 1, 9, T0 + 9, "k"),
        ("fills.v1", 2, 7, T0 + 7, "k"),
        ("prices.v1", 0, 3, T0 + 3, "k"),
    ]
    assert (rows[1].value.qty, rows[1].value.price, rows[0].value.amount, rows[2].value.price) == (5.0, 60.0, 100.0, 61.5)


def test_kafka_client_settings_reach_source_and_sink_with_the_kafka_prefix():
    parser = argparse.ArgumentParser()
    add_streaming_arguments(parser)
    args = parser.parse_args(["--brokers", "b:9092", "--kafka-option", "security.protocol=SASL_SSL", "--kafka-option", "kafka.sasl.mechanism=X=Y"])
    assert kafka_options(args) == {
        "kafka.bootstrap.servers": "b:9092",
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "X=Y",
    }
    with pytest.raises(SystemExit):
        kafka_options(parser.parse_args(["--brokers", "b:9092", "--kafka-option", "nonsense"]))
