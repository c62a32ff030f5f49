"""Metrics on series small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from engine import metrics

# Returns +10%, -10%, +10%: mean 1/30, sample variance 0.04/3, downside mean square 0.01/3.
EQUITY = pd.Series([100.0, 110.0, 99.0, 108.9], index=pd.bdate_range("2020-01-06", periods=4))


def test_total_return() -> None:
    assert metrics.total_return(EQUITY) == pytest.approx(0.089)


def test_cagr_uses_calendar_days() -> None:
    # Doubling over 2000-01-01..2004-01-01 (1461 days = 4 * 365.25): 2 ** (1/4) - 1.
    equity = pd.Series([1.0, 2.0], index=pd.to_datetime(["2000-01-01", "2004-01-01"]))
    assert metrics.cagr(equity) == pytest.approx(2**0.25 - 1, rel=1e-12)


def test_volatility_sharpe_sortino() -> None:
    returns = metrics.daily_returns(EQUITY)
    assert metrics.volatility(returns, 252) == pytest.approx(math.sqrt(0.04 / 3 * 252))
    assert metrics.sharpe(returns, 252) == pytest.approx(
        (1 / 30) / math.sqrt(0.04 / 3) * math.sqrt(252)
    )
    assert metrics.sortino(returns, 252) == pytest.approx(
        (1 / 30) * 252 / math.sqrt(0.01 / 3 * 252)
    )


def test_drawdown_and_calmar() -> None:
    assert metrics.max_drawdown(EQUITY) == pytest.approx(-0.1)  # 110 -> 99
    assert metrics.calmar(EQUITY) == pytest.approx(metrics.cagr(EQUITY) / 0.1)


def test_degenerate_series_give_nan_not_errors() -> None:
    flat = pd.Series([5.0, 5.0, 5.0], index=pd.bdate_range("2020-01-06", periods=3))
    returns = metrics.daily_returns(flat)
    assert np.isnan(metrics.sharpe(returns, 252))
    assert np.isnan(metrics.sortino(returns, 252))
    assert np.isnan(metrics.calmar(flat))
    assert np.isnan(metrics.cagr(flat.iloc[:1]))


def test_summary_has_the_seven_headline_keys() -> None:
    assert tuple(metrics.summary(EQUITY, 252)) == metrics.METRICS
