"""The tearsheet's figures against peers: empyrical (VaR, CVaR), scipy (skew, kurtosis), and
quantstats's definitions written out in plain pandas (win rates, best and worst day)."""

from __future__ import annotations

from pathlib import Path

import empyrical
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.tearsheet import (
    excess_kurtosis,
    excess_monthly,
    expected_shortfall,
    exposure_over_time,
    longest_drawdown,
    skewness,
    tearsheet_na_reasons,
    tearsheet_summary,
    value_at_risk,
    win_rate,
)
from tests.conftest import read_close

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def spy(shared_data: Path) -> pd.Series:
    return read_close(shared_data, "SPY").loc["2005":"2024"]


def test_var_and_cvar_match_empyrical_on_twenty_years_of_spy(spy: pd.Series) -> None:
    returns = spy.pct_change().dropna()
    assert value_at_risk(returns) == pytest.approx(
        empyrical.value_at_risk(returns, cutoff=0.05), rel=TOLERANCE
    )
    assert expected_shortfall(returns) == pytest.approx(
        empyrical.conditional_value_at_risk(returns, cutoff=0.05), rel=TOLERANCE
    )


def test_skew_and_kurtosis_match_scipy_bias_corrected(spy: pd.Series) -> None:
    returns = spy.pct_change().dropna()
    assert skewness(returns) == pytest.approx(stats.skew(returns, bias=False), rel=TOLERANCE)
    expected = stats.kurtosis(returns, fisher=True, bias=False)
    assert excess_kurtosis(returns) == pytest.approx(expected, rel=TOLERANCE)


def test_win_rates_follow_quantstats_definition(spy: pd.Series) -> None:
    returns = spy.pct_change().dropna()
    wins = losses = 0
    for value in returns:  # quantstats: wins among the non-zero returns
        wins += value > 0
        losses += value < 0
    assert win_rate(returns) == pytest.approx(wins / (wins + losses), rel=TOLERANCE)
    # month-end closes' ratio: compounding daily returns leaves 7e-16 for SPY's flat 2010-11,
    # which quantstats would count as a win
    closes = spy.groupby(spy.index.to_period("M")).last()
    monthly = closes / closes.shift(1).fillna(spy.iloc[0]) - 1
    moved = monthly[monthly != 0]
    assert tearsheet_summary(spy)["win_rate_months"] == pytest.approx(
        (moved > 0).sum() / len(moved), rel=TOLERANCE
    )
    assert win_rate(pd.Series([0.0, 0.0])) != win_rate(pd.Series([0.0, 0.0]))  # NaN


def test_best_and_worst_day_with_their_dates(spy: pd.Series) -> None:
    summary = tearsheet_summary(spy)
    returns = spy.pct_change().dropna()
    assert summary["best_day"] == pytest.approx(returns.max(), rel=TOLERANCE)
    assert summary["worst_day"] == pytest.approx(returns.min(), rel=TOLERANCE)
    assert summary["worst_day_date"] == "2020-03-16"  # COVID crash, -10.9%
    assert summary["best_day_date"] == "2008-10-13"


def test_the_longest_drawdown_of_a_hand_made_curve() -> None:
    dates = pd.date_range("2020-01-01", periods=9, freq="D")
    #                  peak  deep fall, back on day 3   peak  long shallow, no recovery
    values = [100.0, 120.0, 60.0, 121.0, 130.0, 129.0, 128.0, 127.5, 129.5]
    spell = longest_drawdown(pd.Series(values, index=dates))
    assert spell.peak == dates[4]
    assert spell.trough == dates[7]
    assert spell.recovery is pd.NaT
    assert spell.days == 4.0
    recovered = longest_drawdown(pd.Series([1.0, 0.5, 0.6, 1.0, 2.0], index=dates[:5]))
    assert (recovered.peak, recovered.trough, recovered.recovery) == (dates[0], dates[1], dates[3])
    assert recovered.days == 3.0
    assert longest_drawdown(pd.Series([1.0, 2.0, 3.0], index=dates[:3])).days == 0.0


def test_the_longest_drawdown_of_spy_by_a_plain_loop(spy: pd.Series) -> None:
    best, peak_date, peak_value, start = 0, spy.index[0], spy.iloc[0], None
    for day, value in spy.items():
        if value >= peak_value:
            if start is not None and (day - start).days > best:
                best = (day - start).days
            peak_date, peak_value, start = day, value, None
        elif start is None:
            start = peak_date
    if start is not None and (spy.index[-1] - start).days > best:
        best = (spy.index[-1] - start).days
    assert longest_drawdown(spy).days == best


def test_exposure_over_time_and_excess_months() -> None:
    dates = pd.date_range("2021-01-29", periods=4, freq="B")
    weights = pd.DataFrame({"A": [1.0, 0.5, 0.5, 0.0], "B": [0.0, -0.5, -0.25, 0.0]}, dates)
    equity = pd.Series([100.0, 100.0, 200.0, 100.0], dates)
    traded = pd.Series([100.0, 40.0], index=[dates[0], dates[2]])
    table = exposure_over_time(weights, traded, equity)
    assert table["gross"].tolist() == [1.0, 1.0, 0.75, 0.0]
    assert table["net"].tolist() == [1.0, 0.0, 0.25, 0.0]
    assert table["turnover"].tolist() == [0.5, 0.0, 0.1, 0.0]
    other = pd.Series([100.0, 110.0, 110.0, 99.0], dates)
    excess = excess_monthly(equity, other)
    assert excess.iloc[0] == pytest.approx(0.0 - 0.0)
    assert excess.iloc[1] == pytest.approx((100 / 100 - 1) - (99 / 100 - 1))
    assert np.isfinite(excess).all()


def test_a_flat_curve_has_no_shape_and_no_win_rate_and_says_why() -> None:
    dates = pd.date_range("2020-01-01", periods=80, freq="B")
    cash = pd.Series(100.0 * 1.0001 ** np.arange(80), index=dates)  # a constant rate: flat returns
    summary = tearsheet_summary(cash)
    reasons = tearsheet_na_reasons(cash)
    assert set(reasons) == {"skew", "kurtosis"}
    assert all(np.isnan(summary[key]) for key in reasons)
    assert summary["win_rate_days"] == 1.0
    still = tearsheet_na_reasons(pd.Series(100.0, index=dates))
    assert set(still) == {"skew", "kurtosis", "win_rate_days", "win_rate_months"}
