"""Financing inside the simulation, on cases worked out by hand: borrow, cash interest, margin,
slippage, and the cash rate of each bar."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError
from simulation.costs import Costs, cash_rates
from simulation.simulate import Execution, backtest

YEARLY = Execution(rebalance="yearly")


def _flat(days: int, start: str = "2024-03-01") -> pd.DataFrame:
    return pd.DataFrame({"X": 50.0}, index=pd.bdate_range(start, periods=days))


def test_a_short_pays_borrow_on_its_value_every_calendar_day() -> None:
    # Short 100% at Mon 03-04 (filled at the second bar): 2,000 units of a 50 price, short value
    # 100,000. At 365 bps it pays 100,000 * 0.0365 / 365 = 10 a calendar day, so 30 calendar
    # days later (Wed 04-03) exactly 300 is gone; the weekend to Mon 03-11 accrues 3 days, 30.
    prices = _flat(30)
    targets = pd.DataFrame({"X": -1.0}, index=prices.index)
    result = backtest(prices, targets, Costs(preset="zero", borrow_bps={"etf": 365.0}), YEARLY)
    assert result.holdings["X"].iloc[1] == pytest.approx(-2000)
    assert result.equity["2024-04-03"] == pytest.approx(100_000 - 300, abs=1e-9)
    assert result.lines["borrow"]["2024-03-11"] == pytest.approx(-30, abs=1e-9)
    assert result.lines["borrow"]["2024-03-12"] == pytest.approx(-10, abs=1e-9)
    pd.testing.assert_series_equal(
        result.borrow_by_asset["X"], result.lines["borrow"], check_names=False
    )


def test_crypto_pays_its_own_borrow_rate_and_a_ticker_can_override_it() -> None:
    prices = _flat(10).rename(columns={"X": "BTC-USD"})
    targets = pd.DataFrame({"BTC-USD": -1.0}, index=prices.index)
    crypto = frozenset({"BTC-USD"})
    costs = Costs(preset="zero", borrow_bps={"etf": 0.0, "crypto": 730.0})
    result = backtest(prices, targets, costs, YEARLY, crypto=crypto)
    assert result.lines["borrow"].iloc[2] == pytest.approx(-100_000 * 0.073 / 365)  # Tue
    costs = Costs(preset="zero", borrow_bps={"etf": 0.0, "crypto": 730.0, "BTC-USD": 365.0})
    result = backtest(prices, targets, costs, YEARLY, crypto=crypto)
    assert result.lines["borrow"].iloc[2] == pytest.approx(-10.0)


def test_cash_compounds_at_a_constant_rate_by_calendar_days() -> None:
    # Nothing bought: 100,000 at 4% a year is 100,000 * 1.04 ** (days / 365) after ``days``.
    prices = _flat(40)
    targets = pd.DataFrame({"X": 0.0}, index=prices.index)
    result = backtest(prices, targets, Costs(preset="zero", cash_rate=0.04), YEARLY)
    days = (prices.index - prices.index[0]).days.to_numpy()
    np.testing.assert_allclose(result.equity, 100_000 * 1.04 ** (days / 365), rtol=1e-12)
    assert result.lines["interest"].sum() == pytest.approx(result.equity.iloc[-1] - 100_000)


def test_a_rate_series_is_applied_day_by_day() -> None:
    # Percent a day on its own dates; Tue 03-05 is missing from the series, so earns nothing.
    prices = _flat(5)  # Fri 03-01 .. Thu 03-07
    series = pd.Series(
        [0.02, 0.01, 0.03, 0.02],
        index=pd.to_datetime(["2024-03-01", "2024-03-04", "2024-03-06", "2024-03-07"]),
    )
    rates, notes = cash_rates(prices.index, Costs(), series)
    assert rates.tolist() == pytest.approx([0.0, 0.0001, 0.0, 0.0003, 0.0002])
    assert notes == []
    targets = pd.DataFrame({"X": 0.0}, index=prices.index)
    result = backtest(prices, targets, Costs(preset="zero"), YEARLY, cash_rate=rates)
    assert result.equity.iloc[-1] == pytest.approx(100_000 * 1.0001 * 1.0003 * 1.0002, rel=1e-12)


def test_a_rate_series_that_ends_early_carries_its_last_value_and_says_so() -> None:
    prices = _flat(5)
    series = pd.Series([0.02, 0.01], index=pd.to_datetime(["2024-03-01", "2024-03-04"]))
    rates, notes = cash_rates(prices.index, Costs(), series)
    assert rates.tolist() == pytest.approx([0.0, 0.0001, 0.0001, 0.0001, 0.0001])
    assert "ends 2024-03-04" in notes[0]


def test_an_annual_rate_series_holds_its_level_from_the_previous_bar() -> None:
    # 5% a year until 03-04, then 10%: the bar of Mon 03-04 still earns 5% over its 3 days.
    index = pd.bdate_range("2024-03-01", periods=3)
    series = pd.Series([5.0, 10.0], index=pd.to_datetime(["2024-02-01", "2024-03-04"]))
    rates, _ = cash_rates(index, Costs(cash_rate_unit="percent_per_year"), series)
    assert rates.tolist() == pytest.approx([0.0, 1.05 ** (3 / 365) - 1, 1.10 ** (1 / 365) - 1])


def test_a_rate_series_must_cover_the_start() -> None:
    series = pd.Series([0.01], index=pd.to_datetime(["2024-03-05"]))
    with pytest.raises(ConfigError, match="starts 2024-03-05"):
        cash_rates(pd.bdate_range("2024-03-01", periods=5), Costs(), series)


def test_negative_cash_pays_the_cash_rate_plus_the_margin_spread() -> None:
    # Cash earns 3.65% from Fri 03-01 to Mon 03-04: value 100,000 * 1.0365 ** (3/365). Then
    # 150% long: cash -0.5 of that value. Tue 03-05: the debt costs the cash rate for a day
    # plus the spread, 0.0365 / 365; the price does not move.
    prices = _flat(4)
    targets = pd.DataFrame({"X": 1.5}, index=prices.index)
    costs = Costs(preset="zero", cash_rate=0.0365, margin_spread_bps=365.0)
    result = backtest(prices, targets, costs, YEARLY)
    debt = -0.5 * 100_000 * 1.0365 ** (3 / 365)
    expected = debt * ((1.0365 ** (1 / 365) - 1) + 0.0365 / 365)
    assert result.cash.iloc[1] == pytest.approx(debt, rel=1e-12)
    assert result.lines["interest"].iloc[2] == pytest.approx(expected, rel=1e-12)


def test_slippage_moves_the_fill_price_and_fees_are_on_the_fill() -> None:
    # 10 bps slippage, 10 bps fees, buying 100% of 100,000 at 50: fill at 50.05, 2,000 units
    # (sized at the close), cost 2000 * 50.05 = 100,100 plus fees 0.001 * 100,100 = 100.1.
    prices = _flat(3)
    targets = pd.DataFrame({"X": 1.0}, index=prices.index)
    costs = Costs(preset="zero", fees_bps={"etf": 10.0}, slippage_bps={"etf": 10.0})
    result = backtest(prices, targets, costs, YEARLY)
    trade = result.trades.iloc[0]
    assert (trade["units"], trade["price"]) == (pytest.approx(2000), pytest.approx(50.05))
    assert trade["fee"] == pytest.approx(100.1)
    assert result.lines["slippage"].iloc[1] == pytest.approx(-100.0)
    assert result.lines["fees"].iloc[1] == pytest.approx(-100.1)
    assert result.equity.iloc[1] == pytest.approx(100_000 - 100 - 100.1)


def test_a_rate_file_is_read_and_checked(tmp_path) -> None:
    from core.errors import DataError
    from data.csv_source import read_rate_csv

    path = tmp_path / "rates.csv"
    path.write_text("Date,RF\n2024-03-04,0.01\n2024-03-01,0.02\n")
    assert read_rate_csv(path, "RF").tolist() == [0.02, 0.01]  # sorted by date
    with pytest.raises(DataError, match="the rate column 'rate'"):
        read_rate_csv(path, "rate")
    path.write_text("Date,RF\n2024-03-01,0.02\n2024-03-04,n/a\n")
    with pytest.raises(
        DataError, match=re.escape("rates.csv, line 3: an unparsable or infinite number in 'RF'")
    ):
        read_rate_csv(path, "RF")
    with pytest.raises(DataError, match="no file"):
        read_rate_csv(tmp_path / "missing.csv", "RF")


def test_borrow_overrides_from_the_command_line() -> None:
    from pipeline.config import build_config

    config = build_config(
        "main_street", ["costs.borrow_bps.BTC-USD=800", "costs.borrow_bps.etf=10"]
    )
    assert config.costs.borrow_bps == {"etf": 10.0, "crypto": 500.0, "BTC-USD": 800.0}
    assert config.costs.borrow_rate("BTC-USD", crypto=True) == 0.08
    assert config.costs.borrow_rate("ETH-USD", crypto=True) == 0.05
    assert config.costs.borrow_rate("XLK", crypto=False) == 0.001
    with pytest.raises(ConfigError, match=re.escape("expected costs.borrow_bps.KEY=VALUE")):
        build_config("main_street", ["costs.borrow_bps=5"])
    with pytest.raises(ConfigError, match=re.escape("costs.borrow_bps.XLK = -1.0 is out of range")):
        build_config("main_street", ["costs.borrow_bps.XLK=-1"])


def test_fees_and_slippage_are_per_kind_and_a_ticker_can_override_them() -> None:
    # Buying 50% each of X (an ETF) and BTC-USD at 50: ETF 10 bps fee and 10 bps slippage, crypto
    # 40 and 20. X: 1,000 units filled at 50.05, fee 0.001 * 50,050 = 50.05. BTC-USD: 1,000
    # units at 50.10, fee 0.004 * 50,100 = 200.4. Then BTC-USD's own fee of 0 wins over crypto's.
    prices = _flat(3).assign(**{"BTC-USD": 50.0})
    targets = pd.DataFrame({"X": 0.5, "BTC-USD": 0.5}, index=prices.index)
    crypto = frozenset({"BTC-USD"})
    costs = Costs(
        preset="zero",
        fees_bps={"etf": 10.0, "crypto": 40.0},
        slippage_bps={"etf": 10.0, "crypto": 20.0},
    )
    trades = backtest(prices, targets, costs, YEARLY, crypto=crypto).trades.set_index("ticker")
    assert trades.loc["X", "price"] == pytest.approx(50.05)
    assert trades.loc["X", "fee"] == pytest.approx(50.05)
    assert trades.loc["BTC-USD", "price"] == pytest.approx(50.10)
    assert trades.loc["BTC-USD", "fee"] == pytest.approx(200.4)
    costs = Costs(preset="zero", fees_bps={"etf": 10.0, "crypto": 40.0, "BTC-USD": 0.0})
    trades = backtest(prices, targets, costs, YEARLY, crypto=crypto).trades.set_index("ticker")
    assert trades.loc["BTC-USD", "fee"] == 0.0


def test_a_preset_gives_the_keys_not_given_and_an_entry_keeps_the_presets_others() -> None:
    from pipeline.config import build_config

    zero = Costs(preset="zero", fees_bps={"etf": 5.0})
    assert (zero.fees_bps, zero.slippage_bps) == (
        {"etf": 5.0, "crypto": 0.0},
        {"etf": 0.0, "crypto": 0.0},
    )
    assert (zero.borrow_bps, zero.cash_rate, zero.margin_spread_bps) == (
        {"etf": 0.0, "crypto": 0.0},
        0.0,
        0.0,
    )
    # on the command line the preset applies first, wherever it is written
    for overrides in (
        ["costs.fees_bps.etf=5", "costs.preset=zero"],
        ["costs.preset=zero", "costs.fees_bps.etf=5"],
    ):
        costs = build_config("main_street", overrides).costs
        assert costs.fees_bps == {"etf": 5.0, "crypto": 0.0}
        assert costs == Costs(preset="zero", fees_bps={"etf": 5.0, "crypto": 0.0})
    with pytest.raises(
        ConfigError, match=re.escape("give costs.cash_rate or costs.cash_rate_file")
    ):
        Costs(cash_rate=0.02, cash_rate_file="rates.csv")
    assert Costs(cash_rate_file="rates.csv").cash_rate == "auto"  # the file wins over auto
