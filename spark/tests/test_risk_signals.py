"""risk_signals.py on inputs small enough to work out by hand: windows, the top symbol, each breach rule, the
one kill per window, and the streaming path agreeing with the batch path."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import read_jsonl, write_records

import risk_signals
from job_config import validate
from record_io import read_record_file
from streaming import BatchStateStore

T0 = 1_767_623_400_000  # 2026-01-05T14:30:00Z, a multiple of 60 s


def order(ts: int, account: str, symbol: str, qty: float = 1, price: float = 100.0, order_id: str | None = None) -> tuple:
    oid = order_id or f"o-{account}-{ts}-{symbol}"
    value = {"order_id": oid, "ts": ts, "account_id": account, "symbol": symbol, "side": "BUY", "qty": qty, "price": price}
    return (ts, account, value)


def run(spark, tmp_path: Path, orders: list[tuple], risk: dict | None = None, emit: str = "all") -> tuple[list[dict], list[dict]]:
    cfg = validate({"risk": risk or {}}).risk
    folder = write_records(tmp_path / "in", {"orders.v1": orders})
    risk_signals.run_batch(spark, str(folder), str(tmp_path / "out"), cfg, emit)
    signals = [r["value"] for r in read_jsonl(tmp_path / "out" / "risk_signals.v1.jsonl")]
    kills = [r["value"] for r in read_jsonl(tmp_path / "out" / "killswitch.commands.v1.jsonl")]
    return signals, kills


def test_windows_are_aligned_to_the_epoch_and_an_order_at_the_end_opens_the_next(spark, tmp_path):
    orders = [
        order(T0 + 0, "A", "AAPL"),
        order(T0 + 59_999, "A", "AAPL"),
        order(T0 + 60_000, "A", "MSFT"),  # exactly window_end of the first window
        order(T0 + 90_500, "A", "MSFT"),
    ]
    signals, kills = run(spark, tmp_path, orders)
    assert [(s["window_start"] - T0, s["window_end"] - T0, s["order_rate_60s"]) for s in signals] == [
        (0, 60_000, 1),
        (0, 60_000, 2),
        (60_000, 120_000, 1),
        (60_000, 120_000, 2),
    ]
    assert kills == []


def test_a_window_not_starting_on_the_minute_of_the_first_order(spark, tmp_path):
    signals, _ = run(spark, tmp_path, [order(T0 + 25_000, "A", "KO"), order(T0 + 70_000, "A", "KO")], {"windowMs": 30_000})
    assert [(s["window_start"] - T0, s["window_end"] - T0) for s in signals] == [(0, 30_000), (60_000, 90_000)]


def test_each_signal_is_the_state_after_its_order(spark, tmp_path):
    orders = [
        order(T0 + 1_000, "A", "MSFT", qty=10, price=410.0),
        order(T0 + 2_000, "A", "AAPL", qty=5, price=185.5),
        order(T0 + 3_000, "A", "AAPL", qty=2, price=186.0),
        order(T0 + 4_000, "B", "KO", qty=1, price=60.0),
    ]
    signals, _ = run(spark, tmp_path, orders)
    a = [s for s in signals if s["account_id"] == "A"]
    assert [(s["ts"] - T0, s["order_rate_60s"], s["rolling_notional_60s"], s["top_symbol"], s["top_symbol_share"]) for s in a] == [
        (1_000, 1, 4_100.0, "MSFT", 1.0),
        (2_000, 2, 5_027.5, "AAPL", 0.5),  # a tie: alphabetically first
        (3_000, 3, 5_399.5, "AAPL", pytest.approx(2 / 3)),
    ]
    assert [s["account_id"] for s in signals].count("B") == 1


def test_ties_for_the_top_symbol_go_to_the_alphabetically_first(spark, tmp_path):
    orders = [order(T0 + i, "A", sym) for i, sym in enumerate(["TSLA", "MSFT", "TSLA", "MSFT", "AAPL", "AAPL"], start=1)]
    signals, _ = run(spark, tmp_path, orders)
    # After the 5th order TSLA and MSFT lead with 2 each; after the 6th all three have 2.
    assert [s["top_symbol"] for s in signals] == ["TSLA", "MSFT", "TSLA", "MSFT", "MSFT", "AAPL"]
    assert signals[-1]["top_symbol_share"] == pytest.approx(2 / 6)


def test_emit_last_keeps_the_state_after_the_windows_last_order(spark, tmp_path):
    orders = [order(T0 + 1_000, "A", "AAPL"), order(T0 + 5_000, "A", "MSFT"), order(T0 + 7_000, "A", "MSFT"), order(T0 + 61_000, "A", "KO")]
    signals, _ = run(spark, tmp_path, orders, emit="last")
    assert [(s["ts"] - T0, s["order_rate_60s"], s["top_symbol"]) for s in signals] == [(7_000, 3, "MSFT"), (61_000, 1, "KO")]


def test_the_order_that_takes_the_rate_over_the_threshold_kills_once_per_window(spark, tmp_path):
    orders = [order(T0 + i * 1_000, "A", ["AAPL", "MSFT"][i % 2]) for i in range(6)]  # 6 orders in window 0
    orders += [order(T0 + 60_000 + i * 1_000, "A", "KO") for i in range(4)]  # 4 in window 1
    _, kills = run(spark, tmp_path, orders, {"orderRateThreshold60s": 3, "concentrationMinOrders": 100})
    assert [(k["scope"], k["ts"] - T0, k["metric"], k["value"]) for k in kills] == [
        ("ACCOUNT:A", 3_000, "order_rate_60s", 4),
        ("ACCOUNT:A", 63_000, "order_rate_60s", 4),
    ]
    assert kills[0]["action"] == "KILL" and kills[0]["triggered_by"] == "risk_signals"
    assert kills[0]["reason"] == "Order rate breach: 4 orders in 60s"
    assert kills[0]["corr_id"] == f"o-A-{T0 + 3_000}-MSFT"


def test_a_rate_exactly_at_the_threshold_does_not_breach(spark, tmp_path):
    orders = [order(T0 + i, "A", ["AAPL", "MSFT", "KO"][i % 3]) for i in range(3)]
    _, kills = run(spark, tmp_path, orders, {"orderRateThreshold60s": 3})
    assert kills == []


def test_notional_breach_names_the_notional_at_the_breaching_order(spark, tmp_path):
    orders = [
        order(T0 + 1_000, "N", "AAPL", qty=500, price=185.0),  # 92,500
        order(T0 + 2_000, "N", "MSFT", qty=500, price=410.0),  # 297,500
        order(T0 + 3_000, "N", "NVDA", qty=500, price=400.0),  # 497,500: over 400,000
        order(T0 + 4_000, "N", "KO", qty=500, price=60.0),
    ]
    _, kills = run(spark, tmp_path, orders, {"notionalThreshold60s": 400_000})
    assert [(k["ts"] - T0, k["metric"], k["value"]) for k in kills] == [(3_000, "rolling_notional_60s", 497_500.0)]
    assert kills[0]["reason"] == "Notional breach: $497,500.00 in 60s"


def test_concentration_needs_the_minimum_order_count(spark, tmp_path):
    # Every order is NVDA (share 1.0) but the rule only applies from the 5th order on.
    orders = [order(T0 + i * 100, "C", "NVDA") for i in range(7)]
    _, kills = run(spark, tmp_path, orders, {"concentrationMinOrders": 5, "symbolConcentrationThreshold": 0.7})
    assert [(k["ts"] - T0, k["metric"], k["value"]) for k in kills] == [(400, "top_symbol_share", 1.0)]
    assert kills[0]["reason"] == "Concentration breach: NVDA is 100.0% of 5 orders in 60s"


def test_concentration_that_rises_above_the_threshold_later_in_the_window(spark, tmp_path):
    syms = ["AAPL", "MSFT", "NVDA", "NVDA", "NVDA", "NVDA", "NVDA", "NVDA", "NVDA"]
    orders = [order(T0 + i * 100, "C", s) for i, s in enumerate(syms)]
    # shares of NVDA by count: 5th order 3/5, 6th 4/6, 7th 5/7 = 0.714… > 0.7
    _, kills = run(spark, tmp_path, orders, {"concentrationMinOrders": 5, "symbolConcentrationThreshold": 0.7})
    assert [(k["ts"] - T0, k["value"]) for k in kills] == [(600, pytest.approx(5 / 7))]


def test_when_several_rules_hold_the_kill_names_the_first_in_contract_order(spark, tmp_path):
    orders = [order(T0 + i, "X", "NVDA", qty=100, price=400.0) for i in range(3)]
    _, kills = run(spark, tmp_path, orders, {"orderRateThreshold60s": 2, "notionalThreshold60s": 1, "concentrationMinOrders": 1})
    assert [(k["ts"] - T0, k["metric"]) for k in kills] == [(0, "rolling_notional_60s")]
    orders = [order(T0 + i, "Y", "NVDA", qty=1, price=1.0) for i in range(3)]
    _, kills = run(spark, tmp_path / "2", orders, {"orderRateThreshold60s": 2, "notionalThreshold60s": 2.5, "concentrationMinOrders": 1})
    assert [(k["ts"] - T0, k["metric"], k["value"]) for k in kills] == [(0, "top_symbol_share", 1.0)]
    orders = [order(T0 + i, "Z", ["A", "B", "C"][i], qty=1, price=1.0) for i in range(3)]
    _, kills = run(spark, tmp_path / "3", orders, {"orderRateThreshold60s": 2, "notionalThreshold60s": 2.5})
    assert [(k["ts"] - T0, k["metric"], k["value"]) for k in kills] == [(2, "order_rate_60s", 3)]


def test_breaches_are_checked_in_event_time_order_even_if_the_file_is_not(spark, tmp_path):
    # The file holds a late order: by event time it is the 3rd of its window, so it is the breaching one.
    orders = [order(T0 + 1_000, "A", "AAPL"), order(T0 + 2_000, "A", "MSFT"), order(T0 + 4_000, "A", "KO"), order(T0 + 3_000, "A", "XOM")]
    _, kills = run(spark, tmp_path, orders, {"orderRateThreshold60s": 2})
    assert [(k["ts"] - T0, k["value"]) for k in kills] == [(3_000, 3)]


def test_accounts_have_their_own_windows(spark, tmp_path):
    orders = [order(T0 + i, "A" if i % 2 else "B", "KO") for i in range(6)]
    signals, kills = run(spark, tmp_path, orders, {"orderRateThreshold60s": 3, "concentrationMinOrders": 100})
    assert kills == []
    assert max(s["order_rate_60s"] for s in signals) == 3


def reference_signals(orders: list[tuple], window_ms: int, rate: int, notional: float, share: float, min_orders: int):
    """A plain loop over the orders in event-time order: the obvious way to compute what the job computes."""
    state: dict[tuple, dict] = {}
    signals, kills = [], []
    for i, (_, _, o) in sorted(enumerate(orders), key=lambda t: (t[1][2]["ts"], t[0])):
        key = (o["account_id"], o["ts"] // window_ms * window_ms)
        w = state.setdefault(key, {"n": 0, "notional": 0.0, "counts": {}, "killed": False})
        w["n"] += 1
        w["notional"] += o["qty"] * o["price"]
        w["counts"][o["symbol"]] = w["counts"].get(o["symbol"], 0) + 1
        top = min(w["counts"].items(), key=lambda kv: (-kv[1], kv[0]))
        s = (o["account_id"], key[1], o["ts"], w["n"], w["notional"], top[0], top[1] / w["n"])
        signals.append(s)
        metric = None
        if w["n"] > rate:
            metric = "order_rate_60s"
        elif w["notional"] > notional:
            metric = "rolling_notional_60s"
        elif w["n"] >= min_orders and top[1] / w["n"] > share:
            metric = "top_symbol_share"
        if metric and not w["killed"]:
            w["killed"] = True
            kills.append((o["account_id"], o["ts"], metric))
    return signals, kills


def random_orders(seed: int, n: int) -> list[tuple]:
    rnd = random.Random(seed)
    orders = []
    for i in range(n):
        ts = T0 + rnd.randrange(0, 240_000)
        orders.append(order(ts, rnd.choice(["A", "B", "C"]), rnd.choice(["AAPL", "KO", "MSFT", "NVDA"]), qty=rnd.randint(1, 50), price=rnd.choice([60.0, 185.25, 410.5]), order_id=f"o{i}"))
    return orders


def test_agrees_with_a_plain_loop_on_random_orders(spark, tmp_path):
    orders = random_orders(7, 400)
    limits = {"orderRateThreshold60s": 30, "notionalThreshold60s": 150_000, "symbolConcentrationThreshold": 0.45, "concentrationMinOrders": 8}
    signals, kills = run(spark, tmp_path, orders, limits)
    want_signals, want_kills = reference_signals(orders, 60_000, 30, 150_000, 0.45, 8)
    got = sorted((s["account_id"], s["window_start"], s["ts"], s["order_rate_60s"], round(s["rolling_notional_60s"], 6), s["top_symbol"], round(s["top_symbol_share"], 12)) for s in signals)
    # Orders with equal ts in one window: compare as a multiset of states, which pins the same order-by-order result.
    want = sorted((a, w, ts, n, round(x, 6), sym, round(sh, 12)) for a, w, ts, n, x, sym, sh in want_signals)
    assert got == want
    assert sorted((k["scope"].split(":")[1], k["ts"], k["metric"]) for k in kills) == sorted(want_kills)
    assert len(want_kills) > 0


def test_streaming_batches_carry_windows_across_batches_like_one_batch(spark, tmp_path):
    orders = sorted(random_orders(11, 300), key=lambda o: o[2]["ts"])
    limits = {"orderRateThreshold60s": 25, "notionalThreshold60s": 120_000, "symbolConcentrationThreshold": 0.5, "concentrationMinOrders": 6}
    cfg = validate({"risk": limits}).risk
    whole_signals, whole_kills = run(spark, tmp_path / "whole", orders, limits)

    store = BatchStateStore(spark, str(tmp_path / "checkpoint" / "state"))
    process = risk_signals.process_stream_batch(cfg, grace_ms=600_000)
    got_signals, got_kills = [], []
    cuts = [0, 70, 71, 190, 300]
    for batch_id, (lo, hi) in enumerate(zip(cuts, cuts[1:])):
        folder = write_records(tmp_path / f"batch{batch_id}", {"orders.v1": orders[lo:hi]})
        records = read_record_file(spark, str(folder), "orders.v1")
        out = process(records, batch_id, store)
        got_signals += [r.value.asDict() for r in out["risk_signals.v1"].collect()]
        got_kills += [r.value.asDict() for r in out["killswitch.commands.v1"].collect()]
        store.commit(batch_id, ["windows", "watermark"])

    def key(s):
        return (s["account_id"], s["ts"], s["order_rate_60s"], round(s["rolling_notional_60s"], 6), s["top_symbol"], round(s["top_symbol_share"], 12))

    assert sorted(map(key, got_signals)) == sorted(map(key, whole_signals))
    assert sorted((k["cmd_id"], k["ts"], k["metric"]) for k in got_kills) == sorted((k["cmd_id"], k["ts"], k["metric"]) for k in whole_kills)
    assert len(whole_kills) > 0


def test_streaming_rerun_of_a_batch_reads_the_state_before_it(spark, tmp_path):
    cfg = validate({"risk": {"orderRateThreshold60s": 2}}).risk
    store = BatchStateStore(spark, str(tmp_path / "state"))
    process = risk_signals.process_stream_batch(cfg, grace_ms=60_000)
    first = read_record_file(spark, str(write_records(tmp_path / "b0", {"orders.v1": [order(T0 + 1, "A", "KO"), order(T0 + 2, "A", "KO")]})), "orders.v1")
    process(first, 0, store)
    store.commit(0, ["windows", "watermark"])
    second = read_record_file(spark, str(write_records(tmp_path / "b1", {"orders.v1": [order(T0 + 3, "A", "KO")]})), "orders.v1")
    for _ in range(2):  # a crash after writing batch 1's outputs but before its commit: Spark runs it again
        out = process(second, 1, store)
        assert [r.value.order_rate_60s for r in out["risk_signals.v1"].collect()] == [3]
        assert [r.value.value for r in out["killswitch.commands.v1"].collect()] == [3.0]
