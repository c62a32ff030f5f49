"""The paired stationary block bootstrap of the Sharpe and CAGR differences."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from analytics import metrics
from analytics.bootstrap import (
    BootstrapResult,
    blocks_to_indices,
    compare,
    resample_stats,
    stationary_blocks,
)

PPY = 252


def paired_returns(n_days: int, seed: int = 7) -> tuple[pd.Series, pd.Series]:
    """Two correlated daily series (correlation about 0.6); the strategy earns 2 bp a day more."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0.0, 0.008, n_days)
    benchmark = 0.0003 + common + rng.normal(0.0, 0.0060, n_days)
    strategy = 0.0005 + common + rng.normal(0.0, 0.0075, n_days)
    index = pd.bdate_range("2000-01-03", periods=n_days)
    return pd.Series(strategy, index), pd.Series(benchmark, index)


def width(result: BootstrapResult, name: str) -> float:
    return getattr(result, f"{name}_high") - getattr(result, f"{name}_low")


def test_same_seed_same_result_and_another_seed_another_interval() -> None:
    strategy, benchmark = paired_returns(1500)
    first = compare(strategy, benchmark, PPY, n_resamples=500, seed=3)
    assert compare(strategy, benchmark, PPY, n_resamples=500, seed=3) == first
    other = compare(strategy, benchmark, PPY, n_resamples=500, seed=4)
    assert other.sharpe_diff == first.sharpe_diff  # the point estimate does not depend on it
    assert (other.sharpe_diff_low, other.sharpe_diff_high) != (
        first.sharpe_diff_low,
        first.sharpe_diff_high,
    )
    assert other.cagr_diff_low != first.cagr_diff_low
    assert first.as_dict()["seed"] == 3
    assert list(first.as_dict())[:3] == ["sharpe_diff", "sharpe_diff_low", "sharpe_diff_high"]


def test_intervals_shrink_as_the_history_grows() -> None:
    strategy, benchmark = paired_returns(8000)
    short = compare(strategy.iloc[:1000], benchmark.iloc[:1000], PPY, n_resamples=1000)
    long = compare(strategy, benchmark, PPY, n_resamples=1000)
    # a width falls like 1 / sqrt(n): sqrt(8) = 2.8 times narrower, asked for at least 1.8
    assert width(long, "sharpe_diff") < width(short, "sharpe_diff") / 1.8
    assert width(long, "cagr_diff") < width(short, "cagr_diff") / 1.8


