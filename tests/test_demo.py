"""The demo market: deterministic, calibrated to the yearly tables, with sensible proxies.

Every figure is recomputed here from the demo's own series with plain pandas; the expected values
are the tables in data/calibration (yearly statistics of real history), never daily real prices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from data import demo
from data.demo import demo_prices, demo_tickers

CALIBRATION = Path(__file__).resolve().parents[1] / "data" / "calibration"
RETURNS = pd.read_csv(CALIBRATION / "calendar_year_returns.csv", index_col="year")
VOLS = pd.read_csv(CALIBRATION / "calendar_year_volatility.csv", index_col="year")
CORRELATION = pd.read_csv(CALIBRATION / "weekly_return_correlation_2015_2025.csv", index_col=0)
CALIBRATED = list(RETURNS.columns)


@pytest.fixture(scope="module")
def market() -> dict[str, pd.Series]:
    return demo_prices(list(demo_tickers()))


def yearly_returns(prices: pd.Series) -> pd.Series:
    """Last price of each year over the last price of the year before, minus 1."""
    return prices.groupby(prices.index.year).last().pct_change().dropna()


def test_same_prices_on_every_call_and_whatever_else_is_asked() -> None:
    first = demo_prices(["SPY", "BTC-USD"])
    demo._market.cache_clear()  # regenerate from scratch, not from the cache
    second = demo_prices(["BTC-USD", "SPY", "GLD"])
    alone = demo_prices(["SPY"])
    for ticker in ("SPY", "BTC-USD"):
        pd.testing.assert_series_equal(first[ticker], second[ticker])
    pd.testing.assert_series_equal(first["SPY"], alone["SPY"])


def test_editing_a_returned_series_leaves_the_market_alone() -> None:
    prices = demo_prices(["SPY"])["SPY"]
    prices.iloc[-1] = -1.0
    assert demo_prices(["SPY"])["SPY"].iloc[-1] > 0


@pytest.mark.parametrize("ticker", CALIBRATED)
def test_calendar_year_returns_match_the_table(market: dict[str, pd.Series], ticker: str) -> None:
    expected = RETURNS[ticker].dropna()
    prices = market[ticker]
    # It starts on the last trading day before its first calibrated year, and no earlier.
    assert prices.index[0].year == expected.index[0] - 1
    assert prices.index[1].year == expected.index[0]
    actual = yearly_returns(prices)
    assert list(actual.index) == list(expected.index)
    np.testing.assert_allclose(actual.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("ticker", CALIBRATED)
def test_calendar_year_volatility_matches_the_table(
    market: dict[str, pd.Series], ticker: str
) -> None:
    daily = market[ticker].pct_change().dropna()
    periods = 365 if ticker == "BTC-USD" else 252
    actual = daily.groupby(daily.index.year).std() * np.sqrt(periods)
    expected = VOLS[ticker].dropna()
    np.testing.assert_allclose(actual.loc[expected.index], expected, rtol=1e-6)


def test_weekly_correlations_over_2015_2025_are_near_the_table(
    market: dict[str, pd.Series],
) -> None:
    prices = pd.DataFrame({ticker: market[ticker] for ticker in CALIBRATED})
    weekly = prices.resample("W-FRI").last().pct_change().loc["2015":"2025"]
    gap = (weekly.corr() - CORRELATION.loc[CALIBRATED, CALIBRATED]).abs()
    main = ["SPY", "IWM", "EFA", "XLK", "AGG", "TLT"]
    assert gap.loc[main, main].max().max() < 0.1  # 0.083 with the seed in data/demo.py
    assert gap.max().max() < 0.15  # 0.090


def test_the_table_stories_show(market: dict[str, pd.Series]) -> None:
    spy, agg, tlt = (yearly_returns(market[ticker]) for ticker in ("SPY", "AGG", "TLT"))
    assert spy[2008] < -0.3
    assert max(spy[2022], agg[2022], tlt[2022]) < 0  # stocks and bonds down together


def test_crypto_trades_every_day_and_the_rest_on_business_days(
    market: dict[str, pd.Series],
) -> None:
    for ticker, prices in market.items():
        weekend = prices.index.day_of_week >= 5
        if ticker in ("BTC-USD", "ETH-USD"):
            assert weekend.any(), ticker
            assert (prices.index.to_series().diff().dropna() == pd.Timedelta(days=1)).all()
        else:
            assert not weekend.any(), ticker


def test_every_ticker_is_a_clean_positive_series(market: dict[str, pd.Series]) -> None:
    assert {"SPY", "VTI", "EWY", "SMH", "ETH-USD", "GC=F", "DX-Y.NYB", "^VIX"} <= set(market)
    for ticker, prices in market.items():
        assert prices.name == ticker
        assert isinstance(prices.index, pd.DatetimeIndex)
        assert prices.index.is_monotonic_increasing
        assert prices.index.is_unique
        assert prices.index[-1] == pd.Timestamp("2025-12-31")
        assert prices.dtype == float
        assert np.isfinite(prices.to_numpy()).all(), ticker
        assert (prices > 0).all(), ticker


def test_unknown_tickers_are_named_with_the_ones_available() -> None:
    with pytest.raises(DataError, match="demo market has no ticker NOPE, ZZZ; it has SPY, ") as err:
        demo_prices(["SPY", "ZZZ", "NOPE"])
    assert "Use --data csv:DIR for other tickers" in str(err.value)


def test_proxies_follow_their_sources(market: dict[str, pd.Series]) -> None:
    returns = pd.DataFrame(market).pct_change()
    for ticker, low in (("VTI", 0.95), ("IJR", 0.9), ("EEM", 0.7), ("SMH", 0.75), ("BND", 0.9)):
        assert returns[ticker].corr(returns[demo._PROXIES[ticker].source]) > low, ticker
    crypto = pd.DataFrame({t: market[t] for t in ("BTC-USD", "ETH-USD")}).pct_change()
    assert crypto.corr().iloc[0, 1] > 0.7
    assert crypto["ETH-USD"].std() > crypto["BTC-USD"].std()
    assert market["ETH-USD"].index[0] == pd.Timestamp("2015-12-31")


def test_levels_stay_in_their_ranges_and_move_with_their_drivers(
    market: dict[str, pd.Series],
) -> None:
    gold, dollar, vix, tnx = (market[t] for t in ("GC=F", "DX-Y.NYB", "^VIX", "^TNX"))
    assert gold.loc["2010":].between(1_000, 5_000).all()
    assert dollar.index[1] == pd.Timestamp("1995-01-02")
    assert dollar.between(80, 125).all()
    assert np.log(dollar).diff().corr(np.log(market["UUP"]).diff()) > 0.9
    assert tnx.between(2, 7).all()
    assert tnx.diff().corr(market["IEF"].pct_change()) < -0.9
    assert vix.between(10, 80).all()
    assert vix.diff().corr(market["SPY"].pct_change()) < -0.3
    by_year = vix.groupby(vix.index.year).mean()
    assert by_year[2008] > 30 > 15 > by_year[2017]
