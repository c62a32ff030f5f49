"""A small synthetic market for running offline; every output built from it is labelled synthetic.

The paths are geometric random walks driven by one common equity factor, seeded per ticker so that
the same ticker always gets the same path whatever else is requested. They show how the tool works,
not how markets behaved.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from engine.errors import DataError

START, END = "2000-01-03", "2025-12-31"
SEED = 20_260_101

# ticker: (annual drift, annual volatility, loading on the common equity factor, first price)
_ASSETS: dict[str, tuple[float, float, float, float]] = {
    "SPY": (0.08, 0.17, 0.95, 100.0),
    "VTI": (0.08, 0.17, 0.95, 100.0),
    "IWM": (0.08, 0.22, 0.85, 50.0),
    "IJR": (0.08, 0.21, 0.85, 40.0),
    "EFA": (0.05, 0.18, 0.80, 60.0),
    "VEU": (0.05, 0.18, 0.80, 40.0),
    "EEM": (0.06, 0.24, 0.70, 30.0),
    "EWY": (0.06, 0.28, 0.60, 30.0),
    "XLK": (0.11, 0.24, 0.85, 40.0),
    "QQQ": (0.11, 0.25, 0.85, 90.0),
    "SMH": (0.14, 0.32, 0.75, 30.0),
    "BTC-USD": (0.45, 0.75, 0.25, 400.0),
    "ETH-USD": (0.45, 0.90, 0.25, 10.0),
    "AGG": (0.035, 0.045, -0.10, 90.0),
    "BND": (0.035, 0.045, -0.10, 70.0),
    "IEF": (0.035, 0.07, -0.25, 80.0),
    "TLT": (0.04, 0.14, -0.30, 90.0),
    "HYG": (0.05, 0.09, 0.50, 60.0),
    "GLD": (0.06, 0.16, 0.05, 45.0),
    "GC=F": (0.06, 0.16, 0.05, 280.0),
    "UUP": (0.01, 0.08, -0.20, 25.0),
    "DX-Y.NYB": (0.0, 0.08, -0.20, 100.0),
    "^VIX": (0.0, 0.90, -0.60, 20.0),
    "^TNX": (0.0, 0.30, 0.20, 4.0),
}


def demo_tickers() -> tuple[str, ...]:
    """Return every ticker the demo market can supply."""
    return tuple(_ASSETS)


def demo_prices(tickers: list[str]) -> dict[str, pd.Series]:
    """Return deterministic synthetic daily closes on business days for ``tickers``."""
    unknown = sorted(set(tickers) - set(_ASSETS))
    if unknown:
        raise DataError(
            f"the demo market has no ticker {', '.join(unknown)}; it has {', '.join(_ASSETS)}. "
            "Use --data csv:DIR for other tickers"
        )
    dates = pd.bdate_range(START, END)
    common = np.random.default_rng(SEED).standard_normal(len(dates))
    return {ticker: _path(ticker, dates, common) for ticker in tickers}


def _path(ticker: str, dates: pd.DatetimeIndex, common: np.ndarray) -> pd.Series:
    drift, vol, loading, first = _ASSETS[ticker]
    own = np.random.default_rng([SEED, zlib.crc32(ticker.encode())]).standard_normal(len(dates))
    shocks = loading * common + np.sqrt(1.0 - loading**2) * own
    daily = drift / 252 - 0.5 * vol**2 / 252 + vol / np.sqrt(252) * shocks
    log_path = np.concatenate([[0.0], np.cumsum(daily[1:])])
    return pd.Series(first * np.exp(log_path), index=dates, name=ticker)
