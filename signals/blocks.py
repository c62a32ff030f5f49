"""The building blocks a strategist's call reads: prices, averages, returns, volatility, yields.

Each is a frozen `signals.indicators.Signal` giving a float series on ``market.history`` (the
warm-up before the run included), NaN until its window is full. A ``basket`` is a tuple of
(ticker, share) pairs: one ticker is ``(("SPY", 1.0),)``; a basket's value is the shares'
weighted sum of its tickers' values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_ranges
from data.market import Market
from signals.base import Signal

Sample = Literal["daily", "monthly"]
Basket = tuple[tuple[str, float], ...]


def _closes(market: Market, basket: Basket, who: str) -> list[tuple[pd.Series, float]]:
    missing = [ticker for ticker, _ in basket if ticker not in market.history.columns]
    if missing:
        raise ConfigError(f"signal {who} needs {', '.join(missing)}, not among the prices")
    return [(market.history[ticker].astype(float), share) for ticker, share in basket]


def _name(basket: Basket) -> str:
    return "+".join(ticker for ticker, _ in basket)


WINDOW = Range(1, 5000)
"""Bars (or months) a window may span."""


@dataclass(frozen=True, kw_only=True)
class _Priced(Signal):
    basket: Basket

    def tickers(self) -> tuple[str, ...]:
        """The basket's tickers."""
        return tuple(ticker for ticker, _ in self.basket)


@dataclass(frozen=True, kw_only=True)
class _Windowed(_Priced):
    """A signal of the changes over the last ``window`` bars: it reads them and the bar before."""

    window: int

    RANGES: ClassVar[dict[str, Range]] = {"window": WINDOW}

    def __post_init__(self) -> None:
        check_ranges(self, "signal")

    def warmup_bars(self) -> int:
        """The window and the close before it."""
        return self.window + 1


@dataclass(frozen=True, kw_only=True)
class Price(_Priced):
    """A ticker's (a basket's share-weighted) close. Timing: the close of ``t``."""

    def warmup_bars(self) -> int:
        """Today's close."""
        return 1

    @property
    def label(self) -> str:
        """For example ``SPY close``."""
        return f"{_name(self.basket)} close"

    def evaluate(self, market: Market) -> pd.Series:
        """The weighted closes."""
        parts = _closes(market, self.basket, self.label)
        return sum(close * share for close, share in parts).rename(self.label)


@dataclass(frozen=True, kw_only=True)
class Average(_Priced):
    """The simple average of the last ``window`` closes (daily) or month-end closes (monthly).

    Monthly: the average of the last ``window`` month-end closes, this month's counting once it
    ends, so on the last trading day of a month it includes that day's close (Faber's 10-month
    average). Timing: closes up to ``t``.
    """

    window: int = 200
    sample: Sample = "daily"

    RANGES: ClassVar[dict[str, Range]] = {"window": WINDOW}

    def __post_init__(self) -> None:
        check_ranges(self, "signal")
        if self.sample not in ("daily", "monthly"):
            raise ConfigError(f"sample = {self.sample!r}; expected daily or monthly")

    def warmup_bars(self) -> int:
        """The window's closes (about 21 bars a month)."""
        return self.window * (21 if self.sample == "monthly" else 1)

    @property
    def label(self) -> str:
        """For example ``SPY 200d average``."""
        unit = "m" if self.sample == "monthly" else "d"
        return f"{_name(self.basket)} {self.window}{unit} average"

    def evaluate(self, market: Market) -> pd.Series:
        """The average on each bar."""
        close = market.evaluate(Price(basket=self.basket))
        if self.sample == "daily":
            return close.rolling(self.window, min_periods=self.window).mean().rename(self.label)
        months = close.index.to_period("M")
        ends = np.append(months[1:] != months[:-1], True)
        ends[-1] = False  # the data's last bar ends its month only if the next bar is known
        average = close[ends].rolling(self.window, min_periods=self.window).mean()
        return average.reindex(close.index, method="ffill").rename(self.label)


@dataclass(frozen=True, kw_only=True)
class PriceVsAverage(Average):
    """The close over its average, minus 1 (0.05: 5% above). Timing: closes up to ``t``."""

    @property
    def label(self) -> str:
        """For example ``SPY vs 10m average``."""
        return super().label.replace(" ", " vs ", 1)

    def evaluate(self, market: Market) -> pd.Series:
        """Close / average - 1."""
        close = market.evaluate(Price(basket=self.basket))
        average = market.evaluate(
            Average(basket=self.basket, window=self.window, sample=self.sample)
        )
        return (close / average - 1.0).rename(self.label)


@dataclass(frozen=True, kw_only=True)
class TrailingReturn(_Windowed):
    """The return over the last ``window`` bars (0.1: 10%); a basket's is share-weighted.

    Timing: the closes of ``t`` and ``t - window``.
    """

    window: int = 252

    @property
    def label(self) -> str:
        """For example ``SPY 252d return``."""
        return f"{_name(self.basket)} {self.window}d return"

    def evaluate(self, market: Market) -> pd.Series:
        """Each ticker's close over its close ``window`` bars before, minus 1, weighted."""
        parts = _closes(market, self.basket, self.label)
        return sum((c / c.shift(self.window) - 1.0) * s for c, s in parts).rename(self.label)


@dataclass(frozen=True, kw_only=True)
class RelativeStrength(TrailingReturn):
    """The trailing return of ``basket`` minus that of ``versus`` over ``window`` bars."""

    versus: Basket

    def tickers(self) -> tuple[str, ...]:
        """Both sides' tickers."""
        return (*super().tickers(), *(ticker for ticker, _ in self.versus))

    @property
    def label(self) -> str:
        """For example ``SPY vs EFA 252d return``."""
        return f"{_name(self.basket)} vs {_name(self.versus)} {self.window}d return"

    def evaluate(self, market: Market) -> pd.Series:
        """Return of one side minus the other's."""
        mine = market.evaluate(TrailingReturn(basket=self.basket, window=self.window))
        theirs = market.evaluate(TrailingReturn(basket=self.versus, window=self.window))
        return (mine - theirs).rename(self.label)


@dataclass(frozen=True, kw_only=True)
class YieldChange(_Windowed):
    """A yield's change over ``window`` bars in basis points (a yield quoted in percent, ^TNX)."""

    window: int = 21

    @property
    def label(self) -> str:
        """For example ``^TNX 21d change bp``."""
        return f"{_name(self.basket)} {self.window}d change bp"

    def evaluate(self, market: Market) -> pd.Series:
        """100 x (yield at t - yield at t - window)."""
        level = market.evaluate(Price(basket=self.basket))
        return (100.0 * (level - level.shift(self.window))).rename(self.label)


@dataclass(frozen=True, kw_only=True)
class Volatility(_Windowed):
    """Realised volatility: the standard deviation of ``window`` daily returns, a year's worth.

    Annualised with 252 bars a year (sample standard deviation). Timing: closes up to ``t``.
    """

    window: int = 21

    RANGES: ClassVar[dict[str, Range]] = {"window": Range(2, 5000)}  # 2 returns at least

    @property
    def label(self) -> str:
        """For example ``SPY 21d volatility``."""
        return f"{_name(self.basket)} {self.window}d volatility"

    def evaluate(self, market: Market) -> pd.Series:
        """The rolling standard deviation of daily returns times sqrt(252)."""
        close = market.evaluate(Price(basket=self.basket))
        returns = close / close.shift(1) - 1.0
        spread = returns.rolling(self.window, min_periods=self.window).std()
        return (spread * np.sqrt(252.0)).rename(self.label)
