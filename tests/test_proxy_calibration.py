"""The calibration of the proxy's components: the fit by hand and by scipy, and the experiment."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import nnls

from analytics.proxy_agreement import agreement, read_published
from analytics.proxy_calibration import (
    LinearFit,
    filled_ranks,
    fit_before,
    fit_linear,
    nonnegative_least_squares,
    paired_columns,
)
from backtester import load_config
from pipeline.run import prepare
from signals.bull_bear import BullBearProxy

ROOT = Path(__file__).resolve().parents[1]
NAN = np.nan


def test_the_fit_recovers_an_exact_line_and_keeps_slopes_non_negative() -> None:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 3.0], [3.0, 1.0], [4.0, 2.0]])
    intercept, slopes = nonnegative_least_squares(x, 1.0 + 2.0 * x[:, 0] + 0.5 * x[:, 1])
    assert intercept == pytest.approx(1.0)
    np.testing.assert_allclose(slopes, [2.0, 0.5], atol=1e-12)
    # y falls with the second column: its slope is held at 0 and the first column is fitted
    # alone, by the textbook simple regression (slope cov / var, intercept through the means)
    y = 3.0 + 2.0 * x[:, 0] - 1.0 * x[:, 1]
    intercept, slopes = nonnegative_least_squares(x, y)
    x0 = x[:, 0]
    slope = ((x0 - x0.mean()) * (y - y.mean())).sum() / ((x0 - x0.mean()) ** 2).sum()
    assert slopes[1] == 0.0
    assert slopes[0] == pytest.approx(slope)
    assert intercept == pytest.approx(y.mean() - slope * x0.mean())


def test_the_fit_matches_scipy_nnls_with_a_free_intercept() -> None:
    rng = np.random.default_rng(11)
    for trial in range(20):
        x = rng.uniform(0, 1, (14, 4))
        y = rng.uniform(-2, 2) + x @ rng.normal(0, 5, 4) + rng.normal(0, 1, 14)
        intercept, slopes = nonnegative_least_squares(x, y)
        # scipy's NNLS with the intercept as the difference of two non-negative columns
        solution, _ = nnls(np.column_stack([np.ones(14), -np.ones(14), x]), y)
        mine = ((y - intercept - x @ slopes) ** 2).sum()
        theirs = ((y - solution[0] + solution[1] - x @ solution[2:]) ** 2).sum()
        assert mine == pytest.approx(theirs, rel=1e-9, abs=1e-9), trial
        np.testing.assert_allclose(slopes, solution[2:], atol=1e-6)
        assert (slopes >= 0).all()


def test_missing_percentiles_take_the_mean_of_the_available_ones() -> None:
    ranks = pd.DataFrame(
        {"a": [0.2, NAN, 0.1], "b": [NAN, NAN, 0.3], "c": [0.4, 0.5, 0.5], "d": [0.6, 0.7, 0.7]}
    )
    out = filled_ranks(ranks)
    assert out.iloc[0].tolist() == pytest.approx([0.2, 0.4, 0.4, 0.6])
    assert out.iloc[1].isna().all()  # two components: fewer than three
    assert out.iloc[2].tolist() == ranks.iloc[2].tolist()
    # equal weights of 10 / 4 give back the mean of the available ones, times 10
    fit = LinearFit(0.0, pd.Series(2.5, index=list("abcd")), 0, 0.0, 0.0)
    assert fit.predict(out).iloc[0] == pytest.approx(10 * 0.4)


def test_the_prediction_is_clipped_to_the_scale() -> None:
    fit = LinearFit(-1.0, pd.Series([20.0], index=["x"]), 0, 0.0, 0.0)
    columns = pd.DataFrame({"x": [0.0, 0.3, 0.9, NAN]})
    assert fit.predict(columns).iloc[:3].tolist() == [0.0, 5.0, 10.0]
    assert math.isnan(fit.predict(columns).iloc[3])


def test_the_fit_sees_nothing_from_the_cut_on() -> None:
    days = pd.bdate_range("2019-11-01", "2020-02-28")
    rng = np.random.default_rng(5)
    columns = pd.DataFrame({"x": rng.uniform(0, 1, len(days))}, index=days)
    dates = pd.to_datetime(["2019-11-15", "2019-12-02", "2019-12-20", "2019-12-31", "2020-01-02"])
    published = pd.DataFrame({"date": dates, "reading": [1.0, 4.0, 2.0, 8.0, 9.0], "note": ""})
    cut = pd.Timestamp("2020-01-01")
    fit = fit_before(columns, published, cut, ["x"])
    assert fit.points == 4
    changed = columns.copy()
    changed.loc[cut:, "x"] = 0.0
    other = published.assign(reading=[1.0, 4.0, 2.0, 8.0, 0.0])
    again = fit_before(changed, other, cut, ["x"])
    assert (again.intercept, again.weights["x"]) == (fit.intercept, fit.weights["x"])
    pairs = paired_columns(columns, pd.Series([1.0, 4.0, 2.0, 8.0], index=dates[:4]))
    direct = fit_linear(pairs, ["x"])
    assert (direct.intercept, direct.weights["x"], direct.sse) == (
        fit.intercept,
        fit.weights["x"],
        fit.sse,
    )
    assert fit.mean == pytest.approx(15.0 / 4)
    assert pairs.loc["2019-12-31", "x"] == columns.loc["2019-12-31", "x"]


CALIBRATION_PINNED = {
    # docs/bull_bear_proxy.md, "A calibration experiment", printed by docs/bull_bear_proxy.py on
    # the real history (to 2026-07-31) and data/published/bull_bear.csv (70 rows, month-only
    # dates at the month's first day): the fit on the 14 distinct readings before 2020, then,
    # from 2020 on: matched readings, MAE, correlation (NaN: a constant), sell and buy episodes
    # (agreed, of), and the MAE on the 11 readings from 2020 to the revamp.
    "fit": {"intercept": -0.58, "breadth": 5.28, "credit": 7.94, "volatility": 0.0, "trend": 0.0},
    "stretch": (0.22, 11.56),
    "default": (25, 3.57, 0.42, (0, 4), (2, 3), 2.00),
    "components": (25, 3.30, 0.39, (0, 4), (2, 3), 3.16),
    "stretched": (25, 3.37, 0.42, (0, 4), (2, 3), 2.71),
    "constant": (25, 4.10, NAN, (0, 4), (0, 3), 2.78),
}


def test_the_calibration_experiment_scores_as_documented(shared_data: Path) -> None:
    config = load_config("hartnett_switch", data=f"csv:{shared_data}", start="2003-01-01")
    market = prepare(config)[0]
    proxy = config.strategy._signals(market.universe)["bull_bear"]
    assert isinstance(proxy, BullBearProxy)
    published = read_published(ROOT / "data" / "published" / "bull_bear.csv", month_at="start")
    ranks = filled_ranks(proxy.components(market))
    default = proxy.evaluate(market)
    # the filled percentiles with equal weights are the proxy itself
    pd.testing.assert_series_equal(
        10.0 * ranks.mean(axis=1), default, check_names=False, atol=1e-12
    )
    columns = ranks.assign(proxy=default / 10.0)
    cut = pd.Timestamp("2020-01-01")
    fit = fit_before(columns, published, cut, list(ranks.columns))
    stretch = fit_before(columns, published, cut, ["proxy"])
    assert fit.points == stretch.points == 14
    expected = CALIBRATION_PINNED["fit"]
    assert fit.intercept == pytest.approx(expected["intercept"], abs=0.005)
    for name in ranks.columns:
        assert fit.weights[name] == pytest.approx(expected[name], abs=0.005), name
    assert (stretch.intercept, stretch.weights["proxy"]) == pytest.approx(
        CALIBRATION_PINNED["stretch"], abs=0.005
    )
    readings = {
        "default": default,
        "components": fit.predict(columns),
        "stretched": stretch.predict(columns),
        "constant": pd.Series(fit.mean, index=default.index).where(default.notna()),
    }
    after = published[published["date"] >= cut]
    old = after[after["date"] < pd.Timestamp("2025-10-01")]
    for name, reading in readings.items():
        found = agreement(reading[cut:], after)
        count, mae, r, sells, buys, mae_old = CALIBRATION_PINNED[name]
        assert len(found.pairs) == count, name
        assert found.mad == pytest.approx(mae, abs=0.006), name
        if math.isnan(r):
            assert math.isnan(found.correlation) or abs(found.correlation) < 1e-6, name
        else:
            assert found.correlation == pytest.approx(r, abs=0.006), name
        assert (int(found.sells["agreed"].sum()), len(found.sells)) == sells, name
        assert (int(found.buys["agreed"].sum()), len(found.buys)) == buys, name
        assert agreement(reading[cut:], old).mad == pytest.approx(mae_old, abs=0.006), name
