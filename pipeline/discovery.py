"""Discovery: what can be run and set, read from the code itself so that it never drifts.

A parameter's documentation is the docstring written under its dataclass field; `field_docs`
reads those with `ast`, so ``--describe`` shows what the code says and nothing else.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import itertools
import pkgutil
import textwrap
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

import signals
from core.errors import ConfigError
from core.places import PRESETS
from data.market import ROLES, SINGLE_ROLES, Universe
from pipeline.config import RUN_KEYS, SECTIONS, RunConfig, suggest, type_name
from signals.base import Signal
from signals.conditions import KEYWORDS
from signals.library import INDICATORS, REQUIRED
from strategies import STRATEGIES
from strategies.call_format import TOP_KEYS
from strategies.call_rules import HOLD_KEYS, PERIODS, RULE_KEYS

_WIDTH = 96


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One settable field: its dotted key, type, default and documentation."""

    key: str
    type: str
    default: Any
    doc: str


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass and of its dataclass bases, by name."""
    docs: dict[str, str] = {}
    for base in reversed(cls.__mro__):
        if not is_dataclass(base):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(base))).body[0]
        body = tree.body if isinstance(tree, ast.ClassDef) else []
        for statement, following in itertools.pairwise(body):
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[statement.target.id] = " ".join(following.value.value.split())
    return docs


def parameters(cls: type, prefix: str) -> list[Parameter]:
    """Every field of ``cls`` (a strategy, section or signal) as a `Parameter`."""
    docs, hints = field_docs(cls), get_type_hints(cls)
    bare = _bare(cls)
    found = []
    for spec in fields(cls):
        if prefix == "run" and spec.name not in RUN_KEYS:
            continue  # sections of their own, and what the run records about itself
        default = spec.default_factory() if spec.default_factory is not MISSING else spec.default
        if bare is not None:  # what the defaults resolve to (a costs preset's values)
            default = getattr(bare, spec.name)
        doc = docs.get(spec.name) or _fallback_doc(cls, spec.name)
        allowed = getattr(cls, "RANGES", {}).get(spec.name)
        if allowed is not None:  # the range `core.ranges.check_ranges` checks
            doc = f"{doc} Range: {allowed}."
        key = spec.name if prefix in ("run", "") else f"{prefix}.{spec.name}"
        found.append(Parameter(key, type_name(hints[spec.name]), default, doc))
    return found


def _bare(cls: type) -> Any:
    """``cls()`` when every field has a default, else None."""
    try:
        return cls()
    except (TypeError, ConfigError):
        return None


def _fallback_doc(cls: type, name: str) -> str:
    # The universe's fields are its roles and need no docstring of their own.
    if cls is Universe:
        if name in SINGLE_ROLES:
            return f"The ticker playing the {name} role (one ticker)."
        return (
            f"The ticker playing the {name} role, or a basket of tickers with weights adding "
            "up to 1 (EFA:0.5,EEM:0.3,MCHI:0.2), each its own position, one leg."
        )
    return "(undocumented)"


def signal_classes() -> dict[str, type]:
    """The public signal classes of the modules of `signals`, by name.

    Every module of the package is looked through, so a new signal's file is listed without
    a line here.
    """
    found = {}
    for module in pkgutil.iter_modules(signals.__path__, "signals."):
        members = inspect.getmembers(importlib.import_module(module.name), inspect.isclass)
        for name, cls in members:
            if (
                issubclass(cls, Signal)
                and cls is not Signal
                and cls.__module__ == module.name
                and not name.startswith("_")
            ):
                found[name] = cls
    return dict(sorted(found.items()))


def _describable() -> dict[str, tuple[type, str, str]]:
    """Name -> (class, key prefix, kind) of everything ``--describe`` knows."""
    found: dict[str, tuple[type, str, str]] = {
        name: (cls, "strategy", "strategy") for name, cls in STRATEGIES.items()
    }
    found |= {name: (cls, name, "section") for name, cls in SECTIONS.items()}
    found["run"] = (RunConfig, "run", "run-wide settings")
    found |= {name: (cls, "", "signal") for name, cls in signal_classes().items()}
    return found


def describe(name: str) -> str:
    """Return every parameter of ``name``: key, type, default and documentation.

    ``name`` is a strategy, a section (``costs``, ``execution``, ``universe``, ``run``) or a
    signal.
    """
    known = _describable()
    if name not in known:
        close = [key for key in known if key.lower() == name.lower()]
        hint = f"; did you mean {close[0]}?" if close else suggest(name, known)
        raise ConfigError(f"--describe {name}: nothing of that name{hint}")
    cls, prefix, kind = known[name]
    lines = [f"{name} ({kind}): {_first_line(cls)}", ""]
    if kind == "signal":  # documented in prose in its class docstring, and not set directly
        lines += [*(inspect.getdoc(cls) or "").splitlines()[2:], ""]
    for item in parameters(cls, prefix):
        lines.append(f"  {item.key}: {item.type} = {_show(item.default)}")
        if kind != "signal":
            lines.append(_wrap(item.doc))
    lines += ["", _how_to_set(prefix, kind)]
    if name == "call":
        lines += ["", *call_vocabulary()]
    return "\n".join(lines)


def call_vocabulary() -> list[str]:
    """Every key, indicator and rule keyword a call file may use (docs/write_a_call.md).

    Indented by four (an item) and eight (its parameters), so no line reads as a strategy key.
    """
    item, sub = " " * 4, " " * 8
    lines = [
        "A call file (configs/calls/*.yaml; schema configs/calls/call.schema.json) has the keys:",
        f"{item}{', '.join(TOP_KEYS)}",
        "books: NAME: {TICKER or ROLE or cash: WEIGHT}; a weight is a number or a param's name",
        f"{item}(-name: its negative). With cash listed the weights add up to 1; without, the",
        f"{item}rest is cash. Roles: {', '.join(ROLES)}.",
        f"{item}rebalance: PERIOD gives a book its own schedule (default: execution.rebalance).",
        "signals: NAME: {INDICATOR: {PARAM: value}}; a number may be a param's name. Indicators:",
    ]
    for name, indicator in INDICATORS.items():
        lines.append(f"{item}{name} ({indicator.gives}): {indicator.doc}")
        for key, param in indicator.params.items():
            required = param.default is None and key in REQUIRED
            default = "required" if required else f"default {_show(param.default)}"
            lines.append(f"{sub}{key}: {param.kind}, {default}: {param.doc}")
    lines += [
        f"rules: a list, in priority; each has the keys {', '.join(RULE_KEYS)}:",
        f"{item}when: CONDITION, go: BOOK   move to go when it holds (the first that fires wins)",
        f"{item}while: CONDITION, go: BOOK  show go while it holds; the other rules run beneath",
        f"{item}from: BOOK or [BOOKS]       the books it moves from (default: any)",
        f"{item}hold: {{{', '.join(HOLD_KEYS)}}}      bars before leaving, at most, then where",
        f"{item}cooldown: BARS              after the stay it started ends, the rule waits",
        f"{item}check: PERIOD               asked every bar, or on each period's last:",
        f"{sub}{' | '.join(PERIODS)}",
        "conditions: comparisons > < >= <=, X crosses above|below Y, and, or, not, (...),",
        f"{item}CONDITION for N days, TRIGGER fires (the bar it turns on).",
        f"{item}Keywords: {', '.join(KEYWORDS)}",
    ]
    return lines


def _wrap(doc: str) -> str:
    indent = " " * 6
    return textwrap.fill(
        doc, _WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def _how_to_set(prefix: str, kind: str) -> str:
    if kind == "signal":
        return "Built by hartnett_switch from its parameters (--describe hartnett_switch)."
    if prefix == "run":
        return (
            "Set with a flag (--data, --start, ...), --set KEY=VALUE or a config file's top level."
        )
    return f"Set with --set {prefix}.KEY=VALUE or in a config file's {prefix}: section."


def listing() -> str:
    """Strategies, signals, settings sections and presets, one line each (``--list``)."""
    lines = ["strategies (--strategy NAME, --describe NAME):"]
    lines += [f"  {name:20}{cls.summary}" for name, cls in STRATEGIES.items()]
    lines += ["", "signals (signals/, used by hartnett_switch; --describe NAME):"]
    lines += [f"  {name:20}{_first_line(cls)}" for name, cls in signal_classes().items()]
    lines += ["", "settings (--describe NAME; --set NAME.KEY=VALUE):"]
    sections: dict[str, type] = {**SECTIONS, "run": RunConfig}
    lines += [f"  {name:20}{_first_line(cls)}" for name, cls in sections.items()]
    lines += ["", "presets (--config FILE):"]
    for path in sorted(PRESETS.glob("*.yaml")):
        lines.append(f"  {'configs/' + path.name:30}{_preset_summary(path)}")
    lines += ["", "calls (--config FILE; docs/write_a_call.md, --describe call):"]
    for path in sorted((PRESETS / "calls").glob("*.yaml")):
        lines.append(f"  {'configs/calls/' + path.name:30}{_preset_summary(path)}")
    return "\n".join(lines)


def _first_line(cls: type) -> str:
    return (inspect.getdoc(cls) or "").strip().splitlines()[0] if cls.__doc__ else ""


def _preset_summary(path: Path) -> str:
    """A preset's first comment line."""
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def _show(value: Any) -> str:
    if value is MISSING:  # a field without a default: the user gives it
        return "(required)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_show(item)}" for key, item in value.items()) + "}"
    if is_dataclass(value) and not isinstance(value, type):
        return _show({spec.name: getattr(value, spec.name) for spec in fields(value)})
    return str(value)
