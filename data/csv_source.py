"""Reading one ticker's daily closes from a CSV file (``Date`` plus ``Adj Close`` or ``Close``)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError
from data.market import TICKER

PRICE_COLUMNS = ("Adj Close", "Close")


def csv_path(folder: Path, ticker: str) -> Path:
    """Return ``<TICKER>.csv`` in ``folder``, or the name without a leading ``^`` (``VIX.csv``).

    The data layer reads nothing outside the folder ``--data csv:DIR`` names: a ticker that is
    no symbol (``../x``) or a file that resolves elsewhere (a link out of the folder) raises
    `DataError` before a byte of it is read, and the message shows none of it.
    """
    if not TICKER.match(ticker):
        raise DataError(f"{ticker!r} is not a ticker symbol; a price file is <TICKER>.csv")
    exact = folder / f"{ticker}.csv"
    path = (
        exact
        if exact.exists() or not ticker.startswith("^")
        else exact.with_name(f"{ticker.removeprefix('^')}.csv")
    )
    if path.exists():
        _check_readable(path)  # a directory or a device: refused as such, unread
        if not path.resolve().is_relative_to(folder.resolve()):
            raise DataError(
                f"{path}: links to a file outside the data folder {folder}, which is never "
                "read; copy the file into the folder, or give --data csv: the folder it is in"
            )
    return path


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
    """Read an indicator's readings by date, sorted: a number, or a published signal.

    The file has a date column and ``column`` (headers in any case); optionally ``signal``
    (``sell``/``buy``), ``vintage`` (``live``/``reconstructed``; none: live), ``published`` and
    ``source``/``source_title``. A date is ``YYYY-MM-DD``, or ``YYYY-MM`` when only the month is
    known: it is then taken at the month's last day, never earlier. A row with a signal and no
    number reads ``+inf`` (sell: above any threshold) or ``-inf`` (buy: below any); a row with
    neither is skipped. Rows on one date must agree (a different number or signal stops naming
    both lines) and count once, live if any is. ``attrs`` hold the file's name, each reading's
    file ``lines``, its ``rows`` (signal, vintage, precision, published, title, by date) and the
    file's ``source`` and ``vintage`` summaries.
    """
    if not path.exists():
        raise DataError(f"indicator {name}: no file {path}")
    table = _read_table(path, short_rows=True)
    headers = {header.strip().lower(): header for header in table.columns}
    if "date" not in headers or (column.lower() not in headers and "signal" not in headers):
        raise DataError(
            f"{path}: needs a 'date' column and the indicator column '{column}' (or a 'signal' "
            f"column); found {list(table.columns)}"
        )
    text = {key: table[headers[key]].str.strip() for key in headers}
    blank = pd.Series("", index=table.index)
    raw = text.get(column.lower(), blank)
    signal = text.get("signal", blank).str.lower()
    vintage = text.get("vintage", blank).str.lower().replace("", "live")
    _fail_on_first(path, ~signal.isin(SIGNALS), text.get("signal", blank),
                   "a signal that is not sell, buy or blank")  # fmt: skip
    _fail_on_first(path, ~vintage.isin(VINTAGES), text.get("vintage", blank),
                   "a vintage that is not live, reconstructed or blank")  # fmt: skip
    keep = (raw != "") | (signal != "")
    dates, month = _readings_dates(path, text["date"])
    values = pd.to_numeric(raw, errors="coerce")
    bad = (raw != "") & ~np.isfinite(values.fillna(np.inf).to_numpy())
    _fail_on_first(path, bad, raw, f"an unparsable or infinite number in '{column}'")
    values = values.where(raw != "", signal.map({"sell": np.inf, "buy": -np.inf}))
    columns = {
        "value": values, "signal": signal, "vintage": vintage,
        "precision": pd.Series(np.where(month, "month", "day")),
        "published": text.get("published", blank),
        "title": text.get("source_title", text.get("source", blank)),
        "line": pd.Series(table.index.to_numpy() + 2),  # the header is line 1
    }  # fmt: skip
    rows = pd.DataFrame(
        {key: column.to_numpy() for key, column in columns.items()},
        index=pd.DatetimeIndex(dates),
    )[keep.to_numpy()].sort_index(kind="stable")
    if rows.empty:
        raise DataError(f"{path}: no row has a reading or a signal; add data or remove the file")
    rows = _one_row_a_date(path, rows)
    readings = rows["value"].astype(float).rename(name)
    readings.attrs = {
        "file": path.name,
        "lines": tuple(int(line) for line in rows["line"]),
        "rows": rows.drop(columns=["value"]),
        **_provenance(table, headers),
    }
    return readings


SIGNALS = ("", "sell", "buy")
"""A published signal: none, sell (the reading rose above the sell threshold) or buy."""
VINTAGES = ("live", "reconstructed")
"""live: published at the time; reconstructed: known only from a later publication."""
PUBLISHED_READINGS = Path(__file__).resolve().parent / "published" / "bull_bear.csv"
"""BofA's Bull & Bear readings and signals as reports quoted them (docs/bull_bear_published.md)."""


