"""The risk configuration of CONTRACT §5 for the Spark reference jobs: the same keys, defaults and limits
as the TypeScript apps, so a config file that one side accepts the other accepts too, and a bad one is
refused by both with the key named."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any, Callable

DEFAULTS: dict[str, dict[str, Any]] = {
    "risk": {
        "windowMs": 60000,
        "orderRateThreshold60s": 100,
        "notionalThreshold60s": 1000000,
        "symbolConcentrationThreshold": 0.7,
        "concentrationMinOrders": 20,
    },
    "margin": {
        "longMaintenanceRate": 0.25,
        "shortMaintenanceRate": 0.30,
        "stressScenarios": [-0.08, -0.06, -0.04, -0.02, 0, 0.02, 0.04, 0.06],
        "stressRestrictAbsScenario": 0.06,
        "warningThreshold": 10000,
        "restrictAfterMs": 3600000,
        "liquidateAfterMs": 7200000,
    },
}


class ConfigError(ValueError):
    """A config that the apps would refuse; the message starts with the path of the bad key."""


def _is_number(v: Any) -> bool:
    # JSON booleans are Python ints; the TypeScript side refuses them as numbers, so do we.
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _int(v: Any) -> bool:
    return _is_number(v) and float(v).is_integer()


Check = Callable[[Any], "str | None"]


def _number(*, integer: bool = False, gt: float | None = None, ge: float | None = None, le: float | None = None) -> Check:
    def check(v: Any) -> str | None:
        if not _is_number(v):
            return "expected a number"
        if integer and not _int(v):
            return "expected an integer"
        if gt is not None and not v > gt:
            return f"must be > {gt:g}"
        if ge is not None and not v >= ge:
            return f"must be >= {ge:g}"
        if le is not None and not v <= le:
            return f"must be <= {le:g}"
        return None

    return check


def _scenarios(v: Any) -> str | None:
    if not isinstance(v, list) or len(v) == 0:
        return "expected a non-empty array of numbers"
    for i, s in enumerate(v):
        if not _is_number(s) or not -1 <= s <= 1:
            return f"item {i} must be a number between -1 and 1"
    return None


RULES: dict[str, dict[str, Check]] = {
    "risk": {
        "windowMs": _number(integer=True, gt=0),
        "orderRateThreshold60s": _number(integer=True, ge=0),
        "notionalThreshold60s": _number(ge=0),
        "symbolConcentrationThreshold": _number(gt=0, le=1),
        "concentrationMinOrders": _number(integer=True, gt=0),
    },
    "margin": {
        "longMaintenanceRate": _number(ge=0, le=1),
        "shortMaintenanceRate": _number(ge=0, le=1),
        "stressScenarios": _scenarios,
        "stressRestrictAbsScenario": _number(ge=0, le=1),
        "warningThreshold": _number(ge=0),
        "restrictAfterMs": _number(integer=True, gt=0),
        "liquidateAfterMs": _number(integer=True, gt=0),
    },
}


@dataclass(frozen=True)
class RiskConfig:
    window_ms: int
    order_rate_threshold: int
    notional_threshold: float
    concentration_threshold: float
    concentration_min_orders: int


@dataclass(frozen=True)
class MarginConfig:
    long_rate: float
    short_rate: float
    scenarios: tuple[float, ...]
    restrict_abs_scenario: float
    warning_threshold: float
    restrict_after_ms: int
    liquidate_after_ms: int


@dataclass(frozen=True)
class JobConfig:
    risk: RiskConfig
    margin: MarginConfig


def validate(overrides: Any, source: str = "config") -> JobConfig:
    """Merges overrides over the defaults and checks every key; raises ConfigError naming the first bad one."""
    if not isinstance(overrides, dict):
        raise ConfigError(f"{source}: must be a JSON object")
    for section in overrides:
        if section not in DEFAULTS:
            raise ConfigError(f"{source}: /{section}: unknown key")
    merged = copy.deepcopy(DEFAULTS)
    for section, values in overrides.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: /{section}: expected an object")
        for key, value in values.items():
            if key not in RULES[section]:
                raise ConfigError(f"{source}: /{section}/{key}: unknown key")
            merged[section][key] = value
    for section, rules in RULES.items():
        for key, check in rules.items():
            problem = check(merged[section][key])
            if problem is not None:
                raise ConfigError(f"{source}: /{section}/{key}: {problem}")
    m = merged["margin"]
    if not m["liquidateAfterMs"] > m["restrictAfterMs"]:
        raise ConfigError(f"{source}: /margin/liquidateAfterMs: must be greater than restrictAfterMs")
    r = merged["risk"]
    return JobConfig(
        risk=RiskConfig(
            window_ms=int(r["windowMs"]),
            order_rate_threshold=int(r["orderRateThreshold60s"]),
            notional_threshold=float(r["notionalThreshold60s"]),
            concentration_threshold=float(r["symbolConcentrationThreshold"]),
            concentration_min_orders=int(r["concentrationMinOrders"]),
        ),
        margin=MarginConfig(
            long_rate=float(m["longMaintenanceRate"]),
            short_rate=float(m["shortMaintenanceRate"]),
            scenarios=tuple(float(s) for s in m["stressScenarios"]),
            restrict_abs_scenario=float(m["stressRestrictAbsScenario"]),
            warning_threshold=float(m["warningThreshold"]),
            restrict_after_ms=int(m["restrictAfterMs"]),
            liquidate_after_ms=int(m["liquidateAfterMs"]),
        ),
    )


def load(path: str | None) -> JobConfig:
    """The config a job runs with: the defaults, or a JSON file over them."""
    if path is None:
        return validate({})
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e}") from e
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: invalid JSON: {e}") from e
    return validate(parsed, path)
