"""Conditions and the regime machine of a call, on hand-checkable bars."""

from __future__ import annotations

import numpy as np
import pytest

from signals.conditions import ConditionError, parse, text, truth
from signals.regimes import MAX_HOLD, NO_CAUSE, RuleArrays, decide

X = np.array([1.0, 3.0, np.nan, 4.0, 2.0, 5.0, 6.0, 7.0])
ON = np.array([False, True, True, False, True, True, True, False])


def _truth(condition: str, **params: float) -> list[bool]:
    tree = parse(condition)
    return truth(tree, {"x": X, "on": ON}, params, len(X)).tolist()


def test_comparisons_read_nan_as_false() -> None:
    assert _truth("x > 2.5") == [False, True, False, True, False, True, True, True]
    assert _truth("not x > 2.5") == [True, False, True, False, True, False, False, False]


def test_a_crossing_is_the_bar_it_goes_beyond_the_first_bar_from_below() -> None:
    # beyond: F T F T F T T T -> crossing on the bars after a False
    assert _truth("x crosses above lvl", lvl=2.5) == [bool(b) for b in (0, 1, 0, 1, 0, 1, 0, 0)]
    assert _truth("x crosses below 2.5") == [True, False, False, False, True, False, False, False]


def test_held_for_days_fires_and_logic() -> None:
    assert _truth("on for 2 days") == [False, False, True, False, False, True, True, False]
    assert _truth("on fires") == [False, True, False, False, True, False, False, False]
    assert _truth("on and x > 4 or x < 1.5") == [
        True,
        False,
        False,
        False,
        False,
        True,
        True,
        False,
    ]
    assert _truth("on and (x > 4 or x < 1.5)") == [False] * 5 + [True, True, False]


def test_bad_conditions_say_where() -> None:
    with pytest.raises(ConditionError, match="expected more after 'x >'"):
        parse("x >")
    with pytest.raises(ConditionError, match="unexpected 'y'"):
        parse("x > 1 y")
    assert text(parse("a crosses above b or not c")) == "(a crosses above b or not (c))"


def _rule(condition: str, go: int, **kw: object) -> RuleArrays:
    return RuleArrays(
        kind=kw.pop("kind", "when"),
        tree=parse(condition),
        sources=kw.pop("sources", None),
        go=go,
        **kw,
    )  # type: ignore[arg-type]


def test_the_machine_holds_min_and_max_then_cools_down() -> None:
    n = 12
    enter = np.zeros(n, dtype=bool)
    enter[[1, 6, 7, 9]] = True
    leave = np.zeros(n, dtype=bool)
    leave[[2, 3]] = True
    rules = [
        _rule("enter", 1, sources=(0,), min_hold=0, max_hold=3, then=0, cooldown=2),
        _rule("leave", 0, sources=(1,)),
    ]
    path = decide(rules, {"enter": enter, "leave": leave}, {}, 2, 0, n)
    # bar 1 enter; bar 2 leave (held 1 >= min 0); cooldown 2: bars 3, 4 ignore entries;
    # bar 6 enter, held 1, 2, 3 on bars 6, 7, 8 -> max hold ends it on bar 9; bar 9's entry
    # is ignored (one move a bar), and bars 10, 11 cool down.
    assert path.shown.tolist() == [0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert path.causes[[1, 2, 6, 9]].tolist() == [0, 1, 0, MAX_HOLD]
    assert path.causes[0] == NO_CAUSE


def test_a_min_hold_delays_an_exit_and_an_overlay_runs_over_the_rules() -> None:
    n = 6
    flags = {
        "enter": np.array([1, 0, 0, 0, 0, 0], dtype=bool),
        "leave": np.array([0, 1, 0, 0, 0, 0], dtype=bool),
        "late": np.array([0, 0, 0, 1, 0, 0], dtype=bool),
        "guard": np.array([0, 0, 1, 1, 1, 0], dtype=bool),
    }
    rules = [
        _rule("guard", 2, kind="while"),
        _rule("enter", 1, sources=(0,), min_hold=3),
        _rule("leave or late", 0, sources=(1,)),
    ]
    path = decide(rules, flags, {}, 3, 0, n)
    # entered bar 0; leave on bar 1 ignored (held 1 < 3); late on bar 3 (held 3) exits beneath
    assert path.beneath.tolist() == [1, 1, 1, 0, 0, 0]
    assert path.shown.tolist() == [1, 1, 2, 2, 2, 0]
    assert path.causes[3] == 2
