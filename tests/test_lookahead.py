"""No look-ahead: changing prices after a date never changes anything up to that date."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from data.market import Market, Universe
from simulation.simulate import Costs, Execution, backtest
from strategies import MainStreet, SixtyForty

DAYS = 60
DATES = pd.bdate_range("2021-01-25", periods=DAYS)  # crosses three month ends
TICKERS = ["SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD"]


def _prices(seed: int) -> pd.DataFrame:
    moves = np.random.default_rng(seed).normal(0.0, 0.02, (DAYS, len(TICKERS)))
    return pd.DataFrame(100 * np.exp(np.cumsum(moves, axis=0)), index=DATES, columns=TICKERS)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, DAYS - 2),
    shock=st.floats(0.5, 1.5),  # large enough to matter, small enough not to ruin shorts
    fees_bps=st.sampled_from([0.0, 5.0]),
    lag=st.integers(1, 3),
    strategy=st.sampled_from([SixtyForty(), MainStreet(), MainStreet(short_weight=0.8)]),
)
def test_future_prices_do_not_change_the_past(
    seed: int, cut: int, shock: float, fees_bps: float, lag: int, strategy: object
) -> None:
    prices = _prices(seed)
    altered = prices.copy()
    altered.iloc[cut + 1 :] *= shock * np.linspace(1.0, 1.2, len(TICKERS))
    costs, execution = Costs(fees_bps={"etf": fees_bps, "crypto": fees_bps}), Execution(lag=lag)
    results = []
    for frame in (prices, altered):
        market = Market(prices=frame, universe=Universe(), source="test", synthetic=True)
        targets = strategy.target_weights(market)
        results.append((targets, backtest(frame, targets, costs, execution)))
    (targets, before), (targets_altered, after) = results
    upto = slice(None, cut + 1)
    pd.testing.assert_frame_equal(targets.iloc[upto], targets_altered.iloc[upto])
    pd.testing.assert_series_equal(
        before.equity.iloc[upto], after.equity.iloc[upto], rtol=0, atol=0
    )
    pd.testing.assert_frame_equal(
        before.weights.iloc[upto], after.weights.iloc[upto], rtol=0, atol=0
    )


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), switch=st.integers(1, DAYS - 2))
def test_changed_targets_fill_at_the_next_bar_and_not_before(seed: int, switch: int) -> None:
    prices = _prices(seed)[["SPY", "AGG"]]
    targets = pd.DataFrame({"SPY": 0.6, "AGG": 0.4}, index=DATES)
    changed = targets.copy()
    changed.iloc[switch:] = [0.1, 0.9]
    base = backtest(prices, targets, Costs(preset="zero"), Execution())
    other = backtest(prices, changed, Costs(preset="zero"), Execution())
    upto = slice(None, switch + 1)  # decided at the switch's close, filled at the next bar
    pd.testing.assert_series_equal(base.equity.iloc[upto], other.equity.iloc[upto], rtol=0, atol=0)
    np.testing.assert_allclose(other.weights.iloc[switch + 1].to_numpy(), [0.1, 0.9], rtol=1e-12)
