"""Shared fixtures: one small local Spark session for the whole run, and record folders written from Python
values so each test states its input the way a user would hand it to the jobs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable

import pytest

SPARK_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SPARK_DIR))

from spark_session import build_session  # noqa: E402


@pytest.fixture(scope="session")
def spark():
    # One core is plenty for inputs of a few dozen rows, and leaves the other to the rest of the test run.
    os.environ.setdefault("SPARK_LOCAL_CORES", "1")
    session = build_session("risk-streams-spark-tests", shuffle_partitions=1, tiny_inputs=True)
    yield session
    session.stop()


Record = tuple[int, "str | None", "dict[str, Any] | None"]


def write_records(folder: Path, topics: dict[str, Iterable[Record]]) -> Path:
    """Writes `<topic>.jsonl` files, one {"timestamp","key","value"} line per record, in the given order."""
    folder.mkdir(parents=True, exist_ok=True)
    for topic, records in topics.items():
        with open(folder / f"{topic}.jsonl", "w", encoding="utf-8") as f:
            for ts, key, value in records:
                f.write(json.dumps({"timestamp": ts, "key": key, "value": value}) + "\n")
    return folder


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
