"""Single-series metrics: micro cases checked by hand, and peers (empyrical, ffn) on real data."""

from __future__ import annotations

import math
from pathlib import Path

import empyrical
import ffn
import numpy as np
import pandas as pd
import pytest

from analytics import metrics
from tests.conftest import read_close

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


# ---- risk_free as a float or a Series of per-period rates -----------------------------------

RETURNS = metrics.daily_returns(EQUITY)  # +10%, -10%, +10% dated 2020-01-07..09


def test_risk_free_series_is_subtracted_date_by_date() -> None:
    rates = pd.Series([0.01, 0.0, 0.02], index=RETURNS.index)
    # Excess 0.09, -0.10, 0.08: mean 0.07/3; sample variance of the deviations from the mean.
    excess = [0.09, -0.10, 0.08]
    mean = 0.07 / 3
    std = math.sqrt(sum((x - mean) ** 2 for x in excess) / 2)
    assert metrics.sharpe(RETURNS, 252, rates) == pytest.approx(mean / std * math.sqrt(252))
    # Only -0.10 is below zero: downside sqrt(0.01 / 3 * 252).
    assert metrics.sortino(RETURNS, 252, rates) == pytest.approx(
        mean * 252 / math.sqrt(0.01 / 3 * 252)
    )


def test_risk_free_series_of_a_constant_equals_the_float() -> None:
    flat = pd.Series(0.001, index=EQUITY.index)  # on the equity dates: the first is ignored
    assert metrics.sharpe(RETURNS, 252, flat) == pytest.approx(metrics.sharpe(RETURNS, 252, 0.001))
    assert metrics.sortino(RETURNS, 365, flat) == pytest.approx(
        metrics.sortino(RETURNS, 365, 0.001)
    )


def test_risk_free_series_missing_a_date_is_a_wiring_error() -> None:
    with pytest.raises(ValueError, match="no rate on 1 of 3 return dates"):
        metrics.sharpe(RETURNS, 252, pd.Series(0.0, index=RETURNS.index[:2]))


# ---- drawdown dates and time under water -----------------------------------------------------

# Peak 110 on Jan 2; below it Jan 3..Jan 6 (trough 88 = -20% on Jan 4); back at 110 on Jan 7;
# below again from Jan 9 (118 < 120) to the end, never recovered.
CURVE = pd.Series(
    [100.0, 110.0, 99.0, 88.0, 105.0, 110.0, 120.0, 118.0, 119.0],
    index=pd.to_datetime(
        [
            "2020-01-01",
            "2020-01-02",
            "2020-01-03",
            "2020-01-04",
            "2020-01-06",
            "2020-01-07",
            "2020-01-08",
            "2020-01-09",
            "2020-01-20",
        ]
    ),
)
ONE_POINT = CURVE.iloc[:1]
CONSTANT = pd.Series(5.0, index=pd.bdate_range("2020-01-06", periods=5))


def test_max_drawdown_dates_by_hand() -> None:
    peak, trough, recovery = metrics.max_drawdown_dates(CURVE)
    assert (peak, trough, recovery) == (
        pd.Timestamp("2020-01-02"),
        pd.Timestamp("2020-01-04"),
        pd.Timestamp("2020-01-07"),
    )
    assert metrics.max_drawdown(CURVE) == pytest.approx(-0.2)


def test_max_drawdown_not_recovered_has_nat_recovery() -> None:
    dates = metrics.max_drawdown_dates(CURVE.iloc[:4])  # ends at the trough
    assert dates.peak == pd.Timestamp("2020-01-02")
    assert dates.recovery is pd.NaT


def test_under_water_spells_by_hand() -> None:
    spells = metrics.under_water_spells(CURVE)
    assert list(spells["start"]) == [pd.Timestamp("2020-01-03"), pd.Timestamp("2020-01-09")]
    assert list(spells["end"]) == [pd.Timestamp("2020-01-07"), pd.Timestamp("2020-01-20")]
    assert list(spells["days"]) == [4.0, 11.0]  # Jan 3 -> Jan 7; Jan 9 -> Jan 20 (last date)
    assert list(spells["recovered"]) == [True, False]
    assert spells["depth"].tolist() == pytest.approx([-0.2, -1 / 60])  # 88/110-1, 118/120-1


def test_longest_and_fraction_under_water_by_hand() -> None:
    longest = metrics.longest_under_water(CURVE)
    assert longest == (pd.Timestamp("2020-01-09"), pd.Timestamp("2020-01-20"), 11.0, False)
    # Under water on Jan 3, 4, 6, 9 and 20: 5 of 9 dates.
    assert metrics.fraction_under_water(CURVE) == pytest.approx(5 / 9)


