"""A switch's rules run on its signals: the regime decided at each close, and what decided it.

A switching strategy gives its thresholds and holds as a `SwitchRules` (any object with those
fields: the strategy itself) and its signals by name: ``bull_bear`` (the reading),
``support_<name>`` (each support level) and ``dollar_guard``. `triggers` reads the signals once
per market into arrays; the compiled rules of `signals.rules` turn them into regimes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

import numpy as np
import pandas as pd

from data.market import Market, Role, Universe
from signals.base import Signal
from signals.rules import hold_counts, switch_regimes, switch_signals
from signals.support import SupportBreak

Regime = Literal["neutral", "main_street", "defensive"]
REGIMES: tuple[Regime, ...] = get_args(Regime)
SUPPORT_PREFIX = "support_"
"""A support level named ``gold`` is the signal ``support_gold`` in every output."""


class SwitchRules(Protocol):
    """What the rules, the explanation and the Signals now panel read of a switching strategy."""

    @property
    def sell_above(self) -> float:
        """The reading rising above it enters ``main_street``."""

    @property
    def buy_below(self) -> float:
        """The reading below it is an exit to ``neutral``."""

    @property
    def max_hold(self) -> int:
        """Bars in ``main_street`` before returning to ``neutral`` (0: no limit)."""

    @property
    def min_hold(self) -> int:
        """Bars in ``main_street`` before an exit is obeyed."""

    @property
    def cooldown(self) -> int:
        """Bars after leaving ``main_street`` on which entries are ignored."""

    @property
    def break_wins_bars(self) -> int:
        """Bars a support break that fired with the reading below ``buy_below`` wins for."""

    @property
    def supports(self) -> Mapping[str, SupportBreak]:
        """The support levels by name."""

    def roles(self) -> tuple[Role, ...]:
        """The universe roles any regime holds."""


@dataclass(frozen=True)
class TriggerArrays:
    """What `triggers` gives: arrays on the history's dates."""

    reading: np.ndarray
    breaks: dict[str, np.ndarray]
    any_break: np.ndarray
    guard: np.ndarray


@dataclass(frozen=True)
class _Triggers:
    """A switch's signals, evaluated once per market into the arrays the rules read."""

    signals: tuple[tuple[str, Signal], ...]

    def evaluate(self, market: Market) -> TriggerArrays:
        """The reading, each support level's firings, any of them, and the guard, as arrays."""
        signals = dict(self.signals)
        breaks = {}
        for name, signal in signals.items():
            if name.startswith(SUPPORT_PREFIX):
                broken = market.evaluate(signal).to_numpy()
                breaks[name] = broken & ~np.r_[False, broken[:-1]]  # the bar a break fires
        n = len(market.history)
        guard = signals.get("dollar_guard")
        return TriggerArrays(
            reading=market.evaluate(signals["bull_bear"]).to_numpy(dtype=float),
            breaks=breaks,
            any_break=np.logical_or.reduce([*breaks.values(), np.zeros(n, dtype=bool)]),
            guard=np.zeros(n, dtype=bool) if guard is None else market.evaluate(guard).to_numpy(),
        )


def triggers(signals: Mapping[str, Signal], market: Market) -> TriggerArrays:
    """The signals' arrays on the market's history, read once per distinct signal set."""
    return market.evaluate(_Triggers(tuple(signals.items())))


def regime_codes(rules: SwitchRules, arrays: TriggerArrays) -> np.ndarray:
    """The regime codes (places in `REGIMES`) on the history: the compiled rules."""
    limit = rules.max_hold or len(arrays.reading) + 1
    return switch_regimes(
        arrays.reading, arrays.any_break, arrays.guard, rules.sell_above,
        rules.buy_below, rules.min_hold, limit, rules.cooldown, rules.break_wins_bars,
    )  # fmt: skip


