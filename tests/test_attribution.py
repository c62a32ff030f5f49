"""Attribution: legs and cost lines add up to the day's P&L."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import build_config
from pipeline.run import run

REALISTIC = [
    "costs.fees_bps.etf=2",
    "costs.slippage_bps.etf=3",
    "costs.margin_spread_bps=50",
    "costs.cash_rate=0.03",
]


@pytest.fixture(scope="module")
def financed(shared_data: Path):
    config = build_config(
        "main_street",
        REALISTIC,
        data=f"csv:{shared_data}",
        start=date(2014, 10, 1),
        end=date(2026, 5, 4),
    )
    return run(config)


@pytest.mark.parametrize("portfolio", ["strategy", "benchmark"])
def test_parts_add_up_to_the_total_every_day(financed, portfolio: str) -> None:
    table = financed.attribution[portfolio]
    parts = table.drop(columns="total").sum(axis=1)
    equity = getattr(financed, portfolio).equity
    np.testing.assert_allclose(parts, table["total"], rtol=0, atol=1e-9 * 100_000)
    np.testing.assert_allclose(table["total"].cumsum() + 100_000, equity, rtol=1e-12)


def test_legs_are_named_by_side_and_role(financed) -> None:
    legs = list(financed.attribution["strategy"].columns)
    assert legs[:4] == [
        "long small_caps (IWM)",
        "long international (EFA)",
        "short tech (XLK)",
        "short crypto (BTC-USD)",
    ]
    assert legs[4:] == ["interest", "borrow", "fees", "slippage", "total"]
    assert list(financed.attribution["benchmark"].columns)[:2] == [
        "long stocks (SPY)",
        "long bonds (AGG)",
    ]


def test_every_cost_line_is_charged(financed) -> None:
    totals = financed.metrics["attribution"]["strategy"]
    assert totals["borrow"] < 0
    assert totals["fees"] < 0
    assert totals["slippage"] < 0
    assert totals["interest"] > 0  # short proceeds earn 3%
    assert financed.metrics["attribution"]["benchmark"]["borrow"] == 0


def test_without_costs_the_cost_lines_are_zero(shared_data: Path) -> None:
    zero = ["costs.preset=zero"]
    config = build_config(
        "main_street", zero, data=f"csv:{shared_data}", start=date(2020, 1, 1), end=date(2021, 1, 1)
    )
    table = run(config).attribution["strategy"]
    assert (table[["interest", "borrow", "fees", "slippage"]] == 0).all().all()
