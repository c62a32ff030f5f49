"""The Market handed to strategies: aligned prices, the roles' tickers, and the data's origin."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from core.errors import ConfigError

Role = Literal["small_caps", "international", "tech", "crypto", "stocks", "bonds"]
ROLES: tuple[Role, ...] = get_args(Role)

Calendar = Literal["equity", "7d"]

TICKER = re.compile(r"^[A-Za-z0-9^][A-Za-z0-9^=.\-]{0,19}$")
"""A ticker symbol: letters, digits and ``^=.-``, not starting with a dot (QQQ, BRK.B, ^VIX,
GC=F, DX-Y.NYB). A ticker names its file in the data folder, so it is never a path."""
SINGLE_ROLES: tuple[Role, ...] = ("stocks", "bonds")
"""Roles that take one ticker: the stock ticker's trading days are the calendar, and 60/40 is
the benchmark every run is compared with."""
BASKET_TOLERANCE = 1e-9
"""How far a basket's weights may add up from 1 (the rounding of decimal weights)."""


@dataclass(frozen=True, kw_only=True)
class Universe:
    """Which ticker plays each role; every one can be overridden (``--set universe.tech=QQQ``).

    A Main Street role (small_caps, international, tech, crypto) may be a basket, tickers with
    weights adding up to 1: ``universe.international=EFA:0.5,EEM:0.3,MCHI:0.2``. The role's
    weight is split over them, each traded as its own position and reported as one leg.
    """

    small_caps: str = "IWM"
    international: str = "EFA"
    tech: str = "XLK"
    crypto: str = "BTC-USD"
    stocks: str = "SPY"
    bonds: str = "AGG"

    def __post_init__(self) -> None:
        for spec in fields(self):
            text = getattr(self, spec.name)
            if not isinstance(text, str):  # before the cache, which needs a hashable text
                raise ConfigError(
                    f"universe.{spec.name}: {text!r} is not a ticker symbol or a basket such as "
                    "EFA:0.5,EEM:0.5"
                )
            basket = parse_basket(f"universe.{spec.name}", text)
            if len(basket) > 1 and spec.name in SINGLE_ROLES:
                raise ConfigError(
                    f"universe.{spec.name} = {text}: {spec.name} takes one "
                    "ticker (its prices are the benchmark's, and the stocks' days the calendar); "
                    "a basket fits small_caps, international, tech or crypto"
                )
            object.__setattr__(self, spec.name, basket_text(basket))

    def basket(self, role: Role) -> dict[str, float]:
        """Return the tickers playing ``role`` and their shares of its weight (one ticker: 1)."""
        return dict(parse_basket(f"universe.{role}", getattr(self, role)))

    def tickers(self, role: Role) -> tuple[str, ...]:
        """Return the tickers playing ``role``, in the basket's order."""
        return tuple(self.basket(role))

    def is_crypto(self, ticker: str) -> bool:
        """Crypto trades every day and may jump: the crypto role's tickers or any ``*-USD``."""
        return ticker in self.tickers("crypto") or ticker.endswith("-USD")


def check_ticker(key: str, text: object, *, roles: bool = False, also: str = "") -> str:
    """Return ``text`` if it is a ticker symbol (`TICKER`), else raise `ConfigError` naming ``key``.

    Every key that names a ticker goes through here (the universe's roles, the signals'
    inputs, the support levels, the per-ticker costs): a ticker becomes a file name in the data
    folder and the cache, so ``../x`` or ``/etc/passwd`` must never get that far. ``roles``
    also accepts a role's name (``small_caps``), for the keys that read a role's ticker;
    ``also`` adds to the message's examples.
    """
    if isinstance(text, str) and (TICKER.match(text) or (roles and text in ROLES)):
        return text
    role_hint = f", or a role: {', '.join(ROLES)}" if roles else ""
    raise ConfigError(
        f"{key}: {text!r} is not a ticker symbol (letters, digits and ^=.- only, for example "
        f"QQQ, BTC-USD, ^VIX{also}{role_hint})"
    )