# ---- calendar-period returns ------------------------------------------------------------------

# 100 on 2019-12-30, 102 on 12-31, 99.96 on 2020-01-31, 104.958 on 02-03, 94.4622 on 02-28.
PERIODS = pd.Series(
    [100.0, 102.0, 99.96, 104.958, 94.4622],
    index=pd.to_datetime(["2019-12-30", "2019-12-31", "2020-01-31", "2020-02-03", "2020-02-28"]),
)


def test_monthly_returns_start_from_the_first_point_and_keep_partial_months() -> None:
    monthly = metrics.monthly_returns(PERIODS)
    assert [str(p) for p in monthly.index] == ["2019-12", "2020-01", "2020-02"]
    # Dec: 102/100-1 (two days only); Jan: 99.96/102-1 = -2%; Feb: 94.4622/99.96-1 = -5.5%.
    assert monthly.tolist() == pytest.approx([0.02, -0.02, -0.055])


def test_annual_returns_and_extremes() -> None:
    annual = metrics.annual_returns(PERIODS)
    assert annual.tolist() == pytest.approx([0.02, 94.4622 / 102 - 1])
    best, best_month, worst, worst_month = metrics.extremes(metrics.monthly_returns(PERIODS))
    assert (best, str(best_month)) == (pytest.approx(0.02), "2019-12")
    assert (worst, str(worst_month)) == (pytest.approx(-0.055), "2020-02")


# ---- exposures and turnover --------------------------------------------------------------------


def test_exposures_by_hand() -> None:
    weights = pd.DataFrame(
        {"IWM": [0.5, 0.6], "EFA": [0.5, np.nan], "XLK": [-0.25, -0.3], "BTC-USD": [-0.25, 0.0]},
        index=pd.bdate_range("2020-01-06", periods=2),
    )
    by_date = metrics.exposures(weights)
    assert by_date["long"].tolist() == pytest.approx([1.0, 0.6])
    assert by_date["short"].tolist() == pytest.approx([0.5, 0.3])  # positive magnitudes
    assert by_date["gross"].tolist() == pytest.approx([1.5, 0.9])
    assert by_date["net"].tolist() == pytest.approx([0.5, 0.3])
    assert metrics.exposure_summary(weights) == pytest.approx(
        {
            "gross_mean": 1.2,
            "gross_max": 1.5,
            "net_mean": 0.4,
            "net_max": 0.5,
            "long_mean": 0.8,
            "long_max": 1.0,
            "short_mean": 0.4,
            "short_max": 0.5,
        }
    )


def test_turnover_is_one_sided_and_annualised_by_calendar_time() -> None:
    # Value 100 then 300 (mean 200) from 2020-01-01 to 2021-01-01: 366 days, 366/365.25 years.
    equity = pd.Series([100.0, 300.0], index=pd.to_datetime(["2020-01-01", "2021-01-01"]))
    # A full switch of a 200 book: sell 200, buy 200 -> one-sided 200 = 100% of the mean value.
    traded = pd.Series([200.0, 200.0], index=equity.index)
    assert metrics.turnover(traded, equity) == pytest.approx(1.0 * 365.25 / 366)
    # Building a 100 book from cash (buys only) counts half: 50 / 200 = 25% over the period.
    build = pd.Series([100.0], index=equity.index[:1])
    assert metrics.turnover(build, equity) == pytest.approx(0.25 * 365.25 / 366)


# ---- degenerate inputs give NaN (or empty, or NaT), never an error ----------------------------


def test_new_metrics_on_one_point_give_nan() -> None:
    assert metrics.max_drawdown_dates(ONE_POINT) == (pd.NaT, pd.NaT, pd.NaT)
    assert metrics.under_water_spells(ONE_POINT).empty
    assert np.isnan(metrics.longest_under_water(ONE_POINT).days)
    assert np.isnan(metrics.fraction_under_water(ONE_POINT))
    assert metrics.monthly_returns(ONE_POINT).empty
    assert metrics.annual_returns(ONE_POINT).empty
    assert np.isnan(metrics.extremes(metrics.monthly_returns(ONE_POINT)).best)
    assert np.isnan(metrics.turnover(pd.Series(dtype=float), ONE_POINT))
    assert all(np.isnan(v) for v in metrics.exposure_summary(pd.DataFrame()).values())


