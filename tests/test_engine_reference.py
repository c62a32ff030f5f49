"""The engine against an independent plain-Python implementation of the accounting semantics.

The reference below reads the files with plain pandas, builds the calendar itself and walks the
days one by one; it shares no code with the project. Each day it first accrues, on the cash and
positions left at the previous close: interest on cash at that day's rate (plus the margin
spread per calendar day when cash is negative) and a borrow fee on each short's value at the
previous close per calendar day. Decisions are taken at the first bar, at the last trading day
of each month and when a target changes (a late asset's first price), and filled at the next
bar's close: target units from the value before costs, each trade at the close moved against it
by the slippage, fees on the notional at that fill price, all paid from cash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import build_config
from pipeline.run import run
from tests.conftest import read_close


@dataclass
class Costs:
    fees_bps: float = 0.0
    slippage_bps: float = 0.0
    crypto_fees_bps: float | None = None  # None: as fees_bps
    crypto_slippage_bps: float | None = None
    borrow_bps: dict[str, float] = field(default_factory=dict)
    margin_spread_bps: float = 0.0
    cash_rate_percent_a_day: pd.Series | None = None  # the Fama-French RF column

    def overrides(self, folder: Path) -> list[str]:
        sets = ["costs.preset=zero", f"costs.margin_spread_bps={self.margin_spread_bps}"]
        for kind, fees, slippage in (
            ("etf", self.fees_bps, self.slippage_bps),
            ("crypto", *self.crypto()),
        ):
            sets += [f"costs.fees_bps.{kind}={fees}", f"costs.slippage_bps.{kind}={slippage}"]
        sets += [f"costs.borrow_bps.{t}={bps}" for t, bps in self.borrow_bps.items()]
        if self.cash_rate_percent_a_day is not None:
            sets.append(f"costs.cash_rate_file={folder / 'FF3_daily.csv'}")
        return sets

    def crypto(self) -> tuple[float, float]:
        """The fee and slippage of a ``-USD`` ticker, in bps."""
        fees, slippage = self.crypto_fees_bps, self.crypto_slippage_bps
        return (
            self.fees_bps if fees is None else fees,
            self.slippage_bps if slippage is None else slippage,
        )


def reference_equity(
    folder: Path,
    weights: dict[str, float],
    start: str,
    end: str,
    costs: Costs,
    partial: bool = False,
) -> pd.Series:
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
    dates = prices.index
    crypto = np.array([t.endswith("-USD") for t in tickers])
    fee = np.where(crypto, costs.crypto()[0], costs.fees_bps) / 1e4
    slip = np.where(crypto, costs.crypto()[1], costs.slippage_bps) / 1e4
    borrow = np.array([costs.borrow_bps.get(t, 0.0) / 1e4 for t in tickers])
    rf = costs.cash_rate_percent_a_day
    units, cash, equity = np.zeros(len(tickers)), 100_000.0, []
    fill_next, pending, previous = False, None, None
    for day, price in enumerate(values):
        listed = ~np.isnan(price)
        if day > 0:
            days = (dates[day] - dates[day - 1]).days
            rate = 0.0
            if rf is not None:
                rate = (
                    rf.get(dates[day], 0.0) / 100
                    if dates[day] <= rf.index[-1]
                    else rf.iloc[-1] / 100
                )
            if cash < 0:
                rate += costs.margin_spread_bps / 1e4 * days / 365
            shorts = np.where(units < 0, -units * np.nan_to_num(values[day - 1]), 0.0)
            cash += cash * rate - (shorts * borrow).sum() * days / 365
        if fill_next:
            value = cash + units[listed] @ price[listed]
            new_units = np.where(listed, pending * value / np.where(listed, price, 1.0), 0.0)
            for i in np.flatnonzero(listed & (new_units != units)):
                traded = new_units[i] - units[i]
                fill = price[i] * (1 + slip[i]) if traded > 0 else price[i] * (1 - slip[i])
                cash -= traded * fill + fee[i] * abs(traded) * fill
            units = new_units
        equity.append(cash + units[listed] @ price[listed])
        target = np.array([weights[t] if listed[i] else 0.0 for i, t in enumerate(tickers)])
        last_of_month = day + 1 < len(values) and dates[day + 1].month != dates[day].month
        changed = previous is not None and not np.array_equal(target, previous)
        fill_next, pending, previous = day == 0 or last_of_month or changed, target, target
    return pd.Series(equity, index=dates)


SIXTY_FORTY = {"SPY": 0.6, "AGG": 0.4}
MAIN_STREET = {"SPY": 0.0, "AGG": 0.0, "IWM": 0.5, "EFA": 0.5, "XLK": -0.25, "BTC-USD": -0.25}


def _fama_french_rf(folder: Path) -> pd.Series:
    table = pd.read_csv(folder / "FF3_daily.csv", index_col="Date", parse_dates=True)
    return table["RF"].astype(float)


def _realistic(folder: Path) -> Costs:
    return Costs(
        fees_bps=2.0,
        slippage_bps=3.0,
        borrow_bps={"XLK": 30.0, "BTC-USD": 500.0},
        margin_spread_bps=50.0,
        cash_rate_percent_a_day=_fama_french_rf(folder),
    )


def _typical(folder: Path) -> Costs:
    """The figures of the ``typical`` preset (docs/costs.md), no cash rate."""
    return Costs(
        fees_bps=1.0,
        slippage_bps=2.0,
        crypto_fees_bps=40.0,
        crypto_slippage_bps=10.0,
        borrow_bps={"XLK": 30.0, "BTC-USD": 500.0},
        margin_spread_bps=50.0,
    )


CASES = [
    ("sixty_forty", SIXTY_FORTY, "2004-01-01", lambda folder: Costs()),
    ("sixty_forty", SIXTY_FORTY, "2004-01-01", lambda folder: Costs(fees_bps=5.0)),
    ("main_street", MAIN_STREET, "2014-10-01", lambda folder: Costs()),
    ("main_street", MAIN_STREET, "2014-10-01", lambda folder: Costs(fees_bps=5.0)),
    ("main_street", MAIN_STREET, "2014-10-01", _realistic),
    ("sixty_forty", SIXTY_FORTY, "2004-01-01", _realistic),
    ("main_street", MAIN_STREET, "2014-10-01", _typical),
]


@pytest.mark.parametrize(("strategy", "weights", "start", "costs"), CASES)
def test_engine_matches_reference_loop(
    shared_data: Path, strategy: str, weights: dict[str, float], start: str, costs
) -> None:
    end = "2026-05-04"
    costs = costs(shared_data)
    config = build_config(
        strategy,
        costs.overrides(shared_data),
        data=f"csv:{shared_data}",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
    )
    engine = run(config).strategy.equity
    expected = reference_equity(shared_data, weights, start, end, costs)
    assert engine.index.equals(expected.index)
    np.testing.assert_allclose(engine.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=0)


def test_partial_legs_match_reference_loop(shared_data: Path) -> None:
    """``--allow-partial`` from 2010: bitcoin's short is held in cash until its first price."""
    costs = _realistic(shared_data)
    config = build_config(
        "main_street",
        costs.overrides(shared_data),
        data=f"csv:{shared_data}",
        start=date(2010, 1, 1),
        end=date(2016, 12, 31),
        allow_partial=True,
    )
    result = run(config).strategy
    expected = reference_equity(shared_data, MAIN_STREET, "2010-01-01", "2016-12-31", costs, True)
    assert result.equity.index.equals(expected.index)
    np.testing.assert_allclose(result.equity.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=0)
    assert (result.weights.loc[:"2014-09-17", "BTC-USD"] == 0).all()
    assert result.weights.loc["2014-09-18", "BTC-USD"] == pytest.approx(-0.25, abs=1e-3)
