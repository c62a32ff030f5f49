"""A sweep's combinations as configs: the base config with some numeric keys changed.

A sweep builds one `RunConfig` per combination (thousands), so a combination is built from the
base config's parts, not from scratch: only the changed sections are rebuilt, and a strategy
checks only the parameters that changed where it can (`Strategy.with_changes`). A combination
is refused with the error a config built from scratch would raise.
"""

from __future__ import annotations

import itertools
from dataclasses import is_dataclass, replace
from typing import Any

from core.errors import ConfigError
from pipeline.config import RunConfig

SECTIONS = ("strategy", "costs", "execution")
"""The sections whose numeric keys a sweep may change."""


def with_value(config: RunConfig, key: str, value: float) -> RunConfig:
    """``config`` with one numeric key changed, checked by the section's own validation."""
    return with_values(config, {key: value})


def with_values(config: RunConfig, changes: dict[str, float]) -> RunConfig:
    """``config`` with numeric keys changed, each section rebuilt (and checked) once."""
    pending: dict[str, dict[str, Any]] = {}
    for key, value in changes.items():
        section, _, name = key.partition(".")
        name, _, entry = name.partition(".")
        part = getattr(config, section, None)
        if section not in SECTIONS or not hasattr(part, name):
            raise ConfigError(
                f"{key}: not a strategy, costs or execution parameter", option="sweep"
            )
        fields = pending.setdefault(section, {})
        current = fields.get(name, getattr(part, name))
        fields[name] = (
            _entry(key, current, entry, value) if entry else _numeric(key, current, value)
        )
    parts = {
        section: config.strategy.with_changes(f)
        if section == "strategy"
        else replace(getattr(config, section), **f)
        for section, f in pending.items()
    }
    return _with_sections(config, parts)


def combination_configs(
    config: RunConfig, axes: list[tuple[str, tuple[float, ...]]]
) -> list[RunConfig]:
    """The config of each combination of the axes' (key, values), the last varying fastest.

    A grid of plain strategy parameters has each value converted once, up front; the
    strategy then checks each combination's values (`Strategy.with_changes`).
    """
    keys = [key for key, _ in axes]
    converted = _strategy_values(config, axes)
    if converted is None:
        grid = itertools.product(*(values for _, values in axes))
        return [with_values(config, dict(zip(keys, values, strict=True))) for values in grid]
    names = [key.partition(".")[2] for key in keys]
    strategy = config.strategy
    return [
        _with_sections(config, {"strategy": strategy.with_changes(changes)})
        for changes in (
            dict(zip(names, values, strict=True)) for values in itertools.product(*converted)
        )
    ]


def _strategy_values(
    config: RunConfig, axes: list[tuple[str, tuple[float, ...]]]
) -> list[list[float | int]] | None:
    """Each axis' values as its strategy parameter's type, or None if any is not that.

    None also for a key that is not a plain strategy parameter: each combination is then built
    (and refused, with the error a config built alone would get) by `with_values`.
    """
    converted = []
    for key, values in axes:
        section, _, name = key.partition(".")
        if section != "strategy" or "." in name or not hasattr(config.strategy, name):
            return None
        current = getattr(config.strategy, name)
        try:
            converted.append([_numeric(key, current, value) for value in values])
        except ConfigError:
            return None
    return converted


def _with_sections(config: RunConfig, parts: dict[str, Any]) -> RunConfig:
    """``config`` with whole sections swapped, each already checked by its own class.

    `RunConfig`'s own checks (the dates' order, the benchmark) read no section a sweep changes,
    so the base config's passing of them stands: the copy skips them.
    """
    changed = object.__new__(RunConfig)
    changed.__dict__.update(config.__dict__)
    changed.__dict__.update(parts)
    return changed


def _entry(key: str, current: Any, entry: str, value: float) -> dict[str, Any]:
    """A mapping parameter with one entry set: ``borrow_bps.BTC-USD`` or ``supports.gold.level``."""
    if not isinstance(current, dict):
        raise ConfigError(f"{key}: {key.rsplit('.', 1)[0]} takes no key", option="sweep")
    item, dot, attribute = entry.partition(".")
    if not dot:
        return {**current, entry: value}
    spec = current.get(item)
    if not is_dataclass(spec) or not hasattr(spec, attribute):
        raise ConfigError(
            f"{key}: no {item!r} with a field {attribute!r}; there are "
            f"{', '.join(current) or 'none'}",
            option="sweep",
        )
    changed = replace(spec, **{attribute: _numeric(key, getattr(spec, attribute), value)})
    return {**current, item: changed}


def _numeric(key: str, current: Any, value: float) -> float | int:
    """``value`` as the type of the parameter it replaces, which must be a number.

    ``costs.cash_rate`` at ``auto`` (the T-bill yield) sweeps as constant rates.
    """
    if current == "auto":
        return float(value)
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ConfigError(f"{key}: only numeric parameters can be swept", option="sweep")
    if isinstance(current, int) and not float(value).is_integer():
        raise ConfigError(f"{key}: {value} is not a whole number", option="sweep")
    return type(current)(value)
