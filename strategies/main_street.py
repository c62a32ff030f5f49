"""The static form of the call: long Main Street, short Wall Street, all the time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.ranges import Range
from data.market import Role
from strategies.base import StaticStrategy


@dataclass(frozen=True, kw_only=True)
class MainStreet(StaticStrategy):
    """Long US small caps and international equities, short US tech and crypto.

    Thesis: crowded US tech and crypto will lag the broad economy, so owning small caps and
    foreign stocks against a short in them pays. Rule: constant weights, defaults IWM +0.50,
    EFA +0.50, XLK -0.25, BTC-USD -0.25, rebalanced on the engine's schedule.
    """

    name = "main_street"
    summary = "long small caps and international, short tech and crypto, always on"

    long_weight: float = 1.0
    """Gross long exposure, as a fraction of portfolio value."""
    small_caps_share: float = 0.5
    """Share of the long book in small caps; the rest is international."""
    short_weight: float = 0.5
    """Gross short exposure, as a fraction of portfolio value."""
    tech_share: float = 0.5
    """Share of the short book in tech; the rest is crypto."""

    RANGES: ClassVar[dict[str, Range]] = {
        "long_weight": Range(0.0, 2.0),
        "small_caps_share": Range(0.0, 1.0),
        "short_weight": Range(0.0, 2.0),
        "tech_share": Range(0.0, 1.0),
    }

    def legs(self) -> dict[Role, float]:
        """Return the four legs' weights (shorts negative)."""
        return {
            "small_caps": self.long_weight * self.small_caps_share,
            "international": self.long_weight * (1.0 - self.small_caps_share),
            "tech": -self.short_weight * self.tech_share,
            "crypto": -self.short_weight * (1.0 - self.tech_share),
        }
