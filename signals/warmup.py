"""What a switch's signals had to go on: warm-up notes, and warnings for run days without a value.

`warmup_facts` turns each signal's history into notes (how much warm-up it had) and warnings
(run days on which it had no value); `threshold_warnings` names a threshold the rules kept from
ever acting in the run. Both read only data up to the market's last date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.market import Market
from signals.base import Signal
from signals.bull_bear import READING_SCALE
from signals.readings import ExternalIndicator
from signals.switch import SwitchRules

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


def threshold_warnings(strategy: SwitchRules, reading: pd.Series, entered: pd.Series) -> list[str]:
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
