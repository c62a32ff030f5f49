"""The Bull & Bear reading: the price proxy, and the published readings with the proxy between."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_range, check_ranges
from data.market import Market, check_ticker
from signals.base import Signal, average_of, close_of, percentile_of
from signals.readings import ExternalIndicator

ReadingSource = Literal["proxy", "published", "published_then_proxy"]
READING_SOURCES: tuple[ReadingSource, ...] = get_args(ReadingSource)
READING_SCALE = (0.0, 10.0)
"""The Bull & Bear reading's scale, as BofA publishes it (the proxy maps onto it too)."""


@dataclass(frozen=True, kw_only=True)
class BullBearProxy(Signal):
    """A 0-10 contrarian sentiment reading (10 = euphoric) built from public prices.

    Components, each oriented so that high means euphoric: ``breadth`` (share of the breadth
    tickers with a price and a full average that close above their ``average_days`` average),
    ``credit`` (HYG/IEF over its average, minus 1), ``volatility`` (minus the VIX), ``trend``
    (stocks over their average, minus 1), ``crypto`` (crypto over its average, minus 1; left
    out with ``crypto=None``) and, with ``aaii``, the survey's reading. Each becomes its
    percentile among its last ``window_days`` values; the reading is 10 times the mean of the
    percentiles available that day, NaN unless at least ``min_components`` are.

    Timing: the reading at ``t`` uses closes and readings up to ``t``; a component is NaN until
    it has ``window_days`` values (``average_days - 1 + window_days`` closes for an average).
    """

    breadth: tuple[str, ...] = ("SPY", "IWM", "EFA", "XLK")
    stocks: str = "SPY"
    credit: tuple[str, str] = ("HYG", "IEF")
    volatility: str = "^VIX"
    crypto: str | None = "BTC-USD"
    aaii: ExternalIndicator | None = None
    average_days: int = 200
    window_days: int = 756
    min_components: int = 3

    RANGES: ClassVar[dict[str, Range]] = {
        "average_days": Range(1, 5000),
        "window_days": Range(2, 10_000),
        "min_components": Range(1, 6),  # and at most the components there are
    }

    def __post_init__(self) -> None:
        object.__setattr__(self, "breadth", tuple(self.breadth))
        object.__setattr__(self, "credit", tuple(self.credit))
        if not self.breadth:
            raise ConfigError("strategy.breadth: expected at least one ticker")
        if len(self.credit) != 2:
            raise ConfigError(f"strategy.credit = {self.credit}; expected (credit, treasuries)")
        check_ranges(self, "strategy")
        for key, ticker in (
            *(("strategy.reading_breadth", ticker) for ticker in self.breadth),
            ("strategy.reading_trend", self.stocks),
            *(("strategy.credit", ticker) for ticker in self.credit),
            ("strategy.volatility", self.volatility),
            *((("strategy.reading_crypto_ticker", self.crypto),) if self.crypto else ()),
        ):
            check_ticker(key, ticker)
        check_range(
            "strategy.min_components",
            self.min_components,
            Range(1, len(self.component_names())),
        )

    def warmup_bars(self) -> int:
        """An average of ``average_days`` closes, then ``window_days`` of them to rank."""
        return self.average_days - 1 + self.window_days

    def component_names(self) -> tuple[str, ...]:
        """Return the components' names, in the order of `components`' columns."""
        names: tuple[str, ...] = ("breadth", "credit", "volatility", "trend")
        names = (*names, "crypto") if self.crypto is not None else names
        return (*names, "aaii") if self.aaii is not None else names

    def tickers(self) -> tuple[str, ...]:
        """Return every input ticker, once each."""
        inputs = (*self.breadth, self.stocks, *self.credit, self.volatility, self.crypto)
        return tuple(dict.fromkeys(t for t in inputs if t is not None))

    def external(self) -> dict[str, tuple[str, str]]:
        """Return the survey's file, if one is used."""
        return self.aaii.external() if self.aaii is not None else {}

    @property
    def label(self) -> str:
        """Return ``bull_bear_proxy``."""
        return "bull_bear_proxy"

    def raw_components(self, market: Market) -> pd.DataFrame:
        """Return the components before ranking, dates x component names (high = euphoric)."""
        who = self.label

        def stretch(ticker: str) -> pd.Series:
            close = close_of(market, ticker, who)
            return close / average_of(close, self.average_days) - 1.0

        above = pd.DataFrame(
            {t: stretch(t) for t in dict.fromkeys(self.breadth)}, index=market.history.index
        )
        counted = above.notna().sum(axis=1)
        breadth = (above > 0).sum(axis=1) / counted.where(counted > 0)
        ratio = close_of(market, self.credit[0], who) / close_of(market, self.credit[1], who)
        raw = {
            "breadth": breadth,
            "credit": ratio / average_of(ratio, self.average_days) - 1.0,
            "volatility": -close_of(market, self.volatility, who),
            "trend": stretch(self.stocks),
        }
        if self.crypto is not None:
            raw["crypto"] = stretch(self.crypto)
        if self.aaii is not None:
            raw["aaii"] = self.aaii.evaluate(market)
        return pd.DataFrame(raw, index=market.history.index, dtype=float)

    def components(self, market: Market) -> pd.DataFrame:
        """Return each component's trailing percentile (0..1), dates x component names."""
        raw = self.raw_components(market)
        return raw.apply(lambda column: percentile_of(column, self.window_days))

    def evaluate(self, market: Market) -> pd.Series:
        """Return the reading, 0-10, NaN where fewer than ``min_components`` are available."""
        ranks = self.components(market)
        reading = 10.0 * ranks.mean(axis=1)
        return reading.where(ranks.notna().sum(axis=1) >= self.min_components).rename(self.label)


@dataclass(frozen=True, kw_only=True)
class PublishedThenProxy(Signal):
    """The published reading where one is in force, the price proxy on the other dates.

    Timing: a date takes the published reading in force at it (`ExternalIndicator`: from the
    day after its date, until it is stale), else the proxy at that close; both use data up to
    that date only.
    """

    published: ExternalIndicator
    proxy: BullBearProxy

    def tickers(self) -> tuple[str, ...]:
        """The proxy's price inputs."""
        return self.proxy.tickers()

    def external(self) -> dict[str, tuple[str, str]]:
        """The readings file."""
        return self.published.external()

    def warmup_bars(self) -> int:
        """The proxy's warm-up (the readings need none)."""
        return self.proxy.warmup_bars()

    @property
    def label(self) -> str:
        """The published readings' name (``bull_bear``)."""
        return self.published.label

    def evaluate(self, market: Market) -> pd.Series:
        """Return the published reading, or the proxy where none is in force."""
        published = market.evaluate(self.published)
        return published.where(published.notna(), market.evaluate(self.proxy)).rename(self.label)


def reading_origin(reading: Signal, market: Market) -> pd.Series:
    """Which source gave each date's reading: ``published``, ``proxy`` or ``none``."""
    if isinstance(reading, PublishedThenProxy):
        published = market.evaluate(reading.published).notna().to_numpy()
        proxy = market.evaluate(reading.proxy).notna().to_numpy()
        origin = np.select([published, proxy], ["published", "proxy"], "none")
    else:
        kind = "published" if isinstance(reading, ExternalIndicator) else "proxy"
        origin = np.where(market.evaluate(reading).notna().to_numpy(), kind, "none")
    return pd.Series(origin, index=market.history.index, name="reading_source")
