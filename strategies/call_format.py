"""A call file: books, signals and rules as YAML, read and checked as a preset is.

Loaded with the safe loader (`core.strict_yaml`: no tag builds an object, nothing runs code);
every problem of a file is found before any is raised, each as ``FILE:LINE: KEY: what`` with a
suggestion for a name it does not know. The format is documented in docs/write_a_call.md and
described by configs/calls/call.schema.json.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core import strict_yaml
from core.errors import ConfigError
from core.places import PROJECT_ROOT
from data.market import ROLES, TICKER
from signals.conditions import KEYWORDS
from signals.library import INDICATORS
from strategies.call_rules import (
    PERIODS,
    Ref,
    Rule,
    RuleReading,
    suggest,
    value_of,
)

TOP_KEYS = (
    "call",
    "source",
    "description",
    "params",
    "books",
    "signals",
    "start",
    "rules",
    "rotates_into",
)
CASH = "cash"
REBALANCE = "rebalance"
"""A book's key for its own schedule (``rebalance: quarterly``), not a ticker."""
WEIGHT_TOLERANCE = 1e-9
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class CallProblems(ConfigError):
    """Every problem of a call file, one a line (``problems``: each with its file and line)."""

    lines = True

    def __init__(self, head: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join([head, *(f"  {problem}" for problem in problems)]))


@dataclass(frozen=True)
class CallSpec:
    """A call file, read and checked; plain values only, so it hashes and caches."""

    path: str
    call: str
    source: str
    params: tuple[tuple[str, float], ...]
    books: tuple[tuple[str, tuple[tuple[str, Ref], ...]], ...]
    signals: tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...]
    start: str
    rules: tuple[Rule, ...]
    rotates_into: str
    schedules: tuple[tuple[str, str], ...] = ()
    """Books rebalanced on their own schedule (the rest on ``execution.rebalance``)."""
    warnings: tuple[str, ...] = ()


def located(file: str) -> Path:
    """The call file's path: as given, or under the project's folder when not found there."""
    given = Path(file).expanduser()
    if given.is_absolute() or given.exists():
        return given
    shipped = PROJECT_ROOT / given
    return shipped if shipped.exists() else given


