"""Loading a Market, or a rate series (``^IRX``), from a source: auto, yahoo, csv:DIR, demo."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.errors import ConfigError, DataError
from core.places import cache_root
from data import cache, demo
from data.align import PERIODS_PER_YEAR, align, carried_dates, run_dates, sample
from data.csv_source import csv_path, read_indicator_csv, read_price_csv
from data.market import Market, MarketRequest, joined
from data.validate import check_reaches, clean_series
from data.yahoo import fetch_yahoo, network_available

SYNTHETIC_BANNER = "SYNTHETIC DEMO DATA: these figures come from a made-up market, not history"


CACHE_ROOT = cache_root()
YAHOO_UNREACHABLE = (
    "Yahoo Finance is unreachable (no connection to query1.finance.yahoo.com): check the "
    "network, or use --data auto (cached prices, else the demo), --data csv:DIR or --data demo"
)


@dataclass(frozen=True)
class _Raw:
    """Series as a source gave them, before validation and alignment."""

    series: dict[str, pd.Series]
    where: dict[str, str]
    source: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_market(source: str, request: MarketRequest, *, refresh: bool = False) -> Market:
    """Load, validate and align the tickers of ``request`` from ``source``.

    ``refresh`` refetches cached Yahoo data. Timing: on the equity calendar the dates are the
    stock ticker's trading days (252 a year); on ``7d`` every calendar day (365 a year),
    equities carrying their last close.
    """
    return load_shared(source, [request], refresh=refresh)[0]


def load_shared(
    source: str, requests: list[MarketRequest], *, refresh: bool = False
) -> tuple[Market, list[pd.DatetimeIndex]]:
    """One market for several requests, and the dates each of them would run on alone.

    The market is `load_market` of their union (`joined`); the data are read and aligned once,
    and each request's dates are cut from the same aligned closes as its own market's would be.
    """
    request = joined(requests)
    stock = request.universe.stocks
    if request.calendar == "equity" and request.universe.is_crypto(stock):
        raise ConfigError(
            f"universe.stocks = {stock} trades every day, but the equity calendar is its trading "
            "days at 252 a year; use --calendar 7d or a stock ticker"
        )
    raw = _fetch(source, request, refresh)
    series, warnings, traded = {}, list(raw.warnings), request.traded()
    for ticker, values in raw.series.items():
        # Index levels (^VIX, ^TNX) can double in a day; they are not prices to split-check.
        jumpy = request.universe.is_crypto(ticker) or ticker.startswith("^")
        series[ticker], jumps = clean_series(values, raw.where[ticker], crypto=jumpy)
        if ticker in traded:
            check_reaches(series[ticker], raw.where[ticker], request.start)
        warnings += jumps
    sampled = sample(series, request)
    prices, warmup, notes, carried = align(series, request, sampled)
    alone = (
        [prices.index] if len(requests) == 1 else [run_dates(sampled, series, r) for r in requests]
    )
    external = {
        name: read_indicator_csv(Path(path), column, name)
        for name, (path, column) in request.external.items()
    }
    synthetic = raw.source == "demo"
    market = Market(
        prices=prices,
        universe=request.universe,
        source=raw.source,
        synthetic=synthetic,
        periods_per_year=PERIODS_PER_YEAR[request.calendar],
        notes=(*([SYNTHETIC_BANNER] if synthetic else []), *raw.notes, *notes),
        warnings=tuple(warnings),
        carried=carried,
        carried_on=carried_dates(series, pd.concat([warmup, prices])),
        external=external,
        warmup=warmup,
    )
    return market, alone


def _fetch(source: str, request: MarketRequest, refresh: bool) -> _Raw:
    tickers = request.tickers()
    if source == "demo":
        return _Raw(demo.demo_prices(tickers), {t: f"demo {t}" for t in tickers}, "demo")
    if source.startswith("csv:"):
        return _read_folder(Path(source.removeprefix("csv:")), request)
    if source == "yahoo":
        return _from_yahoo(request, refresh)
    if source == "auto":
        return _auto(request, refresh)
    raise ConfigError(
        f"{source!r}: unknown source; use auto, yahoo, demo or csv:DIR", option="data"
    )


def _read_folder(folder: Path, request: MarketRequest) -> _Raw:
    """Read ``DIR/<TICKER>.csv`` for each ticker; only traded ones need dividends included."""
    if not folder.is_dir():
        raise DataError(
            f"csv:{folder}: no such folder; give a folder of <TICKER>.csv files", option="data"
        )
    raw = _Raw({}, {}, f"csv:{folder}")
    traded = request.traded()
    for ticker in request.tickers():
        path = csv_path(folder, ticker)
        raw.series[ticker], warnings = read_price_csv(path, ticker, role=request.role_of(ticker))
        raw.warnings.extend(warnings if ticker in traded else [])
        raw.where[ticker] = str(path)
    return raw


def _from_yahoo(request: MarketRequest, refresh: bool) -> _Raw:
    """Yahoo Finance through the on-disk cache: only what the cache lacks is downloaded.

    The whole history is asked for, not only the run's dates: signals warm up on it.
    """
    tickers = request.tickers()
    try:
        series, notes = cache.load_prices(
            tickers, None, request.end, fetch_yahoo, CACHE_ROOT, refresh=refresh
        )
    except DataError:
        if network_available():
            raise
        # yfinance blames each symbol ("possibly delisted") when the host is out of reach
        raise DataError(YAHOO_UNREACHABLE) from None
    return _Raw(series, {t: f"Yahoo {t}" for t in tickers}, "yahoo", notes=notes)


def _auto(request: MarketRequest, refresh: bool) -> _Raw:
    """The cache if it covers the run, else Yahoo; offline, what is cached, else the demo."""
    tickers = request.tickers()
    if not refresh and cache.covered(tickers, None, request.end, CACHE_ROOT):
        return _from_yahoo(request, refresh=False)
    if network_available():
        return _from_yahoo(request, refresh)
    cached = cache.cached_prices(tickers, CACHE_ROOT)
    if cached is not None:
        raw = _Raw(cached, {t: f"cached Yahoo {t}" for t in tickers}, "yahoo (cache, offline)")
        raw.warnings.append("no network: using the cached prices as they are, perhaps not current")
        return raw
    raw = _fetch("demo", request, refresh)
    raw.notes.append("no network and no cached prices: --data auto fell back to the demo market")
    return raw


def load_rate(
    market: Market, ticker: str, *, refresh: bool = False
) -> tuple[pd.Series | None, str]:
    """A rate series such as ``^IRX`` from the source ``market`` came from, and where it was.

    The same path as the market's tickers: ``<DIR>/<TICKER>.csv`` (or without the ``^``) for
    ``csv:DIR``, the on-disk cache and Yahoo for ``yahoo`` (only the cache when the market came
    from it offline). None, with the reason, when the source has none: the demo market, a
    folder without the file, Yahoo without the series. Rates may be zero or negative, so the
    price checks do not apply. Timing: the whole history up to the market's last date.
    """
    if market.synthetic:
        return None, f"the demo market has no {ticker}"
    if market.source.startswith("csv:"):
        path = csv_path(Path(market.source.removeprefix("csv:")), ticker)
        if not path.exists():
            return None, f"{market.source} has no {path.name}"
        series, _ = read_price_csv(path, ticker, role=None)
        return series[~series.index.duplicated(keep="last")].sort_index(), str(path)
    if market.source != "yahoo":  # the cache, read offline
        cached = cache.cached_prices([ticker], CACHE_ROOT)
        if cached is None:
            return None, f"no network and no cached {ticker}"
        return cached[ticker], f"cached Yahoo {ticker}"
    end = market.prices.index[-1].date()
    try:
        series, _ = cache.load_prices([ticker], None, end, fetch_yahoo, CACHE_ROOT, refresh=refresh)
    except DataError as exc:
        return None, f"Yahoo Finance gave no {ticker} ({exc})"
    return series[ticker], f"Yahoo {ticker}"