def test_new_metrics_on_a_constant_curve() -> None:
    # Never under water: defined, not NaN (no dates, zero days, zero share).
    assert metrics.max_drawdown_dates(CONSTANT) == (pd.NaT, pd.NaT, pd.NaT)
    assert metrics.longest_under_water(CONSTANT) == (pd.NaT, pd.NaT, 0.0, True)
    assert metrics.fraction_under_water(CONSTANT) == 0.0
    assert metrics.monthly_returns(CONSTANT).tolist() == [0.0]
    same_day = pd.Series([1.0, 1.0], index=pd.to_datetime(["2020-01-06", "2020-01-06"]))
    assert np.isnan(metrics.turnover(pd.Series([1.0]), same_day))
    assert np.isnan(metrics.turnover(pd.Series([1.0]), CONSTANT * 0.0))


# ---- peers on real history: SPY 2010-2020, the Fama-French daily cash rate -------------------
# empyrical-reloaded for the return-based figures, ffn for the calendar-time and drawdown ones.
# Where our convention differs from the peer's (empyrical's CAGR and Calmar count periods, not
# calendar days) the peer is ffn, whose year is 365.25 days like ours.

PEER = 1e-9


@pytest.fixture(scope="module")
def spy(shared_data: Path) -> pd.Series:
    return read_close(shared_data, "SPY").loc["2010-01-01":"2020-12-31"]


@pytest.fixture(scope="module")
def cash_rate(shared_data: Path) -> pd.Series:
    """Fama-French daily risk-free rate, stored in percent per day."""
    table = pd.read_csv(shared_data / "FF3_daily.csv", index_col="Date", parse_dates=True)
    return table["RF"] / 100.0


@pytest.mark.parametrize("ppy", [252, 365])
def test_return_metrics_match_empyrical(spy: pd.Series, cash_rate: pd.Series, ppy: int) -> None:
    returns = metrics.daily_returns(spy)
    rates = cash_rate.reindex(returns.index)
    assert metrics.volatility(returns, ppy) == pytest.approx(
        empyrical.annual_volatility(returns, annualization=ppy), abs=PEER
    )
    for rf in (0.0, 0.0001, rates):
        assert metrics.sharpe(returns, ppy, rf) == pytest.approx(
            empyrical.sharpe_ratio(returns, risk_free=rf, annualization=ppy), abs=PEER
        )
        assert metrics.sortino(returns, ppy, rf) == pytest.approx(
            empyrical.sortino_ratio(returns, required_return=rf, annualization=ppy), abs=PEER
        )


def test_drawdown_cagr_calmar_match_peers(spy: pd.Series) -> None:
    returns = metrics.daily_returns(spy)
    assert metrics.max_drawdown(spy) == pytest.approx(empyrical.max_drawdown(returns), abs=PEER)
    assert metrics.cagr(spy) == pytest.approx(ffn.calc_cagr(spy), abs=PEER)
    assert metrics.calmar(spy) == pytest.approx(ffn.calc_calmar_ratio(spy), abs=PEER)


def test_period_returns_match_empyrical_aggregate_returns(spy: pd.Series) -> None:
    returns = metrics.daily_returns(spy)
    for ours, convert_to in [
        (metrics.monthly_returns(spy), "monthly"),
        (metrics.annual_returns(spy), "yearly"),
    ]:
        peer = empyrical.aggregate_returns(returns, convert_to)
        assert len(ours) == len(peer)
        np.testing.assert_allclose(ours.to_numpy(), peer.to_numpy(), rtol=0, atol=PEER)
    assert str(metrics.extremes(metrics.monthly_returns(spy)).worst_period) == "2020-03"


def test_under_water_spells_match_ffn_drawdown_details(spy: pd.Series) -> None:
    ours = metrics.under_water_spells(spy)
    peer = ffn.drawdown_details(metrics.drawdown(spy))
    assert list(ours["start"]) == list(peer["Start"])
    assert list(ours["end"]) == list(peer["End"])
    assert ours["days"].tolist() == peer["Length"].astype(float).tolist()
    np.testing.assert_allclose(ours["depth"], peer["drawdown"].astype(float), atol=PEER)
    # The deepest spell is the max drawdown's: it starts the date after the peak, ends at recovery.
    peak, trough, recovery = metrics.max_drawdown_dates(spy)
    deepest = ours.loc[ours["depth"].idxmin()]
    assert spy.index[spy.index.get_loc(peak) + 1] == deepest["start"]
    assert (recovery, trough) == (deepest["end"], metrics.drawdown(spy).idxmin())
    assert metrics.longest_under_water(spy).days == peer["Length"].max()
