"""Signals and the rules they share: hand-worked cases, no look-ahead, and a real-data check."""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ConfigError, DataError
from data.market import Market, Universe
from signals.base import Signal
from signals.bull_bear import BullBearProxy
from signals.combine import AllOf, AnyOf, Not
from signals.dollar_guard import DollarSystemic
from signals.readings import ExternalIndicator
from signals.rules import confirmed, crossed_above, holding, hysteresis
from signals.support import SupportBreak
from tests.conftest import read_close

T, F = True, False
NAN = np.nan


def _series(values: list, start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)))


def _market(prices: dict[str, list], external: dict | None = None, start: str = "2024-01-01"):
    frame = pd.DataFrame(
        prices, index=pd.bdate_range(start, periods=len(next(iter(prices.values()))))
    )
    return Market(
        prices=frame.astype(float),
        universe=Universe(),
        source="test",
        synthetic=True,
        external=external or {},
    )


def _flags(series: pd.Series) -> list[bool]:
    assert series.dtype == bool
    return series.tolist()


# --- rules -------------------------------------------------------------------------------------


def test_hysteresis_enters_above_and_leaves_below() -> None:
    x = _series([5, 8, 8.5, 7, 3, 1.5, 2, 9, NAN, 1])
    # 8 is not above 8; 2 is not below 2; NaN keeps the state
    assert _flags(hysteresis(x, 8, 2)) == [F, F, T, T, T, F, F, T, T, F]


def test_hysteresis_starts_off_and_refuses_crossed_bands() -> None:
    assert not hysteresis(_series([NAN, 5.0]), 8, 2).any()
    with pytest.raises(ValueError, match="exit_below 3 is above enter_above 2"):
        hysteresis(_series([1.0]), 2, 3)


def test_confirmed_fires_on_the_last_of_days_in_a_row() -> None:
    flag = pd.Series([T, T, F, T, T, T, T, NAN, T], dtype=object)
    assert _flags(confirmed(flag, 3)) == [F, F, F, F, F, T, T, F, F]
    assert _flags(confirmed(flag, 1)) == [T, T, F, T, T, T, T, F, T]
    with pytest.raises(ValueError, match="days = 0"):
        confirmed(flag, 0)


def test_crossed_above_marks_the_bar_of_the_crossing() -> None:
    x = _series([NAN, 9, 7, 8, 8.5, 9, NAN, 9, 3])
    assert _flags(crossed_above(x, 8)) == [F, T, F, F, T, F, F, T, F]
    assert _flags(crossed_above(_series([9.0, 9.5]), 8)) == [T, F]  # the first bar: from NaN


def _hold(entries: list[bool], exits: list[bool], **kwargs) -> list[bool]:
    return _flags(holding(_series(entries), _series(exits), **kwargs))


def test_holding_counts_the_entry_bar_as_day_one() -> None:
    entries = [F, T, F, F, F, F, F]
    exits = [F, F, F, F, T, F, F]
    assert _hold(entries, exits) == [F, T, T, T, F, F, F]
    assert _hold(entries, [F] * 7, max_hold=3) == [F, T, T, T, F, F, F]  # three True bars
    assert _hold(entries, [F, F, T, F, F, F, F]) == [F, T, F, F, F, F, F]  # out the next bar


def test_holding_min_hold_ignores_early_exits() -> None:
    entries = [F, T, F, F, F, F, F]
    assert _hold(entries, [F, F, T, F, F, F, F], min_hold=3) == [F, T, T, T, T, T, T]
    assert _hold(entries, [F, F, T, T, T, F, F], min_hold=3) == [F, T, T, T, F, F, F]
    # an entry and an exit on one bar: the entry wins, the exit counts from the next bar
    assert _hold([T, F, F], [T, T, F]) == [T, F, F]


def test_holding_cooldown_ignores_entries_after_an_exit() -> None:
    always = [T] * 10
    never = [F] * 10
    assert _hold(always, never, max_hold=2) == [T, T, F, T, T, F, T, T, F, T]
    assert _hold(always, never, max_hold=2, cooldown=2) == [T, T, F, F, F, T, T, F, F, F]
    entries = [T, F, T, F, T, F, F]
    exits = [F, T, F, F, F, F, F]
    assert _hold(entries, exits, cooldown=1) == [T, F, F, F, T, T, T]