def test_block_lengths_are_geometric_with_the_mean_asked_for() -> None:
    n_obs, n_resamples, mean_block = 5000, 200, 21.0
    _, lengths = stationary_blocks(n_obs, n_resamples, mean_block, np.random.default_rng(1))
    assert lengths.sum() == n_obs * n_resamples
    ends = np.cumsum(lengths)
    assert set(ends[ends % n_obs == 0] // n_obs) == set(range(1, n_resamples + 1))
    whole = lengths[ends % n_obs != 0]  # the last block of each resample is cut short
    assert whole.mean() == pytest.approx(mean_block, abs=0.5)
    assert whole.std() == pytest.approx(math.sqrt(mean_block * (mean_block - 1)), abs=1.0)
    assert np.mean(whole == 1) == pytest.approx(1 / mean_block, abs=0.005)


def test_run_lengths_of_the_indices_average_the_mean_block() -> None:
    n_obs, mean_block = 5000, 21.0
    indices = blocks_to_indices(
        n_obs, *stationary_blocks(n_obs, 100, mean_block, np.random.default_rng(2))
    )
    assert indices.shape == (100, n_obs)
    runs = []
    for row in indices:
        breaks = np.flatnonzero((row[1:] - row[:-1]) % n_obs != 1) + 1
        runs.extend(np.diff(np.concatenate([[0], breaks, [n_obs]])))
    # cut-off last runs and a new block starting right after the old one pull it a little down
    assert np.mean(runs) == pytest.approx(mean_block, abs=0.6)


def test_starts_are_uniform_indices_stay_in_range_and_wrap() -> None:
    n_obs = 1000
    starts, lengths = stationary_blocks(n_obs, 400, 21.0, np.random.default_rng(3))
    shares = np.bincount(starts * 10 // n_obs, minlength=10) / starts.size
    np.testing.assert_allclose(shares, 0.1, atol=0.01)
    indices = blocks_to_indices(n_obs, starts, lengths)
    assert indices.min() == 0
    assert indices.max() == n_obs - 1
    wraps = (indices[:, :-1] == n_obs - 1) & (indices[:, 1:] == 0)
    assert wraps.sum() > 0
    use = np.bincount(indices.ravel(), minlength=n_obs)
    assert use.mean() == 400
    assert np.bincount(np.arange(n_obs) * 10 // n_obs, weights=use).min() > 0.95 * 40_000


def test_blocks_spell_out_the_indices_a_plain_loop_gives() -> None:
    n_obs = 50
    starts, lengths = stationary_blocks(n_obs, 6, 4.0, np.random.default_rng(4))
    expected = []
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        expected.extend((start + step) % n_obs for step in range(length))
    np.testing.assert_array_equal(blocks_to_indices(n_obs, starts, lengths).ravel(), expected)


def test_pairing_same_series_gives_a_zero_difference_in_every_resample() -> None:
    strategy, _ = paired_returns(1200)
    result = compare(strategy, strategy.copy(), PPY, n_resamples=500)
    for name in ("sharpe_diff", "cagr_diff"):
        assert getattr(result, name) == 0.0
        assert getattr(result, f"{name}_low") == 0.0
        assert getattr(result, f"{name}_high") == 0.0
    assert result.prob_sharpe_better == 0.0
    returns = np.vstack([strategy.to_numpy()] * 2)
    blocks = stationary_blocks(len(strategy), 300, 21.0, np.random.default_rng(5))
    sharpe, cagr = resample_stats(returns, np.log1p(returns), *blocks, PPY)
    assert np.all(sharpe[0] - sharpe[1] == 0.0)
    assert np.all(cagr[0] - cagr[1] == 0.0)


def test_point_estimates_lie_inside_their_intervals() -> None:
    strategy, benchmark = paired_returns(2500)
    result = compare(strategy, benchmark, PPY)
    assert result.sharpe_diff_low < result.sharpe_diff < result.sharpe_diff_high
    assert result.cagr_diff_low < result.cagr_diff < result.cagr_diff_high
    assert 0.0 < result.prob_sharpe_better < 1.0


def test_point_estimates_follow_the_documented_formulas() -> None:
    strategy, benchmark = paired_returns(800)
    result = compare(strategy, benchmark, PPY, risk_free=0.0001, n_resamples=10)
    expected_sharpe = metrics.sharpe(strategy, PPY, 0.0001) - metrics.sharpe(benchmark, PPY, 0.0001)
    assert result.sharpe_diff == pytest.approx(expected_sharpe, rel=1e-9)
    by_periods = [(1 + r).prod() ** (PPY / 800) - 1 for r in (strategy, benchmark)]
    assert result.cagr_diff == pytest.approx(by_periods[0] - by_periods[1], rel=1e-9)


def test_a_constant_extra_return_wins_every_resample() -> None:
    _, benchmark = paired_returns(1500)
    result = compare(benchmark + 0.0002, benchmark, PPY, n_resamples=1000)
    assert result.prob_sharpe_better == 1.0
    assert result.sharpe_diff_low > 0
    assert result.cagr_diff_low > 0


def test_risk_free_series_is_resampled_on_the_same_dates() -> None:
    strategy, benchmark = paired_returns(1000)
    cash = pd.Series(np.linspace(0.0, 0.0004, 1000), strategy.index)
    with_cash = compare(strategy, benchmark, PPY, risk_free=cash, n_resamples=300)
    pre_subtracted = compare(strategy - cash, benchmark - cash, PPY, n_resamples=300)
    for name in ("sharpe_diff", "sharpe_diff_low", "sharpe_diff_high", "prob_sharpe_better"):
        assert getattr(with_cash, name) == pytest.approx(getattr(pre_subtracted, name), rel=1e-9)


def test_one_resample_against_a_plain_python_loop() -> None:
    strategy, benchmark = paired_returns(300)
    cash = np.linspace(0.00005, 0.0001, 300)
    starts, lengths = stationary_blocks(300, 3, 10.0, np.random.default_rng(6))
    indices = blocks_to_indices(300, starts, lengths)
    returns = np.vstack([strategy.to_numpy(), benchmark.to_numpy()])
    sharpe, cagr = resample_stats(returns - cash, np.log1p(returns), starts, lengths, PPY)
    for row, days in enumerate(indices.tolist()):
        ratios, growths = [], []
        for series in (strategy.tolist(), benchmark.tolist()):
            excess = [series[day] - cash[day] for day in days]
            ratios.append(statistics.mean(excess) / statistics.stdev(excess) * math.sqrt(PPY))
            wealth = 1.0
            for day in days:
                wealth *= 1.0 + series[day]
            growths.append(wealth ** (PPY / len(days)) - 1.0)
        assert sharpe[0, row] - sharpe[1, row] == pytest.approx(ratios[0] - ratios[1], rel=1e-9)
        np.testing.assert_allclose(cagr[:, row], growths, rtol=1e-10)


def test_inputs_are_validated() -> None:
    strategy, benchmark = paired_returns(300)
    with pytest.raises(ValueError, match="share one index"):
        compare(strategy, benchmark.iloc[1:], PPY)
    with pytest.raises(ValueError, match="benchmark contains NaN"):
        compare(strategy, benchmark.where(benchmark.index != benchmark.index[5]), PPY)
    with pytest.raises(ValueError, match="risk_free as a Series"):
        compare(strategy, benchmark, PPY, risk_free=pd.Series(0.0, benchmark.index[1:]))
    with pytest.raises(ValueError, match="-100%"):
        compare(strategy.where(strategy.index != strategy.index[9], -1.0), benchmark, PPY)
    with pytest.raises(ValueError, match="confidence"):
        compare(strategy, benchmark, PPY, confidence=1.0)
    with pytest.raises(ValueError, match="mean_block"):
        compare(strategy, benchmark, PPY, mean_block=0.5)


def test_a_short_history_gives_nan_and_keeps_the_settings() -> None:
    strategy, benchmark = paired_returns(41)  # fewer than 2 x 21 periods
    result = compare(strategy, benchmark, PPY, seed=9)
    assert all(math.isnan(value) for value in list(result.as_dict().values())[:7])
    assert (result.n_resamples, result.mean_block, result.seed, result.confidence) == (
        2000,
        21.0,
        9,
        0.90,
    )


def test_compare_end_to_end_against_a_gather_with_numpy() -> None:
    strategy, benchmark = paired_returns(1000)
    result = compare(strategy, benchmark, PPY, n_resamples=300, seed=11, confidence=0.8)
    blocks = stationary_blocks(1000, 300, 21.0, np.random.default_rng(11))  # the same draws
    indices = blocks_to_indices(1000, *blocks)
    sharpe = [
        s[indices].mean(axis=1) / s[indices].std(axis=1, ddof=1) * math.sqrt(PPY)
        for s in (strategy.to_numpy(), benchmark.to_numpy())
    ]
    expected = np.quantile(sharpe[0] - sharpe[1], [0.1, 0.9])
    np.testing.assert_allclose([result.sharpe_diff_low, result.sharpe_diff_high], expected)
    assert result.prob_sharpe_better == np.mean(sharpe[0] > sharpe[1])
