"""Signals: small frozen objects mapping a Market to a daily series, with no look-ahead.

A signal's ``evaluate`` returns a series on ``market.history.index`` (the warm-up before the
run, then the run's dates): a float reading (the sentiment proxy, an external indicator) or a
NaN-free bool trigger (support breaks, the dollar guard, combinations). ``defined`` says on which
dates a signal had the data to say anything, so a trigger that is False for want of history is
told apart from one that is False. The helpers in `signals.rules` are re-exported here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

import numpy as np
import pandas as pd

from core.errors import ConfigError, DataError
from core.ranges import Range, check_range, check_ranges
from data.market import Market, check_ticker
from signals.rules import armed, as_flags, confirmed, crossed_above, holding, hysteresis

__all__ = [
    "AllOf",
    "AnyOf",
    "BullBearProxy",
    "DollarSystemic",
    "ExternalIndicator",
    "Not",
    "PublishedThenProxy",
    "Signal",
    "SupportBreak",
    "armed",
    "confirmed",
    "crossed_above",
    "holding",
    "hysteresis",
]

SupportMode = Literal["absolute", "below_average", "drawdown", "below_level"]
SUPPORT_MODES: tuple[SupportMode, ...] = get_args(SupportMode)
GuardMode = Literal["cross", "level"]
ReadingSource = Literal["proxy", "published", "published_then_proxy"]
READING_SOURCES: tuple[ReadingSource, ...] = get_args(ReadingSource)
Vintage = Literal["all", "live"]
VINTAGE_CHOICES: tuple[Vintage, ...] = get_args(Vintage)
GUARD_MODES: tuple[GuardMode, ...] = get_args(GuardMode)
READING_SCALE = (0.0, 10.0)
"""The Bull & Bear reading's scale, as BofA publishes it (the proxy maps onto it too)."""
_YIELD_TOLERANCE = 1e-9
"""Percentage points: a fall of exactly the threshold counts despite float rounding."""


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


def _close(market: Market, ticker: str, who: str) -> pd.Series:
    """Return a ticker's closes as floats, or a `DataError` naming the signal that needs it."""
    if ticker not in market.history.columns:
        raise DataError(
            f"signal {who} needs {ticker}, which is not among the market's prices; "
            "load it with the signal's tickers()"
        )
    return market.history[ticker].astype(float)


def _average(close: pd.Series, days: int) -> pd.Series:
    """Simple moving average of the last ``days`` closes; NaN until there are ``days``."""
    return close.rolling(days, min_periods=days).mean()


def _percentile(x: pd.Series, window: int) -> pd.Series:
    """Rank of ``x[t]`` among the ``window`` values ending at ``t``, as a fraction in (0, 1].

    Ties take the average rank. NaN unless all ``window`` values are present.
    """
    return x.rolling(window, min_periods=window).rank(pct=True)