def load_call(path: str | Path) -> CallSpec:
    """Read and check the call file at ``path`` (cached while the file is unchanged)."""
    where = Path(path)
    if not where.is_file():
        raise ConfigError(f"{path}: no call file there (configs/calls/ has examples)")
    stat = where.stat()
    return _load(str(where), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _load(path: str, _mtime: int, _size: int) -> CallSpec:
    text = Path(path).read_text()
    try:
        content, lines = strict_yaml.load(text), strict_yaml.key_lines(text)
    except strict_yaml.YamlRefused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return _Reader(path, lines).read(content)


class _Reader(RuleReading):
    """One pass over a file's content, collecting problems with their lines."""

    def __init__(self, path: str, lines: dict[tuple[Any, ...], int]) -> None:
        self.path, self.lines = path, lines
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.named: dict[str, str] = {}
        self.schedules: dict[str, str] = {}
        """Each book's own rebalance schedule, where it declares one."""
        """Each signal's name and what it gives (value or trigger; ? for an unknown indicator)."""

    def say(self, where: tuple[Any, ...], message: str, *, warn: bool = False) -> None:
        line = next(
            (self.lines[where[:i]] for i in range(len(where), 0, -1) if where[:i] in self.lines), 1
        )
        key = ".".join(str(part) for part in where) or "(top)"
        (self.warnings if warn else self.problems).append(f"{self.path}:{line}: {key}: {message}")

    def read(self, content: Any) -> CallSpec:
        if not isinstance(content, Mapping):
            raise CallProblems(
                f"1 problem in the call file {self.path}:",
                [f"{self.path}:1: (top): expected a mapping with call, books and rules"],
            )
        for key in content:
            if key not in TOP_KEYS:
                self.say((key,), f"unknown key{suggest(key, TOP_KEYS)}")
        if not isinstance(content.get("call"), str):
            self.say(("call",), "required: the call's name, shown in reports")
        params = self._params(content.get("params") or {})
        books = self._books(content.get("books"), params)
        signals = self._signals(content.get("signals") or {}, params)
        regimes = [name for name, _ in books]
        start = content.get("start", regimes[0] if regimes else "")
        if regimes and start not in regimes:
            self.say(("start",), f"{start!r} is no book{suggest(start, regimes)}")
        rules = self._rules(content.get("rules") or [], regimes, params)
        rotates = content.get("rotates_into") or next(
            (name for name in regimes if name != start), start
        )
        if regimes and rotates not in regimes:
            self.say(("rotates_into",), f"{rotates!r} is no book{suggest(rotates, regimes)}")
        if not self.problems:  # a misnamed book would make its rules look unreachable
            self._reach(start, regimes, rules)
        if self.problems:
            count = len(self.problems)
            head = f"{count} problem{'s' * (count > 1)} in the call file {self.path}:"
            raise CallProblems(head, self.problems)
        return CallSpec(
            path=self.path,
            call=str(content["call"]),
            source=str(content.get("source") or ""),
            params=tuple(params.items()),
            books=tuple(books),
            signals=tuple(signals),
            start=start,
            rules=tuple(rules),
            rotates_into=rotates,
            schedules=tuple(self.schedules.items()),
            warnings=tuple(self.warnings),
        )

    def _params(self, given: Any) -> dict[str, float]:
        if not isinstance(given, Mapping):
            self.say(("params",), "expected a mapping of names to numbers")
            return {}
        params = {}
        for name, value in given.items():
            if not isinstance(name, str) or not _NAME.match(name) or name in KEYWORDS:
                self.say(
                    ("params", name),
                    "a parameter's name is a word (letters, _, digits), not one of the "
                    f"conditions' keywords ({', '.join(KEYWORDS)})",
                )
            elif isinstance(value, bool) or not isinstance(value, int | float):
                self.say(("params", name), f"{value!r}: expected a number")
            else:
                params[name] = float(value)
        return params

    def _ref(self, where: tuple[Any, ...], value: Any, params: dict[str, float]) -> Ref | None:
        """A number or a parameter's name; None (with a problem) otherwise."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                self.say(where, f"{value}: expected a finite number")
                return None
            return float(value)
        if isinstance(value, str) and value.lstrip("-") in params:
            return value
        self.say(
            where, f"{value!r}: expected a number or a parameter{suggest(str(value), list(params))}"
        )
        return None

    def _books(self, given: Any, params: dict[str, float]) -> list[tuple[str, tuple]]:
        if not isinstance(given, Mapping) or not given:
            self.say(("books",), "required: at least one book of target weights")
            return []
        books = []
        for name, holdings in given.items():
            where = ("books", name)
            if not isinstance(name, str) or not _NAME.match(name):
                self.say(where, "a book's name is a word (letters, _, digits)")
                continue
            if not isinstance(holdings, Mapping):
                self.say(where, "expected a mapping of tickers or roles to weights")
                continue
            weights = []
            for holding, weight in holdings.items():
                if holding == REBALANCE:
                    if weight not in PERIODS:
                        self.say((*where, holding), f"{weight!r}{suggest(str(weight), PERIODS)}")
                    self.schedules[name] = str(weight)
                    continue
                ref = self._ref((*where, holding), weight, params)
                if not isinstance(holding, str) or not (
                    holding in (*ROLES, CASH) or TICKER.match(holding)
                ):
                    self.say((*where, holding), "expected a ticker, a role or cash")
                elif ref is not None:
                    weights.append((holding, ref))
            self._adds_up(where, weights, params)
            books.append((name, tuple(weights)))
        return books

    def _adds_up(self, where: tuple[Any, ...], weights: list, params: dict[str, float]) -> None:
        """A book that declares its cash adds up to 1; one that does not may not borrow."""
        values = {holding: value_of(ref, params) for holding, ref in weights}
        net = sum(values.values())
        if CASH in values and abs(net - 1.0) > WEIGHT_TOLERANCE:
            self.say(where, f"weights with cash add up to {net:g}, not 1")
        elif CASH not in values and net > 1.0 + WEIGHT_TOLERANCE:
            self.say(
                where,
                f"net weight {net:g} is above 1: it borrows {net - 1:g} of "
                f"portfolio value (declare cash: {1 - net:g} to mean it)",
                warn=True,
            )

    def _signals(self, given: Any, params: dict[str, float]) -> list[tuple[str, str, tuple]]:
        if not isinstance(given, Mapping):
            self.say(("signals",), "expected a mapping of names to indicators")
            return []
        signals = []
        for name, spec in given.items():
            where = ("signals", name)
            if not isinstance(name, str) or not _NAME.match(name) or name in KEYWORDS:
                self.say(where, "a signal's name is a word, not a keyword of the conditions")
                continue
            if name in params:
                self.say(where, "a parameter has this name too")
            if not isinstance(spec, Mapping) or len(spec) != 1:
                self.say(where, "expected {INDICATOR: {PARAM: value}}, one indicator")
                continue
            indicator, values = next(iter(spec.items()))
            self.named[name] = INDICATORS[indicator].gives if indicator in INDICATORS else "?"
            if indicator not in INDICATORS:
                self.say(
                    (*where, indicator), f"unknown indicator{suggest(indicator, list(INDICATORS))}"
                )
                continue
            known = INDICATORS[indicator].params
            values = values or {}
            if not isinstance(values, Mapping):
                self.say((*where, indicator), "expected a mapping of its parameters")
                continue
            checked = []
            for key, value in values.items():
                at = (*where, indicator, key)
                if key not in known:
                    self.say(at, f"unknown parameter of {indicator}{suggest(key, list(known))}")
                    continue
                kind = known[key].kind
                if kind in ("number", "whole") and isinstance(value, str):
                    value = self._ref(at, value, params)
                elif not _fits(kind, value):
                    self.say(at, f"{value!r}: expected {kind}")
                    continue
                elif kind == "file" and value and not self._near(value):
                    self.say(
                        at,
                        f"{value!r} lies outside the call file's folder and the working "
                        "folder, so it is not read; put the file beside the call",
                    )
                    continue
                checked.append((key, value))
            for key in ("ticker", "level", "versus"):
                if key in known and known[key].default is None and key not in values:
                    self.say((*where, indicator), f"{indicator} needs {key}")
            signals.append((name, indicator, tuple(checked)))
        return signals

    def _near(self, named: str) -> bool:
        """Whether a file the call names lies beside it or under the working folder.

        A call may come from someone else; the files it names are read (a bad one's header is
        quoted in its error), so, as for a preset (`pipeline.config_file`), only those.
        """
        where = Path(named).expanduser()
        resolved = (where if where.is_absolute() else Path.cwd() / where).resolve()
        folders = (Path(self.path).resolve().parent, Path.cwd().resolve())
        return any(resolved.is_relative_to(folder) for folder in folders)


def _fits(kind: str, value: Any) -> bool:
    if "|" in kind:
        return value in kind.split("|")
    if kind == "flag":
        return isinstance(value, bool)
    if kind == "tickers":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "file":
        return value is None or isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "whole":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)
