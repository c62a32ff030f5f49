"""What a switching strategy's signals had to go on, and what they say at the last date.

`warmup_facts` turns each signal's history into notes (how much warm-up it had) and warnings (run
days on which it had no value); `signals_now` is the "Signals now" panel: the reading against its
thresholds, each support level against the last close, the dollar guard's inputs, the regime
held and what would change it, at the last date every series has a close of its own. Both read
only data up to the market's last date.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from data.csv_source import PUBLISHED_READINGS
from data.market import Market
from signals.indicators import (
    READING_SCALE,
    BullBearProxy,
    DollarSystemic,
    ExternalIndicator,
    PublishedThenProxy,
    Signal,
    SupportBreak,
    reading_origin,
)
from signals.would_change import would_change

if TYPE_CHECKING:
    from strategies.hartnett_switch import HartnettSwitch

SPANS_SHOWN = 3
"""Date spans a warning lists; more are counted."""


def warmup_facts(signals: dict[str, Signal], market: Market) -> tuple[list[str], list[str]]:
    """One note per signal on its warm-up, and a warning per signal missing on run days."""
    start = market.prices.index[0]
    notes, warnings = [], []
    for name, signal in signals.items():
        defined = signal.defined(market)
        needs = signal.warmup_bars()
        need = f"it needs {needs:,} bars" if needs else "read from its file"
        warmup = len(market.history) - len(market.prices)
        if not defined.any():
            notes.append(f"warm-up: {name} ({signal.label}) has no value at all; {need}")
        else:
            first = int(np.argmax(defined.to_numpy()))
            had = f", {warmup - first:,} bars before the run's first day" if first < warmup else ""
            notes.append(
                f"warm-up: {name} ({signal.label}) has a value from "
                f"{defined.index[first].date()}{had} ({need}; history from "
                f"{market.history.index[0].date()}, the run from {start.date()})"
            )
        missing = ~market.in_run(defined)
        if isinstance(signal, ExternalIndicator) and signal.max_age_days:
            stale = market.in_run(market.evaluate(signal, "stale"))
            if stale.any():
                warnings.append(
                    f"reading {name} ({signal.path}) is older than {signal.max_age_days} days on "
                    f"{int(stale.sum()):,} of the run's {len(stale):,} days ({spans(stale)}), "
                    "so it counts as missing there: add newer readings or raise "
                    "strategy.reading_max_age_days"
                )
            missing &= ~stale
        if missing.any():
            warnings.append(
                f"trigger {name} ({signal.label}) has no value on {int(missing.sum()):,} of the "
                f"run's {len(missing):,} days ({spans(missing)}); {need} and "
                f"{_history_before(signal, market, defined)}"
            )
    return notes, warnings


def _history_before(signal: Signal, market: Market, defined: pd.Series) -> str:
    """What the signal's own inputs hold before the run's start, and the fix that can work.

    The ticker counted is the signal's input with the fewest closes of its own before the
    start (bitcoin's history begins in 2014 whatever the calendar holds before it); a ticker
    with none has no earlier history to give, so the fix is a later start or a shorter window.
    """
    start = market.prices.index[0]
    first = defined.index[int(np.argmax(defined.to_numpy()))] if defined.any() else None
    later = f"start the run on or after {first.date()}" if first is not None else "start later"
    tickers = [ticker for ticker in signal.tickers() if ticker in market.history.columns]
    if not tickers:
        since = f"from {first.date()}" if first is not None else "on no day"
        return f"its file gives a value {since}: add earlier readings or {later}"
    before = market.own_closes(tickers).loc[market.history.index < start].sum()
    ticker = str(before.idxmin())
    if before[ticker] == 0:
        begins = market.history[ticker].first_valid_index()
        where = f"start on {begins.date()}" if begins is not None else "hold no close"
        return (
            f"the data of {ticker} {where}, after the run's start {start.date()}, so no earlier "
            f"history exists: {later} or use a shorter window"
        )
    return (
        f"the data hold {int(before[ticker]):,} closes of {ticker} before the start: give an "
        f"earlier history of {ticker}, {later} or use a shorter window"
    )


def threshold_warnings(
    strategy: HartnettSwitch, reading: pd.Series, entered: pd.Series
) -> list[str]:
    """A warning for each reading threshold that the rules kept from ever acting in the run.

    ``reading`` is the run's reading (NaN where none; a published signal without a number is
    +inf or -inf), ``entered`` the run's bars on which it crossed above ``sell_above``. An entry
    is a crossing from at or below ``sell_above`` to above it, so a reading above ``sell_above``
    on every day of the run (``sell_above`` 0 with the proxy, which is never 0) starts nothing;
    ``sell_above`` at the scale's top (10) is never exceeded by a number, and ``buy_below`` at
    its bottom (0) is never undercut. Each is said only when the run bears it out: a published
    signal without a number still crosses either.
    """
    values = reading.dropna()
    if values.empty:
        return []
    low, high = READING_SCALE
    sell, buy = strategy.sell_above, strategy.buy_below
    found = []
    breaks = "support breaks still can" if strategy.supports else "nothing else does"
    if not entered.any() and (values > sell).all():
        found.append(
            f"strategy.sell_above={sell:g}: the reading was above it on every day of the run "
            f"(lowest {values.min():.2f}) and an entry is a crossing from at or below sell_above "
            f"to above it, so the reading started no Main Street trade ({breaks}); raise "
            "sell_above to at least the lowest reading for it to act"
        )
    elif not entered.any() and sell >= high:
        found.append(
            f"strategy.sell_above={sell:g} is the top of the reading's {low:g}-{high:g} scale: "
            f"the reading never rose above it, so it started no Main Street trade ({breaks}); "
            "lower sell_above"
        )
    if buy <= low and not (values < buy).any():
        ends = (
            f"ends only after max_hold ({strategy.max_hold} bars)"
            if strategy.max_hold
            else "never ends (max_hold 0: no limit)"
        )
        found.append(
            f"strategy.buy_below={buy:g} is the bottom of the reading's {low:g}-{high:g} scale: "
            f"the reading never fell below it, so a Main Street trade {ends}; raise buy_below"
        )
    return found


PROXY_DOCS = "docs/bull_bear_proxy.md"


PUBLISHED_DOCS = "docs/bull_bear_published.md"


def reading_source(reading: Signal, market: Market) -> str:
    """What the reading is: the price proxy, or a readings file with its source and vintage."""
    if isinstance(reading, BullBearProxy):
        return f"price proxy, not BofA's indicator; documented in {PROXY_DOCS}"
    if isinstance(reading, PublishedThenProxy):
        published = reading_source(reading.published, market)
        return f"{published}; the price proxy where none is in force"
    if isinstance(reading, ExternalIndicator):
        live = ", live rows only" if reading.vintage == "live" else ""
        if Path(reading.path).resolve() == PUBLISHED_READINGS:
            return f"BofA's readings as published{live}; documented in {PUBLISHED_DOCS}"
        facts = market.external[reading.name].attrs if reading.name in market.external else {}
        told = [f"{key} {facts[key]}" for key in ("source", "vintage") if key in facts]
        return ", ".join([f"file {Path(reading.path).name}", *told]) + live
    return reading.label


def spans(flags: pd.Series) -> str:
    """``2025-01-02..2025-03-31, 2025-06-02`` for the runs of True; more than a few counted."""
    values = flags.to_numpy()
    starts = np.flatnonzero(values & ~np.r_[False, values[:-1]])
    ends = np.flatnonzero(values & ~np.r_[values[1:], False])
    dates = flags.index
    texts = [
        f"{dates[a].date()}" if a == b else f"{dates[a].date()}..{dates[b].date()}"
        for a, b in zip(starts, ends, strict=True)
    ]
    more = f" and {len(texts) - SPANS_SHOWN} more spans" if len(texts) > SPANS_SHOWN else ""
    return ", ".join(texts[:SPANS_SHOWN]) + more


def signals_now(
    strategy: HartnettSwitch, signals: dict[str, Signal], market: Market, regime: pd.Series
) -> dict[str, Any]:
    """The signals at the as-of date, and the regime decided at that close.

    The as-of date is the last date on which every series the strategy reads (the books'
    tickers and the signals') has a close of its own, not one carried forward; ``lagging``
    names the series whose last close is before the data's last date. ``regime`` is the regime
    decided at each date of the history of the market's sessions (`Market.sessions`), on which
    the signals are read. Distances: the reading minus each threshold in points;
    a close over its support minus 1, in percent (negative: below).
    """
    at, lagging = _as_of(strategy, signals, market)
    last = market.history.index[at]
    data_end = market.history.index[-1]
    market = market.sessions()  # the signals decide on the stock's trading days
    at = int(market.history.index.searchsorted(last, side="right")) - 1
    reading = signals["bull_bear"]
    value = _at(market.evaluate(reading), at)
    published = _published(reading, market, at)
    if value is not None and not np.isfinite(value):  # a bare published signal: no number
        value = None
    supports = [
        _support(name.removeprefix("support_"), signal, market, at)
        for name, signal in signals.items()
        if isinstance(signal, SupportBreak)
    ]
    guard = signals.get("dollar_guard")
    dollar = _guard(guard, market, at) if isinstance(guard, DollarSystemic) else None
    state = _held(regime.iloc[: at + 1], strategy, strategy.hold_counts(market), at)
    now: dict[str, Any] = {
        "synthetic": market.synthetic,  # the demo market: no reader may take it for history
        "as_of": last.date().isoformat(),
        "data_end": data_end.date().isoformat(),
        "lagging": lagging,
        "regime": state,
        "reading": {
            "source": reading_source(reading, market),
            "origin": str(reading_origin(reading, market).iloc[at]),
            "value": value,
            "published": published,
            "sell_above": strategy.sell_above,
            "minus_sell_above": _minus(value, strategy.sell_above),
            "buy_below": strategy.buy_below,
            "minus_buy_below": _minus(value, strategy.buy_below),
        },
        "supports": supports,
        "dollar_guard": dollar,
    }
    now["would_change"] = would_change(now, strategy)
    return now


def _as_of(
    strategy: HartnettSwitch, signals: dict[str, Signal], market: Market
) -> tuple[int, list[dict[str, str]]]:
    """The place in the history of the as-of date, and the series whose closes end earlier.

    A series without a single close of its own is left out (it cannot date anything); with no
    date on which all have one, the as-of date is the data's last.
    """
    traded = (ticker for role in strategy.roles() for ticker in market.universe.tickers(role))
    read = (ticker for signal in signals.values() for ticker in signal.tickers())
    tickers = [t for t in dict.fromkeys([*traded, *read]) if t in market.history.columns]
    own = market.own_closes(tickers)
    own = own.loc[:, own.any()]
    every = np.flatnonzero(own.all(axis=1).to_numpy())
    at = int(every[-1]) if len(every) else len(own) - 1
    end = own.index[-1]
    lasts = {ticker: own.index[own[ticker].to_numpy()][-1] for ticker in own.columns}
    lagging = [
        {"ticker": ticker, "last_close": day.date().isoformat()}
        for ticker, day in lasts.items()
        if day < end
    ]
    return at, lagging


def _published(reading: Signal, market: Market, at: int) -> dict[str, Any] | None:
    """The latest published reading at place ``at``, in force or stale; None without a file.

    ``date`` is None when no published reading has been usable yet. ``value`` is None for a
    signal published without a number; ``stale`` says it is older than ``max_age_days``.
    """
    published = reading.published if isinstance(reading, PublishedThenProxy) else reading
    if not isinstance(published, ExternalIndicator):
        return None
    latest = market.evaluate(published, "latest").iloc[at]
    if pd.isna(latest["date"]):
        return {"date": None}
    value = float(latest["value"])
    return {
        "date": latest["date"].date().isoformat(),
        "month_only": latest["precision"] == "month",
        "value": value if np.isfinite(value) else None,
        "signal": latest["signal"] or None,
        "vintage": latest["vintage"],
        "source": latest["title"] or Path(published.path).name,
        "age_days": int(latest["age_days"]),
        "max_age_days": published.max_age_days,
        "stale": bool(latest["stale"]),
    }


def _at(series: pd.Series, at: int) -> float | None:
    value = series.iloc[at]
    return None if pd.isna(value) else float(value)


def _minus(value: float | None, level: float) -> float | None:
    return None if value is None else value - level


def _arming(on: pd.Series, rearm: pd.Series, pause: int, at: int) -> tuple[bool, str | None, int]:
    """A crossing trigger at ``at`` (`signals.rules.armed`): armed, its last firing, pause.

    Armed: a re-arm bar since the last firing (or since the start, if it never fired), so the
    next crossing fires. The pause is the coming bars on which a firing is still barred.
    """
    flags, again = on.to_numpy()[: at + 1], rearm.to_numpy()[: at + 1]
    fired = np.flatnonzero(flags & ~np.r_[False, flags[:-1]])
    if not len(fired):
        return bool(again.any()), None, 0
    last = int(fired[-1])
    day = on.index[last].date().isoformat()
    return bool(again[last + 1 :].any()), day, max(0, last + pause - 1 - at)


def _support(name: str, signal: SupportBreak, market: Market, at: int) -> dict[str, Any]:
    """One support level at the as-of date: price, close, distance, count, and its arming."""
    close = market.history[signal.ticker].astype(float)
    support = market.evaluate(signal, "support")
    hit = market.evaluate(signal, "beyond")
    below = hit.to_numpy()[: at + 1][::-1]
    streak = int(np.argmin(below)) if not below.all() else len(below)
    level, price = _at(support, at), _at(close, at)
    on = market.evaluate(signal)
    facts = {
        "name": name,
        "label": signal.label,
        "ticker": signal.ticker,
        "mode": signal.mode,
        "level": signal.level,
        "support": level,
        "close": price,
        "distance_pct": None if level is None or price is None else 100 * (price / level - 1),
        "closes_below": streak,
        "confirm_days": signal.confirm_days,
        "broken": bool(on.iloc[at]),
        "armed": True,
        "rearm": None,
        "last_break": None,
        "rearm_bars": signal.rearm_bars,
        "rearm_bars_left": 0,
    }
    if signal.mode != "below_level":  # below_level has no arming: on while below
        rearm = market.evaluate(signal, "rearm")
        facts["armed"], facts["last_break"], facts["rearm_bars_left"] = _arming(
            on, rearm, signal.rearm_bars, at
        )
        if not facts["armed"]:
            rule = "above" if signal.mode == "drawdown" else "at or above"
            where = f"{level:,.2f}" if signal.absolute else f"its support (now {_price(level)})"
            facts["rearm"] = f"{signal.ticker} closes {rule} {where}"
    return facts


def _price(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def _guard(signal: DollarSystemic, market: Market, at: int) -> dict[str, Any]:
    """The dollar guard at the as-of date: the dollar against its level, the yields, arming."""
    dollar = _at(market.history[signal.ticker].astype(float), at)
    on = market.evaluate(signal)
    facts: dict[str, Any] = {
        "label": signal.label,
        "ticker": signal.ticker,
        "mode": signal.mode,
        "close": dollar,
        "level": signal.level,
        "distance_pct": None if dollar is None else 100 * (dollar / signal.level - 1),
        "on": bool(on.iloc[at]),
        "armed": True,
        "rearm": None,
        "last_fired": None,
        "yields": None,
    }
    if signal.mode == "cross":
        armed, facts["last_fired"], _ = _arming(on, market.evaluate(signal, "rearm"), 0, at)
        facts["armed"] = armed
        if not armed:
            facts["rearm"] = f"{signal.ticker} closes below {signal.level:g}"
    if signal.yields_fall_bps > 0:
        change = _at(market.evaluate(signal, "yields_change"), at)
        facts["yields"] = {
            "ticker": signal.yields,
            "days": signal.yields_days,
            "change_bps": None if change is None else 100 * change,
            "needs_bps": -signal.yields_fall_bps,
        }
    return facts


def _held(
    regime: pd.Series,
    strategy: HartnettSwitch,
    counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    at: int,
) -> dict[str, Any]:
    """The regime decided at the as-of close, since when, the bars it has lasted, the counters.

    ``regime`` ends at the as-of date; ``counts`` are the position's bars held, cooldown bars
    left and buy-ignored bars left on the whole history (`HartnettSwitch.hold_counts`). The
    position (the bars max_hold and min_hold count) runs on beneath the dollar guard.
    """
    values = regime.to_numpy(dtype=object)
    held = values[-1]
    changes = np.flatnonzero(values != held)
    first = int(changes[-1]) + 1 if len(changes) else 0
    state: dict[str, Any] = {
        "held": held,
        "since": regime.index[first].date().isoformat(),
        "bars": len(values) - first,
        "since_history_start": first == 0,
    }
    bars, waits, ignored = (int(count[at]) for count in counts)
    if held == "defensive":
        state["beneath"] = "main_street" if bars else "neutral"
    if bars:
        state["hold_bars"] = bars
        if strategy.max_hold:
            state["bars_to_max_hold"] = max(strategy.max_hold - bars, 0)
    if bars and ignored:
        state["buy_ignored_bars_left"] = ignored
    if waits:
        state["cooldown_bars_left"] = waits
    return state
