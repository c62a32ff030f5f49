"""Deflated and probabilistic Sharpe ratios and the probability of backtest overfitting."""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import numpy as np
import pytest

from analytics.overfitting import (
    deflated_sharpe,
    expected_max_sharpe,
    pbo,
    pbo_applicable,
    probabilistic_sharpe,
)

NORMAL = NormalDist()
EULER_GAMMA = 0.5772156649015329


def sharpes_with_variance(n_trials: int, variance: float, seed: int = 1) -> np.ndarray:
    """Annualised trial Sharpes whose sample variance (ddof=1) is ``variance``."""
    draws = np.random.default_rng(seed).normal(size=n_trials)
    return (draws - draws.mean()) / draws.std(ddof=1) * math.sqrt(variance)


# -- deflated and probabilistic Sharpe ----------------------------------------------------------


def test_paper_example_step_by_step() -> None:
    # Bailey and López de Prado (2014), "The Deflated Sharpe Ratio", numerical example: the best
    # of N = 100 trials has annualised SR* = 2.5 over T = 1250 daily returns (5 years of 250
    # days), skew -3, kurtosis 10, and the trials' annualised Sharpes have variance 1/2.
    ppy, n_obs, skew, kurt, n_trials = 250, 1250, -3.0, 10.0, 100
    sr_star = 2.5 / math.sqrt(ppy)  # 0.1581 per day
    sd_trials = math.sqrt(0.5 / ppy)  # a variance scales with 1 / periods_per_year
    z_first = NORMAL.inv_cdf(1 - 1 / n_trials)  # 2.3263
    z_second = NORMAL.inv_cdf(1 - 1 / (n_trials * math.e))  # 2.6790
    sr0 = sd_trials * ((1 - EULER_GAMMA) * z_first + EULER_GAMMA * z_second)
    spread = 1 - skew * sr_star + (kurt - 1) / 4 * sr_star**2
    dsr = NORMAL.cdf((sr_star - sr0) * math.sqrt(n_obs - 1) / math.sqrt(spread))

    result = deflated_sharpe(2.5, sharpes_with_variance(n_trials, 0.5), n_obs, skew, kurt, ppy)

    assert result.n_trials == n_trials
    assert result.trial_sharpe_std == pytest.approx(math.sqrt(0.5), abs=1e-12)
    assert result.expected_max_sharpe / math.sqrt(ppy) == pytest.approx(sr0, abs=1e-12)
    assert result.deflated_sharpe == pytest.approx(dsr, abs=1e-12)
    # The paper prints SR0 ~ 0.1132 (per day) and DSR ~ 0.9004. These are quoted from memory,
    # not checked against a copy here; the hand computation above is the real check. They do
    # agree to the printed digits at 250 days a year (252 would give 0.1127 and 0.8997).
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_psr_of_normal_returns_against_zero_is_the_textbook_formula() -> None:
    # skew 0 and kurtosis 3: PSR = Z[SR sqrt(T - 1) / sqrt(1 + SR^2 / 2)], SR per period
    sharpe_per_day = 0.9 / math.sqrt(252)
    expected = NORMAL.cdf(sharpe_per_day * math.sqrt(499) / math.sqrt(1 + sharpe_per_day**2 / 2))
    assert probabilistic_sharpe(0.9, 0.0, 500, 0.0, 3.0, 252) == pytest.approx(expected, abs=1e-14)
    # about 0.9 * sqrt(500 / 252) = 1.27 standard errors above 0: Z[1.2655] = 0.8971
    assert expected == pytest.approx(0.8971, abs=1e-4)


def test_psr_is_one_half_at_the_benchmark_and_falls_with_fat_left_tails() -> None:
    assert probabilistic_sharpe(1.3, 1.3, 800, -1.0, 8.0, 252) == pytest.approx(0.5, abs=1e-15)
    normal = probabilistic_sharpe(1.3, 0.5, 800, 0.0, 3.0, 252)
    assert probabilistic_sharpe(1.3, 0.5, 800, -2.0, 3.0, 252) < normal
    assert probabilistic_sharpe(1.3, 0.5, 800, 0.0, 12.0, 252) < normal


