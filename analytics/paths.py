"""Statistics of many equity paths at once, compiled: what a sweep keeps of each combination.

`path_statistics` gives, for each path (a row), the headline metrics of
`analytics.metrics.summary` with its NaN rules, the skew and excess kurtosis of its daily
returns (pandas' ``Series.skew`` and ``Series.kurt``) and its PBO block sums
(`analytics.overfitting.BlockSums.of`). A chunk of a sweep is about 128 paths of 5,000 bars
(5 MB): numpy would make a dozen passes over it, each out of cache; here each path is read once and
its returns kept in a buffer that stays in cache for the second, centred pass. Those three
functions stay the reference the tests hold this module to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from analytics.metrics import DAYS_PER_YEAR, FLAT_TOLERANCE, METRICS, min_annualise_days
from analytics.overfitting import BlockSums

_MOMENT_RESIDUE = 1e-14
"""Centred sums of powers below this are rounding residue, zeroed (pandas' ``nanops`` rule
before 3.0; the sweep's skew and kurtosis have always used it)."""
_FLAT_BLOCKS = 1e-10
"""`BlockSums.flat`: a trial's largest absolute return times this."""


@dataclass(frozen=True)
class PathStatistics:
    """Of each path (one entry a path): its metrics, return moments and PBO block sums.

    ``metrics`` is keyed as `analytics.metrics.METRICS`; ``kurtosis`` is excess (0 for normal
    returns); ``blocks`` is None when there are fewer than ``2 * n_splits`` returns.
    """

    metrics: dict[str, np.ndarray]
    skew: np.ndarray
    kurtosis: np.ndarray
    blocks: BlockSums | None


def path_statistics(
    equity: np.ndarray,
    periods_per_year: int,
    cash: np.ndarray,
    cash_rows: np.ndarray,
    days: int,
    n_splits: int = 16,
) -> PathStatistics:
    """`summary`, moments and block sums of each row of ``equity`` (paths x bars).

    ``cash`` is a table of per-period cash rates (rate paths x bars) and ``cash_rows`` names
    each path's row of it (``summary``'s ``risk_free`` on the equity's dates); ``days`` are the
    calendar days from the first bar to the last. Returns are ``equity[t] / equity[t-1] - 1``.
    As in ``summary``, a NaN return (a path worth nothing after its ruin) is skipped by the
    volatility and makes Sharpe, Sortino and Calmar NaN; it makes the skew, kurtosis and block
    sums NaN too (a ruined path is neither a pick nor a PBO trial).
    """
    n_returns = equity.shape[1] - 1
    with_blocks = n_returns >= 2 * n_splits
    values, shape, sums, squares, centre, flat = _statistics(
        np.ascontiguousarray(equity, dtype=float),
        np.ascontiguousarray(cash, dtype=float),
        np.asarray(cash_rows, dtype=np.int64),
        float(periods_per_year),
        DAYS_PER_YEAR / days if days > 0 else np.nan,
        n_returns >= min_annualise_days(periods_per_year),
        n_splits if with_blocks else 0,
    )
    blocks = BlockSums(sums, squares, centre, flat, n_returns // n_splits) if with_blocks else None
    metrics = {key: values[:, column] for column, key in enumerate(METRICS)}
    return PathStatistics(metrics, shape[:, 0], shape[:, 1], blocks)


@njit(cache=True, error_model="numpy")
def _statistics(
    equity: np.ndarray,
    cash: np.ndarray,
    cash_rows: np.ndarray,
    periods_per_year: float,
    year_power: float,
    annualise: bool,
    n_splits: int,
) -> tuple:
    """The metrics (paths x `METRICS`), moments (paths x 2) and block sums (splits x paths).

    Two loops a path: the first reads the equity and keeps its returns in a buffer that stays
    in cache, the second sums their centred powers. One thread: a sweep's chunks already run
    on every core, in forked workers.
    """
    paths, bars = equity.shape
    n = bars - 1
    block_len = n // n_splits if n_splits else 0
    start = n - block_len * n_splits  # `BlockSums.of` drops the oldest rows
    values, shape = np.full((paths, len(METRICS)), np.nan), np.full((paths, 2), np.nan)
    sums, squares = np.zeros((max(n_splits, 1), paths)), np.zeros((max(n_splits, 1), paths))
    centre, flat = np.zeros(paths), np.zeros(paths)
    returns = np.empty(n)
    for k in range(paths):
        path, rate = equity[k], cash[cash_rows[k]]
        count, total, excess, downside, missing, deepest, tail, largest = _first_pass(
            path, rate, returns, start
        )
        mean = total / count
        if n_splits:
            centre[k] = tail / (n - start)
            flat[k] = largest * _FLAT_BLOCKS if not np.isnan(tail) else np.nan
        m2, m3, m4, excess_square = _second_pass(
            returns, rate, mean, excess / n, start, block_len, centre[k], sums[:, k], squares[:, k]
        )
        spread = np.sqrt(m2 / (count - 1)) if count > 1 else np.nan
        excess_spread = np.sqrt(excess_square / (n - 1)) if n > 1 else np.nan
        values[k] = _metrics(
            path, n, spread, excess / n, excess_spread, downside, missing, deepest,
            periods_per_year, year_power, annualise,
        )  # fmt: skip
        if count == n:
            shape[k, 0], shape[k, 1] = _moments(n, m2, m3, m4)
    return values, shape, sums, squares, centre, flat


@njit(cache=True, error_model="numpy")
def _first_pass(path: np.ndarray, rate: np.ndarray, returns: np.ndarray, start: int) -> tuple:
    """Fill ``returns``, and sum what needs no mean: the first of the two loops.

    Returns the count and sum of the returns (NaN skipped), the excess returns' sum and sum of
    squared losses, a NaN flag, the deepest fall, and the sum and largest size of the returns
    from ``start`` on (the block sums' rows). The flag is set by a NaN return or excess
    return (after a ruin to nothing, or a NaN rate).
    """
    count, total, excess, downside, missing = 0, 0.0, 0.0, 0.0, False
    peak, deepest, tail, largest = path[0], 0.0, 0.0, 0.0
    for t in range(1, len(path)):
        value = path[t]
        ret = value / path[t - 1] - 1.0
        returns[t - 1] = ret
        above = ret - rate[t]
        if np.isnan(ret) or np.isnan(above):
            missing = True
        if not np.isnan(ret):
            count += 1
            total += ret
        excess += above
        downside += min(above, 0.0) ** 2
        if not np.isnan(value):  # pandas' cummax and min skip NaN
            peak = max(peak, value)
            deepest = min(deepest, value / peak - 1.0)
        if t > start:
            tail += ret
            largest = max(largest, abs(ret))
    return count, total, excess, downside, missing, deepest, tail, largest


@njit(cache=True, error_model="numpy")
def _second_pass(
    returns: np.ndarray,
    rate: np.ndarray,
    mean: float,
    mean_excess: float,
    start: int,
    block_len: int,
    centre: float,
    sums: np.ndarray,
    squares: np.ndarray,
) -> tuple:
    """Sums of centred powers: the second loop, over the returns the first one kept.

    Returns the sums of the returns' centred 2nd (NaN skipped), 3rd and 4th powers and of the
    excess returns' centred squares; fills each block's sums of returns centred on ``centre``
    into ``sums`` and ``squares`` (blocks of ``block_len`` from ``start``; none at 0).
    """
    m2, m3, m4, excess_square = 0.0, 0.0, 0.0, 0.0
    block, edge, block_sum, block_square = -1, start if block_len else len(returns), 0.0, 0.0
    for t in range(len(returns)):
        if t == edge:
            if block >= 0:
                sums[block], squares[block] = block_sum, block_square
            block, edge, block_sum, block_square = block + 1, edge + block_len, 0.0, 0.0
        ret = returns[t]
        centred = ret - mean
        square = centred * centred
        if not np.isnan(ret):
            m2 += square
        m3 += square * centred
        m4 += square * square
        above = ret - rate[t + 1] - mean_excess
        excess_square += above * above
        if block >= 0:
            from_centre = ret - centre
            block_sum += from_centre
            block_square += from_centre * from_centre
    if block >= 0:
        sums[block], squares[block] = block_sum, block_square
    return m2, m3, m4, excess_square


@njit(cache=True, error_model="numpy")
def _metrics(
    path: np.ndarray,
    n: int,
    spread: float,
    mean_excess: float,
    excess_spread: float,
    downside: float,
    missing: bool,
    deepest: float,
    periods_per_year: float,
    year_power: float,
    annualise: bool,
) -> np.ndarray:
    """`summary` of one path, in `METRICS` order, from its two passes."""
    growth = path[-1] / path[0]
    cagr = growth**year_power - 1.0
    out = np.full(7, np.nan)
    out[0], out[5] = growth - 1.0, deepest
    if not annualise:
        return out
    out[1], out[2] = cagr, spread * np.sqrt(periods_per_year)
    if excess_spread > FLAT_TOLERANCE:  # False when NaN: a NaN excess return makes it NaN
        out[3] = mean_excess / excess_spread * np.sqrt(periods_per_year)
        lower = np.sqrt(downside / n * periods_per_year)
        if lower > 0:
            out[4] = mean_excess * periods_per_year / lower
    if not missing and deepest < -FLAT_TOLERANCE:
        out[6] = cagr / abs(deepest)
    return out


@njit(cache=True, error_model="numpy")
def _moments(n: int, m2: float, m3: float, m4: float) -> tuple:
    """Skew and excess kurtosis with pandas' bias corrections (``Series.skew``, ``Series.kurt``).

    From the sums of the ``n`` returns' centred powers. NaN where they do not vary (sums under
    `_MOMENT_RESIDUE` count as zero), so below 3 returns (skew) or 4 (kurtosis) too.
    """
    m2 = 0.0 if abs(m2) < _MOMENT_RESIDUE else m2
    m3 = 0.0 if abs(m3) < _MOMENT_RESIDUE else m3
    skew, kurtosis = np.nan, np.nan
    if m2 != 0:
        skew = n * (n - 1) ** 0.5 / (n - 2) * m3 / m2**1.5
    denominator = (n - 2) * (n - 3) * m2**2
    if denominator != 0:
        kurtosis = n * (n + 1) * (n - 1) * m4 / denominator - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
    return skew, kurtosis
