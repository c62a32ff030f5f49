"""How uncertain a strategy's edge over its benchmark is: a paired stationary block bootstrap.

A backtest gives one Sharpe difference and one CAGR difference against 60/40 (DESIGN.md section
4); this module says how much of that difference could be luck of the sample. It resamples the
PAIRED daily returns with the stationary bootstrap of Politis and Romano (1994): both series take
the same resampled dates, so their correlation survives. Each resample is built from blocks that
start at a uniformly drawn date and run on for a geometric number of periods with mean
``mean_block``, wrapping from the last date to the first (circular), so every date is equally
likely to appear. The interval reported is the percentile interval of the resampled differences.

Block length: 21 trading days (about a month) by default. Daily returns are close to
uncorrelated but their volatility clusters over weeks, and the strategies rebalance monthly;
blocks of a month keep that dependence inside a block while 20 years of history still holds about
240 blocks. The textbook rate ``n ** (1/3)`` gives 17 for 5,000 days, of the same order.

Seed: all randomness comes from ``np.random.default_rng(seed)``, so a result is reproducible from
its inputs and the seed, which the result records.

CAGR here is by periods, ``prod(1 + r) ** (periods_per_year / n) - 1``, not by calendar days as
in `analytics.metrics.cagr`, because a resample has no calendar; the point estimate reported is the
same formula on the original sample, so estimate and interval are comparable.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from analytics.metrics import min_annualise_days

_CHUNK_CELLS = 2_000_000  # resampled cells per batch: bounds memory at a few tens of MB


@dataclass(frozen=True)
class BootstrapResult:
    """Point estimates (strategy minus benchmark), percentile intervals and the settings used."""

    sharpe_diff: float
    sharpe_diff_low: float
    sharpe_diff_high: float
    cagr_diff: float
    cagr_diff_low: float
    cagr_diff_high: float
    prob_sharpe_better: float
    n_resamples: int
    mean_block: float
    seed: int
    confidence: float

    def as_dict(self) -> dict[str, float]:
        """The fields as a plain dictionary, in declaration order."""
        return asdict(self)


STATISTICS = [field.name for field in fields(BootstrapResult)][:7]  # all but the settings


def na_reason(n_obs: int, mean_block: float, periods_per_year: int) -> str:
    """Why `compare` gives NaN for ``n_obs`` paired returns ("" when it does not).

    It needs two mean blocks (fewer leave too few blocks to say anything) and, since it
    annualises Sharpe and CAGR, `analytics.metrics.min_annualise_days`.
    """
    need = max(math.ceil(2 * mean_block), min_annualise_days(periods_per_year))
    if n_obs >= need:
        return ""
    return (
        f"the block bootstrap needs at least {need} returns (two blocks of {mean_block:g} and a "
        f"quarter of a year to annualise); the run has {n_obs}"
    )


def stationary_blocks(
    n_obs: int, n_resamples: int, mean_block: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of the stationary bootstrap: their first indices and their lengths.

    Each period starts a new block with probability ``1 / mean_block`` (the first period of a
    resample always does), so block lengths are geometric with mean ``mean_block``, cut at the
    end of the resample. Starts are uniform over ``0 .. n_obs - 1``; a block runs on from its
    start modulo ``n_obs``. The blocks of all resamples come one resample after another, and the
    lengths of each resample add up to ``n_obs``.
    """
    cells = n_resamples * n_obs
    opens = rng.random(cells) < 1.0 / mean_block
    opens[::n_obs] = True
    position = np.flatnonzero(opens)
    lengths = np.diff(position, append=cells)
    return rng.integers(0, n_obs, size=position.size), lengths


