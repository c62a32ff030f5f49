"""What a switch's signals say at the last date: the "Signals now" panel.

`signals_now` gives the reading against its thresholds, each support level against the last
close, the dollar guard's inputs, the regime held and what would change it, at the last date
every series has a close of its own. It reads only data up to the market's last date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data.csv_source import PUBLISHED_READINGS
from data.market import Market
from signals.base import Signal
from signals.bull_bear import BullBearProxy, PublishedThenProxy, reading_origin
from signals.dollar_guard import DollarSystemic
from signals.readings import ExternalIndicator
from signals.support import SupportBreak
from signals.switch import SUPPORT_PREFIX, SwitchRules, decide, position_counts, triggers
from signals.would_change import would_change

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


def signals_now(
    strategy: SwitchRules,
    signals: dict[str, Signal],
    market: Market,
    regime: pd.Series | None = None,
) -> dict[str, Any]:
    """The signals at the as-of date, and the regime decided at that close.

    The as-of date is the last date on which every series the strategy reads (the books'
    tickers and the signals') has a close of its own, not one carried forward; ``lagging``
    names the series whose last close is before the data's last date. ``regime`` is the regime
    decided at each date of the history of the market's sessions (`Market.sessions`), on which
    the signals are read (None: decided here). Distances: the reading minus each threshold in
    points; a close over its support minus 1, in percent (negative: below).
    """
    at, lagging = _as_of(strategy, signals, market)
    last = market.history.index[at]
    data_end = market.history.index[-1]
    market = market.sessions()  # the signals decide on the stock's trading days
    at = int(market.history.index.searchsorted(last, side="right")) - 1
    if regime is None:
        regime = decide(strategy, signals, market).series(market)[0]
    reading = signals["bull_bear"]
    value = _at(market.evaluate(reading), at)
    published = _published(reading, market, at)
    if value is not None and not np.isfinite(value):  # a bare published signal: no number
        value = None
    supports = [
        _support(name.removeprefix(SUPPORT_PREFIX), signal, market, at)
        for name, signal in signals.items()
        if isinstance(signal, SupportBreak)
    ]
    guard = signals.get("dollar_guard")
    dollar = _guard(guard, market, at) if isinstance(guard, DollarSystemic) else None
    counts = position_counts(strategy, triggers(signals, market))
    state = _held(regime.iloc[: at + 1], strategy, counts, at)
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
    strategy: SwitchRules, signals: dict[str, Signal], market: Market
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
    strategy: SwitchRules,
    counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    at: int,
) -> dict[str, Any]:
    """The regime decided at the as-of close, since when, the bars it has lasted, the counters.

    ``regime`` ends at the as-of date; ``counts`` are the position's bars held, cooldown bars
    left and buy-ignored bars left on the whole history (`signals.switch.position_counts`). The
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
