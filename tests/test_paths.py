"""The compiled pass over many paths against its references: `summary`, pandas, `BlockSums.of`."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.metrics import METRICS, summary
from analytics.overfitting import BlockSums
from analytics.paths import path_statistics
from tests.conftest import read_close

PPY = 252
SPLITS = 16


def _paths(bars: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equity paths with every edge a sweep meets, two cash rate paths, each path's rate row."""
    rng = np.random.default_rng(7)
    daily = rng.standard_t(4, (8, bars - 1)) * 0.01 + 3e-4
    equity = 100_000.0 * np.cumprod(np.c_[np.ones(8), 1.0 + daily], axis=1)
    cash = np.vstack([np.full(bars, 8e-5), rng.uniform(0.0, 2e-4, bars)])
    equity[1] = 100_000.0  # in cash without interest, at a constant rate: every return 0
    equity[2] = 100_000.0 * np.cumprod(np.r_[1.0, 1.0 + cash[1, 1:]])  # cash at the rate
    equity[3, max(1, bars // 2) :] = 0.0  # ruined to nothing: 0 / 0 returns after
    equity[4, max(1, bars // 3) :] = -1_234.5  # ruined below zero: held to the end
    equity[5, 1 : max(2, bars // 4)] = equity[5, 0]  # a 0 return or more
    equity[6, max(1, 2 * bars // 3) :] = np.nan  # a path that ends in NaN
    equity[7] = 100_000.0 * np.linspace(1.0, 1.3, bars)  # never falls
    return equity, cash, np.array([0, 0, 1, 0, 1, 0, 1, 0])


def _compare(equity: np.ndarray, cash: np.ndarray, rows: np.ndarray, index: pd.DatetimeIndex):
    found = path_statistics(equity, PPY, cash, rows, (index[-1] - index[0]).days, SPLITS)
    for k, path in enumerate(equity):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the reference on a ruined path
            expected = summary(pd.Series(path, index), PPY, pd.Series(cash[rows[k]], index))
        for key in METRICS:
            ours = found.metrics[key][k]
            assert ours == pytest.approx(expected[key], rel=1e-9, abs=1e-12, nan_ok=True), (k, key)
    return found


@pytest.mark.parametrize("bars", [1, 2, 3, 4, 5, 33, 40, 63, 64, 65, 1000])
def test_each_paths_metrics_are_its_summary(bars: int) -> None:
    equity, cash, rows = _paths(bars)
    _compare(equity, cash, rows, pd.bdate_range("2001-01-01", periods=bars))


def test_the_edges_give_summarys_nans_and_numbers() -> None:
    """The reference's rules, read off it: a sweep row of each edge is what its single run says."""
    equity, cash, rows = _paths(500)
    found = _compare(equity, cash, rows, pd.bdate_range("2001-01-01", periods=500))
    metrics = found.metrics
    assert np.isnan(metrics["sharpe"][[1, 2, 3, 6]]).all()  # flat, flat, 0 / 0, NaN
    assert np.isfinite(metrics["volatility"][[3, 4]]).all()  # NaN returns skipped
    assert np.isnan(metrics["calmar"][[3, 4, 6, 7]]).all()  # 0 / 0, no CAGR below 0, NaN, none
    assert metrics["max_drawdown"][3] == -1.0


def test_too_few_returns_are_not_annualised_but_still_summed() -> None:
    equity, cash, rows = _paths(63)  # 62 returns, one fewer than a quarter of 252
    found = _compare(equity, cash, rows, pd.bdate_range("2001-01-01", periods=63))
    assert all(np.isnan(found.metrics[key]).all() for key in ("cagr", "sharpe", "calmar"))
    assert np.isfinite(found.metrics["total_return"][[0, 5]]).all()


@pytest.mark.parametrize("bars", [3, 4, 5, 40, 1000])
def test_the_moments_are_pandas_skew_and_kurtosis(bars: int) -> None:
    equity, cash, rows = _paths(bars)
    index = pd.bdate_range("2001-01-01", periods=bars)
    found = path_statistics(equity, PPY, cash, rows, (index[-1] - index[0]).days, SPLITS)
    for k, path in enumerate(equity):
        with np.errstate(invalid="ignore"):
            returns = pd.Series(path[1:] / path[:-1] - 1.0)
        if returns.isna().any():  # a ruined path: never the pick the moments are kept for
            assert np.isnan([found.skew[k], found.kurtosis[k]]).all(), k
            continue
        theirs = (returns.skew(), returns.kurt())  # NaN for the path in cash
        for ours, their in zip((found.skew[k], found.kurtosis[k]), theirs, strict=True):
            assert ours == pytest.approx(their, rel=1e-9, abs=1e-12, nan_ok=True), k


@pytest.mark.parametrize("bars", [33, 40, 1000])
def test_the_block_sums_are_blocksums_of_the_returns(bars: int) -> None:
    equity, cash, rows = _paths(bars)
    found = path_statistics(equity, PPY, cash, rows, 1000, SPLITS)
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = equity[:, 1:] / equity[:, :-1] - 1.0
    expected = BlockSums.of(returns.T, SPLITS)
    assert found.blocks is not None
    assert found.blocks.block_len == expected.block_len
    for name in ("sums", "squares", "centre", "flat"):
        ours, theirs = getattr(found.blocks, name), getattr(expected, name)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15, err_msg=name)


def test_too_few_returns_for_the_blocks_give_none() -> None:
    equity, cash, rows = _paths(2 * SPLITS)  # 31 returns, fewer than two a block
    assert path_statistics(equity, PPY, cash, rows, 50, SPLITS).blocks is None


def test_real_paths_are_their_summary(shared_data: Path) -> None:
    closes = pd.concat(
        [read_close(shared_data, ticker) for ticker in ("SPY", "AGG", "IWM", "EFA")], axis=1
    ).dropna()
    closes = closes.loc["2007":"2024"]
    equity = (closes / closes.iloc[0] * 100_000.0).to_numpy().T
    cash = np.vstack([np.full(len(closes), 0.02 / PPY)])
    _compare(equity, cash, np.zeros(len(equity), dtype=np.int64), pd.DatetimeIndex(closes.index))


@settings(max_examples=150)
@given(
    bars=st.integers(1, 200),
    seed=st.integers(0, 2**32 - 1),
    ruin=st.one_of(st.none(), st.tuples(st.floats(0.01, 1.0), st.sampled_from([0.0, -50.0]))),
    rate=st.sampled_from([0.0, 1e-4]),
)
def test_any_path_is_its_summary(
    bars: int, seed: int, ruin: tuple[float, float] | None, rate: float
) -> None:
    """Random paths of 1 to 200 bars, some ruined to nothing or below it, with or without cash."""
    rng = np.random.default_rng(seed)
    daily = rng.normal(0.0, 0.02, bars - 1) * (rng.random(bars - 1) < 0.9)  # a tenth are 0
    equity = 100.0 * np.cumprod(np.r_[1.0, 1.0 + daily])
    if ruin is not None:
        equity[max(1, int(ruin[0] * bars)) :] = ruin[1]
    cash = np.full((1, bars), rate)
    rows = np.zeros(1, dtype=np.int64)
    _compare(equity[None, :], cash, rows, pd.bdate_range("2001-01-01", periods=bars))
