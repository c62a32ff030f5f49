"""A switch's signals built from its parameters: the reading, the support levels, the guard.

The names are those `signals.switch` reads: ``bull_bear``, ``support_<name>`` and
``dollar_guard``. A role's name given for a ticker (``tech``) reads the universe's ticker.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from core.errors import ConfigError
from data.csv_source import PUBLISHED_READINGS
from data.market import ROLES, Universe
from signals.base import Signal
from signals.bull_bear import BullBearProxy, PublishedThenProxy
from signals.dollar_guard import DollarSystemic
from signals.readings import ExternalIndicator
from signals.switch import SUPPORT_PREFIX

SIGNAL_FIELDS = (
    *("reading_source", "published_vintage"),
    *("reading_file", "reading_column", "reading_delay_days", "reading_window_days"),
    *("reading_scale", "reading_max_age_days"),
    *("reading_min_components", "reading_crypto", "aaii_file", "aaii_column", "aaii_delay_days"),
    *("reading_breadth", "reading_trend", "reading_crypto_ticker"),
    *("supports", "dollar_guard", "dollar_ticker", "dollar_level", "yields_ticker"),
    *("yields_fall_bps", "yields_days", "dollar_mode"),
)
"""The parameters the signals depend on (the thresholds and books are not among them)."""


@functools.lru_cache(maxsize=1024)
def build_signals(spec: tuple[tuple[str, Any], ...], universe: Universe) -> dict[str, Signal]:
    """The signals by name, on the universe's tickers, from the `SIGNAL_FIELDS` values.

    ``spec`` is ``(field, value)`` pairs, the support levels as ``(name, level)`` pairs; a
    trigger that is off is absent. Cached: a switch's signals are built once per distinct
    signal parameters (a threshold sweep shares them). The result is shared: read it only.
    """
    given = SimpleNamespace(**dict(spec))
    aaii = None
    if given.aaii_file:
        aaii = ExternalIndicator(
            name="aaii",
            path=given.aaii_file,
            column=given.aaii_column,
            delay_days=given.aaii_delay_days,
        )

    def ticker(name: str, key: str) -> str:  # a ticker of the data, or a role's one ticker
        if name not in ROLES:
            return name
        tickers = universe.tickers(name)  # type: ignore[arg-type]
        if len(tickers) > 1:
            raise ConfigError(
                f"strategy.{key} = {name} reads the role's ticker, but universe.{name} is a "
                f"basket ({getattr(universe, name)}); give it one ticker, for example "
                f"--set strategy.{key}={tickers[0]}"
            )
        return tickers[0]

    breadth = (
        universe.tickers(name) if name in ROLES else (name,)  # type: ignore[arg-type]
        for name in given.reading_breadth
    )
    reading: Signal = BullBearProxy(
        breadth=tuple(dict.fromkeys(t for tickers in breadth for t in tickers)),
        stocks=ticker(given.reading_trend, "reading_trend"),
        crypto=(
            ticker(given.reading_crypto_ticker, "reading_crypto_ticker")
            if given.reading_crypto
            else None
        ),
        window_days=given.reading_window_days,
        min_components=given.reading_min_components,
        aaii=aaii,
    )
    if given.reading_source != "proxy":
        published = ExternalIndicator(
            name="bull_bear",
            path=given.reading_file or str(PUBLISHED_READINGS),
            column=given.reading_column,
            delay_days=given.reading_delay_days,
            scale=10.0 / given.reading_scale,
            bounds=(0.0, given.reading_scale),
            max_age_days=given.reading_max_age_days or None,
            vintage=given.published_vintage,
        )
        reading = (
            published
            if given.reading_source == "published"
            else PublishedThenProxy(published=published, proxy=reading)
        )
    signals: dict[str, Signal] = {"bull_bear": reading}
    for name, support in given.supports:
        on = ticker(support.ticker, f"supports.{name}.ticker")
        signals[f"{SUPPORT_PREFIX}{name}"] = replace(support, ticker=on)
    if given.dollar_guard:
        signals["dollar_guard"] = DollarSystemic(
            ticker=given.dollar_ticker,
            level=given.dollar_level,
            yields=given.yields_ticker,
            yields_fall_bps=given.yields_fall_bps,
            yields_days=given.yields_days,
            mode=given.dollar_mode,
        )
    return signals


def switch_signals(params: Any, universe: Universe) -> dict[str, Signal]:
    """`build_signals` on the `SIGNAL_FIELDS` of ``params`` (a switching strategy), a copy."""
    spec = tuple(
        (name, tuple(params.supports.items()) if name == "supports" else getattr(params, name))
        for name in SIGNAL_FIELDS
    )
    return dict(build_signals(spec, universe))
