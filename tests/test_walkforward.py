"""Walk-forward: windows tile the data, each pick is its train window's best, no look-ahead."""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ConfigError
from pipeline.combinations import with_value
from pipeline.config import build_config
from pipeline.run import run
from pipeline.sweep import parse_axis, sweep
from pipeline.sweep_facts import best_config
from pipeline.walkforward import MIN_TEST_BARS, WalkForwardResult, parse_windows, plan, walk_forward
from tests.conftest import SHARED_DATA

AXES = [parse_axis("strategy.short_weight=0.1,0.4"), parse_axis("strategy.tech_share=0.5,1")]
KEYS = [axis.key for axis in AXES]
FILES = ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD")


def _config(folder: Path):
    return build_config(
        "main_street",
        ["costs.fees_bps.etf=2", "costs.slippage_bps.etf=1", "costs.cash_rate=0.02"],
        data=f"csv:{folder}",
        start=date(2015, 1, 1),
        end=date(2021, 12, 31),
    )


@functools.cache
def _result(folder: Path) -> WalkForwardResult:
    """2015-2021 with 2y:1y windows: five test years, 2017 to 2021."""
    return walk_forward(_config(folder), AXES, *parse_windows("2y:1y"))


def _chosen(config, row: pd.Series):
    for key in KEYS:
        config = with_value(config, key, float(row[key]))
    return config


def test_windows_tile_the_period_as_specified(shared_data: Path) -> None:
    windows = _result(shared_data).windows
    # Calendar bounds from 2015-01-01: train [2015+k, 2017+k), test [2017+k, 2018+k); the dates
    # shown are the first and last trading days inside them (NYSE holidays: Jan 1, Jan 2 2017).
    expected = [
        ("2015-01-02", "2016-12-30", "2017-01-03", "2017-12-29"),
        ("2016-01-04", "2017-12-29", "2018-01-02", "2018-12-31"),
        ("2017-01-03", "2018-12-31", "2019-01-02", "2019-12-31"),
        ("2018-01-02", "2019-12-31", "2020-01-02", "2020-12-31"),
        ("2019-01-02", "2020-12-31", "2021-01-04", "2021-12-31"),
    ]
    columns = ["train_start", "train_end", "test_start", "test_end"]
    got = [tuple(d.isoformat() for d in row) for row in windows[columns].itertuples(index=False)]
    assert got == expected
    assert list(windows["window"]) == [1, 2, 3, 4, 5]
    assert list(windows.columns) == ["window", *columns, *KEYS, "train_sharpe", "test_sharpe"]


JUL_AUG, SEP_OCT = ("2020-07-01", "2020-08-31"), ("2020-09-01", "2020-10-30")


@pytest.mark.parametrize(
    ("last", "expected_tests"),
    [
        # 6m:2m from 2020-01-01 on weekdays: tests Jul-Aug, Sep-Oct, then a short Nov 2..Dec 15
        ("2020-12-15", [JUL_AUG, SEP_OCT, ("2020-11-02", "2020-12-15")]),
        # ... ending 2020-11-20, the tail has 15 bars (< MIN_TEST_BARS) and is dropped
        ("2020-11-20", [JUL_AUG, SEP_OCT]),
    ],
)
def test_plan_shortens_the_last_test_window_and_drops_a_stub(
    last: str, expected_tests: list[tuple[str, str]]
) -> None:
    bars = pd.bdate_range("2020-01-01", last)
    windows = plan(bars, pd.Timestamp("2020-01-01"), *parse_windows("6m:2m"))
    assert [(w.test_start.isoformat(), w.test_end.isoformat()) for w in windows] == expected_tests
    starts = ["2020-01-01", "2020-03-02", "2020-05-01"]  # Mar 1 2020 was a Sunday
    assert [w.train_start.isoformat() for w in windows] == starts[: len(windows)]
    assert [w.train_end.isoformat() for w in windows] == ["2020-06-30", "2020-08-31", "2020-10-30"][
        : len(windows)
    ]
    assert len(pd.bdate_range("2020-11-02", "2020-11-20")) < MIN_TEST_BARS


def test_each_choice_is_the_best_of_a_sweep_on_its_train_window(shared_data: Path) -> None:
    config = _config(shared_data)
    result = _result(shared_data)
    for _, row in result.windows.iterrows():
        trained = replace(config, start=row["train_start"], end=row["train_end"])
        direct = sweep(trained, AXES)
        best = best_config(trained, direct)
        assert best.strategy == _chosen(config, row).strategy, row["window"]
        assert row["train_sharpe"] == direct.table["sharpe"].max()
    whole = best_config(config, sweep(config, AXES))
    assert result.in_sample_choice == {
        "strategy.short_weight": whole.strategy.short_weight,
        "strategy.tech_share": whole.strategy.tech_share,
    }


