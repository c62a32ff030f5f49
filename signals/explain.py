"""Why a switch holds what it holds: its signals, regimes and events on the run's dates.

`explain_switch` decides the regime on the market's sessions (`Market.sessions`) and spreads it,
with the reading, its sources and components and each trigger, over the market's calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from data.market import Market
from signals.base import Signal
from signals.bull_bear import BullBearProxy, PublishedThenProxy, reading_origin
from signals.readings import ExternalIndicator
from signals.state import signals_now
from signals.switch import SUPPORT_PREFIX, SwitchRules, conflict_rule, decide, reading_entry
from signals.warmup import spans, threshold_warnings, warmup_facts


class Rotation(Protocol):
    """The static book a switch rotates into, as the event study runs it."""

    @property
    def name(self) -> str:
        """Its name, in the event study's columns."""

    def target_weights(self, market: Market) -> pd.DataFrame:
        """Its weights on the market's dates."""


@dataclass(frozen=True)
class Explanation:
    """Why a switching strategy holds what it holds, on the market's dates.

    ``signals`` has the reading, its components and each trigger's state, daily; ``regime`` the
    regime decided at each close; ``events`` one row per regime change (date, regime, cause,
    reading); ``entries`` the dates each entry trigger fired, and ``rotates_into`` the static
    strategy the switch rotates into, both for the event study. ``notes`` say how much history
    each signal warmed up on, ``warnings`` name triggers without a value on some of the run's
    days, and ``now`` is what the signals say at the last date (`signals_now.json`).
    ``reading_sources`` says where the reading came from on the run's days when published
    readings are used (published, reconstructed and month-only spans, the proxy's days).
    ``conflicts`` are the run's dates on which each entry trigger fired while the exit condition
    held, and ``conflict_rule`` says which of the two won.
    """

    signals: pd.DataFrame
    regime: pd.Series
    events: pd.DataFrame
    entries: dict[str, pd.DatetimeIndex]
    rotates_into: Rotation
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    now: dict[str, Any] = field(default_factory=dict)
    reading_sources: str = ""
    conflicts: dict[str, pd.DatetimeIndex] = field(default_factory=dict)
    conflict_rule: str = ""


def explain_switch(
    rules: SwitchRules, signals: Mapping[str, Signal], market: Market, rotates_into: Rotation
) -> Explanation:
    """The reading, the triggers and the regime on the run's dates, and what they say now.

    Decided on the market's sessions (`Market.sessions`), spread over its calendar.
    """
    sessions = market.sessions()
    decided = decide(rules, signals, sessions)
    regime, fired, exits, reading, conflicts = decided.series(sessions)
    reading = reading.where(np.isfinite(reading))  # a bare published signal has no number
    facts = _reading_facts(signals["bull_bear"], sessions)
    table = pd.concat(
        {
            "bull_bear": reading,
            **facts,
            **_components(signals["bull_bear"], sessions),
            **{
                name: sessions.evaluate(signal)
                for name, signal in signals.items()
                if name != "bull_bear"
            },
            "regime": regime,
        },
        axis=1,
    )
    notes, warnings = warmup_facts(dict(signals), sessions)
    warnings += threshold_warnings(
        rules, sessions.in_run(reading), sessions.in_run(fired[reading_entry(rules)])
    )
    events = _events(regime, fired, exits, reading, conflicts)
    now = signals_now(rules, dict(signals), market, regime)
    spread = {name: market.from_sessions(flag, carry=False) for name, flag in fired.items()}
    lost = {
        name: market.from_sessions(flag & conflicts, carry=False)
        for name, flag in fired.items()
        if name.startswith(SUPPORT_PREFIX)
    }
    table = market.from_sessions(table).assign(
        **{f"entry_{name}": flag for name, flag in spread.items()}
    )[[*table.columns[:-1], *(f"entry_{name}" for name in spread), "regime"]]
    regime, run = table["regime"], market.in_run
    return Explanation(
        signals=run(table),
        regime=run(regime).rename("regime"),
        events=events[events["date"] >= market.prices.index[0]].reset_index(drop=True),
        entries={name: run(flag).index[run(flag)] for name, flag in spread.items()},
        rotates_into=rotates_into,
        notes=(*notes, *_carried_in(regime, market)),
        warnings=warnings,
        now=now,
        reading_sources=_reading_sources({key: table[key] for key in facts}, market),
        conflicts={name: run(flag).index[run(flag)] for name, flag in lost.items()},
        conflict_rule=conflict_rule(rules),
    )


