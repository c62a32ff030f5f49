"""How much of the best result of a parameter sweep is selection luck: DSR, PSR and PBO.

A sweep tries N parameter combinations and keeps the one with the best Sharpe ratio; the best
of N is biased upwards even when no combination has an edge. Two measures say by how much:

- The Deflated Sharpe Ratio (Bailey and López de Prado, 2014, "The Deflated Sharpe Ratio:
  Correcting for Selection Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio
  Management 40(5)): the probability that the true Sharpe of the pick beats the Sharpe the best
  of N luckless trials would be expected to show.
- The Probability of Backtest Overfitting (Bailey, Borwein, López de Prado and Zhu, 2017, "The
  Probability of Backtest Overfitting", Journal of Computational Finance 20(4)) by
  combinatorially symmetric cross-validation (CSCV): how often the in-sample winner ranks in the
  bottom half out of sample.

Units: Sharpe ratios go in and come out annualised, as the project reports them; inside the
formulas they are per period (the paper's), ``SR_period = SR_annual / sqrt(periods_per_year)``.
Kurtosis is the plain (Pearson, non-excess) kurtosis of the per-period returns, 3 for normal
returns: ``scipy.stats.kurtosis(r, fisher=False)`` or ``pandas.Series.kurt() + 3``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike

MIN_TRIALS_FOR_PBO = 10  # below this a rank among the trials is too coarse to mean much
_NORMAL = NormalDist()


@dataclass(frozen=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio of the pick of a sweep; Sharpe-valued fields annualised."""

    expected_max_sharpe: float
    deflated_sharpe: float
    n_trials: int
    trial_sharpe_std: float


@dataclass(frozen=True)
class PBOResult:
    """The probability of backtest overfitting, the logit of every combination, the settings."""

    pbo: float
    n_combinations: int
    logits: np.ndarray
    n_splits: int
    n_trials: int
    of_combinations: int = 0
    """Every combination of IS blocks there is; more than ``n_combinations`` when sampled."""
    standard_error: float = 0.0
    """The sampling error of ``pbo`` (0 when every combination was used): that of a share drawn
    without replacement, ``sqrt(p (1 - p) / n * (1 - n / N))``."""


def probabilistic_sharpe(
    sharpe: float,
    benchmark: float,
    n_obs: int,
    skew: float,
    kurtosis: float,
    periods_per_year: int,
) -> float:
    """Probability that the true Sharpe exceeds ``benchmark`` given the observed ``sharpe``.

    ``PSR = Z[(SR - SR_b) sqrt(T - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR^2)]`` with
    ``Z`` the standard normal CDF, ``T = n_obs`` returns and ``SR``, ``SR_b`` per period (Bailey
    and López de Prado, 2012, "The Sharpe Ratio Efficient Frontier", and 2014, eq. for the PSR).

    Parameters
    ----------
    sharpe, benchmark
        Annualised Sharpe ratios (divided by ``sqrt(periods_per_year)`` here).
    n_obs
        Number of returns the Sharpe was measured on, at least 2.
    skew, kurtosis
        Skewness and plain (non-excess) kurtosis of those returns; 0 and 3 for normal returns.
    periods_per_year
        Periods a year of the returns (252 on the equity calendar).

    Raises
    ------
    ValueError
        ``n_obs`` below 2, ``periods_per_year`` not positive, a non-finite input, or moments
        that make the variance term ``1 - skew SR + (kurtosis - 1) / 4 SR^2`` not positive.
    """
    values = (sharpe, benchmark, skew, kurtosis)
    if n_obs < 2 or periods_per_year <= 0 or not all(math.isfinite(v) for v in values):
        raise ValueError(
            f"need n_obs >= 2, periods_per_year > 0 and finite Sharpes and moments; got "
            f"n_obs={n_obs}, periods_per_year={periods_per_year}, sharpe={sharpe}, "
            f"benchmark={benchmark}, skew={skew}, kurtosis={kurtosis}"
        )
    scale = math.sqrt(periods_per_year)
    observed, target = sharpe / scale, benchmark / scale
    spread = 1.0 - skew * observed + (kurtosis - 1.0) / 4.0 * observed**2
    if spread <= 0:
        raise ValueError(
            f"1 - skew*SR + (kurtosis - 1)/4*SR^2 = {spread:.4g} is not positive for skew={skew},"
            f" kurtosis={kurtosis}; pass the plain kurtosis (3 for normal returns), not excess"
        )
    return _NORMAL.cdf((observed - target) * math.sqrt(n_obs - 1) / math.sqrt(spread))


