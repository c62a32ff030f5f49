"""The benchmark a run is measured against: 60/40 (the note's), cash, a ticker or a mix.

``benchmark`` is a run-wide key: ``60/40`` (the default, `SixtyForty` on the universe's stocks and
bonds), ``cash`` (nothing held: the portfolio earns the cash rate), one ticker (``SPY``) or a
fixed mix rebalanced on the engine's schedule (``IWM:0.5,EFA:0.5``, weights adding up to 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import ConfigError
from data.market import Market, Role, basket_text, parse_basket
from strategies.base import Strategy
from strategies.sixty_forty import SixtyForty

SIXTY_FORTY = "60/40"
CASH = "cash"


@dataclass(frozen=True, kw_only=True)
class FixedMix(Strategy):
    """Fixed weights in named tickers, the rest in cash; no tickers at all is cash.

    A yardstick, not a view: what a user compares a strategy with when 60/40 is not theirs.
    """

    name = "benchmark"
    summary = "a fixed mix of tickers (or cash), rebalanced on the engine's schedule"

    weights: tuple[tuple[str, float], ...] = ()

    def roles(self) -> tuple[Role, ...]:
        """No role: the benchmark names its tickers itself."""
        return ()

    def target_weights(self, market: Market) -> pd.DataFrame:
        """The mix on every date; cash holds the stock ticker at zero (its prices, no position)."""
        row = dict(self.weights) or {market.universe.stocks: 0.0}
        return pd.DataFrame(
            np.tile(np.array(list(row.values()), dtype=float), (len(market.prices), 1)),
            index=market.prices.index,
            columns=list(row),
        )


def parse_benchmark(text: str) -> str:
    """The canonical text of a benchmark, or a `ConfigError` naming the key and the forms."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(
            f"benchmark: {text!r} is not a benchmark; use 60/40, cash, a ticker (SPY) or a mix "
            "(IWM:0.5,EFA:0.5)"
        )
    text = text.strip()
    if text in (SIXTY_FORTY, CASH):
        return text
    return basket_text(parse_basket("benchmark", text))


def benchmark_strategy(text: str) -> Strategy:
    """The strategy a benchmark's text stands for (`parse_benchmark` has checked the text)."""
    if text == SIXTY_FORTY:
        return SixtyForty()
    if text == CASH:
        return FixedMix()
    return FixedMix(weights=parse_basket("benchmark", text))


def benchmark_tickers(text: str) -> tuple[str, ...]:
    """The tickers a benchmark holds beyond the universe's stocks and bonds (none for 60/40)."""
    if text in (SIXTY_FORTY, CASH):
        return ()
    return tuple(ticker for ticker, _ in parse_basket("benchmark", text))
