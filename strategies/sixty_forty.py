"""The benchmark: stocks and bonds in fixed proportions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.ranges import Range
from data.market import Role
from strategies.base import StaticStrategy


@dataclass(frozen=True, kw_only=True)
class SixtyForty(StaticStrategy):
    """60% stocks, 40% bonds, rebalanced on the engine's schedule.

    The yardstick every strategy is compared with: a balanced portfolio an investor could hold
    without any view. Rule: ``stocks_weight`` in the stocks role (SPY), the rest in bonds (AGG).
    """

    name = "sixty_forty"
    summary = "60% stocks (SPY), 40% bonds (AGG): the benchmark"

    stocks_weight: float = 0.6
    """Fraction of the portfolio in the stocks role; the rest is in bonds."""

    RANGES: ClassVar[dict[str, Range]] = {"stocks_weight": Range(0.0, 1.0)}

    def legs(self) -> dict[Role, float]:
        """Return stocks and bonds weights."""
        return {"stocks": self.stocks_weight, "bonds": 1.0 - self.stocks_weight}
