"""A run's configuration: one typed object from defaults and ``key=value`` overrides.

Every setting has a dotted key: ``strategy.short_weight``, ``costs.fees_bps``,
``costs.borrow_bps.BTC-USD``, ``universe.tech``, ``execution.lag``, and the run-wide ``data``,
``start``, ``end``, ``calendar`` and ``allow_partial``. `build_config` checks every key and value
before it raises, so one `ConfigProblems` lists everything wrong at once.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml
from pydantic import TypeAdapter, ValidationError

from core import strict_yaml
from core.errors import ConfigError, one_line
from core.off import OFF, OFF_TEXT
from data.market import Calendar, Universe
from simulation.costs import Costs
from simulation.simulate import Execution
from strategies import STRATEGIES, Strategy
from strategies.benchmark import SIXTY_FORTY, parse_benchmark

NULLS = frozenset({"", "~", "null", "Null", "NULL"})
"""Texts that set an optional value to none, as YAML reads them."""


DataFrom = Literal["given", "MAINSTREET_DATA", "default"]
"""Who chose a run's data source (`RunConfig.data_from`)."""


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything that decides a run's numbers, besides the data themselves."""

    strategy: Strategy
    universe: Universe = field(default_factory=Universe)
    costs: Costs = field(default_factory=Costs)
    execution: Execution = field(default_factory=Execution)
    data: str = "auto"
    """Where prices come from: ``auto`` (cached or downloaded Yahoo prices, else the synthetic
    demo), ``yahoo``, ``demo``, or ``csv:DIR`` (a folder of ``<TICKER>.csv`` files). Not given,
    the source the environment variable ``MAINSTREET_DATA`` names, else ``auto``."""
    start: date | None = None
    """First date of the run, YYYY-MM-DD (none: as early as every asset has prices)."""
    end: date | None = None
    """Last date of the run, YYYY-MM-DD (none: the last date with prices)."""
    calendar: Calendar = "equity"
    """``equity``: the stock ticker's trading days, 252 a year; ``7d``: every calendar day, 365
    a year, equities carried over weekends."""
    allow_partial: bool = False
    """Start when stocks and bonds have prices, holding a leg in cash until its first price."""
    benchmark: str = SIXTY_FORTY
    """What the strategy is measured against: ``60/40`` (the universe's stocks and bonds),
    ``cash``, a ticker (``SPY``) or a fixed mix (``IWM:0.5,EFA:0.5``)."""
    data_from: DataFrom = field(default="given", compare=False)
    """Who chose ``data``: ``given`` (``--data``, a config file, ``--set``, the API),
    ``MAINSTREET_DATA`` (the environment's default source) or ``default`` (``auto``). Recorded in
    the manifest; not a setting."""

    def __post_init__(self) -> None:
        problem = _date_order(self.start, self.end)
        if problem:
            raise ConfigError(problem)
        object.__setattr__(self, "benchmark", parse_benchmark(self.benchmark))

    def as_dict(self) -> dict[str, Any]:
        """Return the resolved settings as plain values (for outputs and ``--print-config``)."""
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
            "benchmark": self.benchmark,
        }


class ConfigProblems(ConfigError):
    """Every problem found in a configuration; the message lists them, one a line."""

    lines = True

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(one_line(problem) for problem in problems)
        if len(self.problems) == 1:
            text = self.problems[0]
        else:
            listed = "\n".join(f"  {problem}" for problem in self.problems)
            text = f"{len(self.problems)} problems in the configuration:\n{listed}"
        super().__init__(text)


SECTIONS: dict[str, type] = {"universe": Universe, "costs": Costs, "execution": Execution}
RUN_KEYS = ("data", "start", "end", "calendar", "allow_partial", "benchmark")
PRESET_KEY = "costs.preset="


def build_config(
    strategy: str,
    overrides: Sequence[str] = (),
    *,
    written_for: str | None = None,
    **settings: Any,
) -> RunConfig:
    """Build a `RunConfig` for the strategy named ``strategy`` with ``KEY=VALUE`` overrides.

    Values are parsed to the type of the field they set; ``settings`` are run-wide values
    already parsed (a config file's ``start``), and an override of the same key wins. Every
    problem is collected first, then raised together as one `ConfigProblems`. ``written_for``
    is the strategy a config file (or manifest) names: when another one is picked, its keys
    that only that strategy has are one problem saying whose they are (`_foreign_keys`).
    """
    problems: list[str] = []
    cls = STRATEGIES.get(strategy)
    if cls is None:
        problems.append(f"unknown strategy {strategy!r}{suggest(strategy, STRATEGIES)}")
    classes = {"strategy": cls, **SECTIONS} if cls else dict(SECTIONS)
    sections: dict[str, dict[str, Any]] = {name: {} for name in ("strategy", *SECTIONS)}
    run_wide = _typed(settings, problems)
    overrides = _foreign_keys(overrides, strategy, classes, written_for, problems)
    # a preset first: the map entries given after it start from its values, not the defaults'
    for text in sorted(overrides, key=lambda text: not text.lstrip().startswith(PRESET_KEY)):
        if cls is None and text.startswith("strategy."):
            continue  # its keys cannot be checked against an unknown strategy
        try:
            section, name, entry, value = parse_override(text, classes)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        if section == "run":
            run_wide[name] = value
        elif entry is None:
            sections[section][name] = value
        else:
            bare = _bare(classes[section], sections[section])
            default = {} if bare is None else dict(getattr(bare, name))
            set_entry(sections[section].setdefault(name, default), entry, value)
    parts = {name: _build(kind, sections[name], problems) for name, kind in classes.items()}
    problem = _date_order(run_wide.get("start"), run_wide.get("end"))
    if problem:
        problems.append(problem)
    try:
        parse_benchmark(run_wide.get("benchmark", SIXTY_FORTY))
    except ConfigError as exc:
        problems.append(str(exc))
    if problems:
        raise ConfigProblems(problems)
    return RunConfig(**parts, **run_wide)