def _readings_dates(path: Path, raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Each row's date (a month-only date at the month's last day) and whether month-only."""
    month = raw.str.fullmatch(r"\d{4}-\d{2}").to_numpy()
    dates = _iso_dates(path, raw.where(~month, raw + "-01"), raw, "YYYY-MM-DD or YYYY-MM")
    dates = dates.where(~month, dates + pd.offsets.MonthEnd(0))
    tomorrow = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    _fail_on_first(path, dates > tomorrow, raw, "a date in the future")
    return dates, month


def _one_row_a_date(path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """Merge rows of one date (one report, several sources); refuse rows that disagree."""
    if not rows.index.duplicated().any():
        return rows
    merged = []
    for day, group in rows.groupby(level=0, sort=True):
        group = group.reset_index(drop=True)
        numbers = group["value"][np.isfinite(group["value"].to_numpy(dtype=float))]
        signals = group["signal"][group["signal"] != ""]
        for told, what in ((numbers, "reading"), (signals, "signal")):
            if told.nunique() > 1:
                other = told[told != told.iloc[0]]
                first, second = (
                    f"{v:g}" if what == "reading" else v for v in (told.iloc[0], other.iloc[0])
                )
                raise DataError(
                    f"{path}, line {group['line'][other.index[0]]}: {day.date()} is also on "
                    f"line {group['line'][told.index[0]]} with another {what} ({second} against "
                    f"{first}); keep one"
                )
        row = group.iloc[0].copy()
        row["value"] = numbers.iloc[0] if len(numbers) else group["value"].iloc[0]
        row["signal"] = signals.iloc[0] if len(signals) else ""
        row["vintage"] = "live" if (group["vintage"] == "live").any() else "reconstructed"
        row["published"] = min((p for p in group["published"] if p), default="")
        merged.append(row.rename(day))
    return pd.DataFrame(merged)


def _provenance(table: pd.DataFrame, headers: dict[str, str]) -> dict[str, str]:
    """The ``source`` column's distinct values and the ``vintage`` summary, when present."""
    found = {}
    if "source" in headers:
        values = sorted({v.strip() for v in table[headers["source"]] if v.strip()})
        if values:
            found["source"] = ", ".join(values)
    if "vintage" in headers:
        values = sorted({v.strip().lower() for v in table[headers["vintage"]] if v.strip()})
        if values:
            found["vintage"] = ", ".join(values)
    return found


def _read_table(path: Path, *, short_rows: bool = False) -> pd.DataFrame:
    """The file as text cells, or a `DataError` naming it (one line, whatever the parser said).

    ``short_rows``: a row may leave out trailing fields, read as blanks (a readings file's
    optional columns); otherwise every row has as many fields as the header.
    """
    _check_readable(path)
    try:
        _check_fields(path, short_rows=short_rows)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, csv.Error) as exc:
        reason = " ".join(str(exc).split())
        raise DataError(f"{path}: not a readable CSV file ({reason}); fix or replace it") from exc