def test_holding_refuses_bad_arguments() -> None:
    x = _series([T, F])
    with pytest.raises(ValueError, match="max_hold 2"):
        holding(x, x, min_hold=3, max_hold=2)
    with pytest.raises(ValueError, match="cooldown -1"):
        holding(x, x, cooldown=-1)
    with pytest.raises(ValueError, match="one index"):
        holding(x, _series([T, F], start="2025-01-01"))


# --- external indicator --------------------------------------------------------------------------


def _weekly_market() -> tuple[Market, pd.Series]:
    thursdays = pd.to_datetime(["2024-01-04", "2024-01-11", "2024-01-18", "2024-01-25"])
    readings = pd.Series([0.1, NAN, 0.3, 0.4], index=thursdays)  # a blank week carries 0.1
    market = _market({"SPY": [1.0] * 20}, {"aaii": readings}, start="2024-01-01")
    return market, readings


def test_external_reading_is_visible_from_its_date_plus_delay() -> None:
    market, _ = _weekly_market()
    same_day = ExternalIndicator(name="aaii", path="a.csv", column="S", delay_days=0)
    next_day = ExternalIndicator(name="aaii", path="a.csv", column="S")
    at0, at1 = same_day.evaluate(market), next_day.evaluate(market)
    assert at0.index.equals(market.prices.index)
    assert np.isnan(at0["2024-01-03"])  # Wednesday: nothing yet
    assert at0["2024-01-04"] == 0.1  # Thursday, delay 0
    assert np.isnan(at1["2024-01-04"])  # Thursday, delay 1: not yet
    assert at1["2024-01-05"] == 0.1  # Friday
    assert (at0["2024-01-17"], at0["2024-01-18"]) == (0.1, 0.3)  # the blank week carries 0.1
    assert (at1["2024-01-18"], at1["2024-01-19"]) == (0.1, 0.3)
    assert at1.iloc[-1] == 0.4


def test_external_delay_over_a_weekend_and_scale() -> None:
    friday = pd.Series([50.0], index=pd.to_datetime(["2024-01-05"]))
    market = _market({"SPY": [1.0] * 6}, {"x": friday})
    signal = ExternalIndicator(name="x", path="x.csv", column="v", delay_days=1, scale=0.01)
    values = signal.evaluate(market)
    assert values.isna()["2024-01-01":"2024-01-05"].all()
    assert values["2024-01-08"] == 0.5  # usable Saturday: first seen Monday
    assert signal.external() == {"x": ("x.csv", "v")}
    assert (signal.tickers(), signal.label) == ((), "x")


def test_external_missing_series_is_a_data_error() -> None:
    with pytest.raises(DataError, match="external series 'aaii'"):
        ExternalIndicator(name="aaii", path="a.csv", column="S").evaluate(_market({"SPY": [1.0]}))


# --- support breaks ------------------------------------------------------------------------------


def test_support_break_absolute_needs_confirm_days_in_a_row() -> None:
    market = _market({"XLK": [140, 132, 131, 134, 130, 129, 128, NAN]})
    signal = SupportBreak(ticker="XLK", mode="absolute", level=133)
    assert _flags(signal.evaluate(market)) == [F, F, F, F, F, F, T, F]
    assert (signal.label, signal.tickers()) == ("XLK crosses < 133 for 3d", ("XLK",))


def test_support_break_below_average() -> None:
    # 3-day averages from bar 2: 10, 9.33, 8.33, 7, 7.33, NaN, NaN; thresholds x 0.9
    market = _market({"XLK": [10, 10, 10, 8, 7, 6, 9, NAN, 5]})
    signal = SupportBreak(ticker="XLK", level=0.1, window=3, confirm_days=1)
    assert _flags(signal.evaluate(market)) == [F, F, F, T, T, T, F, F, F]
    two = SupportBreak(ticker="XLK", level=0.1, window=3, confirm_days=2)
    assert _flags(two.evaluate(market)) == [F, F, F, F, T, T, F, F, F]


