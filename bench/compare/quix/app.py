"""Quix Streams side of `npm run bench:compare -- --quix`: topologies (a) and (b) as a Quix user writes them.

Usage: python app.py '<json of RunArgs>'. Speaks the engines' line protocol on stdout ("STATE RUNNING",
"PROGRESS <records processed>" every 100 ms); stops on SIGTERM, which Quix handles itself.
"""

import json
import sys
import threading
import time

from quixstreams import Application

PROGRESS_INTERVAL_S = 0.1
processed = 0


def count(_value):
    # One cheap call per record, so the harness can read progress; Quix has no processed-records counter to poll.
    global processed
    processed += 1


def report_progress():
    while True:
        time.sleep(PROGRESS_INTERVAL_S)
        print(f"PROGRESS {processed}", flush=True)


def add_notional(order):
    return {**order, "notional": order["qty"] * order["price"]}


def first_totals(order):
    return {"count": 1, "notional": order["qty"] * order["price"]}


def add_to_totals(totals, order):
    return {"count": totals["count"] + 1, "notional": totals["notional"] + order["qty"] * order["price"]}


def main():
    run = json.loads(sys.argv[1])
    app = Application(
        broker_address=",".join(run["brokers"]),
        consumer_group=run["applicationId"],
        auto_offset_reset="earliest",
        commit_interval=run["commitIntervalMs"] / 1000,
        processing_guarantee="exactly-once" if run["guarantee"] == "exactly_once_v2" else "at-least-once",
        state_dir=run["stateDir"],
        loglevel="WARNING",
    )
    orders = app.topic(run["input"], key_deserializer="str", value_deserializer="json")
    out = app.topic(run["output"], key_serializer="str", value_serializer="json")
    sdf = app.dataframe(orders).update(count)
    if run["topology"] == "filter":
        # (a) Orders with a positive quantity, each with its notional added.
        sdf = sdf.filter(lambda order: order["qty"] > 0).apply(add_notional)
        sdf.to_topic(out)
    elif run["topology"] == "window":
        # (b) Count and notional per account in 60 s tumbling windows; every update goes out ("current"), keyed
        # "account@windowStart" as on the other sides. Quix keeps window state in RocksDB.
        sdf = sdf.tumbling_window(duration_ms=60_000, grace_ms=0).reduce(add_to_totals, first_totals).current()
        sdf = sdf.apply(
            lambda window, key, _ts, _headers: {"key": f"{key}@{window['start']}", **window["value"]},
            metadata=True,
        )
        sdf.to_topic(out, key=lambda totals: totals["key"])
    else:
        raise SystemExit(f"the Quix side runs topologies filter and window, not {run['topology']}")

    threading.Thread(target=report_progress, daemon=True).start()
    print("STATE RUNNING", flush=True)
    app.run()
    print("STATE NOT_RUNNING", flush=True)


if __name__ == "__main__":
    main()
