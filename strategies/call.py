"""A strategist's call written as a file: books, signals and rules (configs/calls/)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_ranges
from data.market import ROLES, Market, Role, Universe
from signals.base import Signal
from signals.conditions import parse
from signals.explain import Explanation
from signals.library import INDICATORS, build
from signals.regimes import RegimePath, RuleArrays, decide, period_ends
from strategies.base import Strategy
from strategies.call_format import CASH, CallSpec, load_call, located
from strategies.call_rules import suggest, value_of


@dataclass(frozen=True, kw_only=True)
class Call(Strategy):
    """Whatever the call file says: its books, and the rules that move between them.

    Thesis: the strategist's, cited in the file's ``source``. Rule: the file's ``rules``, first
    that fires wins (docs/write_a_call.md). Timing: the regime at a close uses data up to that
    close, the warm-up included; a change rebalances at the next bar, as for every strategy.
    """

    name = "call"
    summary = "a strategist's call as a file: books, signals and rules (configs/calls/*.yaml)"

    file: str = "configs/calls/sixty_forty.yaml"
    """The call file: books, signals, rules (configs/calls/ has examples). A relative path is
    read from the working folder, else from the project's folder, where configs/calls/ ships."""
    params: dict[str, float] = field(default_factory=dict)
    """Values for the file's params by name, over the file's own: strategy.params.NAME=VALUE
    (and --sweep strategy.params.NAME=START:STOP:STEP)."""

    RANGES: ClassVar[dict[str, Range]] = {"params": Range(-1e9, 1e9)}
    """A param is any finite number; what it means, and its own range, is the call's."""

    def __post_init__(self) -> None:
        if not self.file:
            raise ConfigError(
                "strategy.file: a call needs its file, e.g. --config configs/calls/hartnett.yaml "
                "or --set strategy.file=configs/calls/hartnett.yaml"
            )
        spec = load_call(located(self.file))
        object.__setattr__(self, "_spec", spec)  # read once: a sweep builds many calls
        declared = dict(spec.params)
        for name in self.params:
            if name not in declared:
                raise ConfigError(
                    f"unknown key strategy.params.{name}{suggest(name, list(declared))}"
                )
        object.__setattr__(self, "params", {k: float(v) for k, v in self.params.items()})
        object.__setattr__(self, "_values", {**declared, **self.params})
        check_ranges(self, "strategy")
        self.signals(Universe())  # checks each signal's own parameters

    @property
    def title(self) -> str:
        """``call`` and the call's own name, as the file gives it."""
        return f"call {self.spec.call}"

    @property
    def values(self) -> dict[str, float]:
        """Every parameter of the call: the file's, with ``params`` over them."""
        return self._values  # type: ignore[attr-defined,no-any-return]

    @property
    def spec(self) -> CallSpec:
        """The call file, read and checked when the call was made."""
        return self._spec  # type: ignore[attr-defined,no-any-return]

    def roles(self) -> tuple[Role, ...]:
        """The roles any book holds."""
        held = (holding for _, book in self.spec.books for holding, _ in book)
        return tuple(dict.fromkeys(h for h in held if h in ROLES))  # type: ignore[misc]

    def rebalance_ends(self, market: Market, rebalance: str) -> np.ndarray | None:
        """The run's rebalance bars: each date's book's own schedule, else ``rebalance``'s.

        A bar ends its period when the next bar is in another one, and the run's last bar ends
        every period, as the engine's schedule (`simulation.simulate.period_ends`) says.
        """
        schedules = dict(self.spec.schedules)
        if not schedules:
            return None
        names = [name for name, _ in self.spec.books]
        _, codes = self.weight_rows(market, [])
        index = market.prices.index
        ends = np.zeros(len(index), dtype=bool)
        for code, name in enumerate(names):
            period = schedules.get(name, rebalance)
            ends |= (codes == code) & _run_ends(index, period)
        return ends

    def held_tickers(self, universe: Universe) -> tuple[str, ...]:
        """The tickers the books name directly (not by role): traded like a role's."""
        held = (h for _, book in self.spec.books for h, _ in book if h not in (*ROLES, CASH))
        return tuple(dict.fromkeys(held))

    def inputs(self, universe: Universe) -> tuple[tuple[str, ...], dict[str, tuple[str, str]]]:
        """The signals' tickers and files."""
        signals = self.signals(universe).values()
        tickers = (t for signal in signals for t in signal.tickers())
        files = {name: src for signal in signals for name, src in signal.external().items()}
        return tuple(dict.fromkeys(tickers)), files

    def books(self, universe: Universe) -> dict[str, dict[str, float]]:
        """Each book's weights by ticker, in the file's order (a regime's code is its place)."""
        books = {}
        for name, holdings in self.spec.books:
            weights: dict[str, float] = {}
            for holding, ref in holdings:
                weight = value_of(ref, self.values)
                if holding == CASH or weight == 0.0:
                    continue
                basket = universe.basket(holding) if holding in ROLES else {holding: 1.0}
                for ticker, share in basket.items():
                    weights[ticker] = weights.get(ticker, 0.0) + weight * share
            books[name] = weights
        return books

    def target_weights(self, market: Market) -> pd.DataFrame:
        """Each regime's book on the run's dates it is in force."""
        books = self.books(market.universe)
        columns = list(dict.fromkeys(ticker for book in books.values() for ticker in book))
        rows, codes = self.weight_rows(market, columns)
        return pd.DataFrame(rows[codes], index=market.prices.index, columns=columns)

    def weight_rows(self, market: Market, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each book as a row on ``columns``, and each date's regime as its row."""
        books = self.books(market.universe).values()
        rows = np.array([[book.get(ticker, 0.0) for ticker in columns] for book in books])
        if len(books) == 1:
            return rows, np.zeros(len(market.prices), dtype=np.int64)
        shown = self.path(market.sessions()).shown
        return rows, market.in_run(market.from_sessions(shown))

    def path(self, market: Market) -> RegimePath:
        """The regimes decided on the market's history (its sessions' history)."""
        spec, regimes = self.spec, [name for name, _ in self.spec.books]
        values = {
            name: market.evaluate(s).to_numpy() for name, s in self.signals(market.universe).items()
        }
        index = market.history.index
        rules = [
            RuleArrays(
                kind=rule.kind,
                tree=parse(rule.condition),
                sources=None
                if rule.sources is None
                else tuple(regimes.index(s) for s in rule.sources),
                go=regimes.index(rule.go),
                min_hold=int(value_of(rule.min_hold, self.values)),
                max_hold=int(value_of(rule.max_hold, self.values)),
                then=regimes.index(rule.then) if rule.then else -1,
                cooldown=int(value_of(rule.cooldown, self.values)),
                on=_ends(index, rule.check),
            )
            for rule in spec.rules
        ]
        start = regimes.index(spec.start)
        return decide(rules, values, self.values, len(regimes), start, len(index))

    def signals(self, universe: Universe) -> dict[str, Signal]:
        """The file's signals, their parameters resolved, built once per distinct set."""
        resolved = []
        for name, indicator, given in self.spec.signals:
            kinds = INDICATORS[indicator].params
            values = []
            for key, value in given:
                if isinstance(value, str) and kinds[key].kind in ("number", "whole"):
                    value = value_of(value, self.values)
                if kinds[key].kind == "whole":
                    value = int(value)
                values.append((key, tuple(value) if isinstance(value, list) else value))
            resolved.append((name, indicator, tuple(values)))
        return _built(tuple(resolved), universe)

    def explain(self, market: Market) -> Explanation | None:
        """The signals, the regime and each change's rule on the run's dates."""
        if len(self.spec.books) == 1:
            return None
        from strategies.call_explain import explain  # the outputs, apart from the rules

        return explain(self, market)

    def signals_now(self, market: Market) -> dict[str, Any] | None:
        """What the signals say at the last date, and what each rule that could fire needs."""
        if len(self.spec.books) == 1:
            return None
        from strategies.call_explain import signals_now

        return signals_now(self, market)


@functools.lru_cache(maxsize=256)
def _built(resolved: tuple, universe: Universe) -> dict[str, Signal]:
    out = {}
    for name, indicator, values in resolved:
        try:
            out[name] = build(
                indicator, {k: list(v) if isinstance(v, tuple) else v for k, v in values}, universe
            )
        except (ConfigError, TypeError, ValueError) as exc:
            raise ConfigError(f"signals.{name}.{indicator}: {exc}") from None
    return out


def _run_ends(index: pd.DatetimeIndex, period: str) -> np.ndarray:
    """The last bar of each period and the run's last bar (every bar, daily)."""
    if period == "daily":
        return np.ones(len(index), dtype=bool)
    periods = index.to_period(_PERIOD_CODES[period])
    return np.append(periods[1:] != periods[:-1], True)


_PERIOD_CODES = {"weekly": "W", "monthly": "M", "quarterly": "Q", "yearly": "Y"}


def _ends(index: pd.DatetimeIndex, period: str) -> np.ndarray | None:
    return None if period == "daily" else period_ends(index, period)
