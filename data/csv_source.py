"""Reading one ticker's daily closes from a CSV file (``Date`` plus ``Adj Close`` or ``Close``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import DataError

PRICE_COLUMNS = ("Adj Close", "Close")


def csv_path(folder: Path, ticker: str) -> Path:
    """Return ``<TICKER>.csv`` in ``folder``, or the name without a leading ``^`` (``VIX.csv``)."""
    exact = folder / f"{ticker}.csv"
    if exact.exists() or not ticker.startswith("^"):
        return exact
    return folder / f"{ticker.removeprefix('^')}.csv"


def read_price_csv(path: Path, ticker: str, *, role: str | None) -> tuple[pd.Series, list[str]]:
    """Parse a price file into a float series indexed by date, in file order.

    Returns the series and warnings (no ``Adj Close``). Raises `DataError` naming the file and
    line for anything unparsable; order, repeats and signs are checked by `data.validate`.
    ``role`` is the key of the role that trades the ticker (``universe.tech``), or None for one
    only a signal reads: the fix a missing file's message offers.
    """
    if not path.exists():
        fix = (
            f"choose another ticker for {role} with --set {role}=TICKER"
            if role
            else "point the signal that reads it at another ticker (a support level: --set "
            "strategy.supports.NAME.ticker=TICKER)"
        )
        raise DataError(
            f"{ticker}: no price file {path}; add a CSV with a Date column and Adj Close "
            f"(or Close), or {fix}"
        )
    series, column, _ = _read_dated_column(path, PRICE_COLUMNS, "an 'Adj Close' or 'Close' column")
    warnings = []
    if column == "Close":
        warnings.append(
            f"{path}: no 'Adj Close' column; using 'Close', so dividends are not included"
        )
    return series.rename(ticker), warnings


def read_rate_csv(path: Path, column: str) -> pd.Series:
    """Read a dated rate column (``Date`` plus ``column``), sorted by date.

    Rates may be zero or negative; anything unparsable or missing stops with the file and line.
    """
    if not path.exists():
        raise DataError(f"costs.cash_rate_file: no file {path}")
    what = f"the rate column '{column}' (costs.cash_rate_column)"
    series, _, _ = _read_dated_column(path, (column,), what)
    return series[~series.index.duplicated(keep="last")].sort_index()


def read_indicator_csv(path: Path, column: str, name: str) -> pd.Series:
    """Read an indicator's readings (``Date`` plus ``column``) by publication date, sorted.

    Rows with a blank reading (a survey week without one) are skipped; a date given twice with
    the same reading counts once, with two different readings stops naming both lines, and
    anything unparsable stops with the file and line. ``attrs`` hold the file's name, the file
    line of each reading (``lines``), and the ``source`` and ``vintage`` columns' values when
    the file has them.
    """
    if not path.exists():
        raise DataError(f"indicator {name}: no file {path}")
    what = f"the indicator column '{column}'"
    series, _, lines = _read_dated_column(path, (column,), what, skip_blank=True)
    table = pd.DataFrame({"value": series.to_numpy(), "line": lines}, index=series.index)
    table = table.sort_index(kind="stable")
    repeated = table.index.duplicated(keep=False)
    for date, group in table[repeated].groupby(level=0):
        if group["value"].nunique() > 1:
            first, second = group["line"].iloc[0], group["line"].iloc[1]
            raise DataError(
                f"{path}, line {second}: {date.date()} is also on line {first} with another "
                f"reading ({group['value'].iloc[1]:g} against {group['value'].iloc[0]:g}); "
                "keep one"
            )
    table = table[~table.index.duplicated(keep="first")]
    readings = pd.Series(table["value"].to_numpy(), index=table.index, name=name)
    lines = tuple(int(line) for line in table["line"])
    readings.attrs = {"file": path.name, "lines": lines, **_provenance(path)}
    return readings


def _provenance(path: Path) -> dict[str, str]:
    """The ``source`` and ``vintage`` columns' distinct values, when the file has them."""
    header = pd.read_csv(path, dtype=str, keep_default_na=False)
    found = {}
    for column in ("source", "vintage"):
        if column in header.columns:
            values = sorted({value.strip() for value in header[column] if value.strip()})
            if values:
                found[column] = ", ".join(values) if column == "source" else values[-1]
    return found


def _read_dated_column(
    path: Path, columns: tuple[str, ...], what: str, skip_blank: bool = False
) -> tuple[pd.Series, str, np.ndarray]:
    """Parse ``Date`` and the first of ``columns`` present: the series, column and file lines."""
    _check_readable(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())  # one line, whatever the parser said
        raise DataError(f"{path}: not a readable CSV file ({reason}); fix or replace it") from exc
    column = next((name for name in columns if name in table.columns), None)
    if "Date" not in table.columns or column is None:
        header = ",".join(table.columns)
        hint = next(
            (f"; it looks {name}-separated: save it with commas and '.' decimals"
             for mark, name in ((";", "semicolon"), ("\t", "tab")) if mark in header),
            "",
        )  # fmt: skip
        raise DataError(
            f"{path}: needs a 'Date' column and {what}; found {list(table.columns)}{hint}"
        )
    if skip_blank:
        table = table[table[column].str.strip() != ""]
    raw_dates = table["Date"].str.strip()
    zoned = raw_dates.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    _fail_on_first(path, zoned, table["Date"], "a date with a time zone (expected YYYY-MM-DD)")
    dates = pd.to_datetime(raw_dates, format="ISO8601", errors="coerce")
    values = pd.to_numeric(table[column].str.strip(), errors="coerce")
    _fail_on_first(path, dates.isna(), table["Date"], "an unparsable date (expected YYYY-MM-DD)")
    tomorrow = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    _fail_on_first(path, dates > tomorrow, table["Date"], "a date in the future")
    finite = np.isfinite(values.to_numpy(dtype=float))  # inf, -inf and 1e400 are no prices
    _fail_on_first(
        path, pd.Series(~finite, index=values.index), table[column],
        f"an unparsable or infinite number in '{column}'",
    )  # fmt: skip
    if table.empty:
        raise DataError(f"{path}: has a header but no rows; add data or remove the file")
    series = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates))
    return series, column, table.index.to_numpy() + 2  # the header is line 1


MAX_FILE_BYTES = 200_000_000
"""A century of daily closes is about 3 MB; a file this large is not one ticker's prices."""


def _check_readable(path: Path) -> None:
    """Refuse a directory, a device or a huge file before reading a byte of it."""
    if not path.is_file():
        raise DataError(f"{path}: not a regular file (a directory or a device?); give a CSV file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"{path}: {size / 1e6:,.0f} MB, more than the {MAX_FILE_BYTES / 1e6:,.0f} MB a "
            "price or readings file may be; give one ticker's daily rows"
        )


def _fail_on_first(path: Path, bad: pd.Series, raw: pd.Series, what: str) -> None:
    """Raise naming the first bad row by its line in the file (the header is line 1)."""
    if bad.any():
        row = int(bad.index[bad.to_numpy().argmax()])  # the row's position in the whole file
        raise DataError(f"{path}, line {row + 2}: {what}, got {raw.loc[row]!r}")
