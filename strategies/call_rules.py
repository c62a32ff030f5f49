"""The rules of a call file: how they are read and checked, and the names they share.

`RuleReading` is the part of the call file's reader (`strategies.call_format`) that reads
``rules:``: each rule's keys, its condition's names, its books, and whether it can ever fire.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from signals.conditions import ConditionError, flags_named, names, parse, truth

RULE_KEYS = ("name", "when", "while", "go", "from", "hold", "cooldown", "check")
HOLD_KEYS = ("min", "max", "then")
PERIODS = ("daily", "weekly", "monthly", "quarterly", "yearly")

Ref = float | str
"""A number, or a parameter's name (``-name`` for its negative)."""


@dataclass(frozen=True)
class Rule:
    """One rule: ``when`` moves to ``go`` (from ``sources``, None: any); ``while`` overlays it."""

    name: str
    kind: str  # "when" or "while"
    condition: str
    go: str
    sources: tuple[str, ...] | None
    min_hold: Ref = 0
    max_hold: Ref = 0
    then: str | None = None
    cooldown: Ref = 0
    check: str = "daily"
    """How often the rule is asked: daily, or on the last bar of each week, month, ..."""


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """``; did you mean X?``, or the valid names."""
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {close[0]}?" if close else f"; valid: {', '.join(choices) or 'none'}"


class RuleReading:
    """Reading ``rules:``; the reader it is part of says where each problem is (``say``)."""

    named: dict[str, str]

    def say(self, where: tuple[Any, ...], message: str, *, warn: bool = False) -> None:
        """Record a problem (or a warning) at ``where``; the reader says how."""
        raise NotImplementedError

    def _ref(self, where: tuple[Any, ...], value: Any, params: dict[str, float]) -> Ref | None:
        raise NotImplementedError

    def _rules(self, given: Any, regimes: list[str], params: dict) -> list[Rule]:
        if not isinstance(given, list):
            self.say(("rules",), "expected a list of rules, first that fires wins")
            return []
        kinds = self.named
        rules = []
        for place, spec in enumerate(given):
            where = ("rules", place)
            if not isinstance(spec, Mapping):
                self.say(where, "expected {when: CONDITION, go: BOOK}")
                continue
            for key in spec:
                if isinstance(key, bool):
                    self.say(
                        (*where, key),
                        "YAML reads a bare on/off/yes/no as true/false; "
                        "quote it, or for when a rule is asked write check: monthly",
                    )
                elif key not in RULE_KEYS:
                    self.say((*where, key), f"unknown key of a rule{suggest(key, RULE_KEYS)}")
            kind = "while" if "while" in spec else "when"
            if ("when" in spec) == ("while" in spec):
                self.say(where, "a rule needs exactly one of when (a move) or while (an overlay)")
            condition = str(spec.get(kind, ""))
            self._condition((*where, kind), condition, params, kinds)
            go = spec.get("go")
            if go not in regimes:
                self.say((*where, "go"), f"{go!r} is no book{suggest(str(go), regimes)}")
            sources = spec.get("from")
            sources = [sources] if isinstance(sources, str) else sources
            for source in sources or []:
                if source not in regimes:
                    self.say(
                        (*where, "from"), f"{source!r} is no book{suggest(str(source), regimes)}"
                    )
            hold = spec.get("hold") or {}
            if not isinstance(hold, Mapping):
                self.say((*where, "hold"), "expected {min: BARS, max: BARS, then: BOOK}")
                hold = {}
            for key in hold:
                if key not in HOLD_KEYS:
                    self.say((*where, "hold", key), f"unknown key{suggest(key, HOLD_KEYS)}")
            then = hold.get("then")
            if then is not None and then not in regimes:
                self.say(
                    (*where, "hold", "then"), f"{then!r} is no book{suggest(str(then), regimes)}"
                )
            check = spec.get("check", "daily")
            if check not in PERIODS:
                self.say((*where, "check"), f"{check!r}{suggest(str(check), PERIODS)}")
            refs = {
                key: self._ref((*where, "hold", key), hold[key], params) or 0
                for key in ("min", "max")
                if key in hold
            }
            rules.append(
                Rule(
                    name=str(spec.get("name") or f"rule{place + 1}_{go}"),
                    kind=kind,
                    condition=condition,
                    go=str(go),
                    sources=None if sources is None else tuple(sources),
                    min_hold=refs.get("min", 0),
                    max_hold=refs.get("max", 0),
                    then=then,
                    cooldown=self._ref((*where, "cooldown"), spec["cooldown"], params) or 0
                    if "cooldown" in spec
                    else 0,
                    check=str(check),
                )
            )
        return rules

    def _condition(self, where: tuple, condition: str, params: dict, kinds: dict) -> None:
        try:
            tree = parse(condition)
        except ConditionError as exc:
            self.say(where, str(exc))
            return
        known = [*kinds, *params]
        for name in names(tree):
            if name not in known:
                self.say(where, f"unknown name {name!r}{suggest(name, known)}")
        for name in flags_named(tree):
            if kinds.get(name) == "value" or name in params:
                self.say(where, f"{name} is a number, not true/false: compare it (> or <)")
        if set(names(tree)) <= set(params) and not truth(tree, {}, params, 1).any():
            self.say(
                where,
                "the rule can never fire: its condition reads no signal and is "
                "false with the params' values",
            )

    def _reach(self, start: str, regimes: list[str], rules: list[Rule]) -> None:
        """A book no rule reaches is a warning; a rule that can never fire is an error."""
        reached = {start}
        moves = [rule for rule in rules if rule.kind == "when"]
        changed = True
        while changed:
            before = len(reached)
            for rule in moves:
                if rule.sources is None or reached & set(rule.sources):
                    reached |= {rule.go, *([rule.then] if rule.then else [])}
            changed = len(reached) != before
        shown = reached | {rule.go for rule in rules if rule.kind == "while"}
        for name in regimes:
            if name not in shown:
                self.say(("books", name), "no rule reaches this book", warn=True)
        for place, rule in enumerate(rules):
            if rule.kind != "when":
                continue
            sources = set(regimes) if rule.sources is None else set(rule.sources)
            if not (sources - {rule.go}) & reached:
                self.say(
                    ("rules", place),
                    f"rule {rule.name} can never fire: it moves only "
                    f"from books never held ({', '.join(sorted(sources)) or 'none'}) or "
                    f"from {rule.go} to itself",
                )


def value_of(ref: Ref, params: Mapping[str, float]) -> float:
    """A number, or the value of the parameter it names (``-name``: its negative)."""
    if isinstance(ref, str):
        name = ref.lstrip("-")
        return -params[name] if ref.startswith("-") else params[name]
    return float(ref)
