"""The engine on a case small enough to work out by hand: 2 assets, 5 days, one rebalance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.costs import Costs
from simulation.simulate import Execution, backtest, decision_dates, order_book

# Tue 2024-01-30 .. Mon 2024-02-05. Wed 01-31 is the last trading day of January.
DATES = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-02-05"])
PRICES = pd.DataFrame(
    {"A": [10.0, 10.0, 12.0, 12.0, 11.0], "B": [20.0, 25.0, 25.0, 24.0, 24.0]}, DATES
)
TARGETS = pd.DataFrame({"A": 0.6, "B": 0.4}, index=DATES)


def test_decisions_are_first_bar_and_month_end() -> None:
    decided = decision_dates(TARGETS, "monthly")
    assert decided.tolist() == [True, True, False, False, True]  # the last bar ends its period


def test_without_fees() -> None:
    # Day 0: all cash, 100,000. Fill at day 1's close, value 100,000:
    #   A 0.6 * 100000 / 10 = 6000 units, B 0.4 * 100000 / 25 = 1600 units, cash 0.
    # Day 2 (rebalance decided at January's last close): value 6000*12 + 1600*25 = 112,000;
    #   A 0.6 * 112000 / 12 = 5600, B 0.4 * 112000 / 25 = 1792.
    # Day 3: 5600*12 + 1792*24 = 110,208. Day 4: 5600*11 + 1792*24 = 104,608.
    result = backtest(PRICES, TARGETS, Costs(preset="zero"), Execution())
    np.testing.assert_allclose(
        result.equity.to_numpy(), [100_000, 100_000, 112_000, 110_208, 104_608], rtol=1e-12
    )
    np.testing.assert_allclose(result.holdings.to_numpy()[2:], [[5600, 1792]] * 3, rtol=1e-12)
    np.testing.assert_allclose(result.weights.iloc[1].to_numpy(), [0.6, 0.4], rtol=1e-12)
    assert result.weights.iloc[0].tolist() == [0.0, 0.0]  # cash on day one
    assert (result.lines == 0).all().all()


def test_with_fees() -> None:
    # 10 bps. Day 1: units as without fees (value before fees is 100,000); fee 0.001 * 100,000
    #   = 100 from cash: cash -100, equity 99,900.
    # Day 2: value before fees -100 + 6000*12 + 1600*25 = 111,900;
    #   A 0.6 * 111900 / 12 = 5595 (sell 405 at 12: 4,860), B 0.4 * 111900 / 25 = 1790.4
    #   (buy 190.4 at 25: 4,760); fee 0.001 * 9,620 = 9.62; cash -100 + 4860 - 4760 - 9.62 = -9.62.
    # Day 3: -9.62 + 5595*12 + 1790.4*24 = 110,099.98.
    # Day 4: -9.62 + 5595*11 + 1790.4*24 = 104,504.98.
    result = backtest(PRICES, TARGETS, Costs(preset="zero", fees_bps={"etf": 10.0}), Execution())
    np.testing.assert_allclose(
        result.equity.to_numpy(), [100_000, 99_900, 111_890.38, 110_099.98, 104_504.98], rtol=1e-12
    )
    np.testing.assert_allclose(
        result.cash.to_numpy(), [100_000, -100, -9.62, -9.62, -9.62], atol=1e-6
    )
    np.testing.assert_allclose(result.lines["fees"].to_numpy(), [0, -100, -9.62, 0, 0], atol=1e-9)
    trades = result.trades.set_index(["date", "ticker"])["units"]
    assert trades[(DATES[2], "A")] == pytest.approx(-405)
    assert trades[(DATES[2], "B")] == pytest.approx(190.4)


def test_lag_two_fills_two_bars_later() -> None:
    # Decided at day 0, filled at day 2's close:
    #   A 0.6 * 100000 / 12 = 5000 units, B 0.4 * 100000 / 25 = 1600 units.
    result = backtest(PRICES, TARGETS, Costs(preset="zero"), Execution(lag=2))
    assert result.equity.iloc[:3].tolist() == [100_000.0] * 3
    np.testing.assert_allclose(result.holdings.iloc[2].to_numpy(), [5000, 1600], rtol=1e-12)


def test_short_positions_add_their_proceeds_to_cash() -> None:
    # Long A 1.0, short B 0.5 at day 1: A 10,000 units, B -2,000 units,
    #   cash 100,000 + 50,000 - 100,000 = 50,000.
    # Day 2 value: 50,000 + 10000*12 - 2000*25 = 120,000.
    targets = pd.DataFrame({"A": 1.0, "B": -0.5}, index=DATES)
    result = backtest(PRICES, targets, Costs(preset="zero"), Execution())
    assert result.cash.iloc[1] == pytest.approx(50_000)
    assert result.equity.iloc[2] == pytest.approx(120_000)
    np.testing.assert_allclose(result.weights.iloc[1].to_numpy(), [1.0, -0.5], rtol=1e-12)


def test_leverage_is_financed_from_negative_cash() -> None:
    # 30x long A at day 1 (price 10): 300,000 units, cash 100,000 - 3,000,000 = -2,900,000.
    # Day 2: -2,900,000 + 300,000 * 12 = 700,000.
    targets = pd.DataFrame({"A": 30.0, "B": 0.0}, index=DATES)
    result = backtest(PRICES, targets, Costs(preset="zero"), Execution())
    assert result.cash.iloc[1] == pytest.approx(-2_900_000)
    assert result.equity.iloc[2] == pytest.approx(700_000)


def test_a_wiped_out_portfolio_is_ruined_on_the_date() -> None:
    # Short B at 1.0 of value from day 1 (25): B doubles to 50 on day 2, so the value is
    # 100,000 + 100,000 - 4,000 * 50 = 0 at the close of the rebalance: ruined before trading,
    # the short bought back at 50 and the equity 0 from then on (a result, not an error).
    prices = PRICES.assign(B=[20.0, 25.0, 50.0, 50.0, 50.0])
    targets = pd.DataFrame({"A": 0.0, "B": -1.0}, index=DATES)
    result = backtest(prices, targets, Costs(preset="zero"), Execution())
    assert result.ruin is not None
    assert result.ruin.date == DATES[2]
    assert result.ruin.losses["B"] == pytest.approx(-4000 * (50 - 25))
    np.testing.assert_allclose(result.equity.iloc[2:].to_numpy(), 0.0, atol=1e-9)
    assert (result.holdings.iloc[2:] == 0).all().all()


def test_a_listing_is_a_decision_and_fills_a_bar_later() -> None:
    """One row of targets all along; B has no price until bar 3 and no period ends before 5.

    Worked out by hand: bar 0 decides (the first bar), filled at bar 1: A 0.5, and no order for
    B, unpriced then. B's listing at bar 3 changes its target from zero to 0.5: a decision,
    filled at bar 4 for both. The last bar ends its period, but its fill would fall after the
    data. So the book holds bars 1 and 4 only.
    """
    priced = np.ones((6, 2), dtype=bool)
    priced[:3, 1] = False
    ends = np.zeros(6, dtype=bool)
    ends[-1] = True
    rows, codes = np.array([[0.5, 0.5]]), np.zeros(6, dtype=np.int64)
    bars, orders = order_book((rows, codes), priced, ends, lag=1)
    assert bars.tolist() == [1, 4]
    np.testing.assert_array_equal(orders, [[0.5, np.nan], [0.5, 0.5]])
