"""Figures that are noise say n/a and why; nothing prints nan, inf or a negative zero."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backtester
from analytics import metrics
from simulation.costs import Costs, margin_rates
from simulation.simulate import Execution, backtest

BAD = (r"\bnan\b", r"\binf\b", r"-0\.0+(?![0-9])", r"(?<![\w.-])-0(?![\w.])")


def _bad(text: str) -> list[str]:
    """Every 'nan', 'inf', '-0.00' or '-0' in the text (figures' data URIs left out)."""
    text = re.sub(r"data:image/png;base64,[^\"]+", "", text)
    return [
        text[max(0, hit.start() - 60) : hit.end() + 10]
        for pattern in BAD
        for hit in re.finditer(pattern, text, re.IGNORECASE)
    ]


def test_the_scan_finds_what_it_looks_for() -> None:
    for text in ("Sharpe nan", "NaN%", "x inf", "-0.00", "interest -0", "(-0)"):
        assert _bad(text), text
    for text in ("yfinance 0.2", "-0.01", "-0.5", "2026-07-01", "info", "n/a", "+0.00", "10-0"):
        assert not _bad(text), text


def _run(folder: Path, strategy: str, *overrides: str, out: Path | None = None) -> tuple:
    """The run's result, console text, repr, report.html and metrics.json/csv (when ``out``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = backtester.run(strategy, overrides=list(overrides), data=f"csv:{folder}")
    if out is None:
        return result, result.summary(), repr(result), "", {}, ""
    run_dir = result.report(out)
    html = (run_dir / "report.html").read_text()
    data = json.loads((run_dir / "metrics.json").read_text())
    return result, result.summary(), repr(result), html, data, (run_dir / "metrics.csv").read_text()


def _scanned(*texts: str) -> None:
    for text in texts:
        assert _bad(text) == []


def test_a_cash_only_regime_has_no_sharpe_and_says_why(shared_data: Path, tmp_path: Path) -> None:
    # strategy.defensive_bonds=0 is "the rest cash": a defensive book all in cash. A dollar
    # guard at level 50 in level mode with no fall in yields asked for is on every day, so the
    # whole run after the first fill is defensive, held in cash.
    result, console, shown, html, data, _ = _run(
        shared_data,
        "hartnett_switch",
        "strategy.defensive_bonds=0",
        "strategy.dollar_level=50",
        "strategy.yields_fall_bps=0",
        "strategy.dollar_mode=level",
        "start=2016-01-04",
        "end=2016-12-30",
        out=tmp_path,
    )
    regimes = result.raw.switching.regimes
    defensive = regimes.loc["defensive"]
    assert defensive["days"] >= 200
    assert np.isnan(defensive["sharpe"])
    assert defensive["na_reason"] == metrics.NO_VARIATION
    assert defensive["volatility"] == pytest.approx(0.0, abs=1e-12)
    assert data["switching"]["per_regime"]["defensive"]["sharpe"] is None  # JSON keeps null
    assert data["switching"]["per_regime"]["defensive"]["na_reason"] == metrics.NO_VARIATION
    assert "no variation (returns vary by less than 1e-9 a bar: a book in cash)" in html
    # The whole run is cash too (the first day's return before the fill included).
    assert np.isnan(result.metrics["strategy"]["sharpe"])
    assert "n/a: Sharpe, Sortino (strategy): no variation" in console
    assert "Sharpe n/a vs 60/40" in shown
    _scanned(console, shown, html)


def test_a_22_bar_run_says_what_the_bootstrap_and_annualising_need(
    shared_data: Path, tmp_path: Path
) -> None:
    result, console, shown, html, data, table = _run(
        shared_data, "main_street", "start=2020-01-02", "end=2020-02-03", out=tmp_path
    )
    assert len(result.raw.strategy.equity) == 22
    assert (
        "Sharpe difference n/a: the block bootstrap needs at least 63 returns (two blocks of 21 "
        "and a quarter of a year to annualise); the run has 21"
    ) in console
    assert "21 days, fewer than the 63 (a quarter of a year) needed to annualise" in console
    assert "CAGR, Volatility, Sharpe, Sortino, Calmar (strategy and 60/40)" in console
    assert data["uncertainty"]["sharpe_diff"] is None
    assert "the block bootstrap needs at least 63" in data["na_reasons"]["uncertainty"]["cagr_diff"]
    assert data["strategy"]["cagr"] is None
    assert data["strategy"]["total_return"] is not None
    assert "Sharpe difference n/a: the block bootstrap needs at least 63 returns" in html
    rows = pd.read_csv(pd.io.common.StringIO(table), index_col="metric", keep_default_na=False)
    assert rows.loc["cagr", "strategy"] == ""  # empty, with the reason beside it
    assert "strategy: 21 days, fewer than the 63" in rows.loc["cagr", "na_reason"]
    assert rows.loc["total_return", "na_reason"] == ""
    _scanned(console, shown, html)


def test_a_book_without_legs_prints_no_nan(shared_data: Path, tmp_path: Path) -> None:
    result, console, shown, html, *_ = _run(
        shared_data,
        "main_street",
        "strategy.long_weight=0",
        "strategy.short_weight=0",
        "start=2019-01-02",
        "end=2020-12-31",
        out=tmp_path,
    )
    assert (result.raw.strategy.equity == result.raw.strategy.equity.iloc[0]).all()
    assert shown.endswith("Sharpe n/a vs 60/40 " + shown.rsplit(" ", 1)[1])
    assert "Sharpe difference n/a: the strategy's Sharpe is n/a, no variation" in console
    assert "n/a: Calmar (strategy): no drawdown" in console
    _scanned(console, shown, html)


@pytest.mark.parametrize(
    ("strategy", "start"), [("sixty_forty", "2004-01-02"), ("hartnett_switch", "2015-01-02")]
)
def test_real_runs_print_no_nan_inf_or_negative_zero(
    shared_data: Path, tmp_path: Path, strategy: str, start: str
) -> None:
    # no fees, so a fully invested book's cash is rounding residue; cash earns 2% a year
    frictionless = ("costs.preset=zero", "costs.cash_rate=0.02", "costs.margin_spread_bps=50")
    result, console, shown, html, *_ = _run(
        shared_data, strategy, f"start={start}", *frictionless, out=tmp_path
    )
    assert "interest -0" not in console  # no margin charge on rounding residue (the old "-0")
    interest = result.attribution["interest"]
    assert not np.signbit(interest.to_numpy()).any()
    _scanned(console, shown, html)


def _sixty_forty_market() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two assets over 8 weekdays at prices that do not divide evenly, held 60/40."""
    days = pd.bdate_range("2024-03-04", periods=8)
    prices = pd.DataFrame(
        {
            "SPY": [101.3, 102.7, 99.9, 100.1, 103.3, 104.9, 102.2, 101.7],
            "AGG": [97.7, 97.9, 98.3, 97.1, 96.9, 97.3, 98.1, 98.6],
        },
        index=days,
    )
    return prices, pd.DataFrame({"SPY": 0.6, "AGG": 0.4}, index=days)


def test_a_fully_invested_60_40_pays_no_interest_on_rounding_residue() -> None:
    # Without fees the fill spends every dollar: cash is rounding residue (about 1e-14 either
    # side of zero), within 1e-9 of the value, so it earns and pays nothing, whatever the rates.
    prices, targets = _sixty_forty_market()
    costs = Costs(preset="zero", cash_rate=0.05, margin_spread_bps=500.0)
    result = backtest(prices, targets, costs, Execution(rebalance="daily"))
    assert (result.cash.iloc[1:].abs() < 1e-9 * result.equity.iloc[1:]).all()
    assert (result.cash.iloc[1:] != 0.0).any()  # residue there is, but it is not charged
    interest = result.lines["interest"]
    assert (interest.iloc[2:] == 0.0).all()
    assert not np.signbit(interest.to_numpy()).any()  # not even a -0.0 in attribution.csv
    # The first day's 100,000 in cash, held to the first fill at the second close (Mon to
    # Tue, one calendar day), earns 5% a year for a day.
    assert interest.iloc[1] == pytest.approx(100_000 * (1.05 ** (1 / 365) - 1), rel=1e-12)


def test_real_negative_cash_still_pays_the_margin_rate() -> None:
    # With fees of 10 bps the fill pays them from cash: cash is -fees (far beyond 1e-9 of the
    # value) and the next bar charges the margin rate on it, as before.
    prices, targets = _sixty_forty_market()
    costs = Costs(preset="zero", fees_bps={"etf": 10.0}, cash_rate=0.05, margin_spread_bps=500.0)
    result = backtest(prices, targets, costs, Execution(rebalance="yearly"))
    fees = result.trades.loc[result.trades["date"] == prices.index[1], "fee"].sum()
    assert result.cash.iloc[1] == pytest.approx(-fees, rel=1e-9)
    margin = margin_rates(result.cash_rate, costs)
    assert result.lines["interest"].iloc[2] == pytest.approx(-fees * margin.iloc[2], rel=1e-9)
    assert result.lines["interest"].iloc[2] < 0
