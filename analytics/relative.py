"""Metrics of a strategy against a benchmark, as pure functions of two return series.

Conventions as in `analytics.metrics` (simple returns, fractions, ``periods_per_year`` explicit,
NaN rather than an error when a figure cannot be computed). The two series are paired on their
common dates and a date missing from either is dropped. The formulas follow empyrical's
(``empyrical-reloaded``), which the tests use as the peer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.metrics import daily_returns, excess_returns, flat, masked, min_annualise_days

RELATIVE_METRICS = (
    "beta",
    "alpha",
    "tracking_error",
    "information_ratio",
    "up_capture",
    "down_capture",
    "hit_rate",
)
_ANNUALISED = ("alpha", "tracking_error", "information_ratio", "up_capture", "down_capture")


def _paired(returns: pd.Series, benchmark: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The two series on the dates where both have a value."""
    both = pd.concat([returns, benchmark], axis=1, join="inner").dropna()
    return both.iloc[:, 0], both.iloc[:, 1]


def beta(returns: pd.Series, benchmark: pd.Series, risk_free: float | pd.Series = 0.0) -> float:
    """``cov(s, b) / var(b)`` on excess returns ``s = returns - rf``, ``b = benchmark - rf``.

    Covariance and variance share ``ddof`` (so the ratio is the same as empyrical's, which uses
    ``ddof=0`` for both). A float ``risk_free`` does not change beta; a Series of rates by date
    (see `analytics.metrics.excess_returns`) does slightly, and is the regression Jensen's alpha
    needs. NaN with fewer than two paired dates or a benchmark that does not vary
    (`analytics.metrics.flat`).
    """
    strat, bench = _paired(returns, benchmark)
    if len(strat) < 2:
        return float("nan")
    strat, bench = excess_returns(strat, risk_free), excess_returns(bench, risk_free)
    if flat(bench):
        return float("nan")
    return float(strat.cov(bench, ddof=1) / bench.var(ddof=1))


def alpha(
    returns: pd.Series,
    benchmark: pd.Series,
    periods_per_year: int,
    risk_free: float | pd.Series = 0.0,
) -> float:
    """Jensen's alpha compounded to a year: ``(1 + mean(s - beta * b)) ** ppy - 1``.

    ``s`` and ``b`` are the excess returns of `beta`. This is empyrical's ``alpha``; quantstats'
    ``greeks`` instead reports ``mean(r - beta * b) * ppy`` (linear, no cash rate). NaN when
    beta is NaN.
    """
    slope = beta(returns, benchmark, risk_free)
    if np.isnan(slope):
        return float("nan")
    strat, bench = _paired(returns, benchmark)
    residual = excess_returns(strat, risk_free) - slope * excess_returns(bench, risk_free)
    return float((1.0 + residual.mean()) ** periods_per_year - 1.0)


def tracking_error(returns: pd.Series, benchmark: pd.Series, periods_per_year: int) -> float:
    """``std(returns - benchmark, ddof=1) * sqrt(ppy)``; NaN with fewer than two paired dates."""
    strat, bench = _paired(returns, benchmark)
    if len(strat) < 2:
        return float("nan")
    return float((strat - bench).std(ddof=1) * np.sqrt(periods_per_year))


def information_ratio(returns: pd.Series, benchmark: pd.Series, periods_per_year: int) -> float:
    """``mean(returns - benchmark) * ppy / tracking_error``.

    Equals empyrical's ``excess_sharpe`` times ``sqrt(ppy)`` (ffn's and quantstats'
    ``information_ratio`` are the same ratio, not annualised). NaN when the active returns do
    not vary beyond rounding (`analytics.metrics.flat`; quantstats and ffn give 0 there), since
    dividing by that residue gives ~1e15.
    """
    strat, bench = _paired(returns, benchmark)
    active = strat - bench
    error = tracking_error(strat, bench, periods_per_year)
    if len(active) < 2 or flat(active):
        return float("nan")
    return float(active.mean() * periods_per_year / error)


def _annualised(returns: pd.Series, periods_per_year: int) -> float:
    """``prod(1 + r) ** (ppy / n) - 1``, empyrical's ``annual_return`` by period count."""
    return float(np.prod(1.0 + returns.to_numpy()) ** (periods_per_year / len(returns)) - 1.0)


def _capture(returns: pd.Series, benchmark: pd.Series, periods_per_year: int, up: bool) -> float:
    """Capture on the periods where the benchmark rose (``up``) or fell."""
    strat, bench = _paired(returns, benchmark)
    chosen = bench > 0 if up else bench < 0
    if not chosen.any():
        return float("nan")
    strat, bench = strat[chosen], bench[chosen]
    return _annualised(strat, periods_per_year) / _annualised(bench, periods_per_year)


