"""The SparkSession every job and test uses. Run as a plain `python spark/<job>.py` it is a small local session
(a couple of cores, few shuffle partitions, no UI, bound to loopback); under spark-submit (EMR Serverless, a
cluster) the submitter's master and resources are left alone."""

from __future__ import annotations

import os
import re

from pyspark.sql import SparkSession

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class KafkaConnectorMissing(RuntimeError):
    """The streaming mode's Kafka connector jars are not in the project cache."""


def kafka_connector_jars(version: str) -> list[str]:
    """The connector jars `setup.sh kafka` gathered, less those PySpark already ships (the same libraries at
    Spark's own versions must not appear twice on the class path)."""
    folder = os.path.join(REPO, ".cache", "spark-kafka", version)
    if not os.path.exists(os.path.join(folder, ".complete")):
        raise KafkaConnectorMissing(
            f"Spark's Kafka connector {version} is not in {folder}: run `bash spark/setup.sh kafka` once (it needs Maven)"
        )
    import pyspark

    def artifact(jar: str) -> str:
        return re.sub(r"-\d[^-]*(-[^-]*)?\.jar$", "", jar)

    shipped = {artifact(j) for j in os.listdir(os.path.join(os.path.dirname(pyspark.__file__), "jars"))}
    return sorted(os.path.join(folder, j) for j in os.listdir(folder) if j.endswith(".jar") and artifact(j) not in shipped)


def _under_spark_submit() -> bool:
    # spark-submit starts the JVM first and hands the Python driver its gateway.
    return "PYSPARK_GATEWAY_PORT" in os.environ


def build_session(
    app_name: str, *, kafka: bool = False, master: str | None = None, shuffle_partitions: int | None = None, tiny_inputs: bool = False
) -> SparkSession:
    import pyspark

    builder = SparkSession.builder.appName(app_name)
    # Epoch milliseconds stay epoch milliseconds, whatever the machine's zone.
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    if master is not None or not _under_spark_submit():
        # Everything local stays on the loopback interface (the JVM reads this when it starts).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        cores = os.environ.get("SPARK_LOCAL_CORES", "2")
        builder = (
            builder.master(master or os.environ.get("SPARK_MASTER", f"local[{cores}]"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions or int(os.environ.get("SPARK_SHUFFLE_PARTITIONS", "4"))))
            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
            # Local runs last seconds to a minute: the quick compiler alone (C1) and a serial collector get to
            # full speed sooner than the JVM's defaults, which pay off only on long runs (measured: about 2x on a
            # 20-minute scenario, even on a generated day).
            .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
            .config("spark.sql.warehouse.dir", os.path.join(os.environ.get("TMPDIR", "/tmp"), "risk-streams-spark-warehouse"))
        )
    elif shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    if kafka and not _under_spark_submit():
        # Under spark-submit the submitter brings the connector (--packages or --jars).
        builder = builder.config("spark.jars", ",".join(kafka_connector_jars(pyspark.__version__)))
    if tiny_inputs:
        # Tests run many queries over a few rows each: planning and compiling generated code would dominate,
        # and interpreted evaluation computes the same results.
        builder = builder.config("spark.sql.adaptive.enabled", "false").config("spark.sql.codegen.wholeStage", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("SPARK_LOG_LEVEL", "WARN"))
    # The replay's input order is one total order, so its window runs on one partition on purpose; Spark would
    # warn about that on every query.
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.spark.sql.execution.window.WindowExec", jvm.org.apache.logging.log4j.Level.ERROR
    )
    return spark
