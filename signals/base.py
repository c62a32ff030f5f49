"""What a signal is: a small frozen object mapping a Market to a daily series, with no look-ahead.

A signal's ``evaluate`` returns a series on ``market.history.index`` (the warm-up before the
run, then the run's dates): a float reading (the sentiment proxy, an external indicator) or a
NaN-free bool trigger (support breaks, the dollar guard, combinations). ``defined`` says on which
dates a signal had the data to say anything, so a trigger that is False for want of history is
told apart from one that is False. The helpers here are shared by the signals of this package.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import pandas as pd

from core.errors import DataError
from data.market import Market


@dataclass(frozen=True, kw_only=True)
class Signal(ABC):
    """A daily series computed from a Market: a float reading or a bool trigger.

    Timing: the value at date ``t`` depends only on prices and readings dated ``<= t``.
    """

    def tickers(self) -> tuple[str, ...]:
        """Return the price inputs the signal reads (the data layer loads them)."""
        return ()

    def external(self) -> dict[str, tuple[str, str]]:
        """Return the files the signal reads: name -> (path, column)."""
        return {}

    @abstractmethod
    def evaluate(self, market: Market) -> pd.Series:
        """Return the signal on ``market.history.index``, named `label`."""

    def defined(self, market: Market) -> pd.Series:
        """Return True on the dates the signal had the data to give a value (a bool series)."""
        return market.evaluate(self).notna()

    def warmup_bars(self) -> int:
        """Return the closes it reads for its first value, that day's included (0: from a file)."""
        return 0

    @property
    @abstractmethod
    def label(self) -> str:
        """A short name, used as a column name in outputs."""


def close_of(market: Market, ticker: str, who: str) -> pd.Series:
    """Return a ticker's closes as floats, or a `DataError` naming the signal that needs it."""
    if ticker not in market.history.columns:
        raise DataError(
            f"signal {who} needs {ticker}, which is not among the market's prices; "
            "load it with the signal's tickers()"
        )
    return market.history[ticker].astype(float)


def average_of(close: pd.Series, days: int) -> pd.Series:
    """Simple moving average of the last ``days`` closes; NaN until there are ``days``."""
    return close.rolling(days, min_periods=days).mean()


def percentile_of(x: pd.Series, window: int) -> pd.Series:
    """Rank of ``x[t]`` among the ``window`` values ending at ``t``, as a fraction in (0, 1].

    Ties take the average rank. NaN unless all ``window`` values are present.
    """
    return x.rolling(window, min_periods=window).rank(pct=True)
