"""No look-ahead in a call: future prices change no signal, regime or weight before them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.market import Market, Universe
from strategies import Call

TICKERS = ["SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD", "DX-Y.NYB", "^TNX"]
DAYS = 180
EVERY_BLOCK = """\
call: every-block
params: {calm: 0.3, months: 2}
books:
  neutral: {stocks: 0.6, bonds: 0.4, rebalance: weekly}
  risk_on: {small_caps: 0.5, international: 0.5, tech: -0.2}
  defensive: {bonds: 0.5, cash: 0.5}
signals:
  trend: {price_vs_average: {ticker: stocks, window: 10}}
  monthly: {price_vs_average: {ticker: stocks, window: months, sample: monthly}}
  momentum: {trailing_return: {ticker: international, window: 5}}
  lead: {relative_strength: {ticker: small_caps, versus: tech, window: 5}}
  risk: {volatility: {ticker: stocks, window: 5}}
  yields: {yield_change: {ticker: ^TNX, window: 5}}
  level: {average: {ticker: XLK, window: 3}}
  tech_break: {support: {ticker: tech, mode: drawdown, level: 0.03, window: 10, confirm_days: 2}}
  dollar: {dollar_guard: {level: 99, yields_fall_bps: 5, yields_days: 5}}
start: neutral
rules:
  - {name: guard, while: dollar or yields < -30 for 2 days, go: defensive}
  - name: risk_on
    when: (trend crosses above 0 and risk < calm) or tech_break fires or monthly > 0.05
    from: neutral
    go: risk_on
    hold: {min: 2, max: 12, then: neutral}
    cooldown: 3
  - {name: weekly_out, when: momentum < 0 or lead < -0.02 or level > 200, go: neutral,
     from: risk_on, check: weekly}
"""


def _market(seed: int) -> Market:
    moves = np.random.default_rng(seed).normal(0.0, 0.02, (DAYS, len(TICKERS)))
    levels = 100 * np.exp(np.cumsum(moves, axis=0))
    index = pd.bdate_range("2021-01-04", periods=DAYS)
    prices = pd.DataFrame(levels, index=index, columns=TICKERS)
    prices["^TNX"] = prices["^TNX"] / 25  # a yield in percent
    return Market(prices=prices, universe=Universe(), source="test", synthetic=True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, DAYS - 2), shock=st.floats(0.5, 1.5))
def test_future_prices_change_nothing_before_them(
    seed: int, cut: int, shock: float, tmp_path: Path
) -> None:
    path = tmp_path / "every_block.yaml"
    path.write_text(EVERY_BLOCK)
    call = Call(file=str(path))
    market = _market(seed)
    prices = market.prices.copy()
    prices.iloc[cut + 1 :] *= shock * np.linspace(0.8, 1.2, len(TICKERS))
    altered = Market(prices=prices, universe=Universe(), source="test", synthetic=True)
    upto = slice(None, cut + 1)
    first, second = call.explain(market), call.explain(altered)
    assert first is not None
    assert second is not None
    pd.testing.assert_frame_equal(first.signals.iloc[upto], second.signals.iloc[upto])
    pd.testing.assert_frame_equal(
        call.target_weights(market).iloc[upto], call.target_weights(altered).iloc[upto]
    )
    ends = call.rebalance_ends(market, "monthly"), call.rebalance_ends(altered, "monthly")
    np.testing.assert_array_equal(ends[0][:cut], ends[1][:cut])  # the cut bar ends a period
