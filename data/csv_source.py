"""Reading one ticker's daily closes from a CSV file (``Date`` plus ``Adj Close`` or ``Close``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.errors import DataError

PRICE_COLUMNS = ("Adj Close", "Close")


def csv_path(folder: Path, ticker: str) -> Path:
    """Return ``<TICKER>.csv`` in ``folder``, or the name without a leading ``^`` (``VIX.csv``)."""
    exact = folder / f"{ticker}.csv"
    if exact.exists() or not ticker.startswith("^"):
        return exact
    return folder / f"{ticker.removeprefix('^')}.csv"


def read_price_csv(path: Path, ticker: str) -> tuple[pd.Series, list[str]]:
    """Read a price file into a float series indexed by date, sorted, one row per date.

    Returns the series and the notes worth telling the user (no ``Adj Close``, rows sorted).
    Raises `DataError` naming the file and line for anything that cannot be trusted.
    """
    if not path.is_file():
        raise DataError(
            f"{ticker}: no price file {path}; add a CSV with a Date column and Adj Close "
            "(or Close), or choose another ticker for this role with --set universe.ROLE=TICKER"
        )
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from exc
    column = next((name for name in PRICE_COLUMNS if name in table.columns), None)
    if "Date" not in table.columns or column is None:
        raise DataError(
            f"{path}: needs a 'Date' column and an 'Adj Close' or 'Close' column; "
            f"found {list(table.columns)}"
        )
    notes = []
    if column == "Close":
        notes.append(
            f"{ticker}: {path.name} has no 'Adj Close'; using 'Close' (dividends not included)"
        )
    dates = pd.to_datetime(table["Date"].str.strip(), format="ISO8601", errors="coerce")
    prices = pd.to_numeric(table[column].str.strip(), errors="coerce")
    _fail_on_first(path, dates.isna(), table["Date"], "an unparsable date (expected YYYY-MM-DD)")
    _fail_on_first(path, prices.isna(), table[column], f"an unparsable number in '{column}'")
    _fail_on_first(path, prices <= 0, table[column], f"a non-positive price in '{column}'")
    series = pd.Series(prices.to_numpy(dtype=float), index=pd.DatetimeIndex(dates), name=ticker)
    if not series.index.is_monotonic_increasing:
        series = series.sort_index(kind="stable")
        notes.append(f"{ticker}: rows of {path.name} were not in date order; sorted them")
    return _drop_repeated_dates(series, path), notes


def _fail_on_first(path: Path, bad: pd.Series, raw: pd.Series, what: str) -> None:
    """Raise naming the first bad row by its line in the file (the header is line 1)."""
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(f"{path}, line {row + 2}: {what}, got {raw.iloc[row]!r}")


def _drop_repeated_dates(series: pd.Series, path: Path) -> pd.Series:
    """Keep one row of a date listed twice with the same price; two different prices is an error."""
    repeated = series.index.duplicated(keep=False)
    if not repeated.any():
        return series
    values = series[repeated].groupby(level=0).nunique()
    conflicting = values[values > 1]
    if not conflicting.empty:
        day = conflicting.index[0].date()
        raise DataError(f"{path}: date {day} appears more than once with different prices")
    return series[~series.index.duplicated(keep="first")]
