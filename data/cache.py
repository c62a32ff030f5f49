"""An on-disk cache of daily closes: one checksummed file per ticker, extended incrementally.

File format (``<root>/<TICKER>.csv``, one file so data and metadata are replaced together)::

    # mainstreet price cache v1 {"ticker": "SPY", "source": "yahoo", "downloaded_utc": ...,
    #   "start": "2000-01-03" or null, "end": "2026-05-04", "sha256": "<hex of the body>"}
    Date,Price
    2000-01-03,92.65...

(the header is one line). ``start`` and ``end`` are the requested range the file answers, not its
first and last dates: a ticker listed after ``start`` is not refetched for the years it lacks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError

Fetch = Callable[[list[str], date | None, date | None], tuple[dict[str, pd.Series], list[str]]]
Window = tuple[date | None, date]

MAGIC = b"# mainstreet price cache v1 "
# Relative change of a cached close that means Yahoo re-adjusted history (a dividend is > 0.01%).
ADJUSTMENT_TOLERANCE = 1e-4
ABANDONED_AFTER = 3600.0
"""Seconds after which a write's temporary file is taken for one a killed process left."""


class CorruptEntry(Exception):
    """A cache file that cannot be trusted; the message says why."""


@dataclass(frozen=True, eq=False)
class Entry:
    """A cached series and the inclusive range it was requested for (``start`` None: all)."""

    prices: pd.Series
    source: str
    downloaded_utc: str
    start: date | None
    end: date

    def covers(self, start: date | None, end: date) -> bool:
        """Whether the request ``[start, end]`` lies inside the range this entry was fetched for."""
        return not _earlier(start, self.start) and end <= self.end


def cache_path(root: Path, ticker: str) -> Path:
    """``root/<TICKER>.csv``, characters outside ``[A-Za-z0-9.=-]`` made ``_`` (``^VIX``)."""
    return root / f"{re.sub(r'[^A-Za-z0-9.=-]', '_', ticker)}.csv"


