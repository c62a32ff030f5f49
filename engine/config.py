"""A run's configuration: one typed object from defaults and ``section.key=value`` overrides."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, get_type_hints

from pydantic import TypeAdapter, ValidationError

from data.market import Calendar, Universe
from engine.errors import ConfigError
from engine.simulate import Costs, Execution
from strategies import STRATEGIES, Strategy


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything that decides a run's numbers, besides the data themselves."""

    strategy: Strategy
    universe: Universe = field(default_factory=Universe)
    costs: Costs = field(default_factory=Costs)
    execution: Execution = field(default_factory=Execution)
    data: str = "auto"
    start: date | None = None
    end: date | None = None
    calendar: Calendar = "equity"
    allow_partial: bool = False

    def __post_init__(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ConfigError(f"--start {self.start} must be before --end {self.end}")

    def as_dict(self) -> dict[str, Any]:
        """Return the resolved settings as plain values (for outputs)."""
        return {
            "strategy": {"name": self.strategy.name, **_values(self.strategy)},
            "universe": _values(self.universe),
            "costs": _values(self.costs),
            "execution": _values(self.execution),
            "data": self.data,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "calendar": self.calendar,
            "allow_partial": self.allow_partial,
        }


def build_config(
    strategy: str,
    overrides: Sequence[str] = (),
    **settings: Any,
) -> RunConfig:
    """Build a `RunConfig` for the strategy named ``strategy`` with ``KEY=VALUE`` overrides.

    Keys are dotted paths: ``strategy.short_weight``, ``costs.fees_bps``, ``universe.tech``,
    ``execution.lag``; values are parsed to the type of the field they set.
    """
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown strategy {strategy!r}{_suggest(strategy, STRATEGIES)}")
    sections: dict[str, dict[str, Any]] = {name: {} for name in ("strategy", *_SECTIONS)}
    for text in overrides:
        section, key, value = _parse_override(text, STRATEGIES[strategy])
        sections[section][key] = value
    parts = {name: cls(**sections[name]) for name, cls in _SECTIONS.items()}
    return RunConfig(strategy=STRATEGIES[strategy](**sections["strategy"]), **parts, **settings)


_SECTIONS: dict[str, type] = {"universe": Universe, "costs": Costs, "execution": Execution}


def _parse_override(text: str, strategy: type[Strategy]) -> tuple[str, str, Any]:
    key, sep, raw = text.partition("=")
    if not sep:
        raise ConfigError(
            f"--set {text!r}: expected KEY=VALUE, for example strategy.short_weight=0.3"
        )
    classes = {"strategy": strategy, **_SECTIONS}
    valid = [f"{name}.{f.name}" for name, cls in classes.items() for f in fields(cls)]
    if key not in valid:
        raise ConfigError(f"unknown key {key}{_suggest(key, valid)}")
    section, name = key.split(".", 1)
    kind = get_type_hints(classes[section])[name]
    try:
        return section, name, TypeAdapter(kind).validate_strings(raw.strip())
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise ConfigError(f"--set {key}={raw}: {reason}") from None


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]}?" if close else f"; valid: {', '.join(choices)}"


def _values(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
