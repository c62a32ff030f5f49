"""Triggers combined element-wise: any of them, all of them, the negation of one."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from core.errors import ConfigError
from data.market import Market
from signals.base import Signal


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
