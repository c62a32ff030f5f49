"""Signals now says only what is true: arming, the holds' rules, and the as-of date.

Each market is hand-made: flat books, a gold or dollar series written out, a readings file of
one value. Every expected state is worked out by hand from the closes written beside it; a
"from now" count is checked by extending the market and seeing the regime change there.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from data.market import Market, MarketRequest, Universe
from data.sources import SYNTHETIC_BANNER, load_market
from reporting.console import signals_now_text
from reporting.switch_sections import signals_now_section
from strategies import HartnettSwitch

BOOKS = ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD")


def _market(
    reading: float,
    *,
    gold: list[float] | None = None,
    dollar: list[float] | None = None,
    tnx: list[float] | None = None,
    carried_on: dict[str, list[int]] | None = None,
    xlk: list[float] | None = None,
) -> Market:
    """Flat books at 100; gold at 110 and the dollar at 95 unless written out."""
    n = len(next(s for s in (gold, dollar, tnx, xlk, [0.0] * 5) if s is not None))
    days = pd.bdate_range("2024-01-01", periods=n)
    columns: dict[str, Any] = {t: np.full(n, 100.0) for t in BOOKS}
    columns["XLK"] = xlk if xlk is not None else columns["XLK"]
    columns["GC=F"] = gold if gold is not None else np.full(n, 110.0)
    columns["DX-Y.NYB"] = dollar if dollar is not None else np.full(n, 95.0)
    columns["^TNX"] = tnx if tnx is not None else np.full(n, 4.0)
    readings = pd.Series([reading], index=[days[0] - pd.Timedelta(days=7)])
    return Market(
        prices=pd.DataFrame(columns, index=days).astype(float),
        universe=Universe(),
        source="test",
        synthetic=True,
        external={"bull_bear": readings},
        carried_on={t: days[places] for t, places in (carried_on or {}).items()},
    )


def _switch(**given: Any) -> HartnettSwitch:
    gold = {"ticker": "GC=F", "mode": "absolute", "level": 100.0, "confirm_days": 3}
    gold.update(given.pop("gold", {}))
    settings = {
        "reading_source": "published",
        "reading_file": "readings.csv",
        "supports": {"gold": gold},
        "dollar_guard": True,
        "yields_fall_bps": 0,
        "max_hold": 10,
        **given,
    }
    return HartnettSwitch(**settings)


def _day(market: Market, place: int) -> str:
    return market.prices.index[place].date().isoformat()


def _regime_after(
    strategy: HartnettSwitch, market: Market, more: dict[str, list[float]]
) -> list[str]:
    """The regime on 24 bars after the market's last: ``more``'s closes, then the last repeated.

    A column not in ``more`` repeats its last close.
    """
    extra = pd.bdate_range(market.prices.index[-1], periods=25)[1:]
    tail = pd.DataFrame(market.prices.iloc[-1].to_dict(), index=extra)
    for ticker, closes in more.items():
        tail[ticker] = [*closes, *[closes[-1]] * (len(extra) - len(closes))]
    longer = Market(
        prices=pd.concat([market.prices, tail]),
        universe=Universe(),
        source="test",
        synthetic=True,
        external=market.external,
    )
    regime = strategy.explain(longer).regime
    return regime.iloc[len(market.prices) :].tolist()


def test_a_level_never_above_its_support_is_not_armed_and_never_said_to_trigger() -> None:
    strategy = _switch()
    market = _market(5.0, gold=[90.0] * 8)  # below 100 from the first close: no crossing
    now = strategy.signals_now(market)
    gold = now["supports"][0]
    assert (gold["armed"], gold["broken"], gold["last_break"]) == (False, False, None)
    assert gold["rearm"] == "GC=F closes at or above 100.00"
    assert now["regime"]["held"] == "neutral"
    assert now["would_change"][1] == (
        "gold not armed (no re-arming close since the start): it fires only after GC=F closes "
        "at or above 100.00, then GC=F closes below its support 3 days in a row (now 90.00, "
        "-10.0% from it; 8 closes below it in a row)"
    )
    assert not any(line.startswith("main_street if GC=F") for line in now["would_change"])
    assert "not armed (8 closes below in a row, 3 confirm); re-arms when GC=F closes at or " in (
        signals_now_text(now)
    )


def test_a_level_broken_then_left_by_max_hold_waits_for_a_close_back_above() -> None:
    strategy = _switch(max_hold=3)
    # Above, then below from bar 3: the 3rd close below (bar 5) fires; held bars 5-7 (max_hold
    # 3), neutral from bar 8 with gold still below and no close back above since the break.
    market = _market(5.0, gold=[110.0] * 3 + [99.0] * 7)
    now = strategy.signals_now(market)
    gold = now["supports"][0]
    assert now["regime"]["held"] == "neutral"
    assert now["regime"]["since"] == _day(market, 8)
    assert (gold["armed"], gold["broken"], gold["last_break"]) == (False, True, _day(market, 5))
    assert now["would_change"][1].startswith(
        f"gold not armed (no re-arming close since its break on {_day(market, 5)}): it fires "
        "only after GC=F closes at or above 100.00"
    )
    # True to the rules: more closes below change nothing; a close back above, then 3 below do.
    assert set(_regime_after(strategy, market, {"GC=F": [99.0]})) == {"neutral"}


def test_a_level_in_its_rearm_pause_says_how_many_bars_it_cannot_fire() -> None:
    strategy = _switch(max_hold=1, gold={"confirm_days": 1, "rearm_bars": 5})
    # Fires at bar 1 (a close below), re-armed by bar 2's close above; a firing needs
    # 5 bars after bar 1, so bars 4 and 5 (the next 2 after bar 3) are still barred.
    market = _market(5.0, gold=[110.0, 99.0, 110.0, 110.0])
    now = strategy.signals_now(market)
    gold = now["supports"][0]
    assert (gold["armed"], gold["rearm_bars_left"], gold["last_break"]) == (
        True,
        2,
        _day(market, 1),
    )
    assert now["would_change"][1] == (
        "main_street if GC=F closes below 100.00 (gold) 1 days in a row (now 110.00, +10.0% "
        f"from it; 0 so far); no break of it fires on the next 2 bar(s) (rearm_bars 5 after its "
        f"break on {_day(market, 1)})"
    )
    assert _regime_after(strategy, market, {"GC=F": [99.0]})[:3] == [
        "neutral",
        "neutral",
        "main_street",
    ]


def test_below_level_has_no_arming_and_says_a_break_that_is_on_must_end_first() -> None:
    strategy = _switch(max_hold=2, gold={"mode": "below_level"})
    market = _market(5.0, gold=[90.0] * 6)  # confirmed at bar 2, held 2-3, neutral from 4
    now = strategy.signals_now(market)
    gold = now["supports"][0]
    assert (gold["armed"], gold["broken"], gold["rearm"]) == (True, True, None)
    assert now["regime"]["held"] == "neutral"
    assert now["would_change"][1] == (
        "gold is on already (6 closes below 100.00), so it enters main_street again only after "
        "GC=F closes at or above 100.00 and then 3 days in a row below it (now 90.00, -10.0% "
        "from it)"
    )


def test_a_dollar_above_its_level_from_the_start_leaves_the_cross_guard_disarmed() -> None:
    now = _switch().signals_now(_market(5.0, dollar=[101.0] * 5))
    guard = now["dollar_guard"]
    assert (guard["on"], guard["armed"], guard["last_fired"]) == (False, False, None)
    assert now["would_change"][-1] == (
        "dollar guard disarmed: fires again only after DX-Y.NYB closes below 100 (now 101.00; "
        "no close below 100 since the start)"
    )
    assert "; off, disarmed: fires again only after DX-Y.NYB closes below 100" in (
        signals_now_text(now)
    )
    level_mode = _switch(dollar_mode="level").signals_now(_market(5.0, dollar=[101.0] * 5))
    assert level_mode["dollar_guard"]["armed"] is True  # level mode has no arming: it is on


def test_a_guard_that_fired_is_disarmed_after_the_yields_recover() -> None:
    strategy = _switch(yields_fall_bps=50, yields_days=1)
    # Bar 1: the dollar crosses 100 with yields 60 bp lower: fires (defensive). Bar 2: yields
    # flat, so it lifts; the dollar never closes below 100 again, so it cannot fire.
    market = _market(5.0, dollar=[99.0, 101.0, 101.0, 101.0], tnx=[4.0, 3.4, 3.4, 3.4])
    now = strategy.signals_now(market)
    guard = now["dollar_guard"]
    assert (guard["on"], guard["armed"], guard["last_fired"]) == (False, False, _day(market, 1))
    assert now["would_change"][-1].startswith(
        "dollar guard disarmed: fires again only after DX-Y.NYB closes below 100 (now 101.00; "
        f"it fired on {_day(market, 1)})"
    )
    held = strategy.signals_now(_market(5.0, dollar=[99.0, 101.0], tnx=[4.0, 3.4]))
    assert held["regime"]["held"] == "defensive"
    assert held["dollar_guard"]["armed"] is False
    assert held["would_change"] == [
        "the defensive guard holds while DX-Y.NYB at or above 100 (now 101.00) with ^TNX down "
        "50 bp or more over 1 bars (now -60 bp); it lifts when either fails (then it fires "
        "again only after DX-Y.NYB closes below 100); then the regime is the position beneath "
        "it, neutral now"
    ]


def test_held_neutral_above_sell_above_needs_a_fall_and_a_new_crossing() -> None:
    strategy = _switch()
    market = _market(9.6, gold=[110.0] * 12)  # enters on bar 0, max_hold 10: out from bar 10
    now = strategy.signals_now(market)
    assert now["regime"]["held"] == "neutral"
    assert now["would_change"][0] == (
        "main_street if the reading closes at or below 8 and later rises above 8 again (now "
        "9.60: it is above already, and only a crossing counts)"
    )
    assert set(_regime_after(strategy, market, {})) == {"neutral"}  # 9.6 forever: no entry


def test_held_main_street_an_exit_waits_for_min_hold() -> None:
    strategy = _switch(min_hold=5, max_hold=0, break_wins_bars=1)
    # The 3rd close below (bar 7) enters although the reading (1.5) is below buy_below: a
    # conflict the break wins for its own bar (break_wins_bars 1), so min_hold alone holds the
    # exit off; held 2 bars at bar 8, an exit needs 5 held before it: the 4th bar from now.
    market = _market(1.5, gold=[110.0] * 5 + [99.0] * 4)
    now = strategy.signals_now(market)
    assert (now["regime"]["held"], now["regime"]["hold_bars"]) == ("main_street", 2)
    assert now["would_change"][0] == (
        "neutral if the reading closes below 2 (now 1.50); a close below it counts from the 4th "
        "bar from now on (min_hold 5 bars, held 2)"
    )
    assert _regime_after(strategy, market, {})[:4] == ["main_street"] * 3 + ["neutral"]


def test_held_main_street_max_hold_names_the_bar_it_ends() -> None:
    strategy = _switch(max_hold=6)
    market = _market(5.0, gold=[110.0] * 3 + [99.0] * 4)  # fires at bar 5, held 2 bars
    now = strategy.signals_now(market)
    assert now["would_change"][1] == "neutral on the 5th bar from now: max_hold 6 bars (held 2)"
    assert _regime_after(strategy, market, {})[:5] == ["main_street"] * 4 + ["neutral"]


def test_held_neutral_in_a_cooldown_says_entries_are_ignored() -> None:
    strategy = _switch(max_hold=2, cooldown=4, gold={"confirm_days": 1})
    # Fires at bar 3, held 3-4, out at bar 5 with 4 bars of cooldown (6-9): at bar 7, 2 left.
    market = _market(5.0, gold=[110.0] * 3 + [99.0] * 5)
    now = strategy.signals_now(market)
    assert now["regime"]["cooldown_bars_left"] == 2
    assert now["would_change"][0] == (
        "no entry before the 3rd bar from now: cooldown 4 bars after leaving main_street, so a "
        "crossing or a break on the next 2 bar(s) is ignored"
    )
    # A close back above re-arms gold; a new break on the 2nd bar from now is ignored (and,
    # being on, does not fire again), one on the 3rd enters.
    assert set(_regime_after(strategy, market, {"GC=F": [110.0, 99.0]})) == {"neutral"}
    after = _regime_after(strategy, market, {"GC=F": [110.0, 110.0, 99.0]})
    assert after[:3] == ["neutral", "neutral", "main_street"]


def test_the_as_of_date_is_the_last_with_every_close_its_own() -> None:
    strategy = _switch(supports={"tech": {"ticker": "XLK", "mode": "absolute", "level": 100.0,
                                          "confirm_days": 1}})  # fmt: skip
    # XLK breaks on the last bar, but SPY's last close is carried: as of bar 3, neutral. The
    # signals decide on the stock's own trading days only (`Market.sessions`), so the last bar
    # holds bar 3's regime too; the break is seen at SPY's next close.
    market = _market(5.0, xlk=[110.0, 110.0, 110.0, 110.0, 90.0], carried_on={"SPY": [4]})
    assert strategy.explain(market).regime.iloc[-1] == "neutral"
    now = strategy.signals_now(market)
    assert (now["as_of"], now["data_end"]) == (_day(market, 3), _day(market, 4))
    assert now["lagging"] == [{"ticker": "SPY", "last_close": _day(market, 3)}]
    assert now["regime"]["held"] == "neutral"
    assert now["supports"][0]["close"] == 110.0
    text = signals_now_text(now, mark=False)  # the panel alone, without the demo mark
    assert text.splitlines()[:2] == [
        f"Signals now, as of the close of {_day(market, 3)}, the last date every series has a "
        f"close of its own (the data run to {_day(market, 4)})",
        f"  lagging          SPY last close {_day(market, 3)}",
    ]


@pytest.mark.parametrize(
    ("given", "market"),
    [
        ({}, _market(5.0, gold=[90.0] * 8, dollar=[101.0] * 8)),
        ({"max_hold": 3}, _market(5.0, gold=[110.0] * 3 + [99.0] * 7)),
        ({"max_hold": 0}, _market(5.0, gold=[110.0] * 3 + [99.0] * 4)),
        ({}, _market(5.0, gold=[110.0] * 5, carried_on={"GC=F": [4], "SPY": [3, 4]})),
    ],
)
def test_the_text_and_the_report_agree_with_the_json(given: dict[str, Any], market: Market) -> None:
    now = _switch(**given).signals_now(market)
    text = signals_now_text(now, mark=False)
    page = signals_now_section(now, synthetic=True)
    marked = signals_now_text(now).splitlines()  # a made-up market: the demo mark, then the panel
    assert marked == ["*** " + SYNTHETIC_BANNER + " ***", *text.splitlines()]
    assert text.splitlines()[0].startswith(f"Signals now, as of the close of {now['as_of']}")
    assert f"As of the close of {now['as_of']}" in page
    for lag in now["lagging"]:
        assert f"  lagging          {lag['ticker']} last close {lag['last_close']}" in text
        assert f"Lagging: {lag['ticker']}, last close {lag['last_close']}." in page
    for level in now["supports"]:
        line = next(x for x in text.splitlines() if x.startswith(f"  support {level['name']}"))
        assert ("BROKEN" in line) == level["broken"]
        assert ("not armed" in line) == (not level["armed"])
        assert (f"re-arms when {level['rearm']}" in line) == (not level["armed"])
    guard = now["dollar_guard"]
    line = next(x for x in text.splitlines() if x.startswith("  dollar guard"))
    assert ("disarmed" in line) == (not guard["armed"])
    assert ("ON" in line) == guard["on"]
    changes = text.split("  what would change it:\n")[1].splitlines()
    assert changes == [f"    - {x}" for x in now["would_change"]]
    assert all(escape(x) in page for x in now["would_change"])


def test_the_loader_lists_the_dates_a_close_is_carried(tmp_path: Path) -> None:
    days = pd.bdate_range("2024-03-04", periods=5)
    for ticker, places in (("SPY", range(5)), ("AGG", range(5)), ("GC=F", (0, 2, 3))):
        closes = pd.DataFrame({"Date": days[list(places)], "Adj Close": 100.0})
        closes.to_csv(tmp_path / f"{ticker}.csv", index=False)
    request = MarketRequest(universe=Universe(), roles=(), signal_tickers=("GC=F",))
    market = load_market(f"csv:{tmp_path}", request)
    # Gold's day 1 is a gap, carried; on day 4 its file has ended, so it has no value at all.
    assert list(market.carried_on["GC=F"]) == [days[1]]
    assert np.isnan(market.prices["GC=F"].iloc[4])
    assert market.carried_on["SPY"].empty
    own = market.own_closes(["SPY", "GC=F"])
    assert own["GC=F"].tolist() == [True, False, True, True, False]
