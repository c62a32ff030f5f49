"""Every indicator a call may name, with its parameters, defaults and what it gives.

A call file's ``signals:`` section writes ``NAME: {INDICATOR: {PARAM: value}}``; `INDICATORS`
is what its loader checks those against and what ``--describe call`` lists. `build` makes the
`signals.indicators.Signal` of one entry on a universe: a ticker parameter may name a role
(``tech``), read as the universe's ticker, or its basket where a basket fits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import ConfigError
from data.csv_source import PUBLISHED_READINGS
from data.market import ROLES, Universe
from signals.base import Signal
from signals.blocks import (
    Average,
    Price,
    PriceVsAverage,
    RelativeStrength,
    TrailingReturn,
    Volatility,
    YieldChange,
)
from signals.bull_bear import BullBearProxy, PublishedThenProxy
from signals.dollar_guard import DollarSystemic
from signals.readings import ExternalIndicator
from signals.support import SupportBreak

Kind = str
"""A parameter's kind: ticker, basket (a ticker or a role's basket), tickers, number, whole,
flag, file, text, or a choice written ``a|b|c``."""


@dataclass(frozen=True)
class Param:
    """One parameter of an indicator: its kind, default (None: required) and meaning."""

    kind: Kind
    default: Any
    doc: str


@dataclass(frozen=True)
class Indicator:
    """An indicator: what it is, whether it gives a value or a trigger, its parameters."""

    doc: str
    gives: str  # "value" (a number on each bar) or "trigger" (true/false)
    params: Mapping[str, Param]
    make: Callable[[dict[str, Any], Universe], Signal]


def _one(text: str, universe: Universe, key: str) -> str:
    """A ticker, or the one ticker of a role."""
    if text not in ROLES:
        return text
    tickers = universe.tickers(text)  # type: ignore[arg-type]
    if len(tickers) > 1:
        raise ConfigError(f"{key} = {text}: the role is a basket here; give one ticker")
    return tickers[0]


def _basket(text: str, universe: Universe) -> tuple[tuple[str, float], ...]:
    """A ticker as a basket of one, or a role's basket."""
    if text in ROLES:
        return tuple(universe.basket(text).items())  # type: ignore[arg-type]
    return ((text, 1.0),)


def _bull_bear(p: dict[str, Any], u: Universe) -> Signal:
    breadth = (t for name in p["breadth"] for t in _basket(name, u))
    aaii = None
    if p["aaii_file"]:
        aaii = ExternalIndicator(
            name="aaii",
            path=p["aaii_file"],
            column=p["aaii_column"],
            delay_days=p["aaii_delay_days"],
        )
    proxy = BullBearProxy(
        breadth=tuple(dict.fromkeys(ticker for ticker, _ in breadth)),
        stocks=_one(p["trend"], u, "trend"),
        crypto=_one(p["crypto_ticker"], u, "crypto_ticker") if p["crypto"] else None,
        window_days=p["window_days"],
        min_components=p["min_components"],
        aaii=aaii,
    )
    if p["source"] == "proxy":
        return proxy
    published = _readings({**p, "name": "bull_bear", "bounds": True}, u)
    return (
        published
        if p["source"] == "published"
        else PublishedThenProxy(
            published=published,
            proxy=proxy,  # type: ignore[arg-type]
        )
    )


def _readings(p: dict[str, Any], u: Universe) -> Signal:
    return ExternalIndicator(
        name=p.get("name", "readings"),
        path=p["file"] or str(PUBLISHED_READINGS),
        column=p["column"],
        delay_days=p["delay_days"],
        scale=10.0 / p["scale"] if p.get("bounds") else p["scale"],
        bounds=(0.0, p["scale"]) if p.get("bounds") else None,
        max_age_days=p["max_age_days"] or None,
        vintage=p["vintage"],
    )


_FILE = {
    "file": Param("file", None, "a CSV (date and a column); none: BofA's bundled readings"),
    "column": Param("text", "reading", "the file's column"),
    "delay_days": Param("whole", 1, "calendar days after a reading's date before it is used"),
    "max_age_days": Param("whole", 42, "calendar days a reading stays in force (0: no limit)"),
    "vintage": Param("all|live", "all", "live: only rows published at the time"),
}
_TICKER = Param("basket", "stocks", "a ticker, or a role (its basket where it is one)")

