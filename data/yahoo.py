"""Daily closes from Yahoo Finance (through yfinance) with retries, and a reachability check."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pandas as pd
from tqdm import tqdm

from core.errors import DataError

YAHOO_HOST = "query1.finance.yahoo.com"
YAHOO_PORT = 443
REQUEST_TIMEOUT = 10.0
FIX_HINT = "check the symbol (e.g. ^VIX, BTC-USD, DX-Y.NYB) or use --data csv:DIR"


class _NoPrices(Exception):
    """One ticker gave no prices on every try; carries the last reason yfinance gave."""


def fetch_yahoo(
    tickers: list[str],
    start: date | None,
    end: date | None,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[str, pd.Series], list[str]]:
    """Download each ticker's adjusted daily close, one request per ticker.

    Timing: ``start`` and ``end`` are inclusive calendar dates (None: from the first price, up
    to the latest); the series are indexed by the exchange's trading date, tz-naive.

    Parameters
    ----------
    retries
        Tries per ticker in all; an exception or an empty answer counts as a failed try.
    backoff
        Seconds before the second try, doubled before each later one (``sleep`` waits).
    progress
        Show one progress bar over the tickers on stderr.

    Returns the float series by ticker and the notes worth telling the user (which tickers have
    no ``Adj Close`` and use ``Close``). Raises `DataError` naming every ticker that gave nothing.
    """
    series: dict[str, pd.Series] = {}
    notes: list[str] = []
    failures: dict[str, str] = {}
    bar = tqdm(tickers, desc="Yahoo Finance", unit="ticker", file=sys.stderr, disable=not progress)
    for ticker in bar:
        try:
            series[ticker], field = _fetch_one(ticker, start, end, retries, backoff, sleep)
        except _NoPrices as exc:
            failures[ticker] = str(exc)
            continue
        if field == "Close":
            notes.append(
                f"{ticker}: Yahoo Finance gives no 'Adj Close'; using 'Close' "
                "(dividends not included)"
            )
    if failures:
        reason = next(iter(failures.values()))
        detail = f"; last error: {reason}" if reason else ""
        raise DataError(
            f"Yahoo Finance returned no prices for {', '.join(failures)} "
            f"(after {max(retries, 1)} tries{detail}); {FIX_HINT}"
        )
    return series, notes


def _fetch_one(
    ticker: str,
    start: date | None,
    end: date | None,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> tuple[pd.Series, str]:
    """Try up to ``retries`` times with exponential backoff; return the series and its field."""
    # Imported here so the demo and CSV sources run (and start fast) without yfinance.
    import yfinance as yf

    reason = ""
    for attempt in range(max(retries, 1)):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        with _yfinance_log() as messages, warnings.catch_warnings():
            # yfinance's own deprecation warnings (Pandas4Warning under pandas 3) are not the
            # user's to act on: they would flood the console on every ticker
            warnings.simplefilter("ignore")
            try:
                frame = yf.download(ticker, **_download_arguments(start, end))
            except Exception as exc:  # network and parsing failures alike mean "try again"
                messages.append(f"{type(exc).__name__}: {exc}")
                frame = None
        prices, field = _closes(frame, ticker)
        if not prices.empty:
            return prices, field
        reason = " ".join(messages[-1].split())[:160] if messages else ""
    raise _NoPrices(reason)


def _download_arguments(start: date | None, end: date | None) -> dict[str, Any]:
    """Every argument of ``yf.download`` spelled out, as defaults have changed between versions.

    Timing: yfinance's ``end`` is exclusive, so the day after our inclusive ``end`` is sent; with
    no ``start``, ``period="max"`` asks for the whole history (a bare ``end`` would mean 1 month).
    """
    return {
        "start": None if start is None else start.isoformat(),
        "end": None if end is None else (end + timedelta(days=1)).isoformat(),
        "period": "max" if start is None else None,
        "interval": "1d",
        "group_by": "column",
        "auto_adjust": False,
        "back_adjust": False,
        "actions": False,
        "repair": False,
        "keepna": False,
        "prepost": False,
        "rounding": False,
        "ignore_tz": True,
        "multi_level_index": True,
        "progress": False,
        "threads": False,
        "timeout": REQUEST_TIMEOUT,
    }


def _closes(frame: pd.DataFrame | None, ticker: str) -> tuple[pd.Series, str]:
    """Take ``Adj Close``, or ``Close`` where Yahoo has no adjustment (indices, futures, FX).

    Accepts yfinance's ``(field, ticker)`` MultiIndex columns and flat columns. Returns a sorted
    float series named ``ticker`` on tz-naive dates without NaN rows (empty if nothing usable).
    """
    for field in ("Adj Close", "Close"):
        column = _column(frame, field)
        if column is not None and column.notna().any():
            return _clean(column, ticker), field
    return pd.Series(dtype=float, name=ticker, index=pd.DatetimeIndex([], name="Date")), ""


def _column(frame: pd.DataFrame | None, field: str) -> pd.Series | None:
    if frame is None or frame.empty:
        return None
    if isinstance(frame.columns, pd.MultiIndex):
        for level in range(frame.columns.nlevels):
            if field in frame.columns.get_level_values(level):
                return frame.xs(field, axis=1, level=level).iloc[:, 0]
        return None
    return frame[field] if field in frame.columns else None


def _clean(column: pd.Series, ticker: str) -> pd.Series:
    index = pd.DatetimeIndex(column.index)
    if index.tz is not None:
        # Daily bars are stamped at local midnight; dropping the zone keeps the trading date.
        index = index.tz_localize(None)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    series = pd.Series(values, index=index.normalize().rename("Date"), name=ticker).dropna()
    return series[~series.index.duplicated(keep="last")].sort_index()


class _Collect(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _yfinance_log() -> Iterator[list[str]]:
    """Keep yfinance's own error lines off the console; the last one explains a failure."""
    logger = logging.getLogger("yfinance")
    messages: list[str] = []
    handler, propagate = _Collect(messages), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def network_available(timeout: float = 3.0) -> bool:
    """Say whether a TCP connection to Yahoo's API host opens within ``timeout`` seconds in all.

    The DNS lookup runs in a daemon thread because ``getaddrinfo`` has no timeout of its own and
    can block for tens of seconds on a machine without network.
    """
    deadline = time.monotonic() + timeout
    for family, kind, proto, _, address in _resolve(YAHOO_HOST, YAHOO_PORT, timeout):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            with socket.socket(family, kind, proto) as connection:
                connection.settimeout(remaining)
                connection.connect(address)
        except OSError:
            continue
        return True
    return False


def _resolve(host: str, port: int, timeout: float) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []

    def lookup() -> None:
        with contextlib.suppress(OSError):
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))

    thread = threading.Thread(target=lookup, name="yahoo-dns", daemon=True)
    thread.start()
    thread.join(timeout)
    return list(found) if not thread.is_alive() else []