def _check_fields(path: Path, *, short_rows: bool) -> None:
    """Refuse a header naming a column twice, and a row whose field count differs from it.

    pandas reads both silently: a repeated column as ``Adj Close.1``, a short row padded with
    blanks (as a spreadsheet's semicolon export under a comma header reads). With
    ``short_rows`` only a row with more fields is refused. Blank lines are skipped, as pandas
    skips them.
    """
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = csv.reader(file)
        header = next(rows, None)
        if header is None:
            return  # pandas says the file is empty
        names = [name.strip() for name in header]
        for place, name in enumerate(names):
            if name and name.lower() in (other.lower() for other in names[:place]):
                raise DataError(
                    f"{path}, line 1: the header names column '{name}' twice; keep one (which "
                    "of the two is meant cannot be told)"
                )
        for row in rows:
            if row and (len(row) > len(header) or (len(row) < len(header) and not short_rows)):
                raise DataError(
                    f"{path}, line {rows.line_num}: {len(row)} field(s) where the header has "
                    f"{len(header)}{_separator_hint(','.join(row))}"
                )


def _separator_hint(text: str) -> str:
    """``; it looks semicolon-separated...`` when ``text`` holds a semicolon or a tab, else ``""``.

    A spreadsheet in a locale with decimal commas exports semicolons between fields.
    """
    for mark, name in ((";", "semicolon"), ("\t", "tab")):
        if mark in text:
            return f"; it looks {name}-separated: save it with commas and '.' decimals"
    return ""


def _read_dated_column(
    path: Path, columns: tuple[str, ...], what: str
) -> tuple[pd.Series, str, np.ndarray]:
    """Parse ``Date`` and the first of ``columns`` present: the series, column and file lines."""
    table = _read_table(path)
    column = next((name for name in columns if name in table.columns), None)
    if "Date" not in table.columns or column is None:
        hint = _separator_hint(",".join(table.columns))
        raise DataError(
            f"{path}: needs a 'Date' column and {what}; found {list(table.columns)}{hint}"
        )
    dates = _iso_dates(path, table["Date"].str.strip(), table["Date"], "YYYY-MM-DD")
    values = pd.to_numeric(table[column].str.strip(), errors="coerce")
    tomorrow = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    _fail_on_first(path, dates > tomorrow, table["Date"], "a date in the future")
    finite = np.isfinite(values.to_numpy(dtype=float))  # inf, -inf and 1e400 are no prices
    _fail_on_first(
        path, pd.Series(~finite, index=values.index), table[column],
        f"an unparsable or infinite number in '{column}'",
    )  # fmt: skip
    _fail_on_first(
        path, values.abs() > MAX_VALUE, table[column],
        f"a number in '{column}' beyond {MAX_VALUE:,.0f}, no plausible close or rate (a unit or "
        "decimal mark wrong?)",
    )  # fmt: skip
    if table.empty:
        raise DataError(f"{path}: has a header but no rows; add data or remove the file")
    series = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates))
    return series, column, table.index.to_numpy() + 2  # the header is line 1


def _iso_dates(path: Path, text: pd.Series, shown: pd.Series, expected: str) -> pd.Series:
    """Parse dates ``text`` (``shown`` in messages), refusing a time zone or a time of day.

    A daily close has no time: ``2024-01-02 16:00`` would be read as a moment of that day and
    land on the next bar, a day late. Midnight (``2024-01-02 00:00:00``, as some tools write a
    date) is the date itself and is accepted.
    """
    zoned = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    _fail_on_first(path, zoned, shown, f"a date with a time zone (expected {expected})")
    dates = pd.to_datetime(text, format="ISO8601", errors="coerce")
    _fail_on_first(path, dates.isna(), shown, f"an unparsable date (expected {expected})")
    _fail_on_first(
        path, dates != dates.dt.normalize(), shown,
        f"a date with a time of day (a daily close has none; expected {expected})",
    )  # fmt: skip
    return dates


MAX_VALUE = 1e10
"""The largest number a price or rate file may hold: ten billion, above any quote of the shared
data (BTC-USD, about 1e5), Berkshire A (about 8e5) and bitcoin in Indonesian rupiah or
Vietnamese dong (about 2e9); a larger one is a wrong unit or decimal mark, and 1e300 overflows
the statistics."""

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
        got = raw.loc[row]
        raise DataError(f"{path}, line {row + 2}: {what}, got {got!r}{_separator_hint(str(got))}")