class SwitchMemo:
    """What a switch shares with its copies that change only rules or books (a sweep's).

    They read the same signal parameters, so they share the signals (by universe) and their
    arrays on the last market read; consecutive copies with the same rules (a sweep of the
    books) share the regime path too. The market is held weakly, and a pickled memo is empty.
    Read only what it gives.
    """

    def __init__(self) -> None:
        self.signals: dict[Universe, dict[str, Signal]] = {}
        self._read: (
            tuple[weakref.ref[Market], TriggerArrays, tuple[float, ...], np.ndarray] | None
        ) = None

    def __reduce__(self) -> tuple[type[SwitchMemo], tuple[()]]:
        return (SwitchMemo, ())

    def regime_codes(
        self, rules: SwitchRules, signals: Callable[[], Mapping[str, Signal]], market: Market
    ) -> np.ndarray:
        """`regime_codes` on the `triggers` of ``signals()`` on ``market``, remembered."""
        read = self._read  # one read and one write: a race recomputes, never mixes
        limits = (rules.min_hold, rules.max_hold, rules.cooldown, rules.break_wins_bars)
        key = (rules.sell_above, rules.buy_below, *limits)
        if read is None or read[0]() is not market:
            arrays = triggers(signals(), market)
        elif read[2] == key:
            return read[3]
        else:
            arrays = read[1]
        codes = regime_codes(rules, arrays)
        self._read = (weakref.ref(market), arrays, key, codes)
        return codes


def switch_arrays(rules: SwitchRules, arrays: TriggerArrays) -> tuple[np.ndarray, ...]:
    """`signals.rules.switch_signals` on the triggers: entries, exits, conflicts."""
    return switch_signals(
        arrays.reading, arrays.any_break, rules.sell_above, rules.buy_below,
        rules.break_wins_bars,
    )  # fmt: skip


def position_counts(
    rules: SwitchRules, arrays: TriggerArrays
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bars held, cooldown bars left and buy-ignored bars left after each close.

    The first two are the counters of `signals.rules.hold_counts` on the switch's entries and
    exits; the position runs on beneath the dollar guard, so it is counted there too. The third
    is the coming bars on which the reading below ``buy_below`` is no exit, after a break that
    won a conflict (``break_wins_bars``).
    """
    entries, exits, conflicts = switch_arrays(rules, arrays)
    limit = rules.max_hold or len(arrays.reading) + 1
    bars, waits = hold_counts(entries, exits, rules.min_hold, limit, rules.cooldown)
    places = np.arange(len(conflicts))
    last = np.maximum.accumulate(np.where(conflicts, places, -(2**62)))
    ignored = np.clip(last + rules.break_wins_bars - 1 - places, 0, None)
    return bars, waits, ignored if rules.break_wins_bars else np.zeros_like(bars)


def reading_entry(rules: SwitchRules) -> str:
    """The name of the reading's entry trigger among the firings."""
    return f"bull_bear_above_{rules.sell_above:g}"


def conflict_rule(rules: SwitchRules) -> str:
    """How a conflict is decided, in words (``metrics.json``)."""
    if not rules.break_wins_bars:
        return "buy signal wins: a support break with the reading below buy_below is ignored"
    return (
        f"break wins for {rules.break_wins_bars} bars: it enters main_street and the reading "
        "below buy_below is no exit on its bar and the bars after it up to that count"
    )


@dataclass(frozen=True)
class Decisions:
    """The regime decided at each close of the history, and what decided it, as arrays.

    ``codes`` are places in `REGIMES`; ``fired`` each entry trigger's firings; ``exits`` the
    bars on which the reading below ``buy_below`` is an exit; ``conflicts`` the bars on which a
    support break fired with the reading below ``buy_below``.
    """

    codes: np.ndarray
    fired: dict[str, np.ndarray]
    exits: np.ndarray
    reading: np.ndarray
    conflicts: np.ndarray

    def series(
        self, market: Market
    ) -> tuple[pd.Series, dict[str, pd.Series], pd.Series, pd.Series, pd.Series]:
        """The regime (names), firings, exits, reading and conflicts on the history's dates."""
        index = market.history.index
        regime = pd.Series(np.array(REGIMES, dtype=object)[self.codes], index=index)
        fired = {name: pd.Series(flag, index=index) for name, flag in self.fired.items()}
        exits, conflicts = pd.Series(self.exits, index), pd.Series(self.conflicts, index)
        return regime, fired, exits, pd.Series(self.reading, index), conflicts


def decide(rules: SwitchRules, signals: Mapping[str, Signal], market: Market) -> Decisions:
    """The regime decided at each close of the history, with its triggers and exits."""
    arrays = triggers(signals, market)
    above = arrays.reading > rules.sell_above  # NaN is never above
    fired = {reading_entry(rules): above & ~np.r_[False, above[:-1]], **arrays.breaks}
    _, exits, conflicts = switch_arrays(rules, arrays)
    return Decisions(
        codes=regime_codes(rules, arrays),
        fired=fired,
        exits=exits,
        reading=arrays.reading,
        conflicts=conflicts,
    )
