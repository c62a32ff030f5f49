"""The Market handed to strategies: aligned prices, the roles' tickers, and the data's origin."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from engine.errors import ConfigError

Role = Literal["small_caps", "international", "tech", "crypto", "stocks", "bonds"]
ROLES: tuple[Role, ...] = get_args(Role)

Calendar = Literal["equity", "7d"]

_TICKER = re.compile(r"^[A-Za-z0-9^=.\-]{1,20}$")


@dataclass(frozen=True, kw_only=True)
class Universe:
    """Which ticker plays each role; every one can be overridden (``--set universe.tech=QQQ``)."""

    small_caps: str = "IWM"
    international: str = "EFA"
    tech: str = "XLK"
    crypto: str = "BTC-USD"
    stocks: str = "SPY"
    bonds: str = "AGG"

    def __post_init__(self) -> None:
        for spec in fields(self):
            ticker = getattr(self, spec.name)
            if not isinstance(ticker, str) or not _TICKER.match(ticker):
                raise ConfigError(
                    f"universe.{spec.name}: {ticker!r} is not a ticker symbol "
                    "(letters, digits and ^=.- only, for example QQQ, BTC-USD, ^VIX)"
                )

    def ticker(self, role: Role) -> str:
        """Return the ticker playing ``role``."""
        return str(getattr(self, role))

    def is_crypto(self, ticker: str) -> bool:
        """Crypto trades every day and may jump: the crypto role's ticker or any ``*-USD``."""
        return ticker == self.crypto or ticker.endswith("-USD")


@dataclass(frozen=True, kw_only=True)
class Market:
    """Adjusted daily closes on one calendar, ready for strategies and the engine.

    Timing: row ``t`` holds each asset's close on calendar date ``t`` (the benchmark stock's
    trading days, or every day on the 7-day calendar); an asset that did not trade that day
    carries its previous close. With partial legs allowed, an asset is NaN before its first price.
    Signal inputs (``MarketRequest.signal_tickers``) are columns of ``prices`` too, NaN outside
    their own history; they never move the start or the end. ``external`` holds dated series
    read from files for signals (an indicator's readings, by name), as published, not aligned.
    ``notes`` are facts worth saying (a clipped start), ``warnings`` doubts about the data,
    ``carried`` the count of carried closes per ticker.

    ``warmup`` holds the same columns on the calendar's dates *before* the run, as far back as
    the data go: signals read it (`history`) so that a moving average or a trailing percentile
    has a value on the run's first day. The portfolio never trades on those dates.
    """

    prices: pd.DataFrame
    universe: Universe
    source: str
    synthetic: bool
    periods_per_year: int = 252
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    carried: dict[str, int] = field(default_factory=dict)
    external: dict[str, pd.Series] = field(default_factory=dict)
    warmup: pd.DataFrame = field(default_factory=pd.DataFrame)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def history(self) -> pd.DataFrame:
        """The warm-up and the run's closes, one frame on one calendar: what signals read."""
        if self.warmup.empty:
            return self.prices
        if "history" not in self._memo:
            self._memo["history"] = pd.concat([self.warmup[self.prices.columns], self.prices])
        return self._memo["history"]

    def in_run(self, series: Any) -> Any:
        """The run's part of a series, frame or array on `history`'s dates."""
        first = len(self.history) - len(self.prices)
        return series[first:] if isinstance(series, np.ndarray) else series.iloc[first:]

    def evaluate(self, signal: Any, method: str = "evaluate") -> Any:
        """``signal.<method>(self)`` on `history`, computed once per distinct signal.

        Signals are frozen, deterministic functions of their parameters and the market, so a
        sweep that varies only thresholds reads each signal once.
        """
        key = (signal, method)
        if key not in self._memo:
            self._memo[key] = getattr(signal, method)(self)
        return self._memo[key]

    def price(self, role: Role) -> pd.Series:
        """Return the price series of the asset playing ``role``."""
        return self.prices[self.universe.ticker(role)]


@dataclass(frozen=True, kw_only=True)
class MarketRequest:
    """What a run needs from the data: tickers by role, dates, calendar, and partial legs.

    With ``allow_partial`` the market starts when the stocks and bonds tickers (the benchmark's)
    have prices; other tickers are NaN until their first price, and the run holds their weight
    in cash until then. Without it the market starts when every ticker has a price.
    """

    universe: Universe
    roles: tuple[Role, ...]
    start: date | None = None
    end: date | None = None
    calendar: Calendar = "equity"
    allow_partial: bool = False
    signal_tickers: tuple[str, ...] = ()
    external: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Files signals read, by name: ``(path, column)``."""

    def tickers(self) -> list[str]:
        """The tickers to load: the traded ones, then the signals' inputs."""
        return list(dict.fromkeys([*self.traded(), *self.signal_tickers]))

    def traded(self) -> list[str]:
        """The tickers a portfolio may hold: the ones that decide the start and the end."""
        stock, bonds = self.universe.stocks, self.universe.bonds
        roles = (self.universe.ticker(role) for role in self.roles)
        return list(dict.fromkeys([stock, bonds, *roles]))
