"""The config the Spark jobs accept is the one the TypeScript apps accept (CONTRACT §5): same defaults, and a
bad key is refused with its path named."""

from __future__ import annotations

import json

import pytest

from job_config import ConfigError, load, validate
import risk_signals


def test_defaults_are_the_contracts():
    cfg = validate({})
    assert (cfg.risk.window_ms, cfg.risk.order_rate_threshold, cfg.risk.notional_threshold) == (60_000, 100, 1_000_000)
    assert (cfg.risk.concentration_threshold, cfg.risk.concentration_min_orders) == (0.7, 20)
    assert (cfg.margin.long_rate, cfg.margin.short_rate, cfg.margin.warning_threshold) == (0.25, 0.30, 10_000)
    assert cfg.margin.scenarios == (-0.08, -0.06, -0.04, -0.02, 0, 0.02, 0.04, 0.06)
    assert cfg.margin.restrict_abs_scenario == 0.06
    assert (cfg.margin.restrict_after_ms, cfg.margin.liquidate_after_ms) == (3_600_000, 7_200_000)


def test_overrides_merge_over_the_defaults():
    cfg = validate({"risk": {"windowMs": 30_000}, "margin": {"stressScenarios": [-0.1, 0.1]}})
    assert cfg.risk.window_ms == 30_000 and cfg.risk.order_rate_threshold == 100
    assert cfg.margin.scenarios == (-0.1, 0.1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"risk": {"windowMs": -5}}, "/risk/windowMs: must be > 0"),
        ({"risk": {"windowMs": 1.5}}, "/risk/windowMs: expected an integer"),
        ({"risk": {"windowMs": "60000"}}, "/risk/windowMs: expected a number"),
        ({"risk": {"orderRateThreshold60s": True}}, "/risk/orderRateThreshold60s: expected a number"),
        ({"risk": {"symbolConcentrationThreshold": 1.2}}, "/risk/symbolConcentrationThreshold: must be <= 1"),
        ({"risk": {"windwMs": 1}}, "/risk/windwMs: unknown key"),
        ({"riks": {}}, "/riks: unknown key"),
        ({"margin": {"stressScenarios": []}}, "/margin/stressScenarios: expected a non-empty array"),
        ({"margin": {"stressScenarios": [0.1, 2]}}, "/margin/stressScenarios: item 1"),
        ({"margin": {"liquidateAfterMs": 1000}}, "/margin/liquidateAfterMs: must be greater than restrictAfterMs"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(overrides, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        validate(overrides, "cfg.json")


def test_a_config_file_and_a_job_refusing_a_bad_one(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"risk": {"orderRateThreshold60s": 5}}))
    assert load(str(good)).risk.order_rate_threshold == 5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"risk": {"windowMs": 0}}))
    # The job stops before starting Spark, with the file and key in the message.
    assert risk_signals.main(["--input", str(tmp_path), "--output", str(tmp_path / "o"), "--config", str(bad)]) == 1
    assert f"{bad}: /risk/windowMs: must be > 0" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ConfigError, match="invalid JSON"):
        load(str(tmp_path / "broken.json"))