def _bare(cls: type, values: dict[str, Any]) -> Any:
    """A section with its defaults, under the preset given (``costs.preset``) if any.

    None for a strategy that has no defaults to start from (a call needs its file).
    """
    try:
        return cls(preset=values["preset"]) if "preset" in values else cls()
    except ConfigError:
        return None


def _foreign_keys(
    overrides: Sequence[str],
    strategy: str,
    classes: dict[str, type],
    written_for: str | None,
    problems: list[str],
) -> list[str]:
    """The overrides without the keys of the config's own strategy that ``strategy`` lacks.

    Those keys (``sell_above`` of a ``hartnett_switch`` file run with ``--strategy
    main_street``) are one problem naming their strategy and the two ways out, not one
    "unknown key" each with a suggestion from the other strategy's fields.
    """
    other = STRATEGIES.get(written_for or "")
    if other is None or written_for == strategy or "strategy" not in classes:
        return list(overrides)
    theirs, kept = [], []
    for text in overrides:
        key = text.partition("=")[0].strip()
        mine = not key.startswith("strategy.") or _parses(text, classes)
        if not mine and _parses(text, {**classes, "strategy": other}):
            theirs.append(key.split(".")[1])
        else:
            kept.append(text)
    if theirs:
        names = ", ".join(dict.fromkeys(theirs))
        problems.append(
            f"the strategy keys {names} belong to {written_for} (the config's strategy.name), "
            f"not to {strategy}: drop --strategy {strategy} to run {written_for}, or leave "
            f"those keys out of the config to run {strategy}"
        )
    return kept


def _parses(text: str, classes: dict[str, type]) -> bool:
    """Whether ``text``'s key is one of ``classes`` (a bad value of a known key still counts)."""
    try:
        parse_override(text, classes)
    except ConfigError as exc:
        return not str(exc).startswith("unknown key")
    return True


def set_entry(mapping: dict[str, Any], entry: str, value: Any) -> None:
    """Set ``entry`` of a mapping field; a mapping ``value`` sets those fields of the item.

    An item given as an object (a default support level) becomes a mapping of its fields first,
    so ``strategy.supports.tech.level=0.2`` keeps the default level's other fields; an item
    switched off earlier is given anew.
    """
    if isinstance(value, dict):
        current = mapping.get(entry)
        spec = _values(current) if is_dataclass(current) else {}
        value = {**(current if isinstance(current, dict) else spec), **value}
    mapping[entry] = value


def _build(cls: type, values: dict[str, Any], problems: list[str]) -> Any:
    """One section's object, or None with its (first) range problem added to ``problems``."""
    try:
        return cls(**values)
    except ConfigError as exc:
        problems.extend(getattr(exc, "problems", None) or [str(exc)])  # a call file's, each
        return None


