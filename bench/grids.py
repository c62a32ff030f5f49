"""The benchmarked grids: the base config, each grid's axes and the combinations they make.

Shared by `bench/sweep.py` and `bench/dask_sweep.py`, which both import it and not each other.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from data import Market
from pipeline.combinations import with_value
from pipeline.config import RunConfig, build_config
from pipeline.sweep import Axis

START, END = date(2006, 1, 3), date(2026, 5, 4)
# the peers charge one fee on every asset and no slippage or interest: so does the base
BASE = (
    "costs.preset=zero",
    "costs.fees_bps.etf=2",
    "costs.fees_bps.crypto=2",
    "costs.borrow_bps.etf=30",
    "costs.borrow_bps.crypto=500",
    "costs.margin_spread_bps=50",
    "execution.rebalance=monthly",
)
# long_weight stops at 1.0 and the crypto short at 0.25: vectorbt cannot borrow cash, and a
# larger bitcoin short ruins some combinations; inside these ranges all four compute the same.
RANGES = {
    "main_street": {
        "strategy.long_weight": (0.6, 1.0),
        "strategy.small_caps_share": (0.0, 1.0),
        "strategy.short_weight": (0.1, 0.5),
        "strategy.tech_share": (0.5, 1.0),
    },
    "hartnett_switch": {
        "strategy.sell_above": (6.0, 9.0),
        "strategy.buy_below": (1.0, 4.0),
        "strategy.max_hold": (0.0, 126.0),
    },
}


@dataclass
class Case:
    """One grid: its base config, its axes and every combination of their values."""

    name: str
    config: RunConfig
    axes: list[Axis]
    grid: list[tuple[float, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.grid = list(itertools.product(*(axis.values for axis in self.axes)))

    def combination(self, index: int, config: RunConfig | None = None) -> RunConfig:
        """The config of combination ``index`` (on ``config``, by default the base one)."""
        config = config or self.config
        for axis, value in zip(self.axes, self.grid[index], strict=True):
            config = with_value(config, axis.key, value)
        return config

    def columns(self, market: Market) -> list[str]:
        """The tickers any combination trades, in the engine's order."""
        roles = self.config.strategy.roles()
        return list(dict.fromkeys(t for role in roles for t in market.universe.tickers(role)))


def axis_counts(target: int, axes: int) -> list[int]:
    """Values per axis whose product is close to ``target`` (at most 10% above)."""
    counts = [max(2, int(round(target ** (1 / axes), 9)))] * axes
    for i in itertools.cycle(range(axes)):
        if math.prod(counts) // counts[i] * (counts[i] + 1) > target * 1.1:
            break
        counts[i] += 1
    return counts


def make_case(name: str, target: int, data: str) -> Case:
    """The grid of ``name`` with about ``target`` combinations, values evenly spaced."""
    ranges = RANGES[name]
    axes = []
    counts = axis_counts(target, len(ranges))
    for (key, (low, high)), count in zip(ranges.items(), counts, strict=True):
        values = np.linspace(low, high, count)
        values = np.round(values) if key.endswith("max_hold") else np.round(values, 6)
        axes.append(Axis(key, tuple(float(v) for v in values)))
    config = build_config(name, BASE, data=data, start=START, end=END, allow_partial=True)
    return Case(name, config, axes)
