"""Ruin: the margin call at every close, closing every position; a result, never an error."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.metrics import METRICS
from core.errors import ConfigError
from pipeline.combinations import with_value
from pipeline.config import build_config
from pipeline.run import run
from pipeline.sweep import parse_axis, sweep
from simulation.costs import Costs
from simulation.simulate import Execution, backtest
from tests.conftest import read_close
from tests.conftest import run_cli as _run

FREE = Costs(preset="zero")
LEGS = {"small_caps": "IWM", "international": "EFA", "tech": "XLK", "crypto": "BTC-USD"}
BORROW = {"IWM": 0.003, "EFA": 0.003, "XLK": 0.003, "BTC-USD": 0.05}
"""The default borrow fees a year: 30 bps on an ETF, 500 on crypto."""


def _market(closes: list[float]) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    dates = pd.bdate_range("2021-03-01", periods=len(closes))
    return pd.DataFrame({"A": closes}, index=dates), dates


def test_a_leveraged_long_is_called_on_a_bar_that_is_not_a_fill() -> None:
    # 2x long, filled once (bar 1, at 100): 2,000 units and -100,000 cash. Equity 2000p - 100000
    # is at or below 25% of 2000p when p <= 66.67: bar 5 (66), not a fill bar.
    prices, dates = _market([100, 100, 90, 80, 70, 66, 60, 80, 90, 100])
    targets = pd.DataFrame({"A": 2.0}, index=dates)
    execution = Execution(rebalance="yearly", maintenance_margin=0.25)
    result = backtest(prices, targets, FREE, execution)
    assert result.ruin is not None
    assert result.ruin.date == dates[5]
    assert result.ruin.equity == pytest.approx(32_000.0)
    assert result.ruin.losses["A"] == pytest.approx(2000 * (66 - 100))
    expected = [100_000, 100_000, 80_000, 60_000, 40_000] + [32_000] * 5
    np.testing.assert_allclose(result.equity.to_numpy(), expected)
    assert (result.holdings["A"].iloc[5:] == 0).all()
    assert result.trades["units"].tolist() == pytest.approx([2000.0, -2000.0])
    assert result.trades["date"].tolist() == [dates[1], dates[5]]
    facts = result.ruin.facts({"A": "long a (A)"})
    assert facts["date"] == dates[5].date().isoformat()
    assert facts["cause"] == "long a (A)"


def test_the_liquidation_pays_its_fees() -> None:
    # 10 bps: the buy pays 200 (cash -100,200); bar 4 (70): 39,800 > 35,000; bar 5 (66):
    # 31,800 <= 33,000, called; selling 132,000 pays 132, leaving 31,668.
    prices, dates = _market([100, 100, 90, 80, 70, 66, 60, 80, 90, 100])
    targets = pd.DataFrame({"A": 2.0}, index=dates)
    costs = Costs(preset="zero", fees_bps={"etf": 10.0})
    result = backtest(
        prices, targets, costs, Execution(rebalance="yearly", maintenance_margin=0.25)
    )
    assert result.ruin is not None
    assert result.ruin.date == dates[5]
    np.testing.assert_allclose(result.equity.iloc[5:].to_numpy(), 31_668.0)


def test_a_short_worth_less_than_nothing_is_called_at_a_fill_bar_before_trading() -> None:
    # -1 rebalanced daily, maintenance 0 (only equity <= 0): bar 1 shorts 1,000 at 100 (cash
    # 200,000); bar 2 (150) is worth 50,000, resized to 333.33 short, cash 100,000; bar 3 (310)
    # is worth 100,000 - 333.33 * 310 < 0: called before its fill, bought back at 310.
    prices, dates = _market([100, 100, 150, 310, 100, 100])
    targets = pd.DataFrame({"A": -1.0}, index=dates)
    result = backtest(prices, targets, FREE, Execution(rebalance="daily", maintenance_margin=0.0))
    units = 50_000 / 150
    assert result.ruin is not None
    assert result.ruin.date == dates[3]
    assert result.ruin.losses["A"] == pytest.approx(-units * (310 - 150))
    np.testing.assert_allclose(result.equity.iloc[3:].to_numpy(), 100_000 - units * 310)
    assert result.trades["date"].iloc[-1] == dates[3]
    assert len(result.trades) == 3  # short, resize, buy back; no fill after the call


def _independent_ruin(
    equity_dates: pd.DatetimeIndex,
    folder: Path,
    long_weight: float,
    short_weight: float,
    rebalance: str,
) -> tuple[pd.Timestamp, str, float]:
    """The margin call of main_street (default shares, costs) in a plain loop: date, ticker, value.

    Decided on the first bar and the last bar of each period, filled at the next close; borrow
    on shorts at the previous close per calendar day, margin interest of 50 bps a year on
    negative cash (the cash rate is 0); no fees; called at 15% of gross before any fill.
    """
    tickers = list(LEGS.values())
    close = np.column_stack([read_close(folder, t).reindex(equity_dates) for t in tickers])
    weights = np.array([long_weight / 2, long_weight / 2, -short_weight / 2, -short_weight / 2])
    borrow = np.array([BORROW[t] for t in tickers])
    periods = equity_dates.to_period({"monthly": "M", "yearly": "Y"}[rebalance])
    decided = np.append(periods[1:] != periods[:-1], True)
    decided[0] = True
    units, cash, last_fill = np.zeros(4), 100_000.0, 0
    for t in range(len(equity_dates)):
        if t > 0:
            days = (equity_dates[t] - equity_dates[t - 1]).days
            cash += cash * 0.005 * days / 365 if cash < 0 else 0.0
            cash -= np.sum(np.where(units < 0, -units * close[t - 1] * borrow * days / 365, 0))
        value = cash + units @ close[t]
        if value <= 0.15 * np.abs(units * close[t]).sum():
            worst = int(np.argmin(units * (close[t] - close[last_fill])))
            return equity_dates[t], tickers[worst], value
        if t > 0 and decided[t - 1]:
            units = weights * value / close[t]
            cash = value - units @ close[t]
            last_fill = t
    raise AssertionError("the loop found no margin call")


@pytest.mark.parametrize(
    ("sets", "weights", "rebalance"),
    [
        (["execution.rebalance=yearly"], (1.0, 0.5), "yearly"),
        (["strategy.long_weight=2", "strategy.short_weight=2"], (2.0, 2.0), "monthly"),
    ],
)
def test_the_two_wipe_outs_are_reported_ruins(
    sets: list[str],
    weights: tuple[float, float],
    rebalance: str,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    no_trading_costs = [f"costs.{line}.{kind}=0" for line in ("fees_bps", "slippage_bps")
                        for kind in ("etf", "crypto")]  # fmt: skip
    sets = [*sets, *no_trading_costs]  # the loop below charges borrow and margin, not trading
    argv += ["--no-report", *(arg for text in sets for arg in ("--set", text))]
    status, out, _ = _run(argv, capsys)
    assert status == 0
    folder = Path(out.strip().splitlines()[-1])
    equity = pd.read_csv(folder / "equity.csv", index_col="date", parse_dates=True)
    day, ticker, value = _independent_ruin(equity.index, shared_data, *weights, rebalance)
    ruin = json.loads((folder / "metrics.json").read_text())["ruin"]
    assert ruin["date"] == day.date().isoformat()
    assert f"({ticker})" in ruin["cause"]
    assert ruin["equity"] == pytest.approx(value, rel=1e-9)  # no fees: closed at its value
    assert out.startswith(f"RUINED on {ruin['date']}: ")
    assert ruin["cause"] in out.splitlines()[0]
    after = equity["strategy"].loc[day:]
    assert (after == ruin["equity"]).all()


def test_a_sweep_row_reports_the_ruin_of_its_single_run(shared_data: Path) -> None:
    config = build_config(
        "main_street",
        ["costs.fees_bps.etf=2", "costs.slippage_bps.etf=1"],
        data=f"csv:{shared_data}",
        start=date(2015, 1, 1),
    )
    axes = [parse_axis("strategy.long_weight=1,2"), parse_axis("strategy.short_weight=0.5,2")]
    table = sweep(config, axes).table
    assert (table["ruined_on"] != "").sum() >= 1
    for _, row in table.iterrows():
        single = run(
            with_value(with_value(config, axes[0].key, row.iloc[0]), axes[1].key, row.iloc[1])
        )
        ruin = single.metrics["ruin"]
        assert row["ruined_on"] == (ruin["date"] if ruin else "")
        assert row["ruin_cause"] == (ruin["cause"] if ruin else "")
        for key in METRICS:
            expected = single.metrics["strategy"][key]
            assert row[key] == pytest.approx(expected, rel=1e-9, abs=1e-12, nan_ok=True), key


def test_a_margin_of_one_or_more_is_refused() -> None:
    with pytest.raises(ConfigError, match="maintenance_margin"):
        Execution(maintenance_margin=1.0)