def _typed(settings: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Check run-wide values already parsed (a file's ``start: 2020-01-01``) against their types."""
    hints = get_type_hints(RunConfig)
    typed = {}
    for key, value in settings.items():
        if key in ("strategy", *SECTIONS):
            problems.append(f"{key} must be a mapping of keys to values, not {value!r}")
        elif key not in RUN_KEYS:
            valid = [*RUN_KEYS, "strategy", *SECTIONS]
            problems.append(f"unknown key {key}{suggest(key, valid)}")
        else:
            try:
                typed[key] = TypeAdapter(hints[key]).validate_python(value)
            except ValidationError as exc:
                problems.append(f"{key} = {value!r}: {exc.errors()[0]['msg']}")
    return typed


def valid_keys(classes: dict[str, type]) -> list[str]:
    """Every dotted key of ``classes`` (section name -> dataclass) and the run-wide keys."""
    return [*(f"{name}.{f.name}" for name, cls in classes.items() for f in fields(cls)), *RUN_KEYS]


def parse_override(text: str, classes: dict[str, type]) -> tuple[str, str, str | None, Any]:
    """Split ``section.name[.entry]=value`` and parse the value to the field's type.

    Returns ``(section, name, entry, value)``: ``section`` is ``run`` for a run-wide key,
    ``entry`` is set for a mapping field (``costs.borrow_bps.BTC-USD=800``, ``BRK.B`` too). For
    a mapping of objects ``strategy.supports.gold.level=4550`` gives the entry ``gold`` and the
    value ``{level: 4550.0}``.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep:
        raise ConfigError(f"{text!r}: expected KEY=VALUE, for example strategy.short_weight=0.3")
    if key in RUN_KEYS:
        return "run", key, None, parse_value(get_type_hints(RunConfig)[key], key, raw)
    field_key, _, entry = _split(key)
    if field_key not in valid_keys(classes):
        raise ConfigError(f"unknown key {key}{suggest(key, valid_keys(classes))}")
    section, name = field_key.split(".")
    kind = get_type_hints(classes[section])[name]
    if (get_origin(kind) is dict) != bool(entry):
        form = f"{field_key}.KEY=VALUE" if get_origin(kind) is dict else f"{field_key}=VALUE"
        raise ConfigError(f"{key}: expected {form}")
    item = get_args(kind)[1] if entry else kind
    if is_dataclass(item):
        return section, name, *_parse_item_field(item, key, entry, raw)
    return section, name, entry or None, parse_value(item, key, raw)


def _parse_item_field(item: type, key: str, entry: str, raw: str) -> tuple[str, Any]:
    """``NAME`` and ``{FIELD: value}`` of ``NAME.FIELD`` of a mapping of objects, or ``off``."""
    name, dot, attribute = entry.partition(".")
    names = [spec.name for spec in fields(item)]
    if not dot:
        if raw.strip().lower() in OFF:
            return name, OFF_TEXT
        raise ConfigError(
            f"{key}={raw}: expected {key}.FIELD=VALUE (FIELD one of {', '.join(names)}) or "
            f"{key}=off"
        )
    if attribute not in names:
        raise ConfigError(f"unknown key {key}{suggest(attribute, names)}")
    return name, {attribute: parse_value(get_type_hints(item)[attribute], key, raw)}


def parse_value(kind: Any, key: str, raw: str) -> Any:
    """Parse the text ``raw`` to ``kind``, or raise a `ConfigError` naming key, value and type.

    YAML's nulls set an optional value to none (and are refused elsewhere), lists are YAML
    (``[a, b]``) or comma-separated, everything else is read as pydantic reads strings.
    """
    text = raw.strip()
    if text in NULLS:
        if type(None) in get_args(kind):
            return None
        raise ConfigError(f"{key}={raw}: a value is required (expected {type_name(kind)})")
    try:
        if get_origin(kind) in (list, tuple):
            loaded = strict_yaml.load(text) if text.startswith("[") else text.split(",")
            return TypeAdapter(kind).validate_python(loaded)
        return TypeAdapter(kind).validate_strings(text)
    except (ValidationError, yaml.YAMLError, strict_yaml.YamlRefused) as exc:
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "not a list"
        raise ConfigError(f"{key}={raw}: {reason} (expected {type_name(kind)})") from None


def type_name(kind: Any) -> str:
    """A type as a user reads it: ``float``, ``daily | weekly``, ``date | null``."""
    origin = get_origin(kind)
    if origin is Literal:
        return " | ".join(str(arg) for arg in get_args(kind))
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(arg) for arg in get_args(kind))
    if origin is dict:
        key, value = get_args(kind)
        return f"mapping of {type_name(key)} to {type_name(value)}"
    if origin in (list, tuple):
        return f"list of {type_name(get_args(kind)[0])}"
    if kind is type(None):
        return "null"
    return getattr(kind, "__name__", str(kind))


def _split(key: str) -> tuple[str, str, str]:
    """``costs.borrow_bps.BTC-USD`` -> (``costs.borrow_bps``, ``.``, ``BTC-USD``)."""
    section, _, rest = key.partition(".")
    name, dot, entry = rest.partition(".")
    return f"{section}.{name}", dot, entry


def _date_order(start: date | None, end: date | None) -> str | None:
    if isinstance(start, date) and isinstance(end, date) and start >= end:
        return f"start {start} must be before end {end}"
    return None


def suggest(word: str, choices: Iterable[str]) -> str:
    """``; did you mean X?`` for the closest choice, else the list of valid ones."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1)
    return f"; did you mean {close[0]}?" if close else f"; valid: {', '.join(options)}"


def _values(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as plain values, a tuple as a list (as YAML and JSON write it).

    A mapping of objects (the support levels) becomes nested mappings, written whole: every
    default item, one that was removed as ``off``. Read back, a mapping changes the defaults
    (`build_config`), so without the ``off`` a removed default would come back.
    """
    hints = get_type_hints(type(obj))
    plain = {}
    for spec in fields(obj):
        value = getattr(obj, spec.name)
        kind = hints[spec.name]
        if get_origin(kind) is dict and is_dataclass(get_args(kind)[1]):
            default = spec.default_factory() if callable(spec.default_factory) else {}
            removed = dict.fromkeys(default, OFF_TEXT)
            value = {**removed, **{key: _values(item) for key, item in value.items()}}
        plain[spec.name] = list(value) if isinstance(value, tuple) else value
    return plain