def test_more_trials_raise_the_benchmark_and_lower_the_dsr() -> None:
    small = deflated_sharpe(1.5, sharpes_with_variance(10, 0.3), 2500, 0.0, 3.0, 252)
    large = deflated_sharpe(1.5, sharpes_with_variance(1000, 0.3), 2500, 0.0, 3.0, 252)
    assert small.expected_max_sharpe < large.expected_max_sharpe
    assert small.deflated_sharpe > large.deflated_sharpe


def test_expected_max_is_close_to_the_simulated_mean_maximum_of_normals() -> None:
    # The formula is an approximation to E[max of N standard normals]; for N = 100 the exact
    # value is about 2.508 and the formula gives 2.531.
    maxima = np.random.default_rng(5).normal(size=(4000, 100)).max(axis=1)
    assert expected_max_sharpe(100, 1.0) == pytest.approx(maxima.mean(), abs=0.05)


@pytest.mark.parametrize(
    ("best", "trials", "n_obs", "skew", "kurtosis"),
    [
        (1.0, [1.0], 500, 0.0, 3.0),  # one trial: no selection to deflate
        (1.0, [1.0, np.nan], 500, 0.0, 3.0),
        (1.0, [1.0, 0.5], 1, 0.0, 3.0),
        (16.0, [1.0, 0.5], 500, 3.0, 3.0),  # 1 - skew SR + (kurt - 1)/4 SR^2 < 0
    ],
)
def test_deflated_sharpe_rejects_unusable_input(
    best: float, trials: list[float], n_obs: int, skew: float, kurtosis: float
) -> None:
    with pytest.raises(ValueError, match=r"trial|n_obs|kurtosis"):
        deflated_sharpe(best, trials, n_obs, skew, kurtosis, 252)


# -- probability of backtest overfitting --------------------------------------------------------


def tiny_sweep() -> np.ndarray:
    """3 trials, 4 blocks of 2 rows; each block of each trial is (m + 1, m - 1).

    Block means m: trial A [2, 2, -2, -2] (works early, fails late), B [1, 1, 1, 1] (steady),
    C [0, 3, 0, 0] (one lucky block).
    """
    means = np.array([[2, 2, -2, -2], [1, 1, 1, 1], [0, 3, 0, 0]], dtype=float).T
    return np.repeat(means, 2, axis=0) + np.tile([[1.0], [-1.0]], (4, 3))


def test_tiny_sweep_by_hand() -> None:
    # Two blocks with means m1, m2 (each row m +- 1) have mean M = (m1 + m2)/2, D = (m1 - m2)/2
    # and sample variance (4 D^2 + 4)/3, so SR = M sqrt(3) / (2 sqrt(D^2 + 1)):
    # B always 0.866; A 1.732 on {0,1}, -1.732 on {2,3}, 0 otherwise; C 0.721 on halves with
    # block 1 ({0,1}, {1,2}, {1,3}) and 0 otherwise. Combinations (IS | OOS):
    #   {0,1} | {2,3}: A wins IS (1.732); OOS A -1.732 < C 0 < B: rank 1, omega 1/4, -ln 3
    #   {0,2} | {1,3}: B wins IS; OOS A 0 < C 0.721 < B: rank 3, omega 3/4, ln 3
    #   {0,3} | {1,2}: B wins IS; OOS A 0 < C 0.721 < B: rank 3, ln 3
    #   {1,2} | {0,3}: B wins IS (C 0.721 < B); OOS A 0 = C 0 < B: rank 3, ln 3
    #   {1,3} | {0,2}: B wins IS; OOS A 0 = C 0 < B: rank 3, ln 3
    #   {2,3} | {0,1}: B wins IS; OOS C 0.721 < B < A 1.732: rank 2, omega 1/2, logit 0
    result = pbo(tiny_sweep(), n_splits=4)
    ln3 = math.log(3)
    np.testing.assert_allclose(result.logits, [-ln3, ln3, ln3, ln3, ln3, 0.0], atol=1e-12)
    # the paper counts logits in (-inf, 0]: the median pick of {2,3} is overfit (2 of 6)
    assert result.pbo == pytest.approx(2 / 6)
    assert (result.n_combinations, result.n_splits, result.n_trials) == (6, 4, 3)


