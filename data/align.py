"""Aligning price series on one calendar: sampling, carried gaps, and where the market starts."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from core.errors import DataError
from data.market import Calendar, MarketRequest

PERIODS_PER_YEAR: dict[Calendar, int] = {"equity": 252, "7d": 365}
MAX_CARRY_DAYS = 5
"""A price missing for up to this many calendar days is carried forward; longer is an error."""


class Sampled(NamedTuple):
    """Every series on the calendar, before the run is cut from it (`sample`)."""

    frame: pd.DataFrame
    """Each ticker's close at each calendar date, the warm-up's included (NaN where none)."""
    run_days: pd.DatetimeIndex
    """The calendar's dates from the request's start, before any cut."""
    carried: dict[str, int]
    """Each ticker's count of the run days' carried closes."""


def align(
    series: dict[str, pd.Series], request: MarketRequest, sampled: Sampled | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, int]]:
    """Sample every series on the calendar: the run's dates, and the warm-up before them.

    Each asset takes its last close at or before each date (BTC-USD on a Monday is its Monday
    close). A date on which the asset's own market traded (the stock ticker's days; every day
    for crypto) but the asset has no price carries the last close and is counted, up to
    `MAX_CARRY_DAYS`. Rows before the required tickers start, or after any ticker ends, are cut
    from the run. Returns the run's prices, the warm-up (every calendar date before the run,
    as far back as the data go; a close older than `MAX_CARRY_DAYS` is NaN there, not carried),
    the notes and the carried counts. ``sampled`` is `sample` of the same, if already made.
    """
    frame, run_days, carried = sampled or sample(series, request)
    prices, notes = _cut(frame.loc[run_days], series, request)
    notes += [
        f"{t}: {n} date(s) without a close carried the last one" for t, n in carried.items() if n
    ]
    return prices, frame.loc[: prices.index[0]].iloc[:-1], notes, carried


def sample(series: dict[str, pd.Series], request: MarketRequest) -> Sampled:
    """Each series on the calendar, carried as `align` says; a gap too long is refused."""
    days = _calendar(series, request)
    run_days = _run_days(days, request)
    columns, carried = {}, {}
    for ticker, values in series.items():
        traded = _traded_days(ticker, values, series, request)
        carried[ticker] = _count_carried(values, traded, run_days, ticker)
        seen = pd.Series(values.index, index=values.index).reindex(days, method="ffill")
        sampled = values.reindex(days, method="ffill")
        sampled[(days - pd.DatetimeIndex(seen)).days > MAX_CARRY_DAYS] = float("nan")
        sampled[(days < values.index[0]) | (days > values.index[-1])] = float("nan")
        columns[ticker] = sampled
    return Sampled(pd.DataFrame(columns), run_days, carried)


def run_dates(
    sampled: Sampled, series: dict[str, pd.Series], request: MarketRequest
) -> pd.DatetimeIndex:
    """The dates ``request`` would run on alone, cut from `sample` of a request holding it.

    A ticker's closes on the calendar do not depend on the other tickers loaded with it, so a
    request for fewer tickers (one combination of a sweep) is cut from the wider sampling, as
    `align` would cut it from its own (on the 7-day calendar, whose dates span every series
    loaded, its run's dates are the same; only the warm-up may reach back less far).
    """
    tickers = request.tickers()
    own = {ticker: series[ticker] for ticker in tickers}
    return _cut(sampled.frame.loc[sampled.run_days, tickers], own, request)[0].index


def carried_dates(
    series: dict[str, pd.Series], history: pd.DataFrame
) -> dict[str, pd.DatetimeIndex]:
    """Each ticker's dates of ``history`` (the warm-up and the run) holding a carried close.

    A date holds a carried close when the aligned value is known but the ticker's own series
    has no close dated that day (a holiday of its market, a weekend on the 7-day calendar, a
    series that ended a few days before the others).
    """
    dates = history.index
    return {
        ticker: dates[history[ticker].notna().to_numpy() & ~dates.isin(values.index)]
        for ticker, values in series.items()
        if ticker in history
    }


def _traded_days(
    ticker: str, values: pd.Series, series: dict[str, pd.Series], request: MarketRequest
) -> pd.DatetimeIndex:
    """The days the asset's own market was open: every day for crypto, else the stock's days."""
    if request.universe.is_crypto(ticker):
        return pd.date_range(values.index[0], values.index[-1], freq="D")
    return series[request.universe.stocks].index


def _calendar(series: dict[str, pd.Series], request: MarketRequest) -> pd.DatetimeIndex:
    """Every date of the calendar up to the request's end, the warm-up's included."""
    days = series[request.universe.stocks].index
    if request.calendar == "7d":
        first = min(values.index[0] for values in series.values())
        last = max(values.index[-1] for values in series.values())
        days = pd.date_range(first, last, freq="D")
    return days[days <= pd.Timestamp(request.end)] if request.end else days


def _run_days(days: pd.DatetimeIndex, request: MarketRequest) -> pd.DatetimeIndex:
    """The calendar's dates from the request's start: the run's before any clipping."""
    run = days[days >= pd.Timestamp(request.start)] if request.start else days
    if run.empty:
        raise DataError(
            f"{request.universe.stocks} has no prices between {request.start} and {request.end}"
        )
    return run


def _count_carried(
    values: pd.Series, traded: pd.DatetimeIndex, days: pd.DatetimeIndex, ticker: str
) -> int:
    """Count the run's dates whose close is carried; refuse a gap longer than MAX_CARRY_DAYS."""
    inside = traded[(traded >= max(values.index[0], days[0])) & (traded <= values.index[-1])]
    missing = inside[~inside.isin(values.index) & (inside <= days[-1])]
    if missing.empty:
        return 0
    previous = values.index[values.index.searchsorted(missing, side="right") - 1]
    gaps = (missing - previous).days
    worst = int(gaps.argmax())
    if gaps[worst] > MAX_CARRY_DAYS:
        resumes = values.index[values.index.searchsorted(missing[worst])].date()
        raise DataError(
            f"{ticker}: no price between {previous[worst].date()} and {resumes} "
            f"({gaps[worst]} calendar days without a close, more than the {MAX_CARRY_DAYS} "
            "carried forward); fill the gap in the data or choose another ticker"
        )
    return int(missing.isin(days).sum())


def _cut(
    prices: pd.DataFrame, series: dict[str, pd.Series], request: MarketRequest
) -> tuple[pd.DataFrame, list[str]]:
    """Cut to the dates from the required tickers' first common price to the earliest end.

    Says so in the notes when that clips the request, and names legs that start late.
    """
    universe, traded = request.universe, request.traded()
    required = [universe.stocks, universe.bonds] if request.allow_partial else traded
    complete = prices[required].notna().all(axis=1)
    started = [t for t in traded if series[t].index[0] <= prices.index[-1]]
    ends = {t: series[t].index[-1] for t in started}
    last_ticker = min(ends, key=ends.__getitem__)
    if not complete.any() or complete.idxmax() > ends[last_ticker]:
        spans = ", ".join(
            f"{t} {s.index[0].date()}..{s.index[-1].date()}" for t, s in series.items()
        )
        raise DataError(f"no date on which every required ticker has a price: {spans}")
    first, last = complete.idxmax(), prices.index[prices.index <= ends[last_ticker]][-1]
    notes = []
    if first > prices.index[0]:
        latest = max(required, key=lambda ticker: series[ticker].index[0])
        notes.append(
            f"start moved from {request.start or prices.index[0].date()} to {first.date()}: "
            f"the first date every required ticker has a price ({latest} starts "
            f"{series[latest].index[0].date()})"
        )
    if last < prices.index[-1]:
        notes.append(f"end moved to {last.date()}: {last_ticker} has no price after it")
    notes += [
        f"{t} has no price before {series[t].index[0].date()}: its weight is held in cash until "
        "then (--allow-partial)"
        for t in traded
        if series[t].index[0] > first
    ]
    notes += [
        f"signal input {t} has no price before {series[t].index[0].date()}"
        for t in prices
        if t not in traded and series[t].index[0] > first
    ]
    return prices.loc[first:last], notes