INDICATORS: dict[str, Indicator] = {
    "bull_bear": Indicator(
        "BofA's Bull & Bear reading, 0-10: the price proxy, the published readings, or both",
        "value",
        {
            "source": Param("proxy|published|published_then_proxy", "proxy", "where it comes from"),
            **_FILE,
            "scale": Param("number", 10.0, "the file's readings run from 0 to this"),
            "window_days": Param("whole", 756, "bars each proxy component is ranked against"),
            "min_components": Param("whole", 3, "components the proxy needs"),
            "breadth": Param("tickers", ["SPY", "IWM", "EFA", "XLK"], "the breadth tickers"),
            "trend": Param("ticker", "SPY", "the trend component's ticker"),
            "crypto": Param("flag", False, "crypto froth joins the components"),
            "crypto_ticker": Param("ticker", "BTC-USD", "the crypto froth ticker"),
            "aaii_file": Param("file", None, "an AAII survey CSV whose spread joins the proxy"),
            "aaii_column": Param("text", "Bull_Bear_Spread", "the survey file's column"),
            "aaii_delay_days": Param("whole", 1, "days after a survey before it is used"),
        },
        _bull_bear,
    ),
    "readings": Indicator(
        "a dated series from a CSV file, carried forward while in force",
        "value",
        {**_FILE, "scale": Param("number", 1.0, "multiplies each reading")},
        _readings,
    ),
    "support": Indicator(
        "a price level's break: a close crossing below it, confirmed, re-armed above it",
        "trigger",
        {
            "ticker": Param("ticker", None, "the ticker watched (or a role's one ticker)"),
            "mode": Param("absolute|below_average|drawdown|below_level", "absolute", "the level"),
            "level": Param("number", None, "a price, or a fraction below the average or high"),
            "window": Param("whole", 200, "bars of the average or high (relative modes)"),
            "confirm_days": Param("whole", 3, "closes in a row beyond the level"),
            "rearm_bars": Param("whole", 0, "bars after a firing before the next"),
        },
        lambda p, u: SupportBreak(**{**p, "ticker": _one(p["ticker"], u, "ticker")}),
    ),
    "dollar_guard": Indicator(
        "the systemic guard: the dollar at its level with yields falling",
        "trigger",
        {
            "ticker": Param("ticker", "DX-Y.NYB", "the dollar index"),
            "level": Param("number", 100.0, "the dollar level"),
            "yields": Param("ticker", "^TNX", "ten-year yields, in percent"),
            "yields_fall_bps": Param("number", 50.0, "the fall in yields also needed (0: none)"),
            "yields_days": Param("whole", 21, "bars over which yields fall"),
            "mode": Param("cross|level", "cross", "cross: fires once per crossing"),
        },
        lambda p, u: DollarSystemic(**p),
    ),
    "price": Indicator(
        "the close (a basket's share-weighted closes)",
        "value",
        {"ticker": _TICKER},
        lambda p, u: Price(basket=_basket(p["ticker"], u)),
    ),
    "average": Indicator(
        "the simple moving average of the closes (daily) or month-end closes (monthly)",
        "value",
        {
            "ticker": _TICKER,
            "window": Param("whole", 200, "closes averaged"),
            "sample": Param("daily|monthly", "daily", "which closes"),
        },
        lambda p, u: Average(
            basket=_basket(p["ticker"], u), window=p["window"], sample=p["sample"]
        ),
    ),
    "price_vs_average": Indicator(
        "the close over its moving average, minus 1 (0.05: 5% above)",
        "value",
        {
            "ticker": _TICKER,
            "window": Param("whole", 200, "closes averaged"),
            "sample": Param("daily|monthly", "daily", "which closes"),
        },
        lambda p, u: PriceVsAverage(
            basket=_basket(p["ticker"], u), window=p["window"], sample=p["sample"]
        ),
    ),
    "trailing_return": Indicator(
        "the return over the last window bars (0.1: 10%)",
        "value",
        {"ticker": _TICKER, "window": Param("whole", 252, "bars")},
        lambda p, u: TrailingReturn(basket=_basket(p["ticker"], u), window=p["window"]),
    ),
    "relative_strength": Indicator(
        "one ticker's (basket's) trailing return minus another's",
        "value",
        {
            "ticker": _TICKER,
            "versus": Param("basket", None, "the other ticker or role"),
            "window": Param("whole", 252, "bars"),
        },
        lambda p, u: RelativeStrength(
            basket=_basket(p["ticker"], u), versus=_basket(p["versus"], u), window=p["window"]
        ),
    ),
    "yield_change": Indicator(
        "a yield's change over the window, in basis points",
        "value",
        {
            "ticker": Param("ticker", "^TNX", "a yield in percent"),
            "window": Param("whole", 21, "bars"),
        },
        lambda p, u: YieldChange(basket=((p["ticker"], 1.0),), window=p["window"]),
    ),
    "volatility": Indicator(
        "realised volatility of daily returns over the window, annualised (0.2: 20%)",
        "value",
        {"ticker": _TICKER, "window": Param("whole", 21, "returns")},
        lambda p, u: Volatility(basket=_basket(p["ticker"], u), window=p["window"]),
    ),
}


def build(indicator: str, given: Mapping[str, Any], universe: Universe) -> Signal:
    """The signal of one ``signals:`` entry: its parameters over the defaults, on ``universe``."""
    spec = INDICATORS[indicator]
    values = {name: param.default for name, param in spec.params.items()}
    values.update(given)
    missing = [name for name, value in values.items() if value is None and name in REQUIRED]
    if missing:
        raise ConfigError(f"{indicator} needs {', '.join(missing)}")
    return spec.make(values, universe)


REQUIRED = ("ticker", "level", "versus")
"""Parameters with no default: a support's ticker and level, relative strength's other side."""