@functools.lru_cache(maxsize=256)
def parse_basket(key: str, text: str) -> tuple[tuple[str, float], ...]:
    """``EFA:0.5,EEM:0.5`` -> ((EFA, 0.5), (EEM, 0.5)); a lone ticker has the weight 1.

    Raises `ConfigError` naming ``key`` for a bad ticker, a weight that is not a positive number,
    a ticker given twice, or weights that do not add up to 1.
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 1 and ":" not in parts[0]:
        parts = [f"{parts[0]}:1"]
    basket: dict[str, float] = {}
    for part in parts:
        ticker, colon, weight = (piece.strip() for piece in part.partition(":"))
        check_ticker(key, ticker, also="; a basket is EFA:0.5,EEM:0.5")
        try:
            share = float(weight) if colon else float("nan")
        except ValueError:
            share = float("nan")
        if not (math.isfinite(share) and share > 0):
            raise ConfigError(
                f"{key} = {text}: the weight of {ticker} must be a finite number above 0, got "
                f"{weight!r}; write a basket as TICKER:WEIGHT,... with weights adding up to 1"
            )
        if ticker in basket:
            raise ConfigError(f"{key} = {text}: {ticker} appears twice in the basket")
        basket[ticker] = share
    total = math.fsum(basket.values())
    if abs(total - 1.0) > BASKET_TOLERANCE:
        raise ConfigError(
            f"{key} = {text}: the basket's weights add up to {total:g}, not 1; they are shares "
            "of the role's weight"
        )
    return tuple(basket.items())


def basket_text(basket: tuple[tuple[str, float], ...]) -> str:
    """The canonical text of a basket: the lone ticker, or ``TICKER:WEIGHT`` pairs."""
    if len(basket) == 1:
        return basket[0][0]
    return ",".join(f"{ticker}:{weight!r}" for ticker, weight in basket)


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
    ``carried`` the count of carried closes per ticker; ``carried_on`` the dates (warm-up
    included) on which a ticker's value is an earlier close carried forward, not one of its own
    (none listed for a ticker: every close it has is its own).

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
    carried_on: dict[str, pd.DatetimeIndex] = field(default_factory=dict)
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

    def own_closes(self, tickers: list[str]) -> pd.DataFrame:
        """True where a ticker has a close of its own on `history`'s dates (not NaN, not carried).

        Timing: element-wise; a close is its own on the dates its source printed it.
        """
        frame = self.history[tickers].notna()
        for ticker in tickers:
            frame.loc[frame.index.isin(self.carried_on.get(ticker, [])), ticker] = False
        return frame

    def sessions(self) -> Market:
        """The market on the stock ticker's own trading days only: the dates signals decide on.

        On the equity calendar that is the market itself. On the 7-day calendar it drops the
        weekends and holidays, so a window (a 200-day average, a 63-day hold, 3 days to
        confirm) counts the same trading days on both calendars and one configuration means one
        strategy; a weekend's crypto closes enter the signals at the next session's close.
        """
        if "sessions" not in self._memo:
            stocks = self.universe.stocks
            own = self.own_closes([stocks])[stocks].to_numpy()
            if own.all():
                self._memo["sessions"] = self
            else:
                first = len(self.history) - len(self.prices)
                kept = self.history.index[own]
                self._memo["sessions"] = replace(
                    self,
                    prices=self.prices[own[first:]],
                    carried_on={t: d.intersection(kept) for t, d in self.carried_on.items()},
                    warmup=self.warmup[own[:first]] if not self.warmup.empty else self.warmup,
                    _memo={},
                )
        return self._memo["sessions"]

    def from_sessions(self, values: Any, carry: bool = True) -> Any:
        """Values on `sessions`' history spread over `history`'s dates.

        ``carry``: a date between sessions takes the latest session's value (a regime, a
        reading); otherwise it is False (a trigger fires on a session's close only). An array
        (always carried), Series or frame on the sessions' dates; unchanged on the equity
        calendar. Timing: a date takes values from sessions on or before it only.
        """
        sessions = self.sessions()
        if sessions is self:
            return values
        index = sessions.history.index
        if isinstance(values, np.ndarray):  # carried
            return values[np.maximum(index.searchsorted(self.history.index, "right") - 1, 0)]
        if carry:
            return values.reindex(self.history.index, method="ffill")
        return values.reindex(self.history.index, fill_value=False)

    def printed(self, tickers: list[str]) -> pd.DataFrame:
        """`own_closes` on the run's dates: the closes a trade may fill at."""
        return self.in_run(self.own_closes(tickers))

    def evaluate(self, signal: Any, method: str = "evaluate") -> Any:
        """``signal.<method>(self)`` on `history`, computed once per distinct signal.

        Signals are frozen, deterministic functions of their parameters and the market, so a
        sweep that varies only thresholds reads each signal once.
        """
        key = (signal, method)
        if key not in self._memo:
            self._memo[key] = getattr(signal, method)(self)
        return self._memo[key]


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
    held: tuple[str, ...] = ()
    """Tickers a portfolio holds beyond its roles': a call's book may name any ticker, and the
    benchmark may (``--set benchmark=IWM:0.5,EFA:0.5``)."""

    def tickers(self) -> list[str]:
        """The tickers to load: the traded ones, then the signals' inputs."""
        return list(dict.fromkeys([*self.traded(), *self.signal_tickers]))

    def role_of(self, ticker: str) -> str | None:
        """The key of the first role trading ``ticker`` (``universe.tech``); None for a signal's."""
        for role in (*self.roles, *SINGLE_ROLES):
            if ticker in self.universe.tickers(role):
                return f"universe.{role}"
        return None

    def traded(self) -> list[str]:
        """The tickers a portfolio may hold: the ones that decide the start and the end."""
        stock, bonds = self.universe.stocks, self.universe.bonds
        roles = (ticker for role in self.roles for ticker in self.universe.tickers(role))
        return list(dict.fromkeys([stock, bonds, *roles, *self.held]))


def joined(requests: list[MarketRequest]) -> MarketRequest:
    """One request for what all of ``requests`` need: their roles, signals' tickers and files.

    They must agree on the rest (universe, dates, calendar, partial legs), as the combinations
    of a sweep do (a sweep changes numeric parameters only).
    """
    first = requests[0]
    if len(requests) == 1:
        return first
    shared = ("universe", "start", "end", "calendar", "allow_partial")
    if any(getattr(r, key) != getattr(first, key) for r in requests for key in shared):
        raise ValueError(f"joined: the requests differ in one of {', '.join(shared)}")
    return replace(
        first,
        roles=tuple(dict.fromkeys(role for r in requests for role in r.roles)),
        signal_tickers=tuple(dict.fromkeys(t for r in requests for t in r.signal_tickers)),
        held=tuple(dict.fromkeys(t for r in requests for t in r.held)),
        external={name: file for r in requests for name, file in r.external.items()},
    )
