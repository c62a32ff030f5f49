"""A run's configuration: one typed object from defaults and ``section.key=value`` overrides."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, get_args, get_origin, get_type_hints

from pydantic import TypeAdapter, ValidationError

from data.market import Calendar, Universe
from engine.costs import Costs
from engine.errors import ConfigError
from engine.simulate import Execution
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
    classes = {"strategy": STRATEGIES[strategy], **_SECTIONS}
    for text in overrides:
        section, name, entry, value = _parse_override(text, classes)
        if entry is None:
            sections[section][name] = value
        else:
            default = dict(getattr(classes[section](), name))
            sections[section].setdefault(name, default)[entry] = value
    parts = {name: cls(**sections[name]) for name, cls in _SECTIONS.items()}
    strategy_object = STRATEGIES[strategy](**sections["strategy"])
    return RunConfig(strategy=strategy_object, **parts, **_typed(settings))


def _typed(settings: dict[str, Any]) -> dict[str, Any]:
    """Check run-wide settings (data, start, end, calendar, allow_partial) against their types."""
    hints = get_type_hints(RunConfig)
    typed = {}
    for key, value in settings.items():
        if key not in hints or key in {"strategy", *_SECTIONS}:
            raise ConfigError(f"unknown setting {key}{_suggest(key, ['data', 'start', 'end'])}")
        try:
            typed[key] = TypeAdapter(hints[key]).validate_python(value)
        except ValidationError as exc:
            raise ConfigError(f"{key} = {value!r}: {exc.errors()[0]['msg']}") from None
    return typed


_SECTIONS: dict[str, type] = {"universe": Universe, "costs": Costs, "execution": Execution}


def _parse_override(text: str, classes: dict[str, type]) -> tuple[str, str, str | None, Any]:
    """Split ``section.name[.entry]=value`` and parse the value to the field's type.

    ``entry`` is set for a mapping field (``costs.borrow_bps.BTC-USD=800``).
    """
    key, sep, raw = text.partition("=")
    if not sep:
        raise ConfigError(
            f"--set {text!r}: expected KEY=VALUE, for example strategy.short_weight=0.3"
        )
    valid = [f"{name}.{f.name}" for name, cls in classes.items() for f in fields(cls)]
    field_key, _, entry = _split(key)
    if field_key not in valid:
        raise ConfigError(f"unknown key {key}{_suggest(key, valid)}")
    section, name = field_key.split(".")
    kind = get_type_hints(classes[section])[name]
    if (get_origin(kind) is dict) != bool(entry):
        form = f"{field_key}.KEY=VALUE" if get_origin(kind) is dict else f"{field_key}=VALUE"
        raise ConfigError(f"--set {key}: expected {form}")
    try:
        value = TypeAdapter(get_args(kind)[1] if entry else kind).validate_strings(raw.strip())
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise ConfigError(f"--set {key}={raw}: {reason}") from None
    return section, name, entry or None, value


def _split(key: str) -> tuple[str, str, str]:
    """``costs.borrow_bps.BTC-USD`` -> (``costs.borrow_bps``, ``.``, ``BTC-USD``)."""
    section, _, rest = key.partition(".")
    name, dot, entry = rest.partition(".")
    return f"{section}.{name}", dot, entry


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]}?" if close else f"; valid: {', '.join(choices)}"


def _values(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
