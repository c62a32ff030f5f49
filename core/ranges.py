"""The range of every numeric setting, declared beside its fields and checked in one way.

A settings class (a strategy, a section, a signal) lists its numeric fields in a ``RANGES``
class variable; `check_ranges` refuses the first value outside its range (NaN and infinities
included), naming the key and the range, and ``--describe`` shows the same range with each key
(`pipeline.discovery`), so the documentation and the check cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.errors import ConfigError


@dataclass(frozen=True)
class Range:
    """The values a numeric setting accepts: ``low`` to ``high``, both included.

    ``above`` excludes ``low`` (a price or a scale must be more than 0).
    """

    low: float
    high: float
    above: bool = False

    def holds(self, value: float) -> bool:
        """Whether ``value`` is in the range (never for NaN)."""
        low_ok = self.low < value if self.above else self.low <= value
        return low_ok and value <= self.high and not math.isnan(value)

    def __str__(self) -> str:
        low, high = _number(self.low), _number(self.high)
        return f"above {low} to {high}" if self.above else f"{low} to {high}"


def _number(value: float) -> str:
    """``0.5``, ``250``, ``10,000,000,000``: as written, with separators when very large."""
    return f"{value:,.0f}" if abs(value) >= 1e6 else str(value)


def check_range(key: str, value: float, allowed: Range) -> None:
    """Raise `ConfigError` naming ``key`` and ``allowed`` unless ``value`` is in it."""
    if not allowed.holds(value):
        raise ConfigError(f"{key} = {value} is out of range; expected {allowed}")


def check_ranges(obj: Any, prefix: str) -> None:
    """Check each field ``type(obj).RANGES`` names; a mapping field, each of its entries.

    A value that is not a number (None for an optional setting, ``auto``) is left to the
    class's own checks.
    """
    for name, allowed in type(obj).RANGES.items():
        value = getattr(obj, name)
        entries = value.items() if isinstance(value, dict) else ((None, value),)
        for entry, number in entries:
            if isinstance(number, bool) or not isinstance(number, int | float):
                continue
            if not allowed.holds(number):  # the key is named only when it is refused
                key = f"{prefix}.{name}" if entry is None else f"{prefix}.{name}.{entry}"
                check_range(key, number, allowed)
