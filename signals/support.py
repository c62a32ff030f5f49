"""Support levels: a close breaking below a price, an average or a drawdown, confirmed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, get_args

import pandas as pd

from core.errors import ConfigError
from core.off import OFF
from core.ranges import Range, check_ranges
from data.market import Market, check_ticker
from signals.base import Signal, average_of, close_of
from signals.rules import armed, confirmed

SupportMode = Literal["absolute", "below_average", "drawdown", "below_level"]
SUPPORT_MODES: tuple[SupportMode, ...] = get_args(SupportMode)


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
        close = close_of(market, self.ticker, self.label)
        if self.absolute:
            return pd.Series(self.level, index=close.index).where(close.notna())
        if self.mode == "below_average":
            return average_of(close, self.window) * (1.0 - self.level)
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
        close = close_of(market, self.ticker, self.label)
        support = market.evaluate(self, "support")
        return close <= support if self.mode == "drawdown" else close < support


def support_levels(
    given: Mapping[str, Any], defaults: Mapping[str, SupportBreak]
) -> dict[str, SupportBreak]:
    """Support levels from their specs: a level object, or a mapping of its fields.

    A mapping for the name of one of ``defaults`` changes only the fields it names; ``off``
    removes the level. Every problem names its key, ``strategy.supports.NAME.FIELD``.
    """
    if not isinstance(given, Mapping):
        raise ConfigError(
            f"strategy.supports = {given!r}: expected a mapping of names to levels, for example "
            "{gold: {ticker: GC=F, mode: absolute, level: 4550}}"
        )
    known = {spec.name for spec in fields(SupportBreak)}
    levels = {}
    for name, spec in given.items():
        key = f"strategy.supports.{name}"
        if isinstance(spec, SupportBreak):
            levels[str(name)] = spec
            continue
        if isinstance(spec, bool | str | None) and str(spec).strip().lower() in OFF:
            continue
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{key} = {spec!r}: expected the level's fields or off")
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ConfigError(
                f"{key}.{unknown[0]}: unknown field of a support level; valid: "
                f"{', '.join(sorted(known))}"
            )
        base = defaults.get(str(name))
        values = {**(vars(base) if base else {}), **spec}
        if not base and not {"ticker", "level"} <= set(spec):
            raise ConfigError(f"{key}: a new support level needs a ticker and a level")
        try:
            levels[str(name)] = SupportBreak(**values)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("strategy.", f"{key}.", 1)) from None
    return levels
