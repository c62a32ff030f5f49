"""Conditions a call's rules test, as text: comparisons, crossings, and/or/not, held for N days.

A condition is read once into a small tree (`parse`), checked for unknown names by the call's
loader, and evaluated on arrays of the signals (`truth`) with the parameters' values, so a
sweep of a threshold re-evaluates a few numpy operations, never the signals. Nothing in a
condition can run code: the grammar below is all there is.

    condition := term ("or" term)*
    term      := factor ("and" factor)*
    factor    := "not" factor | atom ["for" COUNT "days"] | atom "fires"
    atom      := "(" condition ")" | operand OP operand | operand "crosses" ("above"|"below")
                 operand | NAME
    operand   := NAME (a signal or a parameter) | NUMBER | "-" operand

Timing: every operation reads bars ``<= t``; a NaN compares False, and a crossing's first bar
counts as coming from below (above) it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

COMPARISONS = (">=", "<=", ">", "<")
KEYWORDS = ("and", "or", "not", "crosses", "above", "below", "for", "days", "fires")
"""The words of the grammar; no signal or parameter may take one as its name."""
_TOKEN = re.compile(
    r"\s*(?:(\d+\.?\d*(?:e[-+]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|[<>()\-]))"
)


class ConditionError(ValueError):
    """A condition that does not parse; the message says where in the text."""


@dataclass(frozen=True)
class Number:
    """A number written in the condition."""

    value: float


@dataclass(frozen=True)
class Name:
    """A signal's or a parameter's name."""

    name: str


@dataclass(frozen=True)
class Negative:
    """Minus an operand."""

    operand: Operand


Operand = Number | Name | Negative


@dataclass(frozen=True)
class Compare:
    """``left OP right``: NaN compares False."""

    left: Operand
    op: str
    right: Operand


@dataclass(frozen=True)
class Cross:
    """``left crosses above|below right``: the bar it crosses."""

    left: Operand
    direction: str
    right: Operand


@dataclass(frozen=True)
class Flag:
    """A true/false signal by name (NaN is False)."""

    name: str


@dataclass(frozen=True)
class Fires:
    """``X fires``: the bar a condition becomes true."""

    part: Condition


@dataclass(frozen=True)
class Held:
    """``X for N days``: the condition held on N bars in a row, this one included."""

    part: Condition
    days: Operand


@dataclass(frozen=True)
class Both:
    """``a and b``."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Either:
    """``a or b``."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Negated:
    """``not a``."""

    part: Condition


Condition = Compare | Cross | Flag | Fires | Held | Both | Either | Negated


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Condition:
    """The tree of ``text``; a `ConditionError` names the word it could not read."""
    tokens = _tokens(text)
    parser = _Parser(tokens, text)
    tree = parser.condition()
    if parser.place < len(tokens):
        raise ConditionError(f"unexpected {tokens[parser.place]!r} in {text!r}")
    return tree


def _tokens(text: str) -> list[str]:
    tokens, place = [], 0
    while place < len(text.rstrip()):
        found = _TOKEN.match(text, place)
        if not found:
            raise ConditionError(f"cannot read {text[place:].strip()[:20]!r} in {text!r}")
        tokens.append(found.group(found.lastindex or 0))
        place = found.end()
    if not tokens:
        raise ConditionError("an empty condition")
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], text: str) -> None:
        self.tokens, self.text, self.place = tokens, text, 0

    def peek(self) -> str | None:
        return self.tokens[self.place] if self.place < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            wanted = f"{expected!r}" if expected else "more"
            raise ConditionError(f"expected {wanted} after {self._before()!r} in {self.text!r}")
        self.place += 1
        return token

    def _before(self) -> str:
        return " ".join(self.tokens[: self.place]) or "the start"

    def condition(self) -> Condition:
        parts = [self.term()]
        while self.peek() == "or":
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else Either(tuple(parts))

    def term(self) -> Condition:
        parts = [self.factor()]
        while self.peek() == "and":
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else Both(tuple(parts))

    def factor(self) -> Condition:
        if self.peek() == "not":
            self.take()
            return Negated(self.factor())
        part = self.atom()
        if self.peek() == "fires":
            self.take()
            return Fires(part)
        if self.peek() == "for":
            self.take()
            days = self.operand()
            self.take("days")
            return Held(part, days)
        return part

    def atom(self) -> Condition:
        if self.peek() == "(":
            self.take()
            inner = self.condition()
            self.take(")")
            return inner
        left = self.operand()
        token = self.peek()
        if token in COMPARISONS:
            return Compare(left, self.take(), self.operand())
        if token == "crosses":
            self.take()
            direction = self.take()
            if direction not in ("above", "below"):
                raise ConditionError(f"expected above or below after crosses in {self.text!r}")
            return Cross(left, direction, self.operand())
        if isinstance(left, Name):
            return Flag(left.name)
        raise ConditionError(f"a number alone is no condition in {self.text!r}")

    def operand(self) -> Operand:
        token = self.take()
        if token == "-":
            return Negative(self.operand())
        if token[0].isdigit() or token[0] == ".":
            return Number(float(token))
        if token in KEYWORDS or not (token[0].isalpha() or token[0] == "_"):
            raise ConditionError(f"expected a name or a number, not {token!r}, in {self.text!r}")
        return Name(token)


def names(tree: Condition | Operand) -> list[str]:
    """Every name a condition reads (signals and parameters), in order of appearance."""
    if isinstance(tree, Name | Flag):
        return [tree.name]
    if isinstance(tree, Number):
        return []
    found: list[str] = []
    for value in vars(tree).values():
        parts = value if isinstance(value, tuple) else (value,)
        for part in parts:
            if not isinstance(part, str):
                found += names(part)
    return list(dict.fromkeys(found))


def flags_named(tree: Condition) -> list[str]:
    """The names a condition reads as true/false (a signal that must be a trigger)."""
    if isinstance(tree, Flag):
        return [tree.name]
    parts = getattr(tree, "parts", None) or [getattr(tree, "part", None)]
    return [name for part in parts if part is not None for name in flags_named(part)]


def truth(
    tree: Condition, values: Mapping[str, np.ndarray], params: Mapping[str, float], n: int
) -> np.ndarray:
    """The condition on each of ``n`` bars, a bool array; ``values`` hold the signals' arrays."""
    if isinstance(tree, Compare):
        left, right = _value(tree.left, values, params), _value(tree.right, values, params)
        with np.errstate(invalid="ignore"):
            result = _COMPARE[tree.op](left, right)
        return np.broadcast_to(result, (n,)).copy()
    if isinstance(tree, Cross):
        left, right = _value(tree.left, values, params), _value(tree.right, values, params)
        with np.errstate(invalid="ignore"):
            beyond = np.broadcast_to(
                left > right if tree.direction == "above" else left < right, (n,)
            )
        return beyond & ~np.r_[False, beyond[:-1]]
    if isinstance(tree, Flag):
        raw = values[tree.name]
        return raw.copy() if raw.dtype == bool else np.nan_to_num(raw.astype(float)) != 0.0
    if isinstance(tree, Fires):
        on = truth(tree.part, values, params, n)
        return on & ~np.r_[False, on[:-1]]
    if isinstance(tree, Held):
        on = truth(tree.part, values, params, n)
        days = int(_value(tree.days, values, params))
        return _runs(on) >= max(days, 1)
    if isinstance(tree, Negated):
        return ~truth(tree.part, values, params, n)
    parts = [truth(part, values, params, n) for part in tree.parts]
    reduce = np.logical_and if isinstance(tree, Both) else np.logical_or
    return reduce.reduce(parts)


