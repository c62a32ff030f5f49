"""What every strategy is: frozen parameters and one pure map from a Market to target weights."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_range, check_ranges
from data.market import Market, Role, Universe
from signals.explain import Explanation

MAX_GROSS_EXPOSURE = 4.0
NUMBERS = frozenset((int, float))
"""The types of a parameter value `Strategy.with_changes` checks by its range alone."""


@dataclass(frozen=True, kw_only=True)
class Strategy(ABC):
    """Parameters as typed fields; `target_weights` maps the market to weights.

    Timing: weights dated ``t`` may use data up to the close of ``t`` only; the engine fills
    them at a later bar, so a strategy never shifts anything itself.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    RANGES: ClassVar[dict[str, Range]] = {}
    """The range of each numeric parameter, checked by `core.ranges.check_ranges`."""

    def __post_init__(self) -> None:
        """Check every numeric parameter against its range: all most strategies need."""
        check_ranges(self, "strategy")

    def with_changes(self, changes: dict[str, Any]) -> Strategy:
        """Return the strategy with some parameters changed, checked as a new one would be.

        A sweep asks for one per combination (thousands). A strategy checked by its ranges
        alone (the default `__post_init__`) has only the changed numbers checked; one whose
        checks can be narrowed otherwise overrides this (`HartnettSwitch`).
        """
        numbers = set(map(type, changes.values())) <= NUMBERS
        ranged = numbers and changes.keys() <= self.RANGES.keys()
        if ranged and type(self).__post_init__ is Strategy.__post_init__:
            return self._changed(changes)
        return replace(self, **changes)

    def _changed(self, changes: dict[str, float | int]) -> Any:
        """A copy with numeric ``changes``, each checked against its range alone.

        In `RANGES`' order, so the first refusal is the one a new strategy would raise.
        """
        for name, allowed in self.RANGES.items():
            if name in changes and not allowed.holds(changes[name]):
                check_range(f"strategy.{name}", changes[name], allowed)
        changed = object.__new__(type(self))
        changed.__dict__.update(self.__dict__)
        changed.__dict__.update(changes)
        return changed

    @property
    def title(self) -> str:
        """The strategy as the report and the console name it (a call adds its own name)."""
        return self.name

    @abstractmethod
    def roles(self) -> tuple[Role, ...]:
        """Return the universe roles whose prices the strategy needs."""

    @abstractmethod
    def target_weights(self, market: Market) -> pd.DataFrame:
        """Return target weights (fractions of portfolio value), dates x tickers."""

    def weight_rows(self, market: Market, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return `target_weights` on ``columns`` (zero for a ticker it lacks) as rows and codes.

        ``rows[codes[t]]`` is the weights of date ``t``: what a sweep asks of each combination,
        which a strategy holding a few distinct rows gives without a dates x tickers copy.
        """
        frame = self.target_weights(market).reindex(columns=columns, fill_value=0.0)
        return frame.to_numpy(dtype=float), np.arange(len(frame))

    def rebalance_ends(self, market: Market, rebalance: str) -> np.ndarray | None:
        """Return the run's bars a scheduled rebalance is decided on, if not ``rebalance``'s.

        None (every strategy but a call whose books keep their own schedules): the engine's
        period ends of ``execution.rebalance``.
        """
        return None

    def held_tickers(self, universe: Universe) -> tuple[str, ...]:
        """Return the tickers it may hold beyond its roles' (none but a call's books name any)."""
        return ()

    def inputs(self, universe: Universe) -> tuple[tuple[str, ...], dict[str, tuple[str, str]]]:
        """Return the tickers its signals read and the files they need (name -> path, column)."""
        return (), {}

    def explain(self, market: Market) -> Explanation | None:
        """Return the signals and regimes behind the weights; None for a static strategy."""
        return None

    def signals_now(self, market: Market) -> dict[str, Any] | None:
        """Return what the signals say at the market's last date; None for a static strategy."""
        return None


@dataclass(frozen=True, kw_only=True)
class StaticStrategy(Strategy):
    """A strategy that holds the same weight in each leg at every rebalance."""

    @abstractmethod
    def legs(self) -> dict[Role, float]:
        """Return the target weight of each role; a zero-weight leg needs no data."""

    def roles(self) -> tuple[Role, ...]:
        """Return the roles with a non-zero weight."""
        return tuple(role for role, weight in self.legs().items() if weight != 0.0)

    def weights_by_ticker(self, universe: Universe) -> dict[str, float]:
        """Return the weight of each ticker; legs sharing a ticker add up.

        A basket splits its role's weight by its shares.
        """
        by_ticker: dict[str, float] = {}
        for role, weight in self.legs().items():
            if weight == 0.0:
                continue  # not one of `roles`
            for ticker, share in universe.basket(role).items():
                by_ticker[ticker] = by_ticker.get(ticker, 0.0) + weight * share
        return by_ticker

    def weight_rows(self, market: Market, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the legs' one row on ``columns``, the row of every date."""
        row = self.weights_by_ticker(market.universe)
        weights = np.array([[row.get(ticker, 0.0) for ticker in columns]])
        return weights, np.zeros(len(market.prices), dtype=np.int64)

    def target_weights(self, market: Market) -> pd.DataFrame:
        """Return the legs' weights on every date, one column per ticker."""
        row = pd.Series(self.weights_by_ticker(market.universe), dtype=float)
        return pd.DataFrame(
            np.tile(row.to_numpy(), (len(market.prices), 1)),
            index=market.prices.index,
            columns=row.index,
        )


def check_weights(weights: pd.DataFrame, market: Market, strategy: Strategy) -> None:
    """The check every strategy's output passes before it reaches the engine."""
    where = f"strategy {strategy.name}"
    if not weights.index.equals(market.prices.index):
        raise ValueError(f"{where}: weights are not on the market's dates")
    unknown = set(weights.columns) - set(market.prices.columns)
    if unknown:
        raise ValueError(f"{where}: weights for tickers not in the market: {sorted(unknown)}")
    if not np.isfinite(weights.to_numpy()).all():
        raise ValueError(f"{where}: weights contain NaN or infinite values")
    gross = weights.abs().sum(axis=1).max()
    if gross > MAX_GROSS_EXPOSURE:
        raise ConfigError(
            f"{where}: gross exposure {gross:.2f} exceeds the limit {MAX_GROSS_EXPOSURE}"
        )
