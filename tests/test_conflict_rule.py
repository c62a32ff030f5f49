"""A support break while the reading is below buy_below: the buy signal wins, by default.

The hand-made market's regimes are worked out by hand bar by bar beside it; the property tests
run the compiled rule on random readings and firings; the real run counts one-bar spells.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import run_backtest
from data.market import Market, Universe
from signals.rules import switch_regimes
from strategies import HartnettSwitch

# bar:      0    1    2    3    4    5    6    7    8    9   10   11
READING = [5.0, 5.0, 1.5, 1.5, 1.5, 1.5, 5.0, 5.0, 5.0, 1.5, 5.0, 5.0]
GOLD = [110, 110, 95, 95, 110, 110, 95, 95, 95, 95, 95, 95]
# Gold breaks 100 (one close below, after closes at or above it) on bars 2 and 6 only; on
# bar 2 the reading is 1.5, below buy_below 2: a conflict.


def _market(bars: int = len(READING), gold: list[int] = GOLD) -> Market:
    days = pd.bdate_range("2024-01-01", periods=bars)  # a Monday
    prices = pd.DataFrame(
        {t: np.full(bars, 100.0) for t in ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD")},
        index=days,
    )
    prices["GC=F"] = np.array(gold[:bars], dtype=float)
    # Each reading dated the calendar day before its bar, in force on the bar (1 day's delay).
    readings = pd.Series(READING[:bars], index=days - pd.Timedelta(days=1))
    return Market(
        prices=prices, universe=Universe(), source="test", synthetic=True,
        external={"bull_bear": readings},
    )  # fmt: skip


def _switch(**given: int) -> HartnettSwitch:
    return HartnettSwitch(
        reading_source="published",
        reading_file="readings.csv",
        supports={
            "gold": {"ticker": "GC=F", "mode": "absolute", "level": 100.0, "confirm_days": 1}
        },
        dollar_guard=False,
        max_hold=0,
        **given,
    )


def _codes(regime: pd.Series) -> str:
    return "".join({"neutral": "N", "main_street": "M"}[r] for r in regime)


@pytest.mark.parametrize(
    ("break_wins_bars", "expected"),
    [
        # Bar 2's break is ignored (the buy signal wins); bar 6's enters with the reading at 5;
        # the reading at 1.5 on bar 9 leaves.
        (0, "NNNNNNMMMNNN"),
        # Bar 2's break enters; the readings below 2 on bars 3 and 4 are no exit (3 bars: 2, 3,
        # 4), the one on bar 5 is; bar 6's break enters again; bar 9 leaves.
        (3, "NNMMMNMMMNNN"),
        # The break wins for its own bar only: the one-bar spell the rule otherwise avoids.
        (1, "NNMNNNMMMNNN"),
    ],
)
def test_a_break_below_buy_below_by_hand(break_wins_bars: int, expected: str) -> None:
    market = _market()
    explained = _switch(break_wins_bars=break_wins_bars).explain(market)
    assert explained.signals["bull_bear"].tolist() == READING  # the readings are in force
    assert _codes(explained.regime) == expected
    conflict_day = market.prices.index[2]
    assert list(explained.conflicts["support_gold"]) == [conflict_day]
    events = explained.events.set_index("date")["cause"]
    if break_wins_bars:
        assert "conflict" in events[conflict_day]
    else:
        assert conflict_day not in events.index
        assert events[market.prices.index[6]] == "support_gold"
    assert explained.conflict_rule.startswith("buy signal wins" if not break_wins_bars else "break")


def test_what_would_change_it_says_a_break_is_ignored_below_buy_below() -> None:
    market = _market(5)  # ends on bar 4: neutral, gold back at 110 (armed), the reading 1.5
    now = _switch().signals_now(market)
    assert now["regime"]["held"] == "neutral"
    (gold,) = (line for line in now["would_change"] if "gold" in line)
    assert "a break is ignored while the reading is below 2 (now 1.50)" in gold
    # True: gold breaks on the next bar (95) with the reading still 1.5, and nothing enters.
    longer = _market(6, gold=[*GOLD[:5], 95])
    assert _switch().explain(longer).signals["entry_support_gold"].iloc[5]
    assert _codes(_switch().explain(longer).regime) == "NNNNNN"


def test_what_would_change_it_counts_the_bars_a_winning_break_holds_off_the_buy_signal() -> None:
    strategy = _switch(break_wins_bars=3)
    now = strategy.signals_now(_market(4))  # ends on bar 3: in main_street since bar 2's break
    assert now["regime"]["buy_ignored_bars_left"] == 1
    exit_line = now["would_change"][0]
    assert "counts from the 2nd bar from now" in exit_line
    assert _codes(strategy.explain(_market()).regime)[4:6] == "MN"  # bar 4 held, bar 5 left


def test_break_wins_bars_is_checked() -> None:
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"strategy\.break_wins_bars"):
        HartnettSwitch(break_wins_bars=-1)


def _spells(codes: np.ndarray) -> list[tuple[int, int, int]]:
    """(code, first bar, bars) of each spell that starts and ends inside the array."""
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    return [(int(codes[a]), int(a), int(b - a)) for a, b in zip(starts, ends, strict=True)][1:-1]


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    min_hold=st.integers(0, 3),
    max_hold=st.sampled_from([0, 1, 2, 5, 20]),
    cooldown=st.sampled_from([0, 0, 2]),
    break_wins=st.sampled_from([0, 0, 1, 2, 4]),
    buy_below=st.sampled_from([2.0, 4.0]),
)
def test_no_one_bar_main_street_spell_unless_the_settings_or_a_new_signal_make_it(
    seed: int, min_hold: int, max_hold: int, cooldown: int, break_wins: int, buy_below: float
) -> None:
    rng = np.random.default_rng(seed)
    n = 250
    reading = np.clip(5 + np.cumsum(rng.normal(0, 1.2, n)), 0, 10)
    reading[rng.random(n) < 0.03] = np.nan
    breaks = rng.random(n) < 0.15
    limit = max_hold or n + 1
    codes = switch_regimes(
        reading, breaks, np.zeros(n, dtype=bool), 8.0, buy_below, min_hold, limit, cooldown,
        break_wins,
    )  # fmt: skip
    below = reading < buy_below  # NaN is not below
    for code, first, bars in _spells(codes):
        conflict = breaks[first] and below[first]
        if code == 1:
            # Buy signal wins: main_street never begins while the reading is below buy_below.
            assert break_wins or not below[first]
            # A break that wins holds off the buy signal for break_wins bars.
            if conflict:
                assert bars >= min(max(break_wins, min_hold, 1), limit)
        if code == 1 and bars == 1:
            fresh_buy = not below[first] and below[first + 1] and min_hold <= 1
            assert limit == 1 or (conflict and break_wins == 1) or fresh_buy
        if code == 0 and bars == 1 and not break_wins:
            # Out for one bar between two holds: a new entry on a bar the buy signal is over.
            assert not below[first + 1]


def test_the_default_run_from_2006_has_no_one_bar_main_street_spell(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2006-01-01", "--allow-partial", "--no-report", "-qq"]
    assert run_backtest.main(argv) == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    regime = signals["regime"]
    spell = regime.ne(regime.shift()).cumsum()
    lengths = regime.groupby(spell).agg(["first", "size"])
    assert not ((lengths["first"] == "main_street") & (lengths["size"] == 1)).any()
    # Every conflict, counted independently from signals.csv: a support's firing (its
    # ``entry_`` column) on a close with the reading below buy_below 2.
    fired = signals.filter(like="entry_support_").astype(bool)
    conflicts = fired.loc[signals["bull_bear"] < 2].any(axis=1)
    switching = json.loads((run_dir / "metrics.json").read_text())["switching"]
    assert switching["conflicts"]["count"] == int(conflicts.sum()) > 0
    assert switching["conflicts"]["dates"] == [str(d.date()) for d in conflicts.index[conflicts]]
    # Ignored, each one: no entry into main_street on a conflict's date.
    events = pd.read_csv(run_dir / "events.csv", parse_dates=["date"])
    entered = events.loc[events["regime"] == "main_street", "date"]
    assert not set(entered) & set(conflicts.index[conflicts])
