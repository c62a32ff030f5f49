"""Performance metrics as pure functions of an equity curve; conventions follow DESIGN.md section 4.

Every function takes ``periods_per_year`` explicitly where it annualises (252 on the equity
calendar, 365 on the 7-day one). Returns are simple daily returns of the equity curve, from its
first value on (so a day held in cash counts as a zero return). Values are fractions: 0.12 means
12%. A series too short for a figure gives NaN, documented per function; none raises for that.
Relative metrics (against a benchmark) live in `analytics.relative`.

Whether a statistic means anything is judged here and only here (`na_reasons`): a figure that is
noise is NaN with a reason a reader can act on, never a number. Two rules:

- returns that vary by less than `FLAT_TOLERANCE` (a standard deviation a period) are flat: a
  book in cash, whose "returns" are rounding residue of about 1e-16. Sharpe and Sortino divide by
  that residue (a Sharpe of -13 from nothing), so they are NaN, "no variation ... (a book in cash)";
- fewer returns than `min_annualise_days` (a quarter of a year: 63 on the equity calendar, 91 on
  the 7-day one) are not annualised: compounding six days to a year turned a 1.5% week into
  "152% a year". CAGR, volatility, Sharpe, Sortino and Calmar are NaN, "fewer than 63 days to
  annualise". GIPS forbids annualising below a full year; a quarter keeps the regimes of a
  multi-year run that matter while dropping the week-long ones (a quarter's return is raised to
  the 4th power, a week's to the 50th).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

METRICS = ("total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar")
EXPOSURES = ("gross", "net", "long", "short")

ANNUALISED = (
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "calmar",
    "mean_annual",
    "compounded_annual",
)
"""Keys of figures scaled to a year (here, in `analytics.events.regime_table` and the sweep)."""

DAYS_PER_YEAR = 365.25

FLAT_TOLERANCE = 1e-9
"""Returns whose sample standard deviation is at most this (a fraction a period) do not vary.
Rounding residue of a cash book is about 1e-16 a day; the calmest priced asset, a T-bill fund,
moves about 1e-5 a day; 1e-9 (0.000002% a year annualised) sits far from both."""

NO_VARIATION = "no variation (returns vary by less than 1e-9 a bar: a book in cash)"


class DrawdownDates(NamedTuple):
    """The dates of the deepest drawdown; all NaT when the curve never falls."""

    peak: pd.Timestamp
    trough: pd.Timestamp
    recovery: pd.Timestamp


class UnderWater(NamedTuple):
    """One stretch below a previous peak: first date below, end date, calendar days."""

    start: pd.Timestamp
    end: pd.Timestamp
    days: float
    recovered: bool


class Extremes(NamedTuple):
    """The best and worst of a series of period returns, with their period labels."""

    best: float
    best_period: pd.Period | None
    worst: float
    worst_period: pd.Period | None


def min_annualise_days(periods_per_year: int) -> int:
    """The fewest returns annualised: a quarter of a year of bars (63 at 252 a year, 91 at 365)."""
    return periods_per_year // 4


def flat(returns: pd.Series | np.ndarray) -> bool:
    """Whether returns do not vary beyond rounding: ``std(ddof=1) <= FLAT_TOLERANCE`` (or NaN)."""
    spread = float(np.std(np.asarray(returns, dtype=float), ddof=1)) if len(returns) > 1 else 0.0
    return not spread > FLAT_TOLERANCE


def na_reasons(
    returns: pd.Series,
    periods_per_year: int,
    risk_free: float | pd.Series = 0.0,
    min_days: int | None = None,
) -> dict[str, str]:
    """Why each figure of these returns is not meaningful, by key; empty when all are.

    The one judge of the module docstring's rules, plus what leaves a ratio nothing to divide
    by: Sortino with no return below the cash rate, Calmar with no drawdown. ``min_days``
    replaces `min_annualise_days` (never below 2). Keys are those of `summary` and
    `ANNUALISED`; callers set the figures named here to NaN (`masked`).
    """
    need = min_annualise_days(periods_per_year) if min_days is None else max(min_days, 2)
    if len(returns) < need:
        span = "" if min_days is not None else " (a quarter of a year)"
        held = f"{len(returns)} days, fewer than the {need}{span} needed to annualise"
        return dict.fromkeys(ANNUALISED, held)
    excess = excess_returns(returns, risk_free)
    reasons = {}
    if flat(excess):
        reasons = dict.fromkeys(("sharpe", "sortino"), NO_VARIATION)
    elif not (excess < 0).any():
        reasons["sortino"] = "no day below the cash rate"
    growth = np.cumprod(np.append(1.0, 1.0 + returns.to_numpy(dtype=float)))
    if not (growth / np.maximum.accumulate(growth) - 1.0).min() < -FLAT_TOLERANCE:
        reasons["calmar"] = "no drawdown"
    return reasons


def masked(values: dict[str, float], reasons: dict[str, str]) -> dict[str, float]:
    """``values`` with every figure that `na_reasons` names set to NaN."""
    return {key: float("nan") if key in reasons else value for key, value in values.items()}


def daily_returns(equity: pd.Series) -> pd.Series:
    """Simple returns ``equity[t] / equity[t-1] - 1``, one fewer than the equity points."""
    return equity.pct_change().iloc[1:]


def excess_returns(returns: pd.Series, risk_free: float | pd.Series = 0.0) -> pd.Series:
    """``returns - risk_free``, the cash rate per period as a float or a Series of rates.

    A Series is matched to the returns by date (its extra dates are ignored, so one on the
    equity dates works). A return date without a rate raises ValueError: that is a wiring
    mistake, not short history.
    """
    if not isinstance(risk_free, pd.Series):
        return returns - risk_free
    rate = risk_free.reindex(returns.index)
    missing = rate.index[rate.isna()]
    if len(missing) > 0:
        raise ValueError(
            f"risk_free has no rate on {len(missing)} of {len(returns)} return dates "
            f"(first {missing[0]}); pass the per-period cash rate for every return date"
        )
    return returns - rate


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


def sharpe(returns: pd.Series, periods_per_year: int, risk_free: float | pd.Series = 0.0) -> float:
    """``mean(excess) / std(excess, ddof=1) * sqrt(periods_per_year)``.

    ``excess`` is returns minus ``risk_free``, the cash rate per period (a float, or a Series
    of rates by date, see `excess_returns`). NaN when the excess returns are `flat`.
    """
    excess = excess_returns(returns, risk_free)
    if flat(excess):
        return float("nan")
    return float(excess.mean() / excess.std(ddof=1) * np.sqrt(periods_per_year))


def sortino(returns: pd.Series, periods_per_year: int, risk_free: float | pd.Series = 0.0) -> float:
    """``mean(excess) * ppy / downside``, with ``downside = sqrt(mean(min(excess, 0)**2) * ppy)``.

    The downside deviation averages over every period, not only the losing ones (as empyrical
    does); ``risk_free`` as in `sharpe`. NaN when no period loses or the excess is `flat`.
    """
    excess = excess_returns(returns, risk_free)
    downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2) * periods_per_year)
    if not downside > 0 or flat(excess):
        return float("nan")
    return float(excess.mean() * periods_per_year / downside)


def drawdown(equity: pd.Series) -> pd.Series:
    """Fall from the running peak, ``equity / cummax(equity) - 1`` (zero or negative)."""
    return equity / equity.cummax() - 1.0


def max_drawdown(equity: pd.Series) -> float:
    """The deepest drawdown, a negative fraction (-0.25 is a 25% fall from a peak)."""
    return float(drawdown(equity).min())


def calmar(equity: pd.Series) -> float:
    """``cagr / |max_drawdown|``; NaN without a drawdown deeper than `FLAT_TOLERANCE`."""
    deepest = max_drawdown(equity)
    if not deepest < -FLAT_TOLERANCE:
        return float("nan")
    return cagr(equity) / abs(deepest)


def summary(
    equity: pd.Series, periods_per_year: int, risk_free: float | pd.Series = 0.0
) -> dict[str, float]:
    """The headline metrics of one equity curve, keyed as in `METRICS`.

    ``risk_free`` is the cash rate per period (float, or a Series by date) for Sharpe and Sortino.
    A figure `na_reasons` judges meaningless is NaN.
    """
    returns = daily_returns(equity)
    values = {
        "total_return": total_return(equity),
        "cagr": cagr(equity),
        "volatility": volatility(returns, periods_per_year),
        "sharpe": sharpe(returns, periods_per_year, risk_free),
        "sortino": sortino(returns, periods_per_year, risk_free),
        "max_drawdown": max_drawdown(equity),
        "calmar": calmar(equity),
    }
    return masked(values, na_reasons(returns, periods_per_year, risk_free))


def max_drawdown_dates(equity: pd.Series) -> DrawdownDates:
    """Peak, trough and recovery dates of the deepest drawdown.

    The trough is the first date of the deepest drawdown; the peak is the last date before it
    at the running maximum; the recovery is the first date after it back at (or above) that
    peak, NaT if it never gets back. All NaT when the curve never falls (a constant curve, or
    fewer than two points).
    """
    dd = drawdown(equity).to_numpy(dtype=float)
    if len(dd) < 2 or not np.nanmin(dd) < 0:
        return DrawdownDates(pd.NaT, pd.NaT, pd.NaT)
    trough = int(np.nanargmin(dd))
    peak = int(np.flatnonzero(dd[:trough] == 0)[-1])
    back = np.flatnonzero(dd[trough:] == 0)
    recovery = equity.index[trough + back[0]] if len(back) else pd.NaT
    return DrawdownDates(equity.index[peak], equity.index[trough], recovery)


def under_water_spells(equity: pd.Series) -> pd.DataFrame:
    """Every stretch below a previous peak, one row each, in date order.

    Columns: ``start`` (first date below the peak), ``end`` (the recovery date, the first date
    back at the peak; the last date when not recovered), ``days`` (calendar days ``end -
    start``), ``depth`` (deepest drawdown in it, negative) and ``recovered``. These are ffn's
    ``drawdown_details`` conventions. Empty with fewer than two points or no fall.
    """
    columns = ["start", "end", "days", "depth", "recovered"]
    dd = drawdown(equity)
    below = (dd < 0).to_numpy()
    if len(dd) < 2 or not below.any():
        return pd.DataFrame(columns=columns)
    spell = np.cumsum(~below)[below]  # constant within a stretch, new at each point at a peak
    positions = pd.Series(np.flatnonzero(below)).groupby(spell)
    first, last = positions.min().to_numpy(), positions.max().to_numpy()
    recovered = last + 1 < len(dd)
    start = equity.index[first]
    end = equity.index[np.where(recovered, last + 1, last)]
    depth = pd.Series(dd.to_numpy()[below]).groupby(spell).min().to_numpy()
    days = np.asarray((end - start).days, dtype=float)
    return pd.DataFrame(
        {"start": start, "end": end, "days": days, "depth": depth, "recovered": recovered}
    )


def longest_under_water(equity: pd.Series) -> UnderWater:
    """The longest stretch below a previous peak in calendar days (see `under_water_spells`).

    The first such stretch wins a tie. ``days`` is 0 with NaT dates when the curve never falls,
    NaN with fewer than two points.
    """
    if len(equity) < 2:
        return UnderWater(pd.NaT, pd.NaT, float("nan"), False)
    spells = under_water_spells(equity)
    if spells.empty:
        return UnderWater(pd.NaT, pd.NaT, 0.0, True)
    row = spells.loc[spells["days"].idxmax()]
    return UnderWater(row["start"], row["end"], float(row["days"]), bool(row["recovered"]))


def fraction_under_water(equity: pd.Series) -> float:
    """Share of the curve's dates (observations, not calendar days) below a previous peak.

    The first date counts in the denominator and is never under water. NaN with fewer than two
    points.
    """
    if len(equity) < 2:
        return float("nan")
    return float((drawdown(equity) < 0).mean())


def period_returns(equity: pd.Series, freq: str) -> pd.Series:
    """Compounded return per calendar period (``"M"`` month, ``"Y"`` year), by `pd.Period`.

    ``last(period) / last(previous period) - 1``; the first period runs from the first equity
    point, so partial first and last periods are included as they are (not annualised). Equal
    to compounding the daily returns dated in each period. Empty with fewer than two points.
    """
    if len(equity) < 2:
        return pd.Series(dtype=float, index=pd.PeriodIndex([], freq=freq))
    ends = equity.groupby(equity.index.to_period(freq)).last()
    starts = ends.shift(1)
    starts.iloc[0] = equity.iloc[0]
    return ends / starts - 1.0


def monthly_returns(equity: pd.Series) -> pd.Series:
    """Calendar-month returns, see `period_returns`."""
    return period_returns(equity, "M")


def annual_returns(equity: pd.Series) -> pd.Series:
    """Calendar-year returns, see `period_returns`."""
    return period_returns(equity, "Y")


def extremes(returns: pd.Series) -> Extremes:
    """Best and worst value of period returns with their labels (the first one on a tie).

    NaN and None when there are none.
    """
    clean = returns.dropna()
    if clean.empty:
        return Extremes(float("nan"), None, float("nan"), None)
    best, worst = clean.idxmax(), clean.idxmin()
    return Extremes(float(clean[best]), best, float(clean[worst]), worst)


def exposures(weights: pd.DataFrame) -> pd.DataFrame:
    """Exposure by date from held weights (dates x tickers, fractions of value, shorts < 0).

    ``long = sum(max(w, 0))``, ``short = |sum(min(w, 0))|`` (reported as a positive number),
    ``gross = long + short = sum(|w|)``, ``net = long - short = sum(w)``. A missing weight is
    no position.
    """
    held = weights.fillna(0.0)
    long = held.clip(lower=0.0).sum(axis=1)
    short = held.clip(upper=0.0).sum(axis=1).abs()
    return pd.DataFrame({"gross": long + short, "net": long - short, "long": long, "short": short})


def exposure_summary(weights: pd.DataFrame) -> dict[str, float]:
    """Average and maximum of each exposure in `EXPOSURES`, keyed ``gross_mean``, ``gross_max``...

    Averages are over dates (each date weighs the same). NaN for an empty frame.
    """
    by_date = exposures(weights)
    result: dict[str, float] = {}
    for name in EXPOSURES:
        result[f"{name}_mean"] = float(by_date[name].mean())
        result[f"{name}_max"] = float(by_date[name].max())
    return result


def turnover(traded: pd.Series, equity: pd.Series) -> float:
    """One-sided annual turnover: ``sum(traded) / 2 / mean(equity) / years``.

    ``traded`` is the absolute notional traded per date in currency (buys plus sells, each
    counted positive), ``years = days / 365.25`` with ``days`` the calendar days between the
    equity's first and last date, and ``mean(equity)`` averages the value over its dates. Half
    of buys plus sells is the "one-sided" convention: a full switch from one asset to another
    is 100%. Some tools count ``min(buys, sells)`` instead (bt's ``turnover``, per date, not
    annualised), which ignores building a book from cash or net flows; here an initial build of
    a 100% long book counts 50%. NaN when the dates span no time or the mean value is not
    positive.
    """
    if len(equity) < 2:
        return float("nan")
    days = (equity.index[-1] - equity.index[0]).days
    average = equity.mean()
    if days <= 0 or not average > 0:
        return float("nan")
    return float(traded.abs().sum() / 2.0 / average / (days / DAYS_PER_YEAR))


def full_summary(
    equity: pd.Series,
    weights: pd.DataFrame,
    traded: pd.Series,
    periods_per_year: int,
    risk_free: float | pd.Series = 0.0,
) -> dict[str, float | str]:
    """Every single-portfolio metric of a run.

    That is `summary`, drawdown dates and time under water, best and worst month and year,
    exposures (`exposure_summary`) and `turnover`. Dates and period labels are ISO strings
    (empty when there is none).
    """
    deepest = max_drawdown_dates(equity)
    longest = longest_under_water(equity)
    months, years = extremes(monthly_returns(equity)), extremes(annual_returns(equity))
    return {
        **summary(equity, periods_per_year, risk_free),
        "max_drawdown_peak": _iso(deepest.peak),
        "max_drawdown_trough": _iso(deepest.trough),
        "max_drawdown_recovery": _iso(deepest.recovery),
        "longest_under_water_days": float(longest.days),
        "fraction_under_water": fraction_under_water(equity),
        "best_month": months.best,
        "best_month_period": str(months.best_period),
        "worst_month": months.worst,
        "worst_month_period": str(months.worst_period),
        "best_year": years.best,
        "best_year_period": str(years.best_period),
        "worst_year": years.worst,
        "worst_year_period": str(years.worst_period),
        **exposure_summary(weights),
        "turnover": turnover(traded, equity),
    }


def _iso(day: pd.Timestamp) -> str:
    return "" if pd.isna(day) else day.date().isoformat()