def read_entry(path: Path, ticker: str) -> Entry | None:
    """Read one entry: None when there is none, `CorruptEntry` when it cannot be trusted."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CorruptEntry(f"unreadable: {exc.strerror}") from exc
    head, _, body = raw.partition(b"\n")
    if not head.startswith(MAGIC):
        raise CorruptEntry("no cache header")
    try:
        meta = json.loads(head.removeprefix(MAGIC))
        if hashlib.sha256(body).hexdigest() != meta["sha256"]:
            raise CorruptEntry("checksum mismatch, truncated or edited")
        if meta["ticker"] != ticker:
            raise CorruptEntry(f"it holds {meta['ticker']}")
        header, *lines = body.decode().splitlines()
        if header != "Date,Price":
            raise CorruptEntry(f"unexpected columns {header!r}")
        rows = [line.split(",") for line in lines]
        dates = pd.to_datetime([day for day, _ in rows], format="%Y-%m-%d")
        # float() reads back exactly the repr() that was written, whatever the pandas version.
        prices = pd.Series([float(price) for _, price in rows], index=dates, dtype=float)
        return Entry(
            prices=_normalise(prices, ticker),
            source=meta["source"],
            downloaded_utc=meta["downloaded_utc"],
            start=None if meta["start"] is None else date.fromisoformat(meta["start"]),
            end=date.fromisoformat(meta["end"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptEntry(f"unparsable: {exc}") from exc


def write_entry(path: Path, ticker: str, entry: Entry) -> None:
    """Replace ``path`` atomically: a crash leaves the old file or the new one, never a mix."""
    rows = zip(entry.prices.index, entry.prices.tolist(), strict=True)
    body = "".join(["Date,Price\n", *(f"{day:%Y-%m-%d},{price!r}\n" for day, price in rows)])
    meta = {
        "ticker": ticker,
        "source": entry.source,
        "downloaded_utc": entry.downloaded_utc,
        "start": None if entry.start is None else entry.start.isoformat(),
        "end": entry.end.isoformat(),
        "sha256": hashlib.sha256(body.encode()).hexdigest(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC + json.dumps(meta).encode() + b"\n" + body.encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)
    _remove_abandoned(path)


def _remove_abandoned(path: Path) -> None:
    """Remove the temporaries of ``path`` a killed write left, once they are `ABANDONED_AFTER` old.

    A younger one may be another process's write in progress, so it is left alone.
    """
    for temporary in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):  # another run may remove it first
            if time.time() - temporary.stat().st_mtime > ABANDONED_AFTER:
                temporary.unlink()


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable on POSIX; Windows cannot open a folder and needs no call."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def load_prices(
    tickers: list[str],
    start: date | None,
    end: date | None,
    fetch: Fetch,
    cache_root: Path,
    *,
    refresh: bool = False,
    source: str = "yahoo",
    today: date | None = None,
) -> tuple[dict[str, pd.Series], list[str]]:
    """Daily closes for ``tickers`` from the cache, fetching only what it lacks.

    Timing: ``start`` and ``end`` are inclusive; ``end`` None (or later than ``today``, the UTC
    date by default) means today, so an entry downloaded today is up to date. A missing earlier or
    later stretch is fetched from the cached first or last date (one day of overlap); if Yahoo's
    price on that overlap changed (history re-adjusted for a dividend or split) the whole range
    is refetched. ``fetch(tickers, start, end)`` returns ``(series_by_ticker, notes)``, as
    `data.yahoo.fetch_yahoo` does. Returns the series clipped to the request, and the notes.
    """
    last = _last_day(end, today)
    if start is not None and start > last:
        raise DataError(f"start {start} is after end {last}; give a start before the end")
    notes: list[str] = []
    entries = {
        ticker: None if refresh else _read_noting(cache_root, ticker, notes) for ticker in tickers
    }
    stale = {t: e for t, e in entries.items() if e is None or not e.covers(start, last)}
    current = {t: e for t, e in entries.items() if e is not None and t not in stale}
    updated, fetch_notes = _update(stale, start, last, fetch, source)
    notes += fetch_notes
    for ticker, entry in updated.items():
        notes += _write_noting(cache_path(cache_root, ticker), ticker, entry)
    current |= updated
    series = {ticker: _clip(current[ticker], ticker, start, last) for ticker in entries}
    return series, list(dict.fromkeys(notes))


def covered(
    tickers: list[str],
    start: date | None,
    end: date | None,
    cache_root: Path,
    today: date | None = None,
) -> bool:
    """Whether every ticker has a sound entry covering ``[start, end]``.

    ``end`` is read as in `load_prices`; when this holds, `load_prices` makes no network call.
    """
    last = _last_day(end, today)
    for ticker in tickers:
        try:
            entry = read_entry(cache_path(cache_root, ticker), ticker)
        except CorruptEntry:
            return False
        if entry is None or not entry.covers(start, last):
            return False
    return True


def cached_prices(tickers: list[str], cache_root: Path) -> dict[str, pd.Series] | None:
    """Whatever is cached for every ticker, however old, for running offline.

    None when a ticker has no sound entry.
    """
    series = {}
    for ticker in tickers:
        try:
            entry = read_entry(cache_path(cache_root, ticker), ticker)
        except CorruptEntry:
            return None
        if entry is None:
            return None
        series[ticker] = entry.prices
    return series


def _last_day(end: date | None, today: date | None) -> date:
    today = today or datetime.now(UTC).date()
    return today if end is None else min(end, today)


def _update(
    stale: dict[str, Entry | None],
    start: date | None,
    last: date,
    fetch: Fetch,
    source: str,
) -> tuple[dict[str, Entry], list[str]]:
    """Fetch what each stale entry lacks; refetch in full any whose history was re-adjusted."""
    wanted = {ticker: _missing(entry, start, last) for ticker, entry in stale.items()}
    pieces, notes = _fetch_windows(wanted, fetch)
    merged: dict[str, pd.Series] = {}
    redo: dict[str, list[Window]] = {}
    for ticker, entry in stale.items():
        new = [pieces[ticker, window] for window in wanted[ticker]]
        series = new[0] if entry is None else _merge(entry.prices, new)
        if series is not None:
            merged[ticker] = series
            continue
        redo[ticker] = [_span(entry, start, last)]
        notes.append(
            f"{ticker}: {source} revised prices already cached (history re-adjusted for a "
            "dividend or split, or a close taken mid-session); refetched the full range"
        )
    full, redo_notes = _fetch_windows(redo, fetch)
    merged |= {ticker: full[ticker, windows[0]] for ticker, windows in redo.items()}
    downloaded = datetime.now(UTC).isoformat(timespec="seconds")
    updated = {}
    for ticker, series in merged.items():
        if series.empty:
            raise _no_prices(ticker, source, start, last)
        span_start, span_end = _span(stale[ticker], start, last)
        updated[ticker] = Entry(series, source, downloaded, span_start, span_end)
    return updated, notes + redo_notes


def _missing(entry: Entry | None, start: date | None, last: date) -> list[Window]:
    """The windows to fetch: all of it, or the stretches before and after the cached dates."""
    if entry is None:
        return [(start, last)]
    windows: list[Window] = []
    if _earlier(start, entry.start):
        windows.append((start, entry.prices.index[0].date()))
    if last > entry.end:
        windows.append((entry.prices.index[-1].date(), last))
    return windows


def _fetch_windows(
    wanted: dict[str, list[Window]], fetch: Fetch
) -> tuple[dict[tuple[str, Window], pd.Series], list[str]]:
    """One fetch call per distinct window, for all the tickers that need it."""
    groups: dict[Window, list[str]] = {}
    for ticker, windows in wanted.items():
        for window in windows:
            groups.setdefault(window, []).append(ticker)
    pieces: dict[tuple[str, Window], pd.Series] = {}
    notes: list[str] = []
    for window, names in groups.items():
        fetched, fetch_notes = fetch(names, *window)
        notes += fetch_notes
        for name in names:
            empty = pd.Series(dtype=float, index=pd.DatetimeIndex([]))
            pieces[name, window] = _normalise(fetched.get(name, empty), name)
    return pieces, notes


def _merge(old: pd.Series, pieces: list[pd.Series]) -> pd.Series | None:
    """The cached series extended by ``pieces``, or None if a piece disagrees where they overlap."""
    for piece in pieces:
        common = piece.index.intersection(old.index)
        if common.empty or not np.allclose(
            piece[common], old[common], rtol=ADJUSTMENT_TOLERANCE, atol=0.0
        ):
            return None
    return _normalise(pd.concat([old, *pieces]), str(old.name))


def _span(entry: Entry | None, start: date | None, last: date) -> Window:
    """The requested range an entry answers once it also answers ``[start, last]``."""
    if entry is None:
        return start, last
    return (entry.start if _earlier(entry.start, start) else start), max(entry.end, last)


def _earlier(first: date | None, second: date | None) -> bool:
    """Whether the start ``first`` reaches before ``second``; None is the beginning of time."""
    return second is not None and (first is None or first < second)


def _normalise(series: pd.Series, ticker: str) -> pd.Series:
    """A float series named ``ticker`` on sorted unique ns dates, the same however it was made."""
    index = pd.DatetimeIndex(series.index, freq=None).as_unit("ns").rename("Date")
    clean = pd.Series(series.to_numpy(dtype=float), index=index, name=ticker).dropna()
    return clean[~clean.index.duplicated(keep="last")].sort_index()


def _clip(entry: Entry, ticker: str, start: date | None, last: date) -> pd.Series:
    prices = entry.prices
    clipped = prices[prices.index <= pd.Timestamp(last)]
    if start is not None:
        clipped = clipped[clipped.index >= pd.Timestamp(start)]
    if clipped.empty:
        raise _no_prices(ticker, entry.source, start, last)
    return clipped


def _no_prices(ticker: str, source: str, start: date | None, last: date) -> DataError:
    return DataError(
        f"{ticker}: {source} has no prices between {start or 'the beginning'} and {last}; "
        "check the symbol and the dates"
    )


def _read_noting(root: Path, ticker: str, notes: list[str]) -> Entry | None:
    """Read an entry; a corrupt one is reported in ``notes`` and treated as absent."""
    try:
        return read_entry(cache_path(root, ticker), ticker)
    except CorruptEntry as exc:
        notes.append(f"cache entry for {ticker} was corrupt ({exc}); refetched")
        return None


def _write_noting(path: Path, ticker: str, entry: Entry) -> list[str]:
    """Write an entry; a failure costs only the caching, so it becomes a note, not an error."""
    try:
        write_entry(path, ticker, entry)
    except OSError as exc:
        return [f"{ticker}: could not write the cache entry {path} ({exc}); prices not cached"]
    return []
