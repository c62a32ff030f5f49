"""The tearsheet's figures beyond the headline: tail risk, shape, win rates, the longest drawdown.

Pure functions of an equity curve or its daily returns, with the definitions of docs/metrics.md.
Where quantstats defines a figure the same way (skew, kurtosis, win rates, best and worst day),
the tests check ours against its formula; value at risk and expected shortfall are historical
here (empyrical's definition), where quantstats's ``value_at_risk`` is a normal approximation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from analytics.metrics import (
    NO_VARIATION,
    daily_returns,
    drawdown,
    exposures,
    flat,
    monthly_returns,
)

TAIL_LEVEL = 0.95
"""The confidence of value at risk and expected shortfall: the worst 5% of days."""
MIN_SHAPE_RETURNS = 4
"""The fewest returns the bias-corrected kurtosis is defined for (skew needs 3)."""


class Drawdown(NamedTuple):
    """One stretch below a previous peak: the peak, the trough, the recovery, calendar days.

    ``recovery`` is NaT when the curve never got back to the peak; ``days`` then runs to the last
    date.
    """

    peak: pd.Timestamp
    trough: pd.Timestamp
    recovery: pd.Timestamp
    days: float


def value_at_risk(returns: pd.Series, level: float = TAIL_LEVEL) -> float:
    """Historical value at risk: the ``1 - level`` quantile of the returns (a loss is negative).

    Linear interpolation between order statistics, as ``np.percentile`` and empyrical's
    ``value_at_risk``. NaN without returns.
    """
    clean = returns.dropna().to_numpy(dtype=float)
    return float(np.percentile(clean, 100.0 * (1.0 - level))) if len(clean) else float("nan")


def expected_shortfall(returns: pd.Series, level: float = TAIL_LEVEL) -> float:
    """Historical expected shortfall (CVaR): the mean of the returns at or below `value_at_risk`.

    empyrical's ``conditional_value_at_risk``. NaN without returns.
    """
    clean = returns.dropna()
    if clean.empty:
        return float("nan")
    return float(clean[clean <= value_at_risk(clean, level)].mean())


def skewness(returns: pd.Series) -> float:
    """Sample skewness, adjusted Fisher-Pearson (pandas' ``skew``, quantstats's); NaN below 3."""
    return float(returns.dropna().skew())


def excess_kurtosis(returns: pd.Series) -> float:
    """Sample excess kurtosis, bias-corrected (pandas' ``kurt``, quantstats's); NaN below 4."""
    return float(returns.dropna().kurt())


def win_rate(returns: pd.Series) -> float:
    """Share of periods with a gain among those that moved, as quantstats's ``win_rate``.

    A zero return is neither a win nor a loss; NaN when no period moved.
    """
    moved = returns.dropna()
    moved = moved[moved != 0]
    return float((moved > 0).mean()) if len(moved) else float("nan")


def longest_drawdown(equity: pd.Series) -> Drawdown:
    """The longest stretch below a previous peak, by calendar days from the peak.

    The peak is the last date at the previous high, the trough the lowest date inside the
    stretch, the recovery the first date back at the peak. The first stretch wins a tie; all NaT
    and 0 days when the curve never falls.
    """
    dd = drawdown(equity)
    below = (dd < 0).to_numpy()
    none = Drawdown(pd.NaT, pd.NaT, pd.NaT, 0.0)
    if len(dd) < 2 or not below.any():
        return none
    best = none
    i, n = 0, len(dd)
    while i < n:
        if not below[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and below[j + 1]:
            j += 1
        peak, recovered = equity.index[i - 1], j + 1 < n
        end = equity.index[j + 1] if recovered else equity.index[j]
        days = float((end - peak).days)
        if days > best.days:
            trough = dd.iloc[i : j + 1].idxmin()
            best = Drawdown(peak, trough, end if recovered else pd.NaT, days)
        i = j + 1
    return best


def tearsheet_summary(equity: pd.Series, level: float = TAIL_LEVEL) -> dict[str, float | str]:
    """The tearsheet's figures of one curve, for ``metrics.json``; dates as ISO text ("" if none).

    Daily figures come from the bar returns, monthly ones from `analytics.metrics.monthly_returns`;
    a figure `tearsheet_na_reasons` gives a reason for is NaN.
    """
    returns = daily_returns(equity)
    months = monthly_returns(equity)
    longest = longest_drawdown(equity)
    reasons = tearsheet_na_reasons(equity)
    figures: dict[str, float | str] = {
        "var_95": value_at_risk(returns, level),
        "cvar_95": expected_shortfall(returns, level),
        "skew": skewness(returns),
        "kurtosis": excess_kurtosis(returns),
        "win_rate_days": win_rate(returns),
        "win_rate_months": win_rate(months),
        "best_day": float(returns.max()) if len(returns) else float("nan"),
        "best_day_date": _iso(returns.idxmax()) if len(returns) else "",
        "worst_day": float(returns.min()) if len(returns) else float("nan"),
        "worst_day_date": _iso(returns.idxmin()) if len(returns) else "",
        "longest_drawdown_days": longest.days,
        "longest_drawdown_peak": _iso(longest.peak),
        "longest_drawdown_trough": _iso(longest.trough),
        "longest_drawdown_recovery": _iso(longest.recovery),
    }
    return {key: float("nan") if key in reasons else value for key, value in figures.items()}


def tearsheet_na_reasons(equity: pd.Series) -> dict[str, str]:
    """Why each figure of `tearsheet_summary` is NaN, by key; empty when none is."""
    returns, months = daily_returns(equity), monthly_returns(equity)
    reasons = {}
    if flat(returns):
        reasons = dict.fromkeys(("skew", "kurtosis"), NO_VARIATION)
    elif len(returns) < MIN_SHAPE_RETURNS:
        few = f"{len(returns)} returns, fewer than the {MIN_SHAPE_RETURNS} skew and kurtosis need"
        reasons = dict.fromkeys(("skew", "kurtosis"), few)
    for key, periods, word in (
        ("win_rate_days", returns, "day"),
        ("win_rate_months", months, "month"),
    ):
        if not (periods.dropna() != 0).any():
            reasons[key] = f"no {word} moved: a win rate counts gains among the {word}s that did"
    return reasons


def exposure_over_time(weights: pd.DataFrame, traded: pd.Series, equity: pd.Series) -> pd.DataFrame:
    """Gross, net, long and short exposure and the day's turnover, by date (``exposure.csv``).

    ``turnover`` is the notional traded that day over the portfolio's value at that close
    (one-sided: the sum of |units x price|, divided by 2 as in `analytics.metrics.turnover`).
    """
    table = exposures(weights)
    notional = traded.reindex(equity.index, fill_value=0.0)
    return table.assign(turnover=(notional / 2.0 / equity).to_numpy())


def excess_monthly(strategy: pd.Series, benchmark: pd.Series) -> pd.Series:
    """Each month's strategy return minus the benchmark's (arithmetic, both compounded daily)."""
    return monthly_returns(strategy) - monthly_returns(benchmark)


def _iso(day: object) -> str:
    return "" if pd.isna(day) else pd.Timestamp(day).date().isoformat()
