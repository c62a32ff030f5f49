"""Levels as a strategist means them: a break is a close crossing support from above, a dollar
surge a cross from below; each trigger re-arms by a close back on the other side, or bars.

Every expected flag is worked out by hand from the closes written next to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError
from data.market import Market, Universe
from signals.dollar_guard import DollarSystemic
from signals.rules import armed
from signals.support import SupportBreak

T, F = True, False
NAN = np.nan


def _market(prices: dict[str, list[float]]) -> Market:
    frame = pd.DataFrame(
        prices, index=pd.bdate_range("2024-01-01", periods=len(next(iter(prices.values()))))
    )
    return Market(prices=frame.astype(float), universe=Universe(), source="test", synthetic=True)


def _flags(series: pd.Series) -> list[bool]:
    assert series.dtype == bool
    return series.tolist()


def test_a_price_that_was_never_above_its_level_never_breaks_it() -> None:
    market = _market({"XLK": [120, 121, 119, 118, 117, 116]})
    crossing = SupportBreak(ticker="XLK", mode="absolute", level=133, confirm_days=1)
    below = SupportBreak(ticker="XLK", mode="below_level", level=133, confirm_days=1)
    assert _flags(crossing.evaluate(market)) == [F] * 6
    assert _flags(below.evaluate(market)) == [T] * 6  # the old "is below" reading, by name


def test_a_break_is_a_cross_from_above_confirmed_then_held_until_a_close_back_above() -> None:
    #              above below below below  back  below below
    closes = [140, 132, 131, 130, 133, 132, 131]
    market = _market({"XLK": closes})
    signal = SupportBreak(ticker="XLK", mode="absolute", level=133, confirm_days=2)
    # the 2nd close below (bar 2) confirms; 133 is not below 133, so bar 4 re-arms;
    # bars 5 and 6 are a second crossing, confirmed at bar 6
    assert _flags(signal.evaluate(market)) == [F, F, T, T, F, F, T]


def test_rearm_bars_pause_a_level_after_it_fired() -> None:
    closes = [140, 132, 134, 132, 134, 132, 134, 134, 132]
    market = _market({"XLK": closes})
    eager = SupportBreak(ticker="XLK", mode="absolute", level=133, confirm_days=1)
    paused = SupportBreak(ticker="XLK", mode="absolute", level=133, confirm_days=1, rearm_bars=5)
    assert _flags(eager.evaluate(market)) == [F, T, F, T, F, T, F, F, T]
    # fired at bar 1; bars 3 and 5 are within 5 bars of it; bar 8 is 7 bars after
    assert _flags(paused.evaluate(market)) == [F, T, F, F, F, F, F, F, T]
    assert paused.label == "XLK crosses < 133 for 1d, re-armed after 5 bars"


def test_a_missing_close_neither_breaks_nor_rearms() -> None:
    closes = [140, 132, NAN, 131, 140, NAN, 130]
    market = _market({"XLK": closes})
    signal = SupportBreak(ticker="XLK", mode="absolute", level=133, confirm_days=1)
    # the missing close (bar 2) ends the break, and with no close back above since, bar 3 is no
    # new one; bar 4 re-arms, bar 5 is unknown, bar 6 breaks again
    assert _flags(signal.evaluate(market)) == [F, T, F, F, F, F, T]


def test_the_dollar_guard_fires_once_per_surge_not_on_every_wobble_in_yields() -> None:
    # the dollar crosses 100 at bar 1 and sits above it to bar 6, falls back at bar 7, and
    # surges again at bar 8; the yields' fall holds on bars 2, 4 and 8
    dollar = [99, 101, 102, 103, 102, 101, 101, 98, 100]
    tnx = [4.0, 4.0, 3.4, 3.9, 3.4, 3.9, 3.9, 3.9, 3.3]  # 1-bar change: -0.6 on bars 2, 4, 8
    market = _market({"DX-Y.NYB": dollar, "^TNX": tnx})
    common = {"level": 100.0, "yields_fall_bps": 50.0, "yields_days": 1}
    crossing = DollarSystemic(**common)
    level = DollarSystemic(**common, mode="level")
    assert _flags(level.evaluate(market)) == [F, F, T, F, T, F, F, F, T]
    # bar 2 fires (armed by bar 0's 99); bar 4 is the same surge, so it waits for bar 7's 98
    assert _flags(crossing.evaluate(market)) == [F, F, T, F, F, F, F, F, T]
    assert crossing.label == "DX-Y.NYB crosses >= 100 & ^TNX -50bp/1d"


def test_a_dollar_above_its_level_from_the_first_bar_never_fires() -> None:
    market = _market({"DX-Y.NYB": [104, 105, 106]})
    assert _flags(DollarSystemic(level=100.0).evaluate(market)) == [F, F, F]
    assert _flags(DollarSystemic(level=100.0, mode="level").evaluate(market)) == [T, T, T]


def test_armed_against_a_plain_loop() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        condition = rng.random(n) < 0.5
        rearm = ~condition & (rng.random(n) < 0.7)
        confirm, pause = int(rng.integers(1, 4)), int(rng.integers(0, 6))
        expected, ready, on, run, last = [], False, False, 0, None
        for i in range(n):  # the rule in words: re-armed by a rearm bar, fired by a held run
            ready = ready or bool(rearm[i])
            run = run + 1 if condition[i] else 0
            if on:
                on = bool(condition[i])
            elif ready and run >= confirm and (last is None or i - last >= pause):
                on, ready, last = True, False, i
            expected.append(on)
        index = pd.RangeIndex(n)
        got = armed(pd.Series(condition, index), pd.Series(rearm, index), confirm, pause)
        assert got.tolist() == expected


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DollarSystemic(mode="sometimes"), "dollar_mode = 'sometimes'"),
        (lambda: SupportBreak(ticker="X", level=0.1, rearm_bars=-1), "rearm_bars"),
        (
            lambda: SupportBreak(ticker="X", mode="below_level", level=9.0, rearm_bars=3),
            "below_level mode does not re-arm",
        ),
    ],
)
def test_bad_modes_and_pauses_are_refused(make, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make()


def test_changing_later_closes_never_changes_an_earlier_break_or_guard() -> None:
    rng = np.random.default_rng(11)
    for _ in range(50):
        n, cut = 60, int(rng.integers(1, 59))
        closes = 133 + rng.normal(0, 2, n).cumsum()
        later = closes.copy()
        later[cut:] = 133 + rng.normal(0, 5, n - cut)
        for mode in ("absolute", "below_level", "drawdown"):
            level = 0.02 if mode == "drawdown" else 133.0
            signal = SupportBreak(ticker="X", mode=mode, level=level, window=5, confirm_days=2)
            before = signal.evaluate(_market({"X": list(closes)})).to_numpy()[:cut]
            after = signal.evaluate(_market({"X": list(later)})).to_numpy()[:cut]
            assert (before == after).all()
        guard = DollarSystemic(ticker="X", level=133.0)
        before = guard.evaluate(_market({"X": list(closes)})).to_numpy()[:cut]
        assert (before == guard.evaluate(_market({"X": list(later)})).to_numpy()[:cut]).all()
