"""Metrics against a benchmark: micro cases checked by hand, empyrical as a peer on SPY vs AGG."""

from __future__ import annotations

import math
from pathlib import Path

import empyrical
import ffn
import numpy as np
import pandas as pd
import pytest

from analytics import metrics, relative
from tests.conftest import read_close

PEER = 1e-9

# The strategy is exactly twice the benchmark plus 0.1% a day: beta 2, daily alpha 0.001.
DAYS = pd.bdate_range("2020-01-06", periods=4)
BENCH = pd.Series([0.01, -0.01, 0.02, -0.02], index=DAYS)
STRAT = 2 * BENCH + 0.001  # 0.021, -0.019, 0.041, -0.039


def test_beta_and_alpha_by_hand() -> None:
    assert relative.beta(STRAT, BENCH) == pytest.approx(2.0)
    assert relative.alpha(STRAT, BENCH, 252) == pytest.approx(1.001**252 - 1)
    # Jensen with a cash rate rf: (s - rf) - 2 (b - rf) = 0.001 + rf a day; beta unchanged.
    assert relative.beta(STRAT, BENCH, 0.0002) == pytest.approx(2.0)
    assert relative.alpha(STRAT, BENCH, 365, 0.0002) == pytest.approx(1.0012**365 - 1)


def test_tracking_error_and_information_ratio_by_hand() -> None:
    # Active returns b + 0.001: mean 0.001, sample variance of b = (1+1+4+4)e-4 / 3.
    te = math.sqrt(1e-3 / 3 * 252)
    assert relative.tracking_error(STRAT, BENCH, 252) == pytest.approx(te)
    assert relative.information_ratio(STRAT, BENCH, 252) == pytest.approx(0.001 * 252 / te)


def test_up_and_down_capture_by_hand() -> None:
    # Up days (b > 0): b 1%, 2%; s 2.1%, 4.1%. Each side compounded, annualised over 2 periods.
    up = ((1.021 * 1.041) ** (252 / 2) - 1) / ((1.01 * 1.02) ** (252 / 2) - 1)
    down = ((0.981 * 0.961) ** (252 / 2) - 1) / ((0.99 * 0.98) ** (252 / 2) - 1)
    assert relative.up_capture(STRAT, BENCH, 252) == pytest.approx(up)
    assert relative.down_capture(STRAT, BENCH, 252) == pytest.approx(down)


def test_hit_rate_compounds_each_calendar_month() -> None:
    dates = pd.to_datetime(["2020-01-30", "2020-01-31", "2020-02-03", "2020-03-02", "2020-03-03"])
    strat = pd.Series([0.10, -0.10, 0.01, 0.02, 0.00], index=dates)
    bench = pd.Series([0.00, 0.00, 0.01, 0.01, 0.02], index=dates)
    # Jan: 1.1 * 0.9 - 1 = -1% < 0% (beat on the first day, lost the month): miss.
    # Feb: 1% vs 1%, a tie: miss. Mar: 2% vs 1.01 * 1.02 - 1 = 3.02%: miss. Then flip one.
    assert relative.hit_rate(strat, bench) == 0.0
    assert relative.hit_rate(bench, strat) == pytest.approx(2 / 3)  # Jan and Mar


def test_series_are_paired_on_common_dates() -> None:
    longer = pd.concat([BENCH, pd.Series([0.5], index=[pd.Timestamp("2020-02-03")])])
    assert relative.beta(STRAT, longer) == pytest.approx(2.0)


def _equity(returns: pd.Series) -> pd.Series:
    """100 on the business day before the first return, then compounded."""
    first = pd.Series([100.0], index=[returns.index[0] - pd.offsets.BDay()])
    return pd.concat([first, 100.0 * (1.0 + returns).cumprod()])


def test_relative_summary_keys_and_values_by_hand() -> None:
    summary = relative.relative_summary(_equity(STRAT), _equity(BENCH), 252)
    assert tuple(summary) == relative.RELATIVE_METRICS
    assert summary["beta"] == pytest.approx(2.0)
    # One month, Jan 2020: 1.021 * 0.981 * 1.041 * 0.961 - 1 = +0.20% beats
    # 1.01 * 0.99 * 1.02 * 0.98 - 1 = -0.05%.
    assert summary["hit_rate"] == 1.0
    # Four days are too few to annualise (a quarter of a year, 63 at 252): alpha, tracking
    # error, information ratio and captures are NaN, and say why.
    reasons = relative.relative_na_reasons(_equity(STRAT), _equity(BENCH), 252)
    assert set(reasons) == {key for key in summary if np.isnan(summary[key])}
    assert set(reasons) == set(relative.RELATIVE_METRICS) - {"beta", "hit_rate"}
    assert reasons["alpha"] == "4 days, fewer than the 63 (a quarter of a year) needed to annualise"
    # The same pattern over 64 days is annualised: the residual is still 0.001 a day.
    days = pd.bdate_range("2020-01-06", periods=64)
    bench = pd.Series(np.tile(BENCH.to_numpy(), 16), index=days)
    long = relative.relative_summary(_equity(2 * bench + 0.001), _equity(bench), 252)
    assert long["alpha"] == pytest.approx(1.001**252 - 1)
    assert relative.relative_na_reasons(_equity(2 * bench + 0.001), _equity(bench), 252) == {}


