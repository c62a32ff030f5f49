"""The dollar guard: the systemic event of a dollar surging with yields collapsing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_ranges
from data.market import Market, check_ticker
from signals.base import Signal, close_of
from signals.rules import armed, as_flags

GuardMode = Literal["cross", "level"]
GUARD_MODES: tuple[GuardMode, ...] = get_args(GuardMode)
_YIELD_TOLERANCE = 1e-9
"""Percentage points: a fall of exactly the threshold counts despite float rounding."""


@dataclass(frozen=True, kw_only=True)
class DollarSystemic(Signal):
    """The systemic-event guard: the dollar index surging to ``level`` with yields collapsing.

    With ``yields_fall_bps > 0`` the ten-year yield (``^TNX`` is in percent: 1 bp = 0.01) must
    also be at least that much lower than ``yields_days`` bars before; with 0 the dollar alone.

    Modes: ``cross`` (the default), on the first bar both hold after a dollar close below
    ``level``, on while both hold, and re-armed only by a dollar close back below ``level``, so
    a dollar that sits above its level fires once, not every time yields wobble; ``level``, on
    whenever both hold.

    Timing: uses closes at ``t`` and ``t - yields_days`` (and, crossing, the closes before ``t``);
    False where an input is missing.
    """

    ticker: str = "DX-Y.NYB"
    level: float = 100.0
    yields: str = "^TNX"
    yields_fall_bps: float = 0.0
    yields_days: int = 21
    mode: GuardMode = "cross"

    RANGES: ClassVar[dict[str, Range]] = {
        "level": Range(0.0, 1e10, above=True),
        "yields_fall_bps": Range(0.0, 10_000.0),
        "yields_days": Range(1, 5000),
    }

    def __post_init__(self) -> None:
        check_ticker("strategy.dollar_ticker", self.ticker)
        check_ticker("strategy.yields_ticker", self.yields)
        if self.mode not in GUARD_MODES:
            raise ConfigError(
                f"strategy.dollar_mode = {self.mode!r} is not a guard mode; expected one of "
                f"{', '.join(GUARD_MODES)}"
            )
        check_ranges(self, "strategy")

    def tickers(self) -> tuple[str, ...]:
        """Return the dollar index, and the yields when they are used."""
        return (self.ticker, self.yields) if self.yields_fall_bps > 0 else (self.ticker,)

    def warmup_bars(self) -> int:
        """Today's dollar, and the yields ``yields_days`` bars before when they are used."""
        return self.yields_days + 1 if self.yields_fall_bps > 0 else 1

    def yields_change(self, market: Market) -> pd.Series:
        """Return the change in yields over ``yields_days`` bars, in percentage points."""
        rates = close_of(market, self.yields, self.label)
        return rates - rates.shift(self.yields_days)

    def defined(self, market: Market) -> pd.Series:
        """Return True where the dollar (and the change in yields, when used) is known."""
        known = close_of(market, self.ticker, self.label).notna()
        if self.yields_fall_bps > 0:
            known &= market.evaluate(self, "yields_change").notna()
        return known

    @property
    def label(self) -> str:
        """For example ``DX-Y.NYB crosses >= 100 & ^TNX -50bp/21d``."""
        rule = f"{self.ticker} {'crosses ' if self.mode == 'cross' else ''}>= {self.level:g}"
        if self.yields_fall_bps > 0:
            rule += f" & {self.yields} -{self.yields_fall_bps:g}bp/{self.yields_days}d"
        return rule

    def evaluate(self, market: Market) -> pd.Series:
        """Return the guard, a NaN-free bool series."""
        dollar = close_of(market, self.ticker, self.label)
        hit = as_flags(dollar >= self.level)
        if self.yields_fall_bps > 0:
            change = market.evaluate(self, "yields_change")
            hit &= as_flags(change <= -self.yields_fall_bps / 100.0 + _YIELD_TOLERANCE)
        guard = pd.Series(hit, index=market.history.index, name=self.label)
        if self.mode == "cross":
            guard = armed(guard, market.evaluate(self, "rearm")).rename(self.label)
        return guard

    def rearm(self, market: Market) -> pd.Series:
        """Return True where a dollar close below ``level`` re-arms the guard (mode cross)."""
        return close_of(market, self.ticker, self.label) < self.level
