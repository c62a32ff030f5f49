"""Performance metrics as pure functions of an equity curve; conventions follow DESIGN.md section 4.

Every function takes ``periods_per_year`` explicitly where it annualises (252 on the equity
calendar). Returns are simple daily returns of the equity curve, from its first value on (so a
day held in cash counts as a zero return). Values are fractions: 0.12 means 12%. A series too
short for a figure gives NaN, documented per function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METRICS = ("total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar")


def daily_returns(equity: pd.Series) -> pd.Series:
    """Simple returns ``equity[t] / equity[t-1] - 1``, one fewer than the equity points."""
    return equity.pct_change().iloc[1:]


def total_return(equity: pd.Series) -> float:
    """``end / start - 1``."""
    return float(equity.iloc[-1] / equity.iloc[0] - 1.0)


def cagr(equity: pd.Series) -> float:
    """Compound annual growth by calendar time: ``(end / start) ** (365.25 / days) - 1``.

    ``days`` are calendar days between the first and last date; NaN when they are the same day.
    """
    days = (equity.index[-1] - equity.index[0]).days
    if days <= 0:
        return float("nan")
    return float((equity.iloc[-1] / equity.iloc[0]) ** (365.25 / days) - 1.0)


def volatility(returns: pd.Series, periods_per_year: int) -> float:
    """Sample standard deviation (``ddof=1``) of returns times ``sqrt(periods_per_year)``."""
    return float(returns.std(ddof=1) * np.sqrt(periods_per_year))


def sharpe(returns: pd.Series, periods_per_year: int, risk_free: float = 0.0) -> float:
    """``mean(excess) / std(excess, ddof=1) * sqrt(periods_per_year)``.

    ``excess`` is returns minus ``risk_free``, the cash rate per period. NaN when the excess
    returns do not vary.
    """
    excess = returns - risk_free
    spread = excess.std(ddof=1)
    if not spread > 0:
        return float("nan")
    return float(excess.mean() / spread * np.sqrt(periods_per_year))


def sortino(returns: pd.Series, periods_per_year: int, risk_free: float = 0.0) -> float:
    """``mean(excess) * ppy / downside``, with ``downside = sqrt(mean(min(excess, 0)**2) * ppy)``.

    The downside deviation averages over every period, not only the losing ones (as empyrical
    does). NaN when no period loses.
    """
    excess = returns - risk_free
    downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2) * periods_per_year)
    if not downside > 0:
        return float("nan")
    return float(excess.mean() * periods_per_year / downside)


def drawdown(equity: pd.Series) -> pd.Series:
    """Fall from the running peak, ``equity / cummax(equity) - 1`` (zero or negative)."""
    return equity / equity.cummax() - 1.0


def max_drawdown(equity: pd.Series) -> float:
    """The deepest drawdown, a negative fraction (-0.25 is a 25% fall from a peak)."""
    return float(drawdown(equity).min())


def calmar(equity: pd.Series) -> float:
    """``cagr / |max_drawdown|``; NaN without a drawdown."""
    deepest = max_drawdown(equity)
    if deepest == 0:
        return float("nan")
    return cagr(equity) / abs(deepest)


def summary(equity: pd.Series, periods_per_year: int) -> dict[str, float]:
    """The headline metrics of one equity curve, keyed as in `METRICS`."""
    returns = daily_returns(equity)
    return {
        "total_return": total_return(equity),
        "cagr": cagr(equity),
        "volatility": volatility(returns, periods_per_year),
        "sharpe": sharpe(returns, periods_per_year),
        "sortino": sortino(returns, periods_per_year),
        "max_drawdown": max_drawdown(equity),
        "calmar": calmar(equity),
    }