def test_each_curves_window_is_a_single_run_of_its_pick_on_that_window(shared_data: Path) -> None:
    config = _config(shared_data)
    result = _result(shared_data)
    hindsight = _chosen(config, pd.Series(result.in_sample_choice))
    picks = result.windows[KEYS].to_dict("records")
    assert any(pick != result.in_sample_choice for pick in picks)  # so the curves can differ
    initial = config.execution.initial_value
    level = dict.fromkeys(result.equity.columns, initial)
    sharpes, bars = [], []
    for _, row in result.windows.iterrows():
        dates = {"start": row["test_start"], "end": row["test_end"]}
        tested = run(replace(_chosen(config, row), **dates))
        known = run(replace(hindsight, **dates))
        sharpes.append(tested.metrics["strategy"]["sharpe"])
        bars.append(tested.strategy.equity.index)
        # each window is a fresh account of its own run, chained at the previous window's level
        expected = {
            "out_of_sample": tested.strategy.equity,
            "benchmark": tested.benchmark.equity,
            "in_sample_best": known.strategy.equity,
        }
        for name, equity in expected.items():
            segment = result.equity.loc[equity.index, name]
            np.testing.assert_allclose(segment, equity / equity.iloc[0] * level[name], rtol=1e-12)
            level[name] = segment.iloc[-1]
    assert list(result.windows["test_sharpe"]) == pytest.approx(sharpes, rel=1e-12)
    assert result.equity.index.equals(pd.DatetimeIndex(np.concatenate(bars)))
    assert result.equity.iloc[0].tolist() == [initial] * 3
    assert set(result.metrics) == {"out_of_sample", "benchmark", "in_sample_best"}
    assert result.metrics["out_of_sample"]["total_return"] == pytest.approx(
        result.equity["out_of_sample"].iloc[-1] / initial - 1.0
    )


def test_one_combination_gives_the_same_curve_out_of_sample_and_in_hindsight(
    shared_data: Path,
) -> None:
    one = [parse_axis("strategy.short_weight=0.2")]
    result = walk_forward(_config(shared_data), one, *parse_windows("3y:2y"))
    assert len(result.windows) >= 2
    pd.testing.assert_series_equal(
        result.equity["out_of_sample"],
        result.equity["in_sample_best"],
        check_names=False,
        rtol=0,
        atol=0,
    )
    assert result.metrics["out_of_sample"] == result.metrics["in_sample_best"]


@settings(max_examples=5, deadline=None)
@given(
    window=st.integers(0, 4),
    where=st.floats(0.0, 1.0),
    factor=st.floats(0.6, 1.4).filter(lambda f: abs(f - 1.0) >= 0.1),
)
def test_altered_prices_change_no_earlier_choice(window: int, where: float, factor: float) -> None:
    baseline = _result(SHARED_DATA)
    row = baseline.windows.iloc[window]
    last = pd.Timestamp(row["test_end"])
    bars = baseline.equity.loc[pd.Timestamp(row["test_start"]) : last].index
    # at least the 5th bar of the test window, when the fresh account already holds its shorts
    altered_on = bars[4 + int(where * (len(bars) - 5))]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for ticker in FILES:
            shutil.copy(SHARED_DATA / f"{ticker}.csv", folder)
        table = pd.read_csv(folder / "XLK.csv", parse_dates=["Date"])
        table.loc[table["Date"] >= altered_on, "Adj Close"] *= factor
        table.to_csv(folder / "XLK.csv", index=False, date_format="%Y-%m-%d")
        after = walk_forward(_config(folder), AXES, *parse_windows("2y:1y"))
    before = baseline.windows
    assert before[["train_start", "test_end"]].equals(after.windows[["train_start", "test_end"]])
    earlier = before["train_end"] < altered_on.date()
    columns = [*KEYS, "train_sharpe"]
    pd.testing.assert_frame_equal(before.loc[earlier, columns], after.windows.loc[earlier, columns])
    done = before["test_end"] < altered_on.date()
    assert list(before.loc[done, "test_sharpe"]) == list(after.windows.loc[done, "test_sharpe"])
    upto = baseline.equity.index < altered_on
    pd.testing.assert_frame_equal(baseline.equity[upto], after.equity[upto], rtol=0, atol=0)
    pd.testing.assert_series_equal(baseline.equity["benchmark"], after.equity["benchmark"])
    # ... and the alteration did reach what comes after it, so this test can fail
    assert baseline.equity.at[last, "out_of_sample"] != after.equity.at[last, "out_of_sample"]
    if window + 1 < len(before):
        assert before["train_sharpe"][window + 1] != after.windows["train_sharpe"][window + 1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5y:1y", (pd.DateOffset(years=5), pd.DateOffset(years=1))),
        ("18m:3m", (pd.DateOffset(months=18), pd.DateOffset(months=3))),
        (" 90d : 30d ", (pd.DateOffset(days=90), pd.DateOffset(days=30))),
    ],
)
def test_window_specs_parse_to_calendar_offsets(text: str, expected: tuple) -> None:
    train, test = parse_windows(text)
    start = pd.Timestamp("2020-01-31")
    assert (start + train, start + test) == (start + expected[0], start + expected[1])


@pytest.mark.parametrize("text", ["5y", "5y:1w", "0y:1y", "y:1y", "5y:1y:1y", "-1y:1y", "1.5y:1y"])
def test_bad_window_specs_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="expected TRAIN:TEST"):
        parse_windows(text)


def test_windows_longer_than_the_data_are_refused(shared_data: Path) -> None:
    with pytest.raises(ConfigError, match="no train window of 10y"):
        walk_forward(_config(shared_data), AXES, *parse_windows("10y:1y"))