# ---- degenerate inputs give NaN, never an error ------------------------------------------------


def test_degenerate_inputs_give_nan() -> None:
    flat = pd.Series(0.0, index=DAYS)
    assert np.isnan(relative.beta(STRAT, flat))  # the benchmark does not vary
    assert np.isnan(relative.alpha(STRAT, flat, 252))
    assert np.isnan(relative.information_ratio(BENCH + 0.001, BENCH, 252))  # constant active
    assert np.isnan(relative.up_capture(STRAT, -BENCH.abs(), 252))  # the bench never rose
    assert np.isnan(relative.down_capture(STRAT, BENCH.abs(), 252))  # ... never fell
    one = STRAT.iloc[:1]
    assert np.isnan(relative.beta(one, BENCH.iloc[:1]))
    assert np.isnan(relative.tracking_error(one, BENCH.iloc[:1], 252))
    assert np.isnan(relative.hit_rate(one.iloc[:0], BENCH.iloc[:0]))
    one_point = pd.Series([100.0], index=DAYS[:1])
    assert all(np.isnan(v) for v in relative.relative_summary(one_point, one_point, 252).values())


# ---- peer on real history: SPY as the strategy, AGG as the benchmark, 2010-2020 ---------------


@pytest.fixture(scope="module")
def spy_agg(shared_data: Path) -> tuple[pd.Series, pd.Series]:
    span = slice("2010-01-01", "2020-12-31")
    return read_close(shared_data, "SPY").loc[span], read_close(shared_data, "AGG").loc[span]


@pytest.fixture(scope="module")
def cash_rate(shared_data: Path) -> pd.Series:
    """Fama-French daily risk-free rate, stored in percent per day."""
    table = pd.read_csv(shared_data / "FF3_daily.csv", index_col="Date", parse_dates=True)
    return table["RF"] / 100.0


@pytest.mark.parametrize("ppy", [252, 365])
def test_alpha_beta_tracking_information_match_empyrical(
    spy_agg: tuple[pd.Series, pd.Series], cash_rate: pd.Series, ppy: int
) -> None:
    s, b = (metrics.daily_returns(e) for e in spy_agg)
    assert relative.beta(s, b) == pytest.approx(empyrical.beta(s, b), abs=PEER)
    for rf in (0.0, 0.0001):
        assert relative.alpha(s, b, ppy, rf) == pytest.approx(
            empyrical.alpha(s, b, risk_free=rf, annualization=ppy), abs=PEER
        )
    # A rate Series: empyrical's beta ignores risk_free, so hand it the excess returns instead.
    rf = cash_rate.reindex(s.index)
    assert relative.beta(s, b, rf) == pytest.approx(empyrical.beta(s - rf, b - rf), abs=PEER)
    assert relative.alpha(s, b, ppy, rf) == pytest.approx(
        empyrical.alpha(s - rf, b - rf, annualization=ppy), abs=PEER
    )
    # empyrical has no tracking error: the annual volatility of the active returns is one.
    assert relative.tracking_error(s, b, ppy) == pytest.approx(
        empyrical.annual_volatility(s - b, annualization=ppy), abs=PEER
    )
    ir = relative.information_ratio(s, b, ppy)
    assert ir == pytest.approx(empyrical.excess_sharpe(s, b) * math.sqrt(ppy), abs=PEER)
    assert ir == pytest.approx(ffn.calc_information_ratio(s, b) * math.sqrt(ppy), abs=PEER)


def test_capture_and_hit_rate_match_empyrical(spy_agg: tuple[pd.Series, pd.Series]) -> None:
    s, b = (metrics.daily_returns(e) for e in spy_agg)
    # empyrical's capture annualises with its 'daily' period count, 252.
    assert relative.up_capture(s, b, 252) == pytest.approx(empyrical.up_capture(s, b), abs=PEER)
    assert relative.down_capture(s, b, 252) == pytest.approx(empyrical.down_capture(s, b), abs=PEER)
    monthly_s = empyrical.aggregate_returns(s, "monthly")
    monthly_b = empyrical.aggregate_returns(b, "monthly")
    peer = empyrical.batting_average(monthly_s, monthly_b)["batting average"]
    assert relative.hit_rate(s, b) == pytest.approx(peer, abs=PEER)


def test_relative_summary_matches_the_parts(
    spy_agg: tuple[pd.Series, pd.Series], cash_rate: pd.Series
) -> None:
    spy, agg = spy_agg
    s, b = metrics.daily_returns(spy), metrics.daily_returns(agg)
    rf = cash_rate.reindex(spy.index)  # on the equity dates: the first is ignored
    summary = relative.relative_summary(spy, agg.iloc[:-5], 252, rf)  # paired on common dates
    s, b = s.iloc[:-5], b.iloc[:-5]
    assert summary == pytest.approx(
        {
            "beta": relative.beta(s, b, rf),
            "alpha": relative.alpha(s, b, 252, rf),
            "tracking_error": relative.tracking_error(s, b, 252),
            "information_ratio": relative.information_ratio(s, b, 252),
            "up_capture": empyrical.up_capture(s, b),
            "down_capture": empyrical.down_capture(s, b),
            "hit_rate": relative.hit_rate(s, b),
        },
        abs=PEER,
    )