def _carried_in(regime: pd.Series, market: Market) -> list[str]:
    """A note when the run's first day holds a regime entered during the warm-up."""
    if market.warmup.empty:
        return []
    first = market.prices.index[0]
    held = regime[first]
    if held == "neutral":
        return []
    changed = regime.ne(regime.shift(1))
    since = changed[:first][changed[:first]].index[-1]
    return [
        f"regime at the run's first day {first.date()}: {held}, decided {since.date()} during "
        "the warm-up (the signals' state carries into the run)"
    ]


def _events(
    regime: pd.Series,
    fired: dict[str, pd.Series],
    exits: pd.Series,
    reading: pd.Series,
    conflicts: pd.Series,
) -> pd.DataFrame:
    """One row per regime change: its date, the new regime, what caused it, the reading.

    An entry by a break that won a conflict says so: ``support_tech (conflict: reading below
    buy_below, the break wins)``.
    """
    previous = regime.shift(1)
    changed = regime.ne(previous) & previous.notna()
    rows = []
    for day in regime.index[changed]:
        before, after = previous[day], regime[day]
        if after == "defensive":
            cause = "dollar guard on"
        elif before == "defensive":
            cause = "dollar guard off"
        elif after == "main_street":
            cause = " + ".join(name for name, flag in fired.items() if flag[day]) or "entry"
            if conflicts[day]:
                cause += " (conflict: reading below buy_below, the break wins)"
        else:
            cause = "reading below buy_below" if exits[day] else "max_hold reached"
        rows.append({"date": day, "regime": after, "cause": cause, "reading": reading[day]})
    return pd.DataFrame(rows, columns=["date", "regime", "cause", "reading"])


_FACT_COLUMNS = {
    "vintage": "reading_vintage",
    "precision": "reading_date_precision",
    "signal": "published_signal",
}
"""The `signals.csv` column of each fact of the published reading in force."""


def _reading_facts(reading: Signal, market: Market) -> dict[str, pd.Series]:
    """Each date's reading source and published reading in force, and the proxy to compare.

    The published reading's facts are its date, vintage, date precision and signal; the proxy
    (``bull_bear_proxy``) is given on every day when it stands in for the published reading.
    """
    facts = {"reading_source": reading_origin(reading, market)}
    published = reading
    if isinstance(reading, PublishedThenProxy):  # the proxy on every day, to compare
        facts["bull_bear_proxy"] = market.evaluate(reading.proxy)
        published = reading.published
    if isinstance(published, ExternalIndicator):
        used = market.evaluate(published, "latest")
        shown = (facts["reading_source"] == "published").to_numpy()  # in force: not stale
        facts["reading_date"] = used["date"].where(shown)
        for column in ("vintage", "precision", "signal"):
            facts[_FACT_COLUMNS[column]] = used[column].where(shown, "")
    return facts


def _reading_sources(facts: dict[str, pd.Series], market: Market) -> str:
    """Where the run's reading came from: published (reconstructed, month-only) and proxy days."""
    origin = market.in_run(facts["reading_source"])
    if not (origin == "published").any():
        return ""
    days = len(origin)
    parts = [f"published on {int((origin == 'published').sum()):,} of the run's {days:,} days "
             f"({spans(origin == 'published')})"]  # fmt: skip
    for column, value, what in (
        ("reading_vintage", "reconstructed", "reconstructed (known only from a later publication)"),
        ("reading_date_precision", "month", "from a month-only date"),
    ):
        flags = market.in_run(facts[column] == value)
        if flags.any():
            parts.append(f"{what} on {int(flags.sum()):,} of them ({spans(flags)})")
    for kind in ("proxy", "none"):
        if (origin == kind).any():
            parts.append(f"{kind} on {int((origin == kind).sum()):,} days")
    return "; ".join(parts)


def _components(reading: Signal, market: Market) -> dict[str, pd.Series]:
    """The proxy's components for the outputs; a reading from a file has none."""
    if isinstance(reading, PublishedThenProxy):
        reading = reading.proxy
    if not isinstance(reading, BullBearProxy):
        return {}
    return dict(market.evaluate(reading, "components").add_prefix("component_").items())
