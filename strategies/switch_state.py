"""What a switching strategy's signals had to go on, and what they say at the last date.

`warmup_facts` turns each signal's history into notes (how much warm-up it had) and warnings (run
days on which it had no value); `signals_now` is the "Signals now" panel: the reading against its
thresholds, each support level against the last close, the dollar guard's inputs, the regime
held and what would change it. Both read only data up to the market's last date.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from data.csv_source import PUBLISHED_READINGS
from data.market import Market
from strategies.signals import (
    BullBearProxy,
    DollarSystemic,
    ExternalIndicator,
    PublishedThenProxy,
    Signal,
    SupportBreak,
)

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
                    f"{int(stale.sum()):,} of the run's {len(stale):,} days ({_spans(stale)}), "
                    "so it counts as missing there: add newer readings or raise "
                    "strategy.reading_max_age_days"
                )
            missing &= ~stale
        if missing.any():
            warnings.append(
                f"trigger {name} ({signal.label}) has no value on {int(missing.sum()):,} of the "
                f"run's {len(missing):,} days ({_spans(missing)}); {need} and the data hold "
                f"{warmup:,} before the start: give an earlier history or a shorter window"
            )
    return notes, warnings


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


def _spans(flags: pd.Series) -> str:
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
    """The signals at the market's last date, and the regime decided at that close.

    ``regime`` is the regime decided at each date of the history. Distances: the reading minus
    each threshold in points; a close over its support minus 1, in percent (negative: below).
    """
    last = market.prices.index[-1]
    reading = signals["bull_bear"]
    value = _last(market.evaluate(reading))
    supports = [
        _support(name.removeprefix("support_"), signal, market)
        for name, signal in signals.items()
        if isinstance(signal, SupportBreak)
    ]
    guard = signals.get("dollar_guard")
    dollar = _guard(guard, market) if isinstance(guard, DollarSystemic) else None
    state = _held(regime, strategy)
    now: dict[str, Any] = {
        "as_of": last.date().isoformat(),
        "regime": state,
        "reading": {
            "source": reading_source(reading, market),
            "value": value,
            "sell_above": strategy.sell_above,
            "minus_sell_above": _minus(value, strategy.sell_above),
            "buy_below": strategy.buy_below,
            "minus_buy_below": _minus(value, strategy.buy_below),
        },
        "supports": supports,
        "dollar_guard": dollar,
    }
    now["would_change"] = _would_change(now, strategy)
    return now


def _last(series: pd.Series) -> float | None:
    value = series.iloc[-1] if len(series) else np.nan
    return None if pd.isna(value) else float(value)


def _minus(value: float | None, level: float) -> float | None:
    return None if value is None else value - level


def _support(name: str, signal: SupportBreak, market: Market) -> dict[str, Any]:
    """One support level at the last date: its price, the close, the distance, the count."""
    close = market.history[signal.ticker].astype(float)
    support = market.evaluate(signal, "support")
    hit = market.evaluate(signal, "beyond")
    below = hit.to_numpy()[::-1]
    streak = int(np.argmin(below)) if not below.all() else len(below)
    level, price = _last(support), _last(close)
    return {
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
        "broken": bool(market.evaluate(signal).iloc[-1]),
    }


def _guard(signal: DollarSystemic, market: Market) -> dict[str, Any]:
    """The dollar guard at the last date: the dollar against its level, the change in yields."""
    dollar = _last(market.history[signal.ticker].astype(float))
    facts: dict[str, Any] = {
        "label": signal.label,
        "ticker": signal.ticker,
        "close": dollar,
        "level": signal.level,
        "distance_pct": None if dollar is None else 100 * (dollar / signal.level - 1),
        "on": bool(market.evaluate(signal).iloc[-1]),
        "yields": None,
    }
    if signal.yields_fall_bps > 0:
        change = _last(market.evaluate(signal, "yields_change"))
        facts["yields"] = {
            "ticker": signal.yields,
            "days": signal.yields_days,
            "change_bps": None if change is None else 100 * change,
            "needs_bps": -signal.yields_fall_bps,
        }
    return facts


def _held(regime: pd.Series, strategy: HartnettSwitch) -> dict[str, Any]:
    """The regime decided at the last close, since when, and the bars it has lasted."""
    values = regime.to_numpy(dtype=object)
    held = values[-1]
    changes = np.flatnonzero(values != held)
    first = int(changes[-1]) + 1 if len(changes) else 0
    bars = len(values) - first
    state: dict[str, Any] = {
        "held": held,
        "since": regime.index[first].date().isoformat(),
        "bars": bars,
        "since_history_start": first == 0,
    }
    if held == "main_street" and strategy.max_hold:
        state["bars_to_max_hold"] = max(strategy.max_hold - bars, 0)
    return state


def _would_change(now: dict[str, Any], strategy: HartnettSwitch) -> list[str]:
    """What would move the regime from the one held, in words, with the distances."""
    held, reading, guard = now["regime"]["held"], now["reading"], now["dollar_guard"]
    value = reading["value"]
    shown = "no reading" if value is None else f"now {value:.2f}"
    lines = []
    if held == "neutral":
        lines.append(f"main_street if the reading rises above {strategy.sell_above:g} ({shown})")
        lines += [_break_line(level) for level in now["supports"] if not level["broken"]]
    elif held == "main_street":
        lines.append(f"neutral if the reading falls below {strategy.buy_below:g} ({shown})")
        if "bars_to_max_hold" in now["regime"]:
            left = now["regime"]["bars_to_max_hold"]
            lines.append(f"neutral after max_hold {strategy.max_hold} bars ({left} bars from now)")
    if guard is not None:
        lines.append(_guard_line(guard, held == "defensive"))
    return lines


def _break_line(level: dict[str, Any]) -> str:
    where = "no close" if level["close"] is None else f"now {level['close']:,.2f}"
    if level["distance_pct"] is not None:
        where += f", {level['distance_pct']:+.1f}% from it"
    support = "n/a" if level["support"] is None else f"{level['support']:,.2f}"
    rule = "at or below" if level["mode"] == "drawdown" else "below"
    return (
        f"main_street if {level['ticker']} closes {rule} {support} ({level['name']}) "
        f"{level['confirm_days']} days in a row ({where}; {level['closes_below']} so far)"
    )


def _guard_line(guard: dict[str, Any], on: bool) -> str:
    dollar = "no close" if guard["close"] is None else f"now {guard['close']:.2f}"
    text = f"{guard['ticker']} at or above {guard['level']:g} ({dollar})"
    yields = guard["yields"]
    if yields is not None:
        change = "n/a" if yields["change_bps"] is None else f"{yields['change_bps']:+.0f}"
        text += (
            f" with {yields['ticker']} down {-yields['needs_bps']:g} bp or more over "
            f"{yields['days']} bars (now {change} bp)"
        )
    if on:
        return f"the defensive guard holds while {text}; it lifts when either fails"
    return f"defensive if {text}"
