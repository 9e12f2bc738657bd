#!/usr/bin/env bash
# Prepares the Python environment the Spark reference jobs and their tests run in: a venv under
# <repo>/.cache/spark-venv with spark/requirements.txt installed from PyPI. It is built once and reused while
# the requirements are unchanged. A missing prerequisite stops it with a non-zero exit and a message saying
# what to install, so the tests that call it fail rather than skip.
#
# `setup.sh kafka` also gathers Spark's Kafka connector jars (for the streaming mode) with Maven from Maven
# Central into <repo>/.cache/spark-kafka/<pyspark version>, once.
#
# Prints the venv's python path as its last line, for callers that want it.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="${SPARK_VENV:-$repo/.cache/spark-venv}"
requirements="$here/requirements.txt"

fail() {
  echo "spark/setup.sh: $*" >&2
  exit 1
}

python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 ||
  fail "python3 (3.9 or later) is needed for the Spark jobs and was not found. Install it (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip) or set PYTHON to its path."
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  fail "PySpark 3.5 needs Python 3.9 or later; $("$python" --version 2>&1) was found. Install a newer python3 or set PYTHON."
"$python" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
  fail "python3 cannot create virtual environments with pip (the venv/ensurepip modules are missing). Install them (Debian/Ubuntu: apt-get install python3-venv python3-pip)."

java="java"
if [[ -n "${JAVA_HOME:-}" ]]; then java="$JAVA_HOME/bin/java"; fi
java_version="$("$java" -version 2>&1)" ||
  fail "Java 17 is needed to run Spark and \"$java\" could not be run. Install a JDK 17 (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME."
java_major="$(sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' <<<"$java_version" | head -n1 | awk '{ print ($1 == 1) ? $2 : $1 }')"
if [[ -z "$java_major" || "$java_major" -lt 11 || "$java_major" -gt 21 ]]; then
  fail "Spark 3.5 runs on Java 11 to 21 (17 recommended); \"$java\" reports: $(head -n1 <<<"$java_version"). Install a JDK 17 or set JAVA_HOME."
fi

mkdir -p "$(dirname "$venv")"
# Test files run in parallel and may all call this at once: one builds, the others wait and reuse.
exec 9>"$venv.lock"
flock 9

wanted="$(cat "$requirements" "$0" | sha256sum | cut -d' ' -f1)"
marker="$venv/.requirements.sha256"
kafka_jars() {
  local version dir
  version="$("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)')"
  dir="$repo/.cache/spark-kafka/$version"
  [[ -f "$dir/.complete" ]] && return 0
  command -v mvn >/dev/null 2>&1 ||
    fail "Maven is needed once, to fetch Spark's Kafka connector $version into $dir. Install it (Debian/Ubuntu: apt-get install maven)."
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "spark/setup.sh: fetching spark-sql-kafka-0-10_2.12:$version and its dependencies (Maven Central)" >&2
  mvn -q -B -f "$here/kafka-connector/pom.xml" dependency:copy-dependencies "-Dspark.version=$version" "-DoutputDirectory=$dir" >&2 ||
    fail "mvn could not fetch the Kafka connector (see above): Maven Central must be reachable."
  ls "$dir"/spark-sql-kafka-0-10_2.12-*.jar >/dev/null 2>&1 || fail "Maven finished but $dir holds no spark-sql-kafka jar"
  date -u +%FT%TZ >"$dir/.complete"
}

if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$wanted" ]]; then
  if [[ "${1:-}" == "kafka" ]]; then kafka_jars; fi
  echo "$venv/bin/python"
  exit 0
fi

started=$(date +%s)
rm -rf "$venv"
"$python" -m venv "$venv" || fail "python3 -m venv $venv failed (Debian/Ubuntu: apt-get install python3-venv)."
"$venv/bin/python" -m pip --version >/dev/null 2>&1 ||
  fail "the new venv has no pip. Install pip for python3 (Debian/Ubuntu: apt-get install python3-pip python3-venv)."
echo "spark/setup.sh: installing $requirements into $venv (PyPI)" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2 ||
  fail "pip install -r spark/requirements.txt failed (see above): PyPI must be reachable."
"$venv/bin/python" -c 'import pyspark, pytest' ||
  fail "the venv was built but pyspark or pytest does not import."
echo "$wanted" >"$marker"
echo "spark/setup.sh: venv ready in $(($(date +%s) - started)) s" >&2
if [[ "${1:-}" == "kafka" ]]; then kafka_jars; fi
echo "$venv/bin/python"