def expected_max_sharpe(n_trials: int, sharpe_std: float) -> float:
    """Expected best Sharpe of ``n_trials`` luckless trials, in the unit of ``sharpe_std``.

    ``SR0 = sqrt(V) ((1 - gamma) Z^-1[1 - 1/N] + gamma Z^-1[1 - 1/(N e)])`` with ``gamma`` the
    Euler-Mascheroni constant, ``N = n_trials`` (at least 2) and ``sqrt(V) = sharpe_std`` the
    standard deviation of the trial Sharpes (Bailey and López de Prado, 2014, eq. for SR0).
    """
    if n_trials < 2:
        raise ValueError(f"the expected maximum needs at least 2 trials, got {n_trials}")
    gamma = np.euler_gamma
    quantile = (1.0 - gamma) * _NORMAL.inv_cdf(1.0 - 1.0 / n_trials) + gamma * _NORMAL.inv_cdf(
        1.0 - 1.0 / (n_trials * math.e)
    )
    return sharpe_std * quantile


def deflated_sharpe(
    best_sharpe: float,
    trial_sharpes: ArrayLike,
    n_obs: int,
    skew: float,
    kurtosis: float,
    periods_per_year: int,
) -> DeflatedSharpe:
    """The Deflated Sharpe Ratio: the PSR of the pick against the expected best of N trials.

    ``DSR = PSR(SR*, SR0)``, see `probabilistic_sharpe` and `expected_max_sharpe`; ``N`` is the
    number of trial Sharpes and ``V`` their sample variance (``ddof=1``).

    Parameters
    ----------
    best_sharpe
        Annualised Sharpe of the picked trial (``SR*``).
    trial_sharpes
        Annualised Sharpes of all N trials of the sweep, the pick included; at least 2, finite.
    n_obs, skew, kurtosis, periods_per_year
        As in `probabilistic_sharpe`, for the returns of the picked trial.

    Returns
    -------
    DeflatedSharpe
        ``expected_max_sharpe`` (SR0) and ``trial_sharpe_std`` annualised; ``deflated_sharpe``
        a probability in [0, 1]; ``n_trials`` = N.
    """
    sharpes = np.asarray(trial_sharpes, dtype=float)
    if sharpes.ndim != 1 or sharpes.size < 2 or not np.isfinite(sharpes).all():
        raise ValueError(
            f"trial_sharpes must be a 1-D array of at least 2 finite Sharpes, got shape "
            f"{sharpes.shape} with {int((~np.isfinite(sharpes)).sum())} non-finite values"
        )
    std = float(sharpes.std(ddof=1))
    benchmark = expected_max_sharpe(sharpes.size, std)
    probability = probabilistic_sharpe(
        best_sharpe, benchmark, n_obs, skew, kurtosis, periods_per_year
    )
    return DeflatedSharpe(benchmark, probability, int(sharpes.size), std)


def pbo_applicable(n_trials: int, n_obs: int, n_splits: int = 16) -> bool:
    """Whether a sweep is large enough for `pbo` to say something worth printing.

    That is at least 10 trials (`MIN_TRIALS_FOR_PBO`) and the shape `pbo` accepts:
    ``n_splits`` even and at least 2, ``n_obs >= 2 * n_splits``.
    """
    valid_splits = n_splits >= 2 and n_splits % 2 == 0
    return n_trials >= MIN_TRIALS_FOR_PBO and valid_splits and n_obs >= 2 * n_splits


