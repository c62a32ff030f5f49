"""The tearsheet's figures against quantstats itself, where both define them alike.

A real run (`main_street` on ../shared/data, a long/short book with crypto, fees and borrow) is
measured by quantstats from the run's own equity curve; every figure the two define the same way
agrees to 1e-9. Where quantstats defines a figure otherwise (its VaR and CVaR are parametric, its
months compound daily returns), docs/metrics.md says how, and the figure is checked against
empyrical in tests/test_tearsheet.py instead.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import quantstats as qs

from pipeline.config import build_config
from pipeline.run import RunResult, run

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def result(shared_data: Path) -> RunResult:
    config = build_config(
        "main_street", data=f"csv:{shared_data}", start="2016-01-04", end="2026-05-04"
    )
    return run(config)


@pytest.fixture(scope="module")
def returns(result: RunResult) -> pd.Series:
    """The strategy's daily returns, as quantstats would be handed them."""
    return result.strategy.equity.pct_change().dropna()


def test_the_run_earns_no_cash_rate_so_sharpe_needs_no_risk_free(result: RunResult) -> None:
    assert (result.strategy.cash_rate == 0).all()  # the shared data has no ^IRX


@pytest.mark.parametrize(
    ("key", "peer"),
    [
        ("skew", lambda r: qs.stats.skew(r)),
        ("kurtosis", lambda r: qs.stats.kurtosis(r)),
        ("win_rate_days", lambda r: qs.stats.win_rate(r)),
        ("best_day", lambda r: qs.stats.best(r)),
        ("worst_day", lambda r: qs.stats.worst(r)),
        ("volatility", lambda r: qs.stats.volatility(r, periods=252)),
        ("sharpe", lambda r: qs.stats.sharpe(r, rf=0.0, periods=252)),
        ("max_drawdown", lambda r: qs.stats.max_drawdown(r)),
    ],
)
def test_a_figure_defined_alike_matches_quantstats(
    result: RunResult, returns: pd.Series, key: str, peer
) -> None:
    ours = result.metrics["strategy"][key]
    assert ours == pytest.approx(float(peer(returns)), rel=TOLERANCE, abs=1e-12)


def test_best_and_worst_days_fall_on_the_dates_quantstats_finds(
    result: RunResult, returns: pd.Series
) -> None:
    metrics = result.metrics["strategy"]
    assert metrics["best_day_date"] == str(returns.idxmax().date())
    assert metrics["worst_day_date"] == str(returns.idxmin().date())
