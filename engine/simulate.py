"""The vectorbt adapter: target weights, prices and costs in; plain pandas results out.

Timing, fixed here and nowhere else:

- a target row dated ``t`` is *decided* at the close of ``t`` if ``t`` is a decision date: the
  first bar, the last bar of each rebalance period, or a bar on which the targets changed;
- it is *filled* at the close ``lag`` bars later (``lag >= 1``), so the portfolio holds cash on
  day one;
- at a fill, target units are ``weight * value / price`` with ``value`` the portfolio's value at
  that close before fees; fees (``fees_bps`` of traded notional) are then paid from cash, which
  may go below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import vectorbt as vbt
from vectorbt.portfolio.enums import OrderSide, RejectedOrderError, SizeType

from engine.errors import ConfigError

Rebalance = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
_PERIOD_CODE: dict[Rebalance, str] = {
    "daily": "D",
    "weekly": "W",
    "monthly": "M",
    "quarterly": "Q",
    "yearly": "Y",
}

# vectorbt never lets cash fall below zero, but paying fees after a full allocation (or leverage)
# must. So the adapter opens a credit line: on the first bar it sells short a constant-price
# column worth a multiple of the starting value. That raises cash without changing the
# portfolio's value, so target sizes are untouched; the column is removed from every output.
# A small line keeps rounding in the value near 1e-15 of it; a run that needs more cash is
# rejected by vectorbt (never filled partially) and retried with a larger line.
_CREDIT = "__credit_line__"
_CREDIT_LINE_MULTIPLES = (10.0, 1e3, 1e5, 1e7)


@dataclass(frozen=True, kw_only=True)
class Costs:
    """Trading costs charged in the simulation."""

    fees_bps: float = 0.0
    """Fees on traded notional, in basis points (5 means 0.05% of each trade's value)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.fees_bps <= 1000.0:
            raise ConfigError(
                f"costs.fees_bps = {self.fees_bps} is out of range; expected 0 to 1000"
            )


@dataclass(frozen=True, kw_only=True)
class Execution:
    """When decisions are made and filled, and with how much money."""

    lag: int = 1
    """Bars between a decision at a close and its fill at a later close; at least 1."""
    rebalance: Rebalance = "monthly"
    """Scheduled decisions on the last trading day of each period."""
    initial_value: float = 100_000.0
    """Starting portfolio value, all in cash."""

    def __post_init__(self) -> None:
        if self.lag < 1:
            raise ConfigError(f"execution.lag = {self.lag}: must be at least 1 (no same-bar fills)")
        if self.initial_value <= 0:
            raise ConfigError(f"execution.initial_value = {self.initial_value}: must be positive")


@dataclass(frozen=True)
class BacktestResult:
    """What a simulation produced, as plain pandas objects on the market's dates.

    ``holdings`` are units held at each close, ``weights`` their value over ``equity`` (held,
    not target, weights), ``cash`` may be negative, ``fees`` is what each day's fills cost, and
    ``trades`` has one row per fill (date, ticker, units, price, fee).
    """

    equity: pd.Series
    holdings: pd.DataFrame
    weights: pd.DataFrame
    cash: pd.Series
    fees: pd.Series
    trades: pd.DataFrame


def decision_dates(targets: pd.DataFrame, rebalance: Rebalance) -> pd.Series:
    """Mark the bars at which targets are decided: first bar, period ends, and target changes."""
    periods = targets.index.to_period(_PERIOD_CODE[rebalance])
    period_end = np.append(periods[1:] != periods[:-1], True)
    changed = targets.diff().abs().gt(0).any(axis=1).to_numpy()
    decided = period_end | changed
    decided[0] = True
    return pd.Series(decided, index=targets.index)


def fill_orders(targets: pd.DataFrame, decided: pd.Series, lag: int) -> pd.DataFrame:
    """Place each decided target row ``lag`` bars later; NaN rows are bars without a fill."""
    return targets.where(decided, np.nan).shift(lag)


def backtest(
    prices: pd.DataFrame, targets: pd.DataFrame, costs: Costs, execution: Execution
) -> BacktestResult:
    """Simulate rebalancing to ``targets`` with vectorbt under the semantics in this module.

    An asset without a price yet (NaN, before its listing) gets zero weight: its share is held
    in cash until its first price, and it is never ordered while unpriced.
    """
    prices = prices[targets.columns]
    targets = targets.where(prices.notna(), 0.0)
    orders = fill_orders(targets, decision_dates(targets, execution.rebalance), execution.lag)
    orders = orders.where(prices.notna())
    fees = np.append(np.full(len(prices.columns), costs.fees_bps / 1e4), 0.0)[None, :]
    for multiple in _CREDIT_LINE_MULTIPLES:
        credit = multiple * execution.initial_value
        try:
            pf = _simulate(prices, orders, fees, credit, execution.initial_value, raise_reject=True)
        except RejectedOrderError as exc:
            if "zero or negative" in str(exc):
                pf = _simulate(prices, orders, fees, credit, execution.initial_value, False)
                ruin = pf.value().le(0).idxmax().date()
                raise ConfigError(
                    f"the portfolio lost all its value by {ruin} and cannot rebalance; "
                    "lower the strategy's exposure (its short legs, most likely)"
                ) from exc
            continue
        return _result(pf, prices, credit)
    raise ConfigError(
        f"the simulation needed more leverage than a credit line of {credit:,.0f}; "
        "lower the strategy's gross exposure"
    )


def _simulate(
    prices: pd.DataFrame,
    orders: pd.DataFrame,
    fees: np.ndarray,
    credit: float,
    initial_value: float,
    raise_reject: bool,
) -> vbt.Portfolio:
    """One vectorbt call with every setting explicit, plus the credit line's column."""
    close = prices.assign(**{_CREDIT: 1.0})
    size = orders.assign(**{_CREDIT: np.nan})
    size.iloc[0, -1] = -credit
    size_type = np.full(close.shape, SizeType.TargetPercent)
    size_type[0, -1] = SizeType.Amount
    return vbt.Portfolio.from_orders(
        close=close,
        size=size,
        size_type=size_type,
        direction="both",
        price=close,
        val_price=close,
        fees=fees,
        fixed_fees=0.0,
        slippage=0.0,
        min_size=0.0,
        max_size=np.inf,
        size_granularity=np.nan,
        reject_prob=0.0,
        lock_cash=False,
        allow_partial=False,
        raise_reject=raise_reject,
        log=False,
        init_cash=initial_value,
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        ffill_val_price=True,
        update_value=False,
        attach_call_seq=False,
    )


def _result(pf: vbt.Portfolio, prices: pd.DataFrame, credit: float) -> BacktestResult:
    equity = pf.value().rename("equity")
    holdings = pf.assets()[prices.columns]
    records = pf.orders.values
    records = records[records["col"] < len(prices.columns)]  # the credit line is the last column
    sign = np.where(records["side"] == OrderSide.Buy, 1.0, -1.0)
    trades = pd.DataFrame(
        {
            "date": prices.index[records["idx"]],
            "ticker": prices.columns[records["col"]],
            "units": sign * records["size"],
            "price": records["price"],
            "fee": records["fees"],
        }
    )
    fees = trades.groupby("date")["fee"].sum().reindex(prices.index, fill_value=0.0)
    return BacktestResult(
        equity=equity,
        holdings=holdings,
        weights=(holdings * prices).where(holdings != 0, 0.0) / equity.to_numpy()[:, None],
        cash=(pf.cash() - credit).rename("cash"),
        fees=fees.rename("fees"),
        trades=trades,
    )