def test_support_break_drawdown_from_the_window_high() -> None:
    # 3-day highs from bar 2: 100, 90, 85, 85, 70; x 0.8: 80, 72, 68, 68, 56
    market = _market({"BTC-USD": [100, 90, 80, 85, 70, 60, 64]})
    signal = SupportBreak(ticker="BTC-USD", mode="drawdown", level=0.2, window=3, confirm_days=1)
    assert _flags(signal.evaluate(market)) == [F, F, T, F, F, T, F]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SupportBreak(ticker="XLK", mode="drawdown", level=1.5), "strategy.level = 1.5"),
        (lambda: SupportBreak(ticker="XLK", mode="absolute", level=-1), "strategy.level = -1"),
        (lambda: SupportBreak(ticker="XLK", mode="bogus", level=1), "strategy.mode = 'bogus'"),
        (lambda: SupportBreak(ticker="XLK", level=0.1, confirm_days=0), "strategy.confirm_days"),
        (lambda: DollarSystemic(yields_fall_bps=-5), "strategy.yields_fall_bps = -5"),
        (lambda: BullBearProxy(min_components=6), "strategy.min_components = 6"),
        (lambda: ExternalIndicator(name="a", path="p", column="c", delay_days=-1), "delay_days"),
        (lambda: AnyOf(()), "strategy.signals"),
    ],
)
def test_out_of_range_parameters_are_refused(make, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        make()


# --- dollar guard and combinations ---------------------------------------------------------------


def test_dollar_guard_with_and_without_falling_yields() -> None:
    market = _market(
        {
            "DX-Y.NYB": [99, 100, 101, 102, 99.5, 103, NAN],
            "^TNX": [4.5, 4.4, 4.25, 4.0, 3.9, 4.3, 4.0],
        }
    )
    assert _flags(DollarSystemic(mode="level").evaluate(market)) == [F, T, T, T, F, T, F]
    both = DollarSystemic(yields_fall_bps=25, yields_days=2, mode="level")
    # yield changes over 2 bars: NaN, NaN, -0.25 (exactly 25 bp counts), -0.4, -0.35, +0.3, +0.1
    assert _flags(both.evaluate(market)) == [F, F, T, T, F, F, F]
    assert DollarSystemic().tickers() == ("DX-Y.NYB",)
    assert both.tickers() == ("DX-Y.NYB", "^TNX")
    assert both.label == "DX-Y.NYB >= 100 & ^TNX -25bp/2d"


def test_combinations_are_element_wise_and_read_their_parts_inputs() -> None:
    market = _market({"DX-Y.NYB": [99, 101, 101, 99], "XLK": [140, 140, 120, 120]})
    dollar = DollarSystemic()
    tech = SupportBreak(ticker="XLK", mode="absolute", level=133, confirm_days=1)
    assert _flags(AnyOf((dollar, tech)).evaluate(market)) == [F, T, T, T]
    assert _flags(AllOf(signals=(dollar, tech)).evaluate(market)) == [F, F, T, F]
    assert _flags(Not(dollar).evaluate(market)) == [T, F, F, T]
    either = AnyOf((dollar, Not(tech)))
    assert either.tickers() == ("DX-Y.NYB", "XLK")
    assert either.label == "any(DX-Y.NYB crosses >= 100, not(XLK crosses < 133 for 1d))"
    assert "SupportBreak(ticker='XLK'" in repr(either)


def test_combinations_refuse_a_float_reading() -> None:
    market, _ = _weekly_market()
    reading = ExternalIndicator(name="aaii", path="a.csv", column="S")
    with pytest.raises(ConfigError, match="not a trigger"):
        Not(reading).evaluate(market)


# --- the sentiment proxy -------------------------------------------------------------------------

SMALL = {"average_days": 3, "window_days": 5}


def test_proxy_breadth_counts_tickers_with_a_price_and_an_average() -> None:
    market = _market(
        {
            "SPY": [10, 10, 10, 12, 9, 9],  # above its 3-day average on bar 3 only
            "IWM": [10, 10, 10, 8, 11, 11],  # above on bars 4 and 5
            "EFA": [NAN, NAN, 10, 11, 12, 13],  # average from bar 4: above on 4 and 5
            "XLK": [NAN] * 6,  # no price: not counted
        }
        | {t: [1.0] * 6 for t in ("HYG", "IEF", "^VIX", "BTC-USD")}
    )
    raw = BullBearProxy(**SMALL).raw_components(market)
    # bar 2: 0 of 2 (a close equal to its average is not above), bar 3: 1 of 2, then 2 of 3
    np.testing.assert_allclose(raw["breadth"], [NAN, NAN, 0.0, 0.5, 2 / 3, 2 / 3])


def _proxy_market(btc: list | None = None) -> Market:
    s = [10, 10, 10, 12, 9, 9, 15, 6, 6]
    return _market(
        {t: s for t in ("SPY", "IWM", "EFA", "XLK")}
        | {"HYG": [2 * v for v in s], "IEF": [2.0] * 9, "BTC-USD": btc or s}
        | {"^VIX": [20, 18, 25, 15, 30, 10, 22, 22, 40]}
    )


def test_proxy_components_and_reading_by_hand() -> None:
    # s over its 3-day average, minus 1, bars 2..8: 0, .125, -.129, -.1, .364, -.4, -.333
    # (credit, trend and crypto all follow s); breadth (s above its average): 0 1 0 0 1 0 0
    proxy = BullBearProxy(**SMALL)
    ranks = proxy.components(proxy_market := _proxy_market())
    assert list(ranks.columns) == ["breadth", "credit", "volatility", "trend", "crypto"]
    # rank of the last of 5 values, ties averaged, over 5
    expected = {
        "breadth": [NAN] * 6 + [4.5 / 5, 2 / 5, 2.5 / 5],
        "credit": [NAN] * 6 + [1.0, 0.2, 0.4],
        "volatility": [NAN] * 4 + [0.2, 1.0, 0.6, 0.5, 0.2],  # minus the VIX
    }
    for name, values in expected.items():
        np.testing.assert_allclose(ranks[name], values, err_msg=name)
    pd.testing.assert_series_equal(ranks["trend"], ranks["credit"], check_names=False)
    reading = proxy.evaluate(proxy_market)
    np.testing.assert_allclose(reading, [NAN] * 6 + [9.0, 3.0, 3.8])
    assert reading.name == "bull_bear_proxy"
    one = BullBearProxy(**SMALL, min_components=1).evaluate(proxy_market)
    np.testing.assert_allclose(one, [NAN] * 4 + [2.0, 10.0, 9.0, 3.0, 3.8])


def test_proxy_averages_the_components_it_has() -> None:
    market = _proxy_market(btc=[NAN] * 9)  # no crypto yet: four components
    reading = BullBearProxy(**SMALL).evaluate(market)
    np.testing.assert_allclose(reading.iloc[6:], [10 * 3.5 / 4, 10 * 1.3 / 4, 10 * 1.5 / 4])
    assert BullBearProxy(**SMALL, min_components=5).evaluate(market).isna().all()


def test_proxy_with_the_survey_and_its_inputs() -> None:
    survey = pd.Series(
        [0.1, 0.2, -0.1], index=pd.to_datetime(["2023-12-28", "2024-01-04", "2024-01-08"])
    )
    aaii = ExternalIndicator(name="aaii", path="aaii.csv", column="Bull_Bear_Spread")
    market = _market(_proxy_market().prices.to_dict("list"), {"aaii": survey})
    proxy = BullBearProxy(**SMALL, aaii=aaii)
    ranks = proxy.components(market)
    # usable on Jan 1-5, 8-11: .1 .1 .1 .1 .2 .2 -.1 -.1 -.1 (Jan 4 seen Jan 5, Jan 8 on Jan 9)
    np.testing.assert_allclose(ranks["aaii"], [NAN] * 4 + [1.0, 0.9, 0.2, 0.3, 0.4])
    assert proxy.external() == {"aaii": ("aaii.csv", "Bull_Bear_Spread")}
    assert proxy.tickers() == ("SPY", "IWM", "EFA", "XLK", "HYG", "IEF", "^VIX", "BTC-USD")
    with pytest.raises(DataError, match="needs HYG"):
        proxy.evaluate(_market(market.prices.drop(columns="HYG").to_dict("list"), market.external))


# --- no look-ahead -------------------------------------------------------------------------------

DAYS = 90
DATES = pd.bdate_range("2023-11-01", periods=DAYS)
LEVELS = {"SPY": 100, "IWM": 100, "EFA": 100, "XLK": 133, "HYG": 80, "IEF": 95, "BTC-USD": 100}
LEVELS |= {"^VIX": 18, "DX-Y.NYB": 100, "^TNX": 4.0}
AAII = ExternalIndicator(name="aaii", path="aaii.csv", column="Bull_Bear_Spread", delay_days=0)
SIGNALS: list[Signal] = [
    BullBearProxy(average_days=5, window_days=20),
    BullBearProxy(average_days=4, window_days=15, min_components=2, aaii=AAII),
    AAII,
    ExternalIndicator(name="aaii", path="aaii.csv", column="Bull_Bear_Spread", delay_days=3),
    SupportBreak(ticker="XLK", mode="absolute", level=133, confirm_days=2),
    SupportBreak(ticker="BTC-USD", level=0.02, window=10),
    SupportBreak(ticker="XLK", mode="drawdown", level=0.03, window=10, confirm_days=1),
    DollarSystemic(),
    DollarSystemic(yields_fall_bps=5, yields_days=5),
    AnyOf((DollarSystemic(), SupportBreak(ticker="XLK", mode="absolute", level=133))),
    AllOf((Not(DollarSystemic()), SupportBreak(ticker="SPY", level=0.0, window=5))),
]


def _random_market(seed: int) -> Market:
    rng = np.random.default_rng(seed)
    moves = rng.normal(0.0, 0.02, (DAYS, len(LEVELS)))
    prices = pd.DataFrame(
        np.array(list(LEVELS.values())) * np.exp(np.cumsum(moves, axis=0)),
        index=DATES,
        columns=list(LEVELS),
    )
    prices.iloc[: rng.integers(0, 30), prices.columns.get_loc("BTC-USD")] = np.nan
    weeks = pd.date_range("2023-10-05", "2024-04-30", freq="W-THU")
    survey = pd.Series(rng.uniform(-0.5, 0.5, len(weeks)), index=weeks)
    return Market(
        prices=prices, universe=Universe(), source="test", synthetic=True, external={"aaii": survey}
    )


def _altered(market: Market, cut: int, seed: int) -> Market:
    rng = np.random.default_rng(seed)
    prices = market.prices.copy()
    prices.iloc[cut + 1 :] *= rng.uniform(0.5, 1.5, (DAYS - cut - 1, prices.shape[1]))
    survey = market.external["aaii"].copy()
    later = survey.index > DATES[cut]
    survey[later] = rng.uniform(-0.5, 0.5, later.sum())
    return Market(
        prices=prices, universe=Universe(), source="test", synthetic=True, external={"aaii": survey}
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, DAYS - 2),
    signal=st.sampled_from(SIGNALS),
)
def test_signals_never_look_ahead(seed: int, cut: int, signal: Signal) -> None:
    market = _random_market(seed)
    before = signal.evaluate(market)
    after = signal.evaluate(_altered(market, cut, seed + 1))
    truncated = Market(
        prices=market.prices.iloc[: cut + 1],
        universe=Universe(),
        source="test",
        synthetic=True,
        external=market.external,
    )
    assert before.index.equals(DATES)
    pd.testing.assert_series_equal(before.iloc[: cut + 1], after.iloc[: cut + 1], check_exact=True)
    pd.testing.assert_series_equal(
        before.iloc[: cut + 1], signal.evaluate(truncated), check_exact=True
    )


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 48))
def test_rules_never_look_ahead(seed: int, cut: int) -> None:
    rng = np.random.default_rng(seed)
    x = _series(list(np.where(rng.random(50) < 0.1, np.nan, rng.uniform(0, 10, 50))))
    y = x.copy()
    y.iloc[cut + 1 :] = rng.uniform(0, 10, 49 - cut)
    exits = _series(list(rng.random(50) < 0.2))

    def rules(x: pd.Series) -> list[pd.Series]:
        return [
            hysteresis(x, 7, 3),
            confirmed(x > 5, 2),
            crossed_above(x, 6),
            holding(x > 8, exits, min_hold=2, max_hold=6, cooldown=1),
        ]

    for a, b in zip(rules(x), rules(y), strict=True):
        pd.testing.assert_series_equal(a.iloc[: cut + 1], b.iloc[: cut + 1])


