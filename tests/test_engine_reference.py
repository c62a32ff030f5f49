"""The engine against an independent plain-Python implementation of the timing semantics.

The reference below reads the files with plain pandas, builds the calendar itself and walks the
days one by one; it shares no code with the project. It implements: decisions at the first bar
and at the last trading day of each month, filled at the next bar's close; target units from the
value before fees; fees on traded notional paid from cash.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.config import build_config
from engine.run import run
from tests.conftest import read_close


def reference_equity(
    folder: Path,
    weights: dict[str, float],
    start: str,
    end: str,
    fees_bps: float,
    partial: bool = False,
) -> pd.Series:
    """Equity of monthly rebalancing to ``weights``; with ``partial``, an asset without a price
    yet has weight 0 (held in cash), and the day it gets one is a decision too."""
    spy = read_close(folder, "SPY")
    calendar = spy.loc[start:end].index
    closes = {}
    for ticker in weights:
        series = read_close(folder, ticker)
        closes[ticker] = series.reindex(calendar, method="ffill").where(calendar >= series.index[0])
    prices = pd.DataFrame(closes)
    prices = prices.dropna(subset=["SPY", "AGG"]) if partial else prices.dropna()
    tickers = list(weights)
    values = prices[tickers].to_numpy()
    months = prices.index.month.to_numpy()
    units, cash, equity = np.zeros(len(tickers)), 100_000.0, []
    fill_next, pending, previous = False, None, None
    for day, price in enumerate(values):
        listed = ~np.isnan(price)
        if fill_next:
            value = cash + units[listed] @ price[listed]
            new_units = np.where(listed, pending * value / np.where(listed, price, 1.0), 0.0)
            traded = np.abs(new_units - units)[listed] @ price[listed]
            cash -= (new_units - units)[listed] @ price[listed] + fees_bps / 1e4 * traded
            units = new_units
        equity.append(cash + units[listed] @ price[listed])
        target = np.array([weights[t] if listed[i] else 0.0 for i, t in enumerate(tickers)])
        last_of_month = day + 1 < len(values) and months[day + 1] != months[day]
        changed = previous is not None and not np.array_equal(target, previous)
        fill_next, pending, previous = day == 0 or last_of_month or changed, target, target
    return pd.Series(equity, index=prices.index)


SIXTY_FORTY = {"SPY": 0.6, "AGG": 0.4}
MAIN_STREET = {"SPY": 0.0, "AGG": 0.0, "IWM": 0.5, "EFA": 0.5, "XLK": -0.25, "BTC-USD": -0.25}


@pytest.mark.parametrize(
    ("strategy", "weights", "start", "fees_bps"),
    [
        ("sixty_forty", SIXTY_FORTY, "2004-01-01", 0.0),
        ("sixty_forty", SIXTY_FORTY, "2004-01-01", 5.0),
        ("main_street", MAIN_STREET, "2014-10-01", 0.0),
        ("main_street", MAIN_STREET, "2014-10-01", 5.0),
    ],
)
def test_engine_matches_reference_loop(
    shared_data: Path, strategy: str, weights: dict[str, float], start: str, fees_bps: float
) -> None:
    end = "2026-05-04"
    config = build_config(
        strategy,
        [f"costs.fees_bps={fees_bps}"],
        data=f"csv:{shared_data}",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
    )
    engine = run(config).strategy.equity
    expected = reference_equity(shared_data, weights, start, end, fees_bps)
    assert engine.index.equals(expected.index)
    np.testing.assert_allclose(engine.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=0)


def test_partial_legs_match_reference_loop(shared_data: Path) -> None:
    """``--allow-partial`` from 2010: bitcoin's short is held in cash until its first price."""
    config = build_config(
        "main_street",
        ["costs.fees_bps=5"],
        data=f"csv:{shared_data}",
        start=date(2010, 1, 1),
        end=date(2016, 12, 31),
        allow_partial=True,
    )
    result = run(config).strategy
    expected = reference_equity(shared_data, MAIN_STREET, "2010-01-01", "2016-12-31", 5.0, True)
    assert result.equity.index.equals(expected.index)
    np.testing.assert_allclose(result.equity.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=0)
    assert (result.weights.loc[:"2014-09-17", "BTC-USD"] == 0).all()
    assert result.weights.loc["2014-09-18", "BTC-USD"] == pytest.approx(-0.25, abs=1e-3)