@dataclass(frozen=True, kw_only=True)
class ExternalIndicator(Signal):
    """A dated series read from a file (e.g. the AAII bull-bear spread), times ``scale``.

    Timing: a reading dated ``d`` is usable from the first calendar date ``>= d + delay_days``
    and is carried forward until the next usable reading, for at most ``max_age_days`` calendar
    days after ``d`` (None: forever); NaN before the first and once too old. Blank readings are
    skipped (the one before carries on); a published signal without a number reads ``+inf``
    (sell) or ``-inf`` (buy), beyond any threshold (`data.csv_source.read_indicator_csv`). With
    ``bounds``, a number outside them (before ``scale``) stops the run naming its line. With
    ``vintage="live"`` the rows a file marks ``reconstructed`` (known only from a later
    publication) are left out.
    """

    name: str
    path: str
    column: str
    delay_days: int = 1
    scale: float = 1.0
    bounds: tuple[float, float] | None = None
    max_age_days: int | None = None
    vintage: Vintage = "all"

    RANGES: ClassVar[dict[str, Range]] = {
        "delay_days": Range(0, 3660),
        "scale": Range(-1000.0, 1000.0),
        "max_age_days": Range(1, 36_600),  # or None: no limit
    }

    def __post_init__(self) -> None:
        if self.vintage not in VINTAGE_CHOICES:
            raise ConfigError(
                f"strategy.published_vintage = {self.vintage!r}; expected one of "
                f"{', '.join(VINTAGE_CHOICES)}"
            )
        if not self.name:
            raise ConfigError("strategy.name: an external indicator needs a name")
        check_ranges(self, "strategy")

    def external(self) -> dict[str, tuple[str, str]]:
        """Return ``{name: (path, column)}``."""
        return {self.name: (self.path, self.column)}

    @property
    def label(self) -> str:
        """The indicator's name."""
        return self.name

    def _readings(self, market: Market) -> pd.Series:
        if self.name not in market.external:
            raise DataError(
                f"signal {self.name} needs the external series {self.name!r} "
                f"({self.path}, column {self.column}); the market does not hold it"
            )
        readings = market.external[self.name]
        if self.bounds is not None:
            low, high = self.bounds
            finite = np.isfinite(readings.to_numpy(dtype=float))  # a bare signal is +-inf
            outside = finite & ((readings < low) | (readings > high)).to_numpy()
            if outside.any():
                at = int(np.argmax(outside))
                lines = readings.attrs.get("lines")
                where = f"line {lines[at]}" if lines else f"{readings.index[at].date()}"
                raise DataError(
                    f"{self.path}, {where}: {self.column} {readings.iloc[at]:g} is outside the "
                    f"readings' scale {low:g} to {high:g}; fix the file or declare its scale"
                )
        rows = readings.attrs.get("rows")  # as the file gave them, one a date
        if self.vintage == "live" and rows is not None:
            readings = readings[(rows["vintage"] == "live").to_numpy()]
        return readings.astype(float).dropna()

    def latest(self, market: Market) -> pd.DataFrame:
        """The latest usable reading at each date, stale or not, and what the file says of it.

        Columns: ``date``, ``value`` (times ``scale``; +-inf for a bare signal), ``signal``,
        ``vintage``, ``precision``, ``title``, ``age_days`` and ``stale``; NaT, NaN or "" where no
        reading has been usable yet.
        """
        readings = self._readings(market)
        rows = market.external[self.name].attrs.get("rows")
        position, age = market.evaluate(self, "_latest")
        known = position >= 0
        at = np.maximum(position, 0)
        table = pd.DataFrame(index=market.history.index)
        table["date"] = pd.Series(readings.index[at], index=table.index).where(known)
        table["value"] = np.where(known, readings.to_numpy()[at] * self.scale, np.nan)
        for column, default in (
            ("signal", ""), ("vintage", "live"), ("precision", "day"), ("title", "")
        ):  # fmt: skip
            values = (
                rows.loc[readings.index, column].to_numpy()[at]
                if rows is not None
                else np.full(len(at), default, dtype=object)
            )
            table[column] = np.where(known, values, "")
        table["age_days"] = np.where(known, age, -1)
        table["stale"] = market.evaluate(self, "stale").to_numpy()
        return table

    def _latest(self, market: Market) -> tuple[np.ndarray, np.ndarray]:
        """For each date, the latest usable reading's position (-1: none) and its age in days."""
        readings = self._readings(market)
        dated = pd.DatetimeIndex(readings.index)
        usable = (dated + pd.Timedelta(days=self.delay_days)).ceil("D")
        order = np.argsort(usable.to_numpy(), kind="stable")
        dates = market.history.index
        latest = usable[order].searchsorted(dates, side="right") - 1  # the last usable one
        position = np.where(latest >= 0, order[np.maximum(latest, 0)], -1)
        age = (dates - dated[np.maximum(position, 0)]).days.to_numpy()
        return position, np.where(position >= 0, age, -1)

    def stale(self, market: Market) -> pd.Series:
        """True where a reading was usable but is older than ``max_age_days``."""
        position, age = market.evaluate(self, "_latest")
        too_old = (position >= 0) & (age > (self.max_age_days or np.iinfo(np.int64).max))
        return pd.Series(too_old, index=market.history.index)

    def evaluate(self, market: Market) -> pd.Series:
        """Return the latest usable reading on each of the market's dates."""
        values = self._readings(market).to_numpy() * self.scale
        position, _ = market.evaluate(self, "_latest")
        out = np.where(position >= 0, values[np.maximum(position, 0)], np.nan)
        out[market.evaluate(self, "stale").to_numpy()] = np.nan
        return pd.Series(out, index=market.history.index, name=self.label)


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
            close = _close(market, ticker, who)
            return close / _average(close, self.average_days) - 1.0

        above = pd.DataFrame(
            {t: stretch(t) for t in dict.fromkeys(self.breadth)}, index=market.history.index
        )
        counted = above.notna().sum(axis=1)
        breadth = (above > 0).sum(axis=1) / counted.where(counted > 0)
        ratio = _close(market, self.credit[0], who) / _close(market, self.credit[1], who)
        raw = {
            "breadth": breadth,
            "credit": ratio / _average(ratio, self.average_days) - 1.0,
            "volatility": -_close(market, self.volatility, who),
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
        return raw.apply(lambda column: _percentile(column, self.window_days))

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


@dataclass(frozen=True, kw_only=True)
class SupportBreak(Signal):
    """A break of support: a close crossing below it, held for ``confirm_days`` bars in a row.

    Modes: ``absolute``, the close crossing below ``level`` (a price: XLK 133, BTC-USD 58000,
    GC=F 4550) from at or above it; ``below_average``, below average * (1 - ``level``) over
    ``window`` closes; ``drawdown``, at or below high * (1 - ``level``), the high over the last
    ``window`` closes (today's included); ``below_level``, the close merely below ``level``,
    whatever it did before (a price that starts below its level is a break from the first bar).

    Re-arm: after a break, the same level fires again only after a close back above support
    (relative modes: or a support not yet known, so the first full window may break), and
    (``rearm_bars``) not before that many bars after the last firing. ``below_level`` is on
    whenever the close is confirmed below the level and has no re-arm rule.

    Timing: True at ``t`` while the break holds, from the bar its ``confirm_days``-th close
    below is seen; False where the close (or a full window) is missing.
    """

    ticker: str
    mode: SupportMode = "below_average"
    level: float
    window: int = 200
    confirm_days: int = 3
    rearm_bars: int = 0

    RANGES: ClassVar[dict[str, Range]] = {
        "level": Range(0.0, 1e10),  # a price above 0, or a fraction below 1 in relative modes
        "window": Range(1, 5000),
        "confirm_days": Range(1, 1000),
        "rearm_bars": Range(0, 5000),
    }

    def __post_init__(self) -> None:
        check_ticker("strategy.ticker", self.ticker, roles=True)  # a role's is read at build
        if self.mode not in SUPPORT_MODES:
            raise ConfigError(
                f"strategy.mode = {self.mode!r} is not a support mode; expected one of "
                f"{', '.join(SUPPORT_MODES)}"
            )
        check_ranges(self, "strategy")
        if self.mode in ("absolute", "below_level"):
            if not self.level > 0:
                raise ConfigError(
                    f"strategy.level = {self.level} is out of range; expected a price above 0 "
                    f"in {self.mode} mode"
                )
        elif not self.level < 1.0:
            raise ConfigError(
                f"strategy.level = {self.level} is out of range; expected a fraction from 0 to "
                f"below 1 in {self.mode} mode (0.1 is 10%)"
            )
        if self.mode == "below_level" and self.rearm_bars:
            raise ConfigError(
                "strategy.rearm_bars: below_level mode does not re-arm (it is on while the "
                "close is below the level); use mode absolute for a crossing with a pause"
            )

    def tickers(self) -> tuple[str, ...]:
        """Return the one ticker watched."""
        return (self.ticker,)

    def warmup_bars(self) -> int:
        """The average's or the high's window (relative modes), then the confirming closes."""
        return self.confirm_days + (0 if self.absolute else self.window - 1)

    @property
    def absolute(self) -> bool:
        """Whether support is the fixed ``level``, a price."""
        return self.mode in ("absolute", "below_level")

    def support(self, market: Market) -> pd.Series:
        """Return the support price on each date: the level, or the average's or high's share."""
        close = _close(market, self.ticker, self.label)
        if self.absolute:
            return pd.Series(self.level, index=close.index).where(close.notna())
        if self.mode == "below_average":
            return _average(close, self.window) * (1.0 - self.level)
        return close.rolling(self.window, min_periods=self.window).max() * (1.0 - self.level)

    def defined(self, market: Market) -> pd.Series:
        """Return True where the close and its support are known."""
        return market.evaluate(self, "support").notna()

    @property
    def label(self) -> str:
        """For example ``XLK crosses < 133 for 3d`` or ``BTC-USD 200d drawdown >= 30% for 3d``."""
        if self.mode == "absolute":
            rule = f"{self.ticker} crosses < {self.level:g}"
        elif self.mode == "below_level":
            rule = f"{self.ticker} < {self.level:g}"
        elif self.mode == "below_average":
            rule = f"{self.ticker} < {self.window}d avg -{100 * self.level:g}%"
        else:
            rule = f"{self.ticker} {self.window}d drawdown >= {100 * self.level:g}%"
        rearm = f", re-armed after {self.rearm_bars} bars" if self.rearm_bars else ""
        return f"{rule} for {self.confirm_days}d{rearm}"

    def evaluate(self, market: Market) -> pd.Series:
        """Return the confirmed break, a NaN-free bool series."""
        beyond = market.evaluate(self, "beyond")
        if self.mode == "below_level":
            return confirmed(beyond, self.confirm_days).rename(self.label)
        rearm = market.evaluate(self, "rearm")
        broken = armed(beyond, rearm, self.confirm_days, self.rearm_bars)
        return broken.rename(self.label)

    def rearm(self, market: Market) -> pd.Series:
        """Return True where a close re-arms the level: a close back above support.

        A relative support is new when its window fills, so a support not yet known re-arms
        it too; a fixed level is crossed only by a close seen above it.
        """
        back_above = ~market.evaluate(self, "beyond")
        if self.mode == "absolute":
            back_above &= market.evaluate(self, "support").notna()
        return back_above

    def beyond(self, market: Market) -> pd.Series:
        """Return True where the close is beyond support, before any confirmation."""
        close = _close(market, self.ticker, self.label)
        support = market.evaluate(self, "support")
        return close <= support if self.mode == "drawdown" else close < support


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
        rates = _close(market, self.yields, self.label)
        return rates - rates.shift(self.yields_days)

    def defined(self, market: Market) -> pd.Series:
        """Return True where the dollar (and the change in yields, when used) is known."""
        known = _close(market, self.ticker, self.label).notna()
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
        dollar = _close(market, self.ticker, self.label)
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
        return _close(market, self.ticker, self.label) < self.level


def _bool_of(signal: Signal, market: Market) -> np.ndarray:
    """Evaluate a trigger; a float reading is refused (turn it into a trigger first)."""
    values = signal.evaluate(market)
    if values.dtype != bool:
        raise ConfigError(
            f"signal {signal.label} gives a {values.dtype} reading, not a trigger; "
            "turn it into a trigger first (signals.rules.hysteresis)"
        )
    return values.to_numpy()


@dataclass(frozen=True)
class _Combination(Signal):
    """Signals combined element-wise; ``signals`` may be given by position."""

    signals: tuple[Signal, ...]
    _word: ClassVar[str] = "combination"

    def __post_init__(self) -> None:
        object.__setattr__(self, "signals", tuple(self.signals))
        if not self.signals or not all(isinstance(s, Signal) for s in self.signals):
            raise ConfigError(f"strategy.signals: {self._word} needs one or more signals")

    def tickers(self) -> tuple[str, ...]:
        """Return every input ticker, once each."""
        return tuple(dict.fromkeys(t for s in self.signals for t in s.tickers()))

    def external(self) -> dict[str, tuple[str, str]]:
        """Return every file read; one name must not mean two files."""
        files: dict[str, tuple[str, str]] = {}
        for signal in self.signals:
            for name, source in signal.external().items():
                if files.setdefault(name, source) != source:
                    raise ConfigError(f"external series {name!r} names two files")
        return files

    @property
    def label(self) -> str:
        """For example ``any(XLK < 133 for 3d, DX-Y.NYB >= 100)``."""
        return f"{self._word}({', '.join(s.label for s in self.signals)})"

    def warmup_bars(self) -> int:
        """The longest warm-up of its signals."""
        return max(signal.warmup_bars() for signal in self.signals)

    def defined(self, market: Market) -> pd.Series:
        """Return True where every one of its signals is defined."""
        known = np.vstack([signal.defined(market).to_numpy() for signal in self.signals])
        return pd.Series(known.all(axis=0), index=market.history.index)

    def evaluate(self, market: Market) -> pd.Series:
        """Return the combination, a NaN-free bool series."""
        flags = [_bool_of(signal, market) for signal in self.signals]
        combined = self._reduce(np.vstack(flags))
        return pd.Series(combined, index=market.history.index, name=self.label)

    @abstractmethod
    def _reduce(self, flags: np.ndarray) -> np.ndarray:
        """Combine flags, signals x dates, into one row."""


@dataclass(frozen=True)
class AnyOf(_Combination):
    """True where any of the triggers is. Timing: element-wise."""

    _word: ClassVar[str] = "any"

    def _reduce(self, flags: np.ndarray) -> np.ndarray:
        return flags.any(axis=0)


@dataclass(frozen=True)
class AllOf(_Combination):
    """True where all of the triggers are. Timing: element-wise."""

    _word: ClassVar[str] = "all"

    def _reduce(self, flags: np.ndarray) -> np.ndarray:
        return flags.all(axis=0)


@dataclass(frozen=True)
class Not(Signal):
    """True where the trigger is False. Timing: element-wise."""

    signal: Signal

    def tickers(self) -> tuple[str, ...]:
        """Return the inner signal's tickers."""
        return self.signal.tickers()

    def external(self) -> dict[str, tuple[str, str]]:
        """Return the inner signal's files."""
        return self.signal.external()

    @property
    def label(self) -> str:
        """For example ``not(DX-Y.NYB >= 100)``."""
        return f"not({self.signal.label})"

    def warmup_bars(self) -> int:
        """The inner signal's warm-up."""
        return self.signal.warmup_bars()

    def defined(self, market: Market) -> pd.Series:
        """Where the inner signal is defined."""
        return self.signal.defined(market)

    def evaluate(self, market: Market) -> pd.Series:
        """Return the negation, a NaN-free bool series."""
        flags = ~_bool_of(self.signal, market)
        return pd.Series(flags, index=market.history.index, name=self.label)