_COMPARE = {
    ">": np.greater,
    "<": np.less,
    ">=": np.greater_equal,
    "<=": np.less_equal,
}


def _value(operand: Operand, values: Mapping[str, np.ndarray], params: Mapping[str, float]):
    if isinstance(operand, Number):
        return operand.value
    if isinstance(operand, Negative):
        return -_value(operand.operand, values, params)
    if operand.name in params:
        return float(params[operand.name])
    return values[operand.name].astype(float)


def _runs(flags: np.ndarray) -> np.ndarray:
    """The bars in a row each flag has held, up to and including its own."""
    places = np.arange(len(flags))
    last_off = np.maximum.accumulate(np.where(flags, -1, places))
    return np.where(flags, places - last_off, 0)


def text(tree: Condition | Operand) -> str:
    """The condition written back as text (for the switch log and ``--describe``)."""
    if isinstance(tree, Number):
        return f"{tree.value:g}"
    if isinstance(tree, Name | Flag):
        return tree.name
    if isinstance(tree, Negative):
        return f"-{text(tree.operand)}"
    if isinstance(tree, Compare):
        return f"{text(tree.left)} {tree.op} {text(tree.right)}"
    if isinstance(tree, Cross):
        return f"{text(tree.left)} crosses {tree.direction} {text(tree.right)}"
    if isinstance(tree, Fires):
        return f"{text(tree.part)} fires"
    if isinstance(tree, Held):
        return f"({text(tree.part)}) for {text(tree.days)} days"
    if isinstance(tree, Negated):
        return f"not ({text(tree.part)})"
    word = " and " if isinstance(tree, Both) else " or "
    return "(" + word.join(text(part) for part in tree.parts) + ")"