@dataclass(frozen=True)
class BlockSums:
    """Each trial's sums over ``n_splits`` contiguous blocks of its centred returns.

    All `pbo` needs, so a sweep keeps these (blocks x trials) instead of every daily return.
    ``centre`` is each trial's mean over the rows used, ``flat`` the variation below which a
    trial counts as not varying, ``block_len`` the rows of a block.
    """

    sums: np.ndarray
    squares: np.ndarray
    centre: np.ndarray
    flat: np.ndarray
    block_len: int

    @classmethod
    def of(cls, performance: np.ndarray, n_splits: int = 16) -> BlockSums:
        """The block sums of a ``T x N`` array; the oldest ``T mod n_splits`` rows dropped."""
        values = np.asarray(performance, dtype=float)
        block_len = values.shape[0] // n_splits
        values = values[values.shape[0] - block_len * n_splits :]
        centre = values.mean(axis=0)
        # the Sharpe of any union of blocks follows from per-block sums; centring keeps
        # sum(x**2) - sum(x)**2 / n well conditioned
        centred = (values - centre).reshape(n_splits, block_len, values.shape[1])
        flat = np.abs(values).max(axis=0) * 1e-10
        return cls(centred.sum(axis=1), (centred**2).sum(axis=1), centre, flat, block_len)

    @classmethod
    def join(cls, parts: list[BlockSums]) -> BlockSums:
        """The trials of several parts side by side (the chunks of a sweep, in order)."""
        return cls(
            np.concatenate([part.sums for part in parts], axis=1),
            np.concatenate([part.squares for part in parts], axis=1),
            np.concatenate([part.centre for part in parts]),
            np.concatenate([part.flat for part in parts]),
            parts[0].block_len,
        )

    def trials(self, keep: np.ndarray) -> BlockSums:
        """Only the trials where ``keep`` is True."""
        return BlockSums(
            self.sums[:, keep], self.squares[:, keep], self.centre[keep], self.flat[keep],
            self.block_len,
        )  # fmt: skip


def pbo(performance: np.ndarray, n_splits: int = 16) -> PBOResult:
    """Probability of backtest overfitting by combinatorially symmetric cross-validation.

    The rows (time) are cut into ``S = n_splits`` contiguous blocks of equal length; when ``S``
    does not divide ``T`` the oldest ``T mod S`` rows are dropped. For each of the ``C(S, S/2)``
    choices of S/2 blocks as in-sample (IS; the rest out of sample, OOS), in the order of
    `itertools.combinations`: the trial with the best IS Sharpe (mean / std, ``ddof=1``; the
    first on a tie) is ranked among the OOS Sharpes, rank 1 the worst and N the best (ties take
    the average rank); ``omega = rank / (N + 1)`` and ``logit = ln(omega / (1 - omega))``.
    ``PBO`` is the share of logits ``<= 0``, the paper's indicator of ``(-inf, 0]``: a pick at
    the OOS median (logit exactly 0: odd N, or ties) counts as overfit. A trial that does
    not vary over a half (e.g. flat in cash) has Sharpe 0 there.

    Parameters
    ----------
    performance
        ``T x N`` array, e.g. daily returns of N trials; finite, ``N >= 2``, ``T >= 2 S``.
    n_splits
        Even number of blocks, at least 2; 16 (the paper's choice) gives 12,870 combinations.
    """
    values = np.asarray(performance, dtype=float)
    _check_pbo_input(values, n_splits)
    return pbo_of_blocks(BlockSums.of(values, n_splits), work=None)


PBO_WORK = 20_000_000
"""Trials times combinations of IS blocks `pbo_of_blocks` computes at most by default (about
half a second on a quiet core): a larger grid is given a random sample of the combinations."""
MIN_PBO_SAMPLE = 1_000
"""Combinations a sample has at least, whatever the grid: a standard error of at most 0.016."""


