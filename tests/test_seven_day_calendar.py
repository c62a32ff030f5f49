"""On the 7-day calendar a carried close values a position but never prices a trade.

An ETF's order due on a Saturday fills at Monday's close, its market's first close after it;
bitcoin, which trades every day, fills on the Saturday. The expected units are worked out by
hand below from the closes of a made-up week.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.market import Market, Universe
from simulation.costs import Costs
from simulation.simulate import Execution, backtest
from strategies import HartnettSwitch
from tests.conftest import run_cli


def test_an_etf_order_due_on_a_weekend_fills_at_mondays_close() -> None:
    days = pd.date_range("2024-01-01", periods=14, freq="D")  # Monday 1 January to Sunday 14th
    weekend = days.day_of_week >= 5
    spy = pd.Series(100.0 + np.arange(14), index=days)  # a new close every day ...
    btc = pd.Series(1000.0 + 10 * np.arange(14), index=days)
    spy[weekend] = np.nan  # ... but SPY prints none at weekends: Friday's close is carried
    prices = pd.DataFrame({"SPY": spy.ffill(), "BTC-USD": btc})
    own = pd.DataFrame({"SPY": ~weekend, "BTC-USD": True}, index=days)
    targets = pd.DataFrame(0.0, index=days, columns=["SPY", "BTC-USD"])
    targets.loc["2024-01-05":] = 0.5  # decided at Friday's close, due a bar later: Saturday
    costs = Costs(preset="zero")
    execution = Execution(lag=1, rebalance="yearly", initial_value=100_000.0)
    result = backtest(prices, targets, costs, execution, own=own)
    fills = result.trades.set_index("ticker")
    # bitcoin on Saturday 6th at its own close 1050: 50,000 / 1050 units
    assert fills.loc["BTC-USD", "date"] == pd.Timestamp("2024-01-06")
    assert fills.loc["BTC-USD", "price"] == 1050.0
    btc_units = 50_000 / 1050.0
    assert fills.loc["BTC-USD", "units"] == pytest.approx(btc_units, rel=1e-12)
    # SPY on Monday 8th at its close 107, half of the value then: cash left + bitcoin at 1070
    assert fills.loc["SPY", "date"] == pd.Timestamp("2024-01-08")
    assert fills.loc["SPY", "price"] == 107.0
    value = 50_000 + btc_units * 1070.0
    assert fills.loc["SPY", "units"] == pytest.approx(0.5 * value / 107.0, rel=1e-12)
    # without the marks every close counts as printed: SPY would fill at Saturday's carried 104
    carried = backtest(prices, targets, costs, execution).trades.set_index("ticker")
    assert carried.loc["SPY", "date"] == pd.Timestamp("2024-01-06")
    assert carried.loc["SPY", "price"] == 104.0


def test_a_later_decision_replaces_an_order_still_waiting() -> None:
    days = pd.date_range("2024-01-01", periods=14, freq="D")
    weekend = days.day_of_week >= 5
    prices = pd.DataFrame({"SPY": 100.0, "BTC-USD": 1000.0}, index=days)
    own = pd.DataFrame({"SPY": ~weekend, "BTC-USD": True}, index=days)
    targets = pd.DataFrame(0.0, index=days, columns=["SPY", "BTC-USD"])
    targets.loc["2024-01-05"] = 0.5  # due Saturday: waits for Monday ...
    targets.loc["2024-01-06":] = 0.2  # ... but Saturday's decision, due Sunday, replaces it
    costs = Costs(preset="zero")
    execution = Execution(lag=1, rebalance="yearly", initial_value=100_000.0)
    trades = backtest(prices, targets, costs, execution, own=own).trades
    spy = trades[trades["ticker"] == "SPY"]
    assert list(spy["date"]) == [pd.Timestamp("2024-01-08")]
    assert spy["units"].iloc[0] == pytest.approx(0.2 * 100_000 / 100.0, rel=1e-12)


def test_no_trade_of_a_real_7d_run_is_priced_on_a_day_its_asset_did_not_trade(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2015-01-01", "--calendar", "7d", "--no-report"]
    status, out, err = run_cli(argv, capsys)
    assert status == 0, err
    run_dir = Path(out.strip().splitlines()[-1])
    trades = pd.read_csv(run_dir / "trades.csv", parse_dates=["date"])
    assert len(trades) > 100
    for ticker, fills in trades.groupby("ticker"):
        own = pd.read_csv(shared_data / f"{ticker}.csv", index_col="Date", parse_dates=True)
        close = own["Adj Close"]
        printed = fills["date"].isin(close.index)
        assert printed.all(), (ticker, list(fills.loc[~printed, "date"].head()))
        slip = fills["price"].to_numpy() / close.loc[fills["date"]].to_numpy() - 1
        assert np.abs(slip).max() < 0.01, ticker  # the day's own close, moved by slippage only
    weekend = trades[trades["date"].dt.day_of_week >= 5]
    assert set(weekend["ticker"]) == {"BTC-USD"}


def test_one_config_gives_one_regime_on_both_calendars(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Windows count the stock's trading days on both calendars (signals decide on its
    # sessions), so the 7-day run's weekends add no information to the signals: they agree on
    # every shared day, and a weekend holds the Friday's regime.
    signals = {}
    for calendar in ("equity", "7d"):
        argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}"]
        argv += ["--start", "2015-01-01", "--calendar", calendar, "--no-report"]
        status, out, err = run_cli([*argv, "--out", str(tmp_path / calendar)], capsys)
        assert status == 0, err
        run_dir = Path(out.strip().splitlines()[-1])
        signals[calendar] = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    five, seven = signals["equity"], signals["7d"]
    assert five.index.isin(seven.index).all()
    assert len(seven) > len(five) * 1.4
    pd.testing.assert_series_equal(seven.loc[five.index, "regime"], five["regime"])
    pd.testing.assert_series_equal(seven.loc[five.index, "bull_bear"], five["bull_bear"])
    changes = seven["regime"].ne(seven["regime"].shift(1)) & seven.index.isin(five.index)
    off_session = seven["regime"].ne(seven["regime"].shift(1)) & ~seven.index.isin(five.index)
    assert changes.sum() > 10
    assert not off_session.iloc[1:].any()  # no regime changes on a day the stock is shut


SEVEN = ["SPY", "AGG", "IWM", "EFA", "XLK", "HYG", "IEF", "^VIX", "DX-Y.NYB", "^TNX", "BTC-USD"]


def _seven_day_market(seed: int, prices: pd.DataFrame | None = None) -> Market:
    days = pd.date_range("2021-01-04", periods=200, freq="D")
    shut = days[days.day_of_week >= 5]
    if prices is None:
        moves = np.random.default_rng(seed).normal(0.0, 0.02, (len(days), len(SEVEN)))
        prices = pd.DataFrame(100 * np.exp(np.cumsum(moves, axis=0)), index=days, columns=SEVEN)
        prices["^TNX"] /= 25
        prices.loc[shut, SEVEN[:-1]] = np.nan
        prices = prices.ffill()  # the ETFs and indices carry Friday's close over the weekend
    carried = {ticker: shut for ticker in SEVEN[:-1]}
    return Market(
        prices=prices, universe=Universe(), source="test", synthetic=True,
        periods_per_year=365, carried_on=carried,
    )  # fmt: skip


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 198), shock=st.floats(0.5, 1.5))
def test_on_the_seven_day_calendar_future_prices_change_nothing_before(
    seed: int, cut: int, shock: float
) -> None:
    strategy = HartnettSwitch(
        reading_window_days=20, reading_min_components=2, max_hold=10, sell_above=7,
        buy_below=3, dollar_level=99.0, yields_fall_bps=5, yields_days=5,
        supports={"crypto": {"ticker": "crypto", "level": 0.05, "window": 10}},
    )  # fmt: skip
    market = _seven_day_market(seed)
    prices = market.prices.copy()
    prices.iloc[cut + 1 :] *= shock
    altered = _seven_day_market(seed, prices)
    upto = slice(None, cut + 1)
    first, second = strategy.explain(market), strategy.explain(altered)
    pd.testing.assert_frame_equal(first.signals.iloc[upto], second.signals.iloc[upto])
    pd.testing.assert_frame_equal(
        strategy.target_weights(market).iloc[upto], strategy.target_weights(altered).iloc[upto]
    )
    weekend = first.regime.index.day_of_week >= 5
    held = first.regime.where(~weekend).ffill()
    pd.testing.assert_series_equal(first.regime[weekend], held[weekend])
