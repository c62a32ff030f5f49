"""Loading a Market from a named source (``demo``, ``csv:DIR``), aligned on one calendar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd

from data import demo
from data.csv_source import csv_path, read_price_csv
from data.market import Market, Role, Universe
from engine.errors import ConfigError, DataError

SYNTHETIC_BANNER = "SYNTHETIC DEMO DATA: these figures come from a made-up market, not history"


def load_market(
    source: str,
    universe: Universe,
    roles: Iterable[Role],
    start: date | None = None,
    end: date | None = None,
) -> Market:
    """Load the tickers playing ``roles`` (and the calendar's stock ticker) from ``source``.

    Timing: the calendar is the trading days of ``universe.stocks``; the market starts on the
    first date every ticker has a price (and says so in ``notes`` when that clips ``start``).
    """
    tickers = list(dict.fromkeys([universe.stocks, *(universe.ticker(role) for role in roles)]))
    if source == "demo":
        series, notes, synthetic = demo.demo_prices(tickers), [SYNTHETIC_BANNER], True
    elif source.startswith("csv:"):
        series, notes = _read_folder(Path(source.removeprefix("csv:")), tickers)
        synthetic = False
    else:
        raise ConfigError(f"--data {source!r}: unknown source; use 'demo' or 'csv:DIR'")
    prices, align_notes = align(series, universe.stocks, start, end)
    return Market(
        prices=prices,
        universe=universe,
        source=source,
        synthetic=synthetic,
        notes=(*notes, *align_notes),
    )


def _read_folder(folder: Path, tickers: list[str]) -> tuple[dict[str, pd.Series], list[str]]:
    if not folder.is_dir():
        raise DataError(f"--data csv:{folder}: no such folder; give a folder of <TICKER>.csv files")
    series, notes = {}, []
    for ticker in tickers:
        series[ticker], file_notes = read_price_csv(csv_path(folder, ticker), ticker)
        notes += file_notes
    return series, notes


def align(
    series: dict[str, pd.Series],
    calendar_ticker: str,
    start: date | None,
    end: date | None,
) -> tuple[pd.DataFrame, list[str]]:
    """Sample every series on the calendar ticker's dates within ``[start, end]``.

    Each asset takes its last close at or before each calendar date (BTC-USD on a Monday is its
    Monday close); inside its own history a missing date carries the previous close and is
    counted. Rows before every ticker has started, or after one has ended, are cut.
    """
    calendar = series[calendar_ticker].index
    calendar = calendar[
        (calendar >= _stamp(start, calendar[0])) & (calendar <= _stamp(end, calendar[-1]))
    ]
    if calendar.empty:
        raise DataError(f"{calendar_ticker} has no prices between {start} and {end}")
    columns, notes = {}, []
    for ticker, values in series.items():
        sampled = values.reindex(calendar, method="ffill")
        sampled[(calendar < values.index[0]) | (calendar > values.index[-1])] = float("nan")
        inside = (calendar >= values.index[0]) & (calendar <= values.index[-1])
        carried = int((inside & ~calendar.isin(values.index)).sum())
        if carried:
            notes.append(f"{ticker}: {carried} calendar date(s) had no close; carried the last")
        columns[ticker] = sampled
    prices = pd.DataFrame(columns)
    complete = prices.notna().all(axis=1)
    if not complete.any():
        raise DataError(
            "no date on which every ticker has a price: "
            + ", ".join(f"{t} {s.index[0].date()}..{s.index[-1].date()}" for t, s in series.items())
        )
    first, last = complete.idxmax(), complete[::-1].idxmax()
    if first > calendar[0]:
        latest = max(series, key=lambda ticker: series[ticker].index[0])
        asked = start or calendar[0].date()
        notes.append(
            f"start moved from {asked} to {first.date()}: the first date every ticker has a price "
            f"({latest} starts {series[latest].index[0].date()})"
        )
    if last < calendar[-1]:
        earliest = min(series, key=lambda ticker: series[ticker].index[-1])
        notes.append(f"end moved to {last.date()}: {earliest} has no price after it")
    return prices.loc[first:last], notes


def _stamp(day: date | None, default: pd.Timestamp) -> pd.Timestamp:
    return default if day is None else pd.Timestamp(day)