def pbo_of_blocks(blocks: BlockSums, work: int | None = PBO_WORK) -> PBOResult:
    """`pbo` from the trials' block sums (`BlockSums.of`), compiled: a split per core at a time.

    With ``work`` (trials x combinations) below what every combination needs, a random sample
    of the combinations is used (at least `MIN_PBO_SAMPLE`, the same for the same grid shape:
    seed 0), and the result carries its standard error; ``work=None`` uses every one.
    """
    n_splits, n_trials = blocks.sums.shape
    chosen = np.array(list(combinations(range(n_splits), n_splits // 2)), dtype=np.int64)
    total = len(chosen)
    if work is not None and n_trials * total > work:
        size = min(total, max(MIN_PBO_SAMPLE, work // max(n_trials, 1)))
        picked = np.random.default_rng(0).choice(total, size=size, replace=False)
        chosen = np.ascontiguousarray(chosen[np.sort(picked)])
    logits = _cscv_logits(
        chosen,
        np.ascontiguousarray(blocks.sums),
        np.ascontiguousarray(blocks.squares),
        blocks.centre,
        blocks.flat,
        blocks.block_len * n_splits // 2,
    )
    share, used = float(np.mean(logits <= 0)), len(logits)
    error = np.sqrt(share * (1 - share) / used * (1 - used / total)) if used < total else 0.0
    return PBOResult(share, used, logits, n_splits, n_trials, total, float(error))


GROUP_ROWS = 8
"""Rows of ``chosen`` a thread works through together: a tile of trials is read once for all."""
TILE_TRIALS = 512
"""Trials a tile: the block sums of 16 blocks take 128 KB, so they stay in a core's L2 cache."""


@njit(cache=True, parallel=True, error_model="numpy")
def _cscv_logits(
    chosen: np.ndarray,
    sums: np.ndarray,
    squares: np.ndarray,
    centre: np.ndarray,
    flat: np.ndarray,
    half: int,
) -> np.ndarray:
    """The logit of the OOS relative rank of the IS winner, one per row of ``chosen`` (IS blocks).

    Per row: each trial's IS and OOS Sharpe from the block sums; the first trial with the best
    IS Sharpe is the winner; its OOS rank counts the trials below it, ties taking the average.
    A thread takes `GROUP_ROWS` rows at a time and walks the trials in tiles of `TILE_TRIALS`
    (read from memory once per group, not once per row); within a tile the sums and Sharpes
    are branch-free loops the compiler vectorises. The arithmetic is that of a scalar loop, in
    the same order (the IS sums add the chosen blocks in turn, the OOS sums are the totals
    minus them), so the logits are the same to the bit.
    """
    n_splits, n_trials = sums.shape
    total_sums, total_squares = np.zeros(n_trials), np.zeros(n_trials)
    for block in range(n_splits):
        for trial in range(n_trials):
            total_sums[trial] += sums[block, trial]
            total_squares[trial] += squares[block, trial]
    floor = np.empty(n_trials)
    for trial in range(n_trials):
        floor[trial] = flat[trial] ** 2
    n_rows = len(chosen)
    logits = np.empty(n_rows)
    for group in prange((n_rows + GROUP_ROWS - 1) // GROUP_ROWS):
        first = group * GROUP_ROWS
        size = min(GROUP_ROWS, n_rows - first)
        in_sum, in_square = np.empty(TILE_TRIALS), np.empty(TILE_TRIALS)
        inside = np.empty(TILE_TRIALS)
        outside = np.empty((size, n_trials))
        winners, bests = np.zeros(size, dtype=np.int64), np.full(size, -np.inf)
        for start in range(0, n_trials, TILE_TRIALS):
            stop = min(start + TILE_TRIALS, n_trials)
            width = stop - start
            for member in range(size):
                _add_blocks(in_sum, in_square, sums, squares, chosen[first + member], start, stop)
                _tile_sharpes(
                    inside[:width], outside[member, start:stop], in_sum[:width],
                    in_square[:width], total_sums[start:stop], total_squares[start:stop],
                    centre[start:stop], floor[start:stop], half,
                )  # fmt: skip
                winners[member], bests[member] = _first_best(
                    inside[:width], start, winners[member], bests[member]
                )
        for member in range(size):
            scores = outside[member]
            score, below, level = scores[winners[member]], 0, 0
            for trial in range(n_trials):
                below += scores[trial] < score
                level += scores[trial] == score
            omega = (below + (level + 1) / 2.0) / (n_trials + 1)
            logits[first + member] = np.log(omega / (1.0 - omega))
    return logits


@njit(cache=True, error_model="numpy")
def _add_blocks(
    in_sum: np.ndarray,
    in_square: np.ndarray,
    sums: np.ndarray,
    squares: np.ndarray,
    blocks: np.ndarray,
    start: int,
    stop: int,
) -> None:
    """``in_sum[:stop - start]`` = 0.0 plus the ``blocks``' sums of trials ``start:stop``, in turn.

    Four blocks a pass (one read and write of the sums so far, not four); the additions are
    those of ``0.0 + s[b0] + s[b1] + ...`` in that order whatever the grouping into passes.
    """
    width = stop - start
    in_sum[:width] = 0.0
    in_square[:width] = 0.0
    done = 0
    while done + 4 <= len(blocks):
        first, second = sums[blocks[done], start:stop], sums[blocks[done + 1], start:stop]
        third, fourth = sums[blocks[done + 2], start:stop], sums[blocks[done + 3], start:stop]
        first_sq, second_sq = (
            squares[blocks[done], start:stop],
            squares[blocks[done + 1], start:stop],
        )
        third_sq, fourth_sq = (
            squares[blocks[done + 2], start:stop],
            squares[blocks[done + 3], start:stop],
        )
        for trial in range(width):
            in_sum[trial] = (
                in_sum[trial] + first[trial] + second[trial] + third[trial] + fourth[trial]
            )
            in_square[trial] = (
                in_square[trial] + first_sq[trial] + second_sq[trial] + third_sq[trial]
                + fourth_sq[trial]
            )  # fmt: skip
        done += 4
    for block in blocks[done:]:
        block_sums, block_squares = sums[block, start:stop], squares[block, start:stop]
        for trial in range(width):
            in_sum[trial] += block_sums[trial]
            in_square[trial] += block_squares[trial]


@njit(cache=True, error_model="numpy")
def _tile_sharpes(
    inside: np.ndarray,
    outside: np.ndarray,
    in_sum: np.ndarray,
    in_square: np.ndarray,
    total_sums: np.ndarray,
    total_squares: np.ndarray,
    centre: np.ndarray,
    floor: np.ndarray,
    n_obs: int,
) -> None:
    """Each trial's IS Sharpe into ``inside``, its OOS one (the totals' rest) into ``outside``."""
    for trial in range(len(inside)):
        inside[trial] = _block_sharpe(
            in_sum[trial], in_square[trial], centre[trial], floor[trial], n_obs
        )
        outside[trial] = _block_sharpe(
            total_sums[trial] - in_sum[trial], total_squares[trial] - in_square[trial],
            centre[trial], floor[trial], n_obs,
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def _first_best(values: np.ndarray, start: int, winner: int, best: float) -> tuple[int, float]:
    """The first trial (numbered from ``start``) above ``best``, and the best, or those given.

    A new best is rare past the first tiles: a vectorised test of the whole tile comes first,
    the scan (where the first of equals is kept) only where it finds one.
    """
    beaten = False
    for trial in range(len(values)):
        beaten |= values[trial] > best
    if beaten:
        for trial in range(len(values)):
            if values[trial] > best:
                winner, best = start + trial, values[trial]
    return winner, best


@njit(cache=True, error_model="numpy")
def _block_sharpe(total: float, square: float, centre: float, floor: float, n_obs: int) -> float:
    """Per-period Sharpe (``ddof=1``) from sums of centred values; 0 where nothing varies.

    That is a variance at or below ``floor``; the Sharpe is computed either way and then chosen,
    so a loop of calls has no branch and vectorises.
    """
    variance = (square - total**2 / n_obs) / (n_obs - 1)
    sharpe = (total / n_obs + centre) / np.sqrt(variance)
    return sharpe if variance > floor else 0.0


def _check_pbo_input(values: np.ndarray, n_splits: int) -> None:
    """Raise ValueError, saying what was received, unless `pbo` can use the input."""
    if values.ndim != 2 or values.shape[1] < 2:
        raise ValueError(f"performance must be T x N with N >= 2 trials, got {values.shape}")
    if n_splits < 2 or n_splits % 2:
        raise ValueError(f"n_splits must be an even number of at least 2, got {n_splits}")
    if values.shape[0] < 2 * n_splits:
        raise ValueError(
            f"need at least 2 * n_splits = {2 * n_splits} rows for {n_splits} blocks of 2 or "
            f"more, got {values.shape[0]}; pass fewer splits or more history"
        )
    if not np.isfinite(values).all():
        raise ValueError("performance contains NaN or infinite values; drop or fill those rows")
