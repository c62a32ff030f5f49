"""What a call's run explains: its signals, the regime, the rule behind each change, and now."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from data.market import Market, Role, Universe
from signals.base import Signal
from signals.conditions import names, parse
from signals.explain import Explanation
from signals.regimes import MAX_HOLD, RegimePath
from signals.warmup import warmup_facts
from strategies.base import StaticStrategy
from strategies.call_format import CASH, CallSpec, located
from strategies.call_rules import value_of


class Call(Protocol):
    """What the outputs read of a `strategies.call.Call` (named here, not imported: no cycle)."""

    file: str

    @property
    def spec(self) -> CallSpec:
        """The call file, read."""

    @property
    def values(self) -> dict[str, float]:
        """Every param's value."""

    def books(self, universe: Universe) -> dict[str, dict[str, float]]:
        """Each book's weights by ticker."""

    def path(self, market: Market) -> RegimePath:
        """The regimes decided on the market's history."""

    def signals(self, universe: Universe) -> dict[str, Signal]:
        """The call's signals by name."""


def explain(call: Call, market: Market) -> Explanation:
    """The run's signals and regimes, the switch log with each change's rule, and the now."""
    sessions, path, values, regime = _decided(call, market)
    signals = call.signals(market.universe)
    index = sessions.history.index
    causes = _causes(call, path)
    events = pd.DataFrame(
        [
            {"date": index[i], "regime": regime.iloc[i], "cause": cause, "reading": np.nan}
            for i, (_, cause) in causes.items()
        ],
        columns=["date", "regime", "cause", "reading"],
    )
    fired = {
        rule.name: pd.Series(
            np.isin(np.arange(len(index)), [i for i, (by, _) in causes.items() if by == rule.name]),
            index=index,
        )
        for rule in call.spec.rules
    }
    table = pd.concat({**values, "regime": regime}, axis=1)
    spread = {name: market.from_sessions(flag, carry=False) for name, flag in fired.items()}
    table = market.from_sessions(table).assign(**{f"entry_{n}": f for n, f in spread.items()})
    run = market.in_run
    notes, warnings = warmup_facts(signals, sessions)
    cited = f": {call.spec.source}" if call.spec.source else ""
    digest = hashlib.sha256(located(call.file).read_bytes()).hexdigest()[:16]
    notes.insert(0, f"call {call.spec.call} from {call.file} (sha256 {digest}...){cited}")
    books = call.books(market.universe)
    rotates = Book(weights=tuple(books[call.spec.rotates_into].items()))
    first = market.prices.index[0]
    return Explanation(
        signals=run(table),
        regime=run(table["regime"]).rename("regime"),
        events=events[events["date"] >= first].reset_index(drop=True),
        entries={name: run(flag).index[run(flag)] for name, flag in spread.items()},
        rotates_into=rotates,
        notes=tuple(notes),
        warnings=(*warnings, *call.spec.warnings),
        now=now(call, sessions, path, values, regime, market),
    )


def signals_now(call: Call, market: Market) -> dict[str, Any]:
    """What the signals say at the last close, and what would change the regime."""
    sessions, path, values, regime = _decided(call, market)
    return now(call, sessions, path, values, regime, market)


def _decided(
    call: Call, market: Market
) -> tuple[Market, RegimePath, dict[str, pd.Series], pd.Series]:
    """The sessions, the path decided on them, each signal's series, and the regime shown."""
    sessions = market.sessions()
    path = call.path(sessions)
    signals = call.signals(market.universe)
    values = {name: sessions.evaluate(signal) for name, signal in signals.items()}
    regimes = np.array([name for name, _ in call.spec.books], dtype=object)
    index = sessions.history.index
    return sessions, path, values, pd.Series(regimes[path.shown], index=index, name="regime")


def _causes(call: Call, path: RegimePath) -> dict[int, tuple[str, str]]:
    """The bar of each change of the regime shown: the rule that made it (or ""), and why."""
    rules = call.spec.rules
    laid = [place for place, rule in enumerate(rules) if rule.kind == "while"]
    active = np.full(path.shown.shape, -1)
    for place in reversed(laid):
        active = np.where(path.fired[place], place, active)
    found = {}
    changed = np.flatnonzero(path.shown[1:] != path.shown[:-1]) + 1
    for i in changed:
        if active[i] >= 0 and active[i] != active[i - 1]:
            rule = rules[active[i]]
            found[int(i)] = (rule.name, f"{rule.name} (while {rule.condition})")
        elif active[i] < 0 and active[i - 1] >= 0:
            found[int(i)] = ("", f"{rules[active[i - 1]].name} ended")
        elif path.causes[i] == MAX_HOLD:
            found[int(i)] = ("", "maximum hold reached")
        else:
            found[int(i)] = (rules[path.causes[i]].name,) * 2
    return found


def now(
    call: Call,
    sessions: Market,
    path: RegimePath,
    values: dict[str, pd.Series],
    regime: pd.Series,
    market: Market,
) -> dict[str, Any]:
    """What the signals say at the last close, and what each rule that could fire needs."""
    at = len(regime) - 1
    held = regime.iloc[at]
    changed = np.flatnonzero(path.shown[1:] != path.shown[:-1]) + 1
    since = int(changed[-1]) if len(changed) else 0
    current = {name: _number(series.iloc[at]) for name, series in values.items()}
    here = [name for name, _ in call.spec.books][path.beneath[at]]
    lines = []
    for rule in call.spec.rules:
        mentioned = [n for n in names(parse(rule.condition))]
        shown = ", ".join(
            f"{n} {_text(current[n] if n in current else call.values.get(n))}" for n in mentioned
        )
        if rule.kind == "while":
            lines.append(f"{rule.name}: {rule.go} while {rule.condition} (now: {shown})")
        elif (rule.sources is None or here in rule.sources) and rule.go != here:
            checked = "" if rule.check == "daily" else f", checked {rule.check}"
            lines.append(f"{rule.name}: to {rule.go} when {rule.condition}{checked} (now: {shown})")
    book = dict(dict(call.spec.books)[held]) if held in dict(call.spec.books) else {}
    return {
        "kind": "call",
        "call": call.spec.call,
        "as_of": regime.index[at].date().isoformat(),
        "data_end": market.history.index[-1].date().isoformat(),
        "synthetic": market.synthetic,  # the demo market: no reader may take it for history
        "lagging": [],
        "regime": {
            "held": held,
            "since": regime.index[since].date().isoformat(),
            "since_history_start": since == 0,
            "bars": at - since + 1,
            "book": {h: value_of(w, call.values) for h, w in book.items() if h != CASH},
        },
        "signals": [
            {"name": name, "label": str(series.name), "value": current[name]}
            for name, series in values.items()
        ],
        "would_change": lines or ["no rule moves out of this regime"],
    }


def _number(value: Any) -> float | bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    value = float(value)
    return value if np.isfinite(value) else None


def _text(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:.4g}"


@dataclass(frozen=True, kw_only=True)
class Book(StaticStrategy):
    """One book of a call held all the time: what the event study compares a switch with."""

    name = "book"
    summary = "one book of a call, held all the time"
    weights: tuple[tuple[str, float], ...] = ()

    def legs(self) -> dict[Role, float]:
        """No roles: a book's weights are by ticker already."""
        return {}

    def roles(self) -> tuple[Role, ...]:
        """None: the book's tickers are loaded with the call."""
        return ()

    def weights_by_ticker(self, universe: Universe) -> dict[str, float]:
        """The book's weights."""
        return dict(self.weights)