def up_capture(returns: pd.Series, benchmark: pd.Series, periods_per_year: int) -> float:
    """``annualised(returns | b > 0) / annualised(benchmark | b > 0)``, empyrical's ``up_capture``.

    Only the periods where the benchmark rose, each side compounded and annualised by period
    count, ``prod(1 + r) ** (ppy / n) - 1``. Morningstar's capture ratio uses monthly returns
    instead; pass monthly returns with ``ppy=12`` for that. NaN when the benchmark never rose.
    """
    return _capture(returns, benchmark, periods_per_year, up=True)


def down_capture(returns: pd.Series, benchmark: pd.Series, periods_per_year: int) -> float:
    """As `up_capture` on the periods where the benchmark fell (``b < 0``).

    Below 1 means the strategy lost less than the benchmark on those days; negative means it
    gained. NaN when the benchmark never fell.
    """
    return _capture(returns, benchmark, periods_per_year, up=False)


def hit_rate(returns: pd.Series, benchmark: pd.Series) -> float:
    """Share of calendar months in which the strategy's compounded return beats the benchmark's.

    Monthly returns ``prod(1 + r) - 1`` over the paired daily returns dated in each month
    (partial first and last months included); a tie is not a hit. This is empyrical's
    ``batting_average`` on monthly returns. NaN with no paired dates.
    """
    strat, bench = _paired(returns, benchmark)
    if strat.empty:
        return float("nan")
    months = strat.index.to_period("M")
    monthly_strat = (1.0 + strat).groupby(months).prod()
    monthly_bench = (1.0 + bench).groupby(months).prod()
    return float((monthly_strat > monthly_bench).mean())


def relative_summary(
    strategy_equity: pd.Series,
    benchmark_equity: pd.Series,
    periods_per_year: int,
    risk_free: float | pd.Series = 0.0,
) -> dict[str, float]:
    """The relative metrics of a strategy's equity curve against a benchmark's.

    Keyed as in `RELATIVE_METRICS`. Both curves are first restricted to their common dates,
    then turned into daily returns; ``risk_free`` is the per-period cash rate (float or Series
    by date) used by beta and alpha. A figure `relative_na_reasons` names is NaN.
    """
    strat, bench = _paired_returns(strategy_equity, benchmark_equity)
    values = {
        "beta": beta(strat, bench, risk_free),
        "alpha": alpha(strat, bench, periods_per_year, risk_free),
        "tracking_error": tracking_error(strat, bench, periods_per_year),
        "information_ratio": information_ratio(strat, bench, periods_per_year),
        "up_capture": up_capture(strat, bench, periods_per_year),
        "down_capture": down_capture(strat, bench, periods_per_year),
        "hit_rate": hit_rate(strat, bench),
    }
    reasons = relative_na_reasons(strategy_equity, benchmark_equity, periods_per_year)
    return masked(values, reasons)


def relative_na_reasons(
    strategy_equity: pd.Series,
    benchmark_equity: pd.Series,
    periods_per_year: int,
    name: str = "60/40",
) -> dict[str, str]:
    """Why each metric of `relative_summary` is NaN, by key; empty when none is.

    ``name`` is the benchmark's, as the reasons call it.

    The rules of `analytics.metrics.na_reasons`: the annualised ones (all but beta and hit rate)
    need `analytics.metrics.min_annualise_days`; a ratio needs a divisor that varies.
    """
    strat, bench = _paired_returns(strategy_equity, benchmark_equity)
    need = min_annualise_days(periods_per_year)
    if len(strat) < need:
        held = f"{len(strat)} days, fewer than the {need} (a quarter of a year) needed to annualise"
        return dict.fromkeys(_ANNUALISED, held)
    reasons = {}
    if flat(bench):
        reasons = dict.fromkeys(("beta", "alpha"), f"{name}'s returns do not vary")
    if flat(strat - bench):
        reasons["information_ratio"] = f"no difference from {name}'s returns beyond rounding"
    if not (bench > 0).any():
        reasons["up_capture"] = f"{name} never rose"
    if not (bench < 0).any():
        reasons["down_capture"] = f"{name} never fell"
    return reasons


def _paired_returns(
    strategy_equity: pd.Series, benchmark_equity: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Daily returns of both curves on their common dates."""
    both = pd.concat([strategy_equity, benchmark_equity], axis=1, join="inner").dropna()
    return daily_returns(both.iloc[:, 0]), daily_returns(both.iloc[:, 1])
