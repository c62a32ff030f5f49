"""Checks every price series passes, whatever its source: order, repeats, signs, jumps, coverage."""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd

from core.errors import DataError

log = logging.getLogger(__name__)

MAX_DAILY_MOVE = 0.5
"""A larger one-day move in a non-crypto asset is most likely an unadjusted split."""


def clean_series(series: pd.Series, where: str, *, crypto: bool) -> tuple[pd.Series, list[str]]:
    """Return ``series`` sorted with exact repeats dropped, and warnings worth showing.

    ``where`` names the series for messages (a file path or ``Yahoo SPY``). Raises `DataError`
    for a date listed twice with different prices, a missing or non-positive price.
    """
    if not series.index.is_monotonic_increasing:
        series = series.sort_index(kind="stable")
        log.info("%s: rows were not in date order; sorted them", where)
    repeated = series.index.duplicated(keep=False)
    if repeated.any():
        distinct = series[repeated].groupby(level=0).nunique()
        if (distinct > 1).any():
            day = distinct.index[distinct.argmax()].date()
            raise DataError(f"{where}: date {day} appears more than once with different prices")
        series = series[~series.index.duplicated(keep="first")]
    bad = series.isna() | (series <= 0)
    if bad.any():
        day, value = series.index[bad.argmax()].date(), series[bad].iloc[0]
        raise DataError(f"{where}: price {value} on {day} is missing or not positive; fix the data")
    return series, [] if crypto else _jump_warnings(series, where)


def _jump_warnings(series: pd.Series, where: str) -> list[str]:
    moves = series.pct_change().abs()
    jumps = moves[moves > MAX_DAILY_MOVE]
    return [
        f"{where}: price moved {series.pct_change()[day]:+.0%} on {day.date()}; "
        "a likely unadjusted split (use split-adjusted prices)"
        for day in jumps.index
    ]


def check_reaches(series: pd.Series, where: str, start: date | None) -> None:
    """Raise `DataError` when ``series`` ends before the requested ``start``."""
    if start is not None and series.index[-1] < pd.Timestamp(start):
        raise DataError(
            f"{where}: prices end {series.index[-1].date()}, before the requested start {start}; "
            "choose an earlier --start or update the data"
        )