def test_a_trial_that_dominates_everywhere_gives_pbo_zero() -> None:
    rng = np.random.default_rng(11)
    returns = rng.normal(0.0, 0.01, size=(640, 20))
    returns[:, 7] = 0.01 + rng.normal(0.0, 0.002, size=640)  # Sharpe 5 a day, the rest about 0
    result = pbo(returns)
    assert result.n_combinations == math.comb(16, 8) == 12_870
    assert result.pbo == 0.0
    np.testing.assert_allclose(result.logits, math.log(20 / 21 / (1 / 21)))  # rank N: ln N


def test_pure_noise_gives_pbo_near_one_half() -> None:
    # With no edge anywhere the IS winner's OOS rank is uniform, so PBO is 1/2 in expectation;
    # one sample is very noisy (0.1 to 0.7 across seeds), hence the mean of 40 sweeps.
    values = [
        pbo(np.random.default_rng(seed).normal(0.0, 0.01, size=(800, 40)), n_splits=8).pbo
        for seed in range(40)
    ]
    assert 0.35 < float(np.mean(values)) < 0.65


def reference_logits(returns: np.ndarray, n_splits: int) -> list[float]:
    """Plain loops: concatenate the rows of each half, Sharpe per trial, count the rank."""
    block = len(returns) // n_splits
    kept = returns[len(returns) - block * n_splits :]  # drop the oldest leftover rows
    blocks = [kept[i * block : (i + 1) * block] for i in range(n_splits)]
    logits = []
    for chosen in itertools.combinations(range(n_splits), n_splits // 2):
        rest = [i for i in range(n_splits) if i not in chosen]
        inside = np.concatenate([blocks[i] for i in chosen])
        outside = np.concatenate([blocks[i] for i in rest])
        in_sharpe = [inside[:, j].mean() / inside[:, j].std(ddof=1) for j in range(len(kept[0]))]
        out_sharpe = [outside[:, j].mean() / outside[:, j].std(ddof=1) for j in range(len(kept[0]))]
        best = max(range(len(in_sharpe)), key=in_sharpe.__getitem__)
        rank = 1 + sum(1 for value in out_sharpe if value < out_sharpe[best])
        omega = rank / (len(out_sharpe) + 1)
        logits.append(math.log(omega / (1 - omega)))
    return logits


def test_logits_match_a_plain_loop_on_random_data() -> None:
    rng = np.random.default_rng(3)
    returns = rng.normal(0.0003, 0.01, size=(203, 7)) + rng.normal(0, 0.004, size=(203, 1))
    result = pbo(returns, n_splits=8)  # 203 = 8 * 25 + 3: the 3 oldest rows are dropped
    expected = reference_logits(returns, 8)
    np.testing.assert_allclose(result.logits, expected, rtol=0, atol=1e-12)
    assert result.pbo == pytest.approx(np.mean(np.array(expected) <= 0))


def test_a_trial_flat_over_a_half_counts_as_sharpe_zero() -> None:
    returns = np.random.default_rng(4).normal(0.0, 0.01, size=(64, 3))
    returns[:32, 0] = 0.0  # in cash for the first half
    result = pbo(returns, n_splits=4)
    assert np.isfinite(result.logits).all()
    assert result.n_combinations == 6


@pytest.mark.parametrize(
    ("shape", "n_splits", "message"),
    [
        ((100, 1), 4, "N >= 2"),
        ((100, 5), 5, "even"),
        ((100, 5), 0, "even"),
        ((31, 5), 16, "at least 2 \\* n_splits = 32 rows"),
    ],
)
def test_pbo_rejects_unusable_input(shape: tuple[int, int], n_splits: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pbo(np.zeros(shape), n_splits=n_splits)


def test_pbo_rejects_nan() -> None:
    returns = np.zeros((40, 3))
    returns[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        pbo(returns, n_splits=4)


def test_pbo_applicable_needs_ten_trials_and_enough_rows() -> None:
    assert pbo_applicable(10, 32)
    assert not pbo_applicable(9, 5000)
    assert not pbo_applicable(100, 31)
    assert not pbo_applicable(100, 5000, n_splits=7)
    assert pbo_applicable(100, 16, n_splits=8)
