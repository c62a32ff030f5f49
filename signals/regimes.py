"""A call's rules as one compiled pass: regimes moved by prioritised rules, holds, cool-downs.

`move_regimes` is the state machine every call runs; `signals.rules.switch_regimes` is the
special case hartnett_switch hard-wires (one entry rule, one exit rule, a guard over both).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from signals.conditions import Condition, truth

MAX_HOLD = -2
"""The cause code of a change made by a rule's maximum hold running out."""
NO_CAUSE = -1


@njit(cache=True)
def move_regimes(
    fires: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    min_hold: np.ndarray,
    max_hold: np.ndarray,
    then: np.ndarray,
    cooldown: np.ndarray,
    overlays: np.ndarray,
    overlay_regimes: np.ndarray,
    start: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The regime shown at each bar, the regime beneath the overlays, and each change's cause.

    ``fires`` (rules x bars) says where each rule's condition holds; rule ``k`` moves from a
    regime ``r`` with ``sources[k, r]`` to ``targets[k]``, the first rule in order that may
    wins, one move a bar; a winning rule whose target is the regime held keeps it (the rules
    after it are not asked). A stay entered by rule ``k`` counts its bars from 1 on the entry bar;
    rules leaving it wait until ``min_hold[k]`` bars are held, and after ``max_hold[k]`` bars
    (0: none) the stay ends, moving to ``then[k]`` (-1: the regime it came from). After a stay
    rule ``k`` started ends, ``k`` is ignored on that bar and the ``cooldown[k]`` bars after it.
    ``overlays`` (x bars) show ``overlay_regimes`` while they hold, the first holding one
    winning; the rules run on beneath them. Causes: the rule's place, `MAX_HOLD`, or
    `NO_CAUSE` on bars with no move beneath. Timing: bar ``t`` reads bars ``<= t`` only.
    """
    rules, n = fires.shape
    shown = np.empty(n, dtype=np.int64)
    beneath = np.empty(n, dtype=np.int64)
    causes = np.full(n, NO_CAUSE, dtype=np.int64)
    wait = np.zeros(rules, dtype=np.int64)
    blocked = np.zeros(rules, dtype=np.bool_)  # reused: no allocation inside the loop
    regime, held, entered_by, came_from = start, 0, -1, start
    for i in range(n):
        for k in range(rules):
            blocked[k] = wait[k] > 0
            if blocked[k]:
                wait[k] -= 1
        move, cause = -1, NO_CAUSE
        if entered_by >= 0 and max_hold[entered_by] > 0 and held >= max_hold[entered_by]:
            move = then[entered_by] if then[entered_by] >= 0 else came_from
            cause = MAX_HOLD
        else:
            settled = entered_by < 0 or held >= min_hold[entered_by]
            for k in range(rules):
                if fires[k, i] and sources[k, regime] and not blocked[k] and settled:
                    move, cause = targets[k], k  # to the regime held: it stays, and wins
                    break
        if move >= 0 and move != regime:
            if entered_by >= 0:
                wait[entered_by] = cooldown[entered_by]
            came_from, regime, held = regime, move, 1
            entered_by = cause if cause >= 0 else -1
            causes[i] = cause
        else:
            held += 1
        beneath[i] = regime
        shown[i] = regime
        for o in range(overlays.shape[0]):
            if overlays[o, i]:
                shown[i] = overlay_regimes[o]
                break
    return shown, beneath, causes


@dataclass(frozen=True)
class RuleArrays:
    """One rule with its numbers resolved: what `decide` hands to `move_regimes`."""

    kind: str  # "when": a move; "while": an overlay
    tree: Condition
    sources: tuple[int, ...] | None  # regimes it moves from (places); None: any
    go: int
    min_hold: int = 0
    max_hold: int = 0
    then: int = -1
    cooldown: int = 0
    on: np.ndarray | None = None  # the bars it may fire on (None: every bar)


@dataclass(frozen=True)
class RegimePath:
    """The regimes decided at each bar: shown, beneath the overlays, and each move's cause."""

    shown: np.ndarray
    beneath: np.ndarray
    causes: np.ndarray
    fired: np.ndarray  # rules x bars: where each rule's condition held (and it could fire)


def decide(
    rules: Sequence[RuleArrays],
    values: Mapping[str, np.ndarray],
    params: Mapping[str, float],
    regimes: int,
    start: int,
    n: int,
) -> RegimePath:
    """Evaluate every rule's condition on ``n`` bars and run `move_regimes` over them."""
    fired = np.zeros((len(rules), n), dtype=np.bool_)
    for place, rule in enumerate(rules):
        fired[place] = truth(rule.tree, values, params, n)
        if rule.on is not None:
            fired[place] &= rule.on
    moves = [place for place, rule in enumerate(rules) if rule.kind == "when"]
    laid = [place for place, rule in enumerate(rules) if rule.kind == "while"]
    sources = np.zeros((len(moves), regimes), dtype=np.bool_)
    for row, place in enumerate(moves):
        allowed = rules[place].sources
        sources[row, list(range(regimes)) if allowed is None else list(allowed)] = True

    def column(name: str) -> np.ndarray:
        return np.array([getattr(rules[place], name) for place in moves], dtype=np.int64)

    shown, beneath, causes = move_regimes(
        fired[moves] if moves else np.zeros((0, n), dtype=np.bool_),
        sources,
        column("go"),
        column("min_hold"),
        column("max_hold"),
        column("then"),
        column("cooldown"),
        fired[laid] if laid else np.zeros((0, n), dtype=np.bool_),
        np.array([rules[place].go for place in laid], dtype=np.int64),
        start,
    )
    causes = np.where(
        causes >= 0, np.array([*moves, 0], dtype=np.int64)[np.maximum(causes, 0)], causes
    )
    return RegimePath(shown, beneath, causes, fired)


def period_ends(index: pd.DatetimeIndex, period: str) -> np.ndarray | None:
    """True on the last bar of each period (None for daily): where a periodic rule may fire.

    A bar ends its period when the next bar is in another one, so the data's last bar ends
    none: a rule never fires on a month-end it cannot yet know.
    """
    if period == "daily":
        return None
    code = {"weekly": "W", "monthly": "M", "quarterly": "Q", "yearly": "Y"}[period]
    periods = index.to_period(code)
    return np.append(periods[1:] != periods[:-1], False)
