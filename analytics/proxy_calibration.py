"""Calibration of a 0-10 reading's components to published readings: a small linear fit.

The model is ``clip(intercept + sum_i weight_i * x_i, 0, 10)`` over a few columns ``x_i`` (the
proxy's component percentiles, or the proxy itself), with every weight non-negative, fitted by
least squares to published readings. With the percentiles of `BullBearProxy.components` filled
by `filled_ranks`, intercept 0 and every weight ``10 / k`` give back the proxy exactly.

Timing: each published reading is paired with the columns' last values on or before its date
(`analytics.proxy_agreement.value_on`, none if older than 7 days), so a fit on readings dated up to
a cut-off uses no value after it. Every function is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from analytics.proxy_agreement import published_readings, value_on


@dataclass(frozen=True, eq=False)
class LinearFit:
    """A fitted ``clip(intercept + weights @ x, low, high)``; ``points`` is the fit's sample size.

    ``sse`` is the sum of squared residuals of the unclipped fit on its points, ``mean`` the
    mean of the readings it was fitted to (the best constant, a baseline).
    """

    intercept: float
    weights: pd.Series
    points: int
    sse: float
    mean: float
    low: float = 0.0
    high: float = 10.0

    def predict(self, columns: pd.DataFrame) -> pd.Series:
        """Return the fitted reading on every row of ``columns``; NaN where a column is NaN."""
        x = columns[list(self.weights.index)]
        value = self.intercept + x.to_numpy(dtype=float) @ self.weights.to_numpy(dtype=float)
        return pd.Series(value, index=columns.index).clip(self.low, self.high)


def filled_ranks(ranks: pd.DataFrame, min_components: int = 3) -> pd.DataFrame:
    """Fill each day's missing percentiles with the mean of that day's available ones.

    Then ``10 * mean`` of a row is the proxy's reading (`BullBearProxy.evaluate`), and a
    weighted sum of the filled columns weighs the available components as the proxy does.
    Rows with fewer than ``min_components`` values become all NaN.
    """
    mean = ranks.mean(axis=1)
    out = ranks.apply(lambda column: column.fillna(mean))
    enough = ranks.notna().sum(axis=1) >= min_components
    return out.where(enough, np.nan)


def paired_columns(
    columns: pd.DataFrame, readings: pd.Series, max_stale_days: int = 7
) -> pd.DataFrame:
    """The columns' values on each reading's date (see `value_on`) beside it, as ``published``.

    Dates where any column has no value are dropped.
    """
    dates = pd.DatetimeIndex(readings.index)
    table = pd.DataFrame(
        {name: value_on(columns[name], dates, max_stale_days).to_numpy() for name in columns},
        index=dates,
    )
    return table.assign(published=readings.to_numpy(dtype=float)).dropna()


def nonnegative_least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Least squares of ``y`` on an intercept and ``x``'s columns, every slope ``>= 0``.

    Exact by enumeration: the solution is the unconstrained fit on some subset of the columns
    whose slopes are all non-negative, and the best such fit over every subset is the optimum
    (the problem is convex). Meant for a handful of columns (``2 ** k`` fits).

    Returns
    -------
    tuple of float and numpy.ndarray
        The intercept and the slopes (zeros for the columns left out).
    """
    n, k = x.shape
    best: tuple[float, float, np.ndarray] | None = None
    for size in range(k + 1):
        for subset in combinations(range(k), size):
            design = np.column_stack([np.ones(n), x[:, list(subset)]])
            coef, *_ = np.linalg.lstsq(design, y, rcond=None)
            if (coef[1:] < -1e-12).any():
                continue
            sse = float(((y - design @ coef) ** 2).sum())
            if best is None or sse < best[0] - 1e-12:
                slopes = np.zeros(k)
                slopes[list(subset)] = np.maximum(coef[1:], 0.0)
                best = (sse, float(coef[0]), slopes)
    assert best is not None  # the intercept-only fit is always feasible
    return best[1], best[2]


def fit_linear(pairs: pd.DataFrame, names: list[str]) -> LinearFit:
    """Fit ``published`` on the columns ``names`` of `paired_columns`' table (slopes >= 0)."""
    x, y = pairs[names].to_numpy(dtype=float), pairs["published"].to_numpy(dtype=float)
    intercept, slopes = nonnegative_least_squares(x, y)
    sse = float(((y - intercept - x @ slopes) ** 2).sum())
    return LinearFit(intercept, pd.Series(slopes, index=names), len(pairs), sse, float(y.mean()))


def fit_before(
    columns: pd.DataFrame, published: pd.DataFrame, cut: pd.Timestamp, names: list[str]
) -> LinearFit:
    """Fit on the distinct published readings (`published_readings`) dated before ``cut``.

    Each reading is paired with the columns' values on or before its date (`paired_columns`),
    so nothing on or after ``cut`` enters the fit.
    """
    given = published_readings(published[published["date"] < cut])
    return fit_linear(paired_columns(columns[names], given), names)