def blocks_to_indices(n_obs: int, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The resampled indices the blocks spell out, shape ``(n_resamples, n_obs)``."""
    cells = int(lengths.sum())
    first_cell = np.cumsum(lengths) - lengths
    indices = np.repeat(starts - first_cell, lengths) + np.arange(cells)
    return (indices % n_obs).reshape(-1, n_obs)


def resample_stats(
    excess: np.ndarray,
    log_growth: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    periods_per_year: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Sharpe and CAGR of both series in each resample spelled out by the blocks.

    A block's sum is a difference of cumulative sums over the series laid twice end to end (so
    a block may wrap), which costs one operation per block instead of one per day. The variance
    comes from sums of squares of values centred on the full-sample mean, which keeps the
    subtraction ``sum(x**2) - sum(x)**2 / n`` well conditioned.

    Parameters
    ----------
    excess, log_growth
        Arrays of shape ``(2, n)``: per period, returns minus the cash rate and ``log(1 + r)``,
        strategy in row 0 and benchmark in row 1.
    starts, lengths
        Blocks as from `stationary_blocks`; each resample's lengths add up to ``n``.
    periods_per_year
        Annualisation factor (252 on the equity calendar).

    Returns
    -------
    sharpe, cagr
        Arrays of shape ``(2, n_resamples)``; a Sharpe is NaN when its excess does not vary.
    """
    n_obs = excess.shape[1]
    centre = excess.mean(axis=1, keepdims=True)
    values = np.vstack([excess - centre, (excess - centre) ** 2, log_growth])
    running = np.zeros((values.shape[0], 2 * n_obs + 1))
    np.cumsum(np.hstack([values, values]), axis=1, out=running[:, 1:])
    block_sums = running[:, starts + lengths] - running[:, starts]
    first_cell = np.cumsum(lengths) - lengths
    total = np.add.reduceat(block_sums, np.flatnonzero(first_cell % n_obs == 0), axis=1)
    shifted_sum, squares, log_total = total[:2], total[2:4], total[4:]
    variance = (squares - shifted_sum**2 / n_obs) / (n_obs - 1)
    mean = shifted_sum / n_obs + centre
    # rounding leaves a constant series a variance near 1e-35, not 0: treat it as none
    varies = variance > (1e-10 * np.abs(excess).max(axis=1, keepdims=True)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = np.where(varies, mean / np.sqrt(variance), np.nan)
    cagr = np.exp(log_total * periods_per_year / n_obs) - 1.0
    return sharpe * np.sqrt(periods_per_year), cagr


def _validate(
    strategy: pd.Series,
    benchmark: pd.Series,
    risk_free: float | pd.Series,
    settings: dict[str, Any],
) -> np.ndarray:
    """Check the inputs; return the per-period cash rate as an array on the shared index."""
    if not strategy.index.equals(benchmark.index):
        raise ValueError(
            f"strategy and benchmark returns must share one index; got {len(strategy)} and "
            f"{len(benchmark)} dates that differ (align them, e.g. with .align(join='inner'))"
        )
    if isinstance(risk_free, pd.Series) and not risk_free.index.equals(strategy.index):
        raise ValueError("risk_free as a Series must have the same index as the returns")
    rate = np.broadcast_to(np.asarray(risk_free, dtype=float), (len(strategy),))
    for name, values in (("strategy", strategy), ("benchmark", benchmark), ("risk_free", rate)):
        if not np.isfinite(np.asarray(values, dtype=float)).all():
            raise ValueError(f"{name} contains NaN or infinite values; drop or fill those dates")
    if (strategy <= -1).any() or (benchmark <= -1).any():
        raise ValueError("a return of -100% or worse leaves nothing to compound; check the inputs")
    if not (settings["n_resamples"] >= 1 and settings["mean_block"] >= 1):
        raise ValueError(f"n_resamples and mean_block must be at least 1, got {settings}")
    if not 0 < settings["confidence"] < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {settings}")
    return rate


def compare(
    strategy_returns: pd.Series,
    benchmark_returns: pd.Series,
    periods_per_year: int,
    *,
    risk_free: float | pd.Series = 0.0,
    n_resamples: int = 2000,
    mean_block: float = 21.0,
    confidence: float = 0.90,
    seed: int = 0,
) -> BootstrapResult:
    """Bootstrap the Sharpe and CAGR differences, strategy minus benchmark.

    Parameters
    ----------
    strategy_returns, benchmark_returns
        Simple returns per period on the same index, without NaN.
    periods_per_year
        Annualisation factor (252 on the equity calendar).
    risk_free
        Cash rate per period, a constant or a Series on the same index (resampled with the
        same dates as the returns).
    n_resamples, mean_block, confidence, seed
        Number of resamples, mean block length in periods, level of the two-sided percentile
        interval (0.90: the 5% and 95% quantiles) and the seed of the generator.

    Returns
    -------
    BootstrapResult
        Every statistic is NaN when the sample is too short (`na_reason` says why). Resamples
        where a Sharpe is undefined (no variation) are left out of the Sharpe interval and of
        ``prob_sharpe_better``.

    Raises
    ------
    ValueError
        Different indices, NaN or a return of -100% or worse in the inputs, ``n_resamples`` or
        ``mean_block`` below 1, ``confidence`` outside (0, 1).
    """
    settings: dict[str, Any] = {
        "n_resamples": n_resamples,
        "mean_block": mean_block,
        "seed": seed,
        "confidence": confidence,
    }
    rate = _validate(strategy_returns, benchmark_returns, risk_free, settings)
    n_obs = len(strategy_returns)
    if na_reason(n_obs, mean_block, periods_per_year):
        return BootstrapResult(**dict.fromkeys(STATISTICS, float("nan")), **settings)
    returns = np.vstack([strategy_returns.to_numpy(float), benchmark_returns.to_numpy(float)])
    excess, log_growth = returns - rate, np.log1p(returns)
    point = resample_stats(excess, log_growth, np.array([0]), np.array([n_obs]), periods_per_year)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // n_obs)
    draws = (
        stationary_blocks(n_obs, min(chunk, n_resamples - first), mean_block, rng)
        for first in range(0, n_resamples, chunk)
    )
    parts = [resample_stats(excess, log_growth, *blocks, periods_per_year) for blocks in draws]
    sharpe, cagr = (np.concatenate(column, axis=1) for column in zip(*parts, strict=True))
    return BootstrapResult(**_summarise(point, sharpe, cagr, confidence), **settings)


def _summarise(
    point: tuple[np.ndarray, np.ndarray], sharpe: np.ndarray, cagr: np.ndarray, confidence: float
) -> dict[str, float]:
    """Point differences, percentile intervals and the share of resamples the strategy wins."""
    sharpe_diff, cagr_diff = sharpe[0] - sharpe[1], cagr[0] - cagr[1]
    valid = np.isfinite(sharpe_diff)
    tail = (1.0 - confidence) / 2.0
    better = float(np.mean(sharpe[0, valid] > sharpe[1, valid])) if valid.any() else float("nan")
    sharpe_point, cagr_point = (float(stat[0, 0] - stat[1, 0]) for stat in point)
    values = (
        sharpe_point,
        *_quantiles(sharpe_diff[valid], tail),
        cagr_point,
        *_quantiles(cagr_diff, tail),
        better,
    )
    return dict(zip(STATISTICS, values, strict=True))


def _quantiles(values: np.ndarray, tail: float) -> tuple[float, float]:
    """The ``tail`` and ``1 - tail`` quantiles, NaN for no values."""
    if values.size == 0:
        return float("nan"), float("nan")
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(low), float(high)