# --- real data -----------------------------------------------------------------------------------


def _real_market(folder: Path) -> Market:
    spy = read_close(folder, "SPY")
    columns = {"SPY": spy}
    for ticker in ("IWM", "EFA", "XLK", "HYG", "IEF", "BTC-USD"):
        columns[ticker] = read_close(folder, ticker)
    for ticker, file in (("^VIX", "VIX"), ("^TNX", "TNX"), ("DX-Y.NYB", "DX-Y.NYB")):
        table = pd.read_csv(folder / f"{file}.csv", index_col="Date", parse_dates=True)
        columns[ticker] = table["Close"].astype(float)
    prices = pd.DataFrame({t: s.reindex(spy.index, method="ffill") for t, s in columns.items()})
    survey = pd.read_csv(folder / "AAII_sentiment.csv", index_col="Date", parse_dates=True)
    return Market(
        prices=prices.loc["2005":"2026"],
        universe=Universe(),
        source="csv",
        synthetic=False,
        external={"aaii": survey["Bull_Bear_Spread"]},
    )


def _loop_reading(market: Market, day: pd.Timestamp, proxy: BullBearProxy) -> float:
    """The proxy recomputed with plain loops: averages, percentiles and the survey by hand."""
    prices, dates = market.prices, list(market.prices.index)
    end, avg, win = dates.index(day), proxy.average_days, proxy.window_days

    def stretch(values: np.ndarray, i: int) -> float:
        if i + 1 < avg or np.isnan(values[i + 1 - avg : i + 1]).any():
            return NAN
        return values[i] / (sum(values[i + 1 - avg : i + 1]) / avg) - 1

    def breadth(i: int) -> float:
        found = [stretch(prices[t].to_numpy(), i) for t in proxy.breadth]
        found = [s for s in found if not np.isnan(s)]
        return sum(s > 0 for s in found) / len(found) if found else NAN

    survey = market.external["aaii"].dropna()
    usable = [d + pd.Timedelta(days=1) for d in survey.index]  # sorted, as in the file

    def aaii(i: int) -> float:
        seen = bisect.bisect_right(usable, dates[i])
        return survey.iloc[seen - 1] if seen else NAN

    ratio = (prices["HYG"] / prices["IEF"]).to_numpy()
    raw = {
        "breadth": breadth,
        "credit": lambda i: stretch(ratio, i),
        "volatility": lambda i: -prices["^VIX"].iloc[i],
        "trend": lambda i: stretch(prices["SPY"].to_numpy(), i),
        "crypto": lambda i: stretch(prices["BTC-USD"].to_numpy(), i),
    }
    if proxy.aaii is not None:
        raw["aaii"] = aaii
    ranks = []
    for component in raw.values():
        window = [component(i) for i in range(end - win + 1, end + 1)] if end + 1 >= win else []
        if len(window) == win and not np.isnan(window).any():
            below = sum(v < window[-1] for v in window)
            equal = sum(v == window[-1] for v in window)
            ranks.append((below + (equal + 1) / 2) / win)
    return 10 * sum(ranks) / len(ranks) if len(ranks) >= proxy.min_components else NAN


def test_proxy_on_real_history(shared_data: Path) -> None:
    market = _real_market(shared_data)
    with_survey = BullBearProxy(aaii=ExternalIndicator(name="aaii", path="-", column="-"))
    for proxy in (BullBearProxy(), with_survey):
        reading = proxy.evaluate(market)
        first = reading.first_valid_index()
        assert first == pd.Timestamp("2008-10-16")  # 199 + 755 bars after 2005-01-03
        assert reading.index.get_loc(first) == 199 + 755
        valid = reading["2006":].dropna()
        assert valid.between(0, 10).all()
        high, low = (valid > 8).mean(), (valid < 2).mean()
        crossings = int(crossed_above(reading, 8).sum())
        print(
            f"{proxy.external() or 'prices only'}: first {first.date()}, >8 {high:.1%}, "
            f"<2 {low:.1%}, crossings of 8: {crossings}"
        )
        assert 0.02 < high < 0.3
        assert 0.02 < low < 0.3
        for day in ("2008-10-16", "2011-08-08", "2017-12-29", "2020-03-23", "2026-01-30"):
            day = pd.Timestamp(day)
            assert reading[day] == pytest.approx(_loop_reading(market, day, proxy), abs=1e-9)
