"""The simulation: target weights, prices, costs and rates in; plain pandas results out.

Timing and accounting, fixed here and nowhere else:

- a target row dated ``t`` is *decided* at the close of ``t`` if ``t`` is a decision date: the
  first bar, the last bar of each rebalance period, or a bar on which the targets changed;
- it is *filled* at the close ``lag`` bars later (``lag >= 1``), so the portfolio holds cash on
  day one, or, where that close is carried forward from an earlier day (an ETF on a weekend of
  the 7-day calendar), at the first close the asset's own market prints after it;
- each bar first accrues financing on what was held since the previous close: interest on
  positive cash at the cash rate, on negative cash at the cash rate plus the margin spread (none
  on cash within `simulation.kernel.CASH_TOLERANCE` of the value of zero: rounding residue), and a
  borrow fee on the market value (at the previous close) of each short, per calendar day;
- at a fill, target units are ``weight * value / price`` with ``value`` the portfolio's value at
  that close before trading costs; each trade fills at the close moved against it by the
  slippage, fees are charged on the notional at that fill price, and both are paid from cash,
  which may go below zero;
- an asset without a price yet (NaN, before its listing) gets zero weight: its share is held in
  cash until its first price, and it is never traded while unpriced;
- ruin, a broker's margin call: at every close, after financing and before that close's fill,
  the portfolio is ruined if its equity is at or below ``execution.maintenance_margin`` times
  its gross exposure (longs plus shorts at market value), which includes any equity at or below
  zero. Every position is then closed at that close (fees and slippage paid), and the equity
  stays at that liquidation value to the last date: no more trading, financing or fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from core.ranges import Range, check_ranges
from simulation import kernel
from simulation.costs import Costs, cash_rates, days_between, margin_rates

Rebalance = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
_PERIOD_CODE: dict[Rebalance, str] = {
    "daily": "D",
    "weekly": "W",
    "monthly": "M",
    "quarterly": "Q",
    "yearly": "Y",
}


@dataclass(frozen=True, kw_only=True)
class Execution:
    """When decisions are made and filled, and with how much money."""

    lag: int = 1
    """Bars between a decision at a close and its fill at a later close; at least 1."""
    rebalance: Rebalance = "monthly"
    """Scheduled decisions on the last trading day of each period."""
    initial_value: float = 100_000.0
    """Starting portfolio value, all in cash."""
    maintenance_margin: float = 0.15
    """The margin call: ruined at the first close where equity <= this times gross exposure."""

    RANGES: ClassVar[dict[str, Range]] = {
        "lag": Range(1, 250),  # never 0: no same-bar fills; at most a year of bars
        "initial_value": Range(1.0, 1e12),  # a dollar to a trillion
        "maintenance_margin": Range(0.0, 0.99),  # 0: ruined only at zero equity
    }

    def __post_init__(self) -> None:
        check_ranges(self, "execution")


@dataclass(frozen=True)
class BacktestResult:
    """What a simulation produced, as plain pandas objects on the market's dates.

    ``holdings`` are units held at each close, ``weights`` their value over ``equity`` (held,
    not target, weights), ``cash`` may be negative. ``lines`` has one column per P&L line a day:
    ``interest`` (on positive cash, negative on margin), ``borrow``, ``fees`` and ``slippage``
    (costs as negative numbers); ``borrow_by_asset`` splits the borrow line. ``trades`` has one
    row per fill: date, ticker, units (signed), fill price, fee. ``cash_rate`` is the rate
    positive cash earned each bar (the risk-free rate of the metrics). ``ruin`` is the margin
    call that ended the run, None if none did.
    """

    equity: pd.Series
    holdings: pd.DataFrame
    weights: pd.DataFrame
    cash: pd.Series
    lines: pd.DataFrame
    borrow_by_asset: pd.DataFrame
    trades: pd.DataFrame
    cash_rate: pd.Series
    ruin: Ruin | None = None


@dataclass(frozen=True)
class Ruin:
    """The margin call that ended a run: when, the liquidation value, and what lost.

    ``losses`` is each ticker's P&L from the close of the last fill bar to the ruin close
    (units held times the change of the close): what moved against the portfolio since its
    last rebalance.
    """

    date: pd.Timestamp
    equity: float
    losses: pd.Series

    def facts(self, legs: dict[str, str]) -> dict[str, Any]:
        """``{date, cause, equity, pnl_since_rebalance}`` for metrics.json and a sweep's row.

        ``legs`` names each ticker's leg; the P&L is summed by leg, and the cause is the leg
        that lost most since the last rebalance ("costs and financing" when none lost).
        """
        by_leg: dict[str, float] = {}
        for ticker, pnl in self.losses.items():
            if pnl != 0:
                leg = legs.get(str(ticker), str(ticker))
                by_leg[leg] = by_leg.get(leg, 0.0) + float(pnl)
        worst = min(by_leg, key=by_leg.__getitem__, default="")
        return {
            "date": self.date.date().isoformat(),
            "cause": worst if by_leg.get(worst, 0.0) < 0 else "costs and financing",
            "equity": self.equity,
            "pnl_since_rebalance": by_leg,
        }

    def headline(self, legs: dict[str, str], maintenance: float) -> str:
        """One line: ``RUINED on 2018-01-02: ...``, the cause and the liquidation value."""
        facts = self.facts(legs)
        loss = facts["pnl_since_rebalance"].get(facts["cause"])
        sign = "-" if loss is not None and loss < 0 else ""
        lost = f" ({sign}${abs(loss):,.0f} since the last rebalance)" if loss is not None else ""
        return (
            f"RUINED on {facts['date']}: equity fell to {maintenance:.0%} of gross exposure or "
            f"below (margin call); cause: {facts['cause']}{lost}; positions closed, equity "
            f"${facts['equity']:,.2f} from then on"
        )


def decision_dates(targets: pd.DataFrame, rebalance: Rebalance) -> pd.Series:
    """Mark the bars at which targets are decided: first bar, period ends, and target changes."""
    ends = period_ends(pd.DatetimeIndex(targets.index), rebalance)
    values = np.ascontiguousarray(targets.to_numpy(dtype=float))
    priced, codes = np.ones(values.shape, dtype=bool), np.arange(len(values))
    changes = np.zeros(len(values), dtype=bool)
    return pd.Series(kernel.decided_bars(values, codes, priced, changes, ends), index=targets.index)


def period_ends(index: pd.DatetimeIndex, rebalance: Rebalance) -> np.ndarray:
    """True on the last bar of each rebalance period (and on the last bar)."""
    periods = index.to_period(_PERIOD_CODE[rebalance])
    return np.append(periods[1:] != periods[:-1], True)


def order_book(
    targets: np.ndarray | tuple[np.ndarray, np.ndarray],
    priced: np.ndarray,
    ends: np.ndarray,
    lag: int,
    own: np.ndarray | None = None,
    changes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The bars with an order and the orders of each: the targets decided ``lag`` bars earlier.

    ``targets`` is dates x assets, or ``(rows, codes)``: a table of distinct rows and the row of
    each date (what `Strategy.weight_rows` gives, without the dates x assets copy). Unpriced
    assets get zero weight (a change when they list) and no order while unpriced. ``own`` marks
    the closes an asset's market printed (None: every price); an order waits for the first of
    them on or after its fill bar. Compiled (`simulation.kernel.order_book`): a sweep calls it
    once per combination, with the market's ``changes`` (`simulation.kernel.priced_changes` of
    ``priced``) worked out once. An order row has NaN for an asset without an order on that bar.
    """
    if isinstance(targets, tuple):
        rows, codes = targets
    else:
        rows, codes = targets, np.arange(len(targets))
    rows = np.ascontiguousarray(rows, dtype=float)
    own = priced if own is None else np.ascontiguousarray(own, dtype=bool)
    changes = kernel.priced_changes(priced) if changes is None else changes
    codes = np.asarray(codes, dtype=np.int64)
    return kernel.order_book(rows, codes, priced, changes, own, ends, lag)


def backtest(
    prices: pd.DataFrame,
    targets: pd.DataFrame,
    costs: Costs,
    execution: Execution,
    *,
    cash_rate: pd.Series | None = None,
    crypto: frozenset[str] = frozenset(),
    own: pd.DataFrame | None = None,
    ends: np.ndarray | None = None,
) -> BacktestResult:
    """Simulate rebalancing to ``targets`` under the semantics in this module.

    ``cash_rate`` is the rate of each bar (see `simulation.costs.cash_rates`), by default from
    ``costs.cash_rate`` (``auto`` counts as 0 here: the rate series comes with the data, see
    `pipeline.run.prepare`); ``crypto`` names the tickers that pay the crypto fees, slippage and
    borrow; ``own`` is True where a price is a close the asset's market printed
    (`Market.own_closes`; None: every price is), the only closes a trade fills at. ``ends``
    are the bars a scheduled rebalance is decided on (None: ``execution.rebalance``'s period
    ends; a call's books may keep schedules of their own, `Strategy.rebalance_ends`).
    """
    prices = prices[targets.columns]
    if ends is None:
        ends = period_ends(pd.DatetimeIndex(prices.index), execution.rebalance)
    priced = np.ascontiguousarray(prices.notna().to_numpy())
    printed = None if own is None else own[targets.columns].to_numpy(dtype=bool)
    bars, orders = order_book(targets.to_numpy(dtype=float), priced, ends, execution.lag, printed)
    if cash_rate is None:
        cash_rate, _ = cash_rates(prices.index, costs)
    columns = prices.columns
    fees, slippage, borrow = costs.asset_rates(columns, crypto.__contains__)
    units, cash, equity, interest, borrowed, fees, slipped, fills, ruin, losses = kernel.simulate(
        np.ascontiguousarray(prices.to_numpy(dtype=float)),  # the kernel walks bar by bar
        bars,
        orders,
        fees,
        slippage,
        borrow,
        days_between(prices.index),
        cash_rate.to_numpy(dtype=float),
        margin_rates(cash_rate, costs).to_numpy(dtype=float),
        float(execution.initial_value),
        float(execution.maintenance_margin),
    )
    holdings = pd.DataFrame(units, index=prices.index, columns=columns)
    equity_series = pd.Series(equity, index=prices.index, name="equity")
    lines = pd.DataFrame(
        {
            "interest": interest,
            "borrow": -borrowed.sum(axis=1),
            "fees": -fees.sum(axis=1),
            "slippage": -slipped.sum(axis=1),
        },
        index=prices.index,
    )
    return BacktestResult(
        equity=equity_series,
        holdings=holdings,
        weights=(holdings * prices).where(holdings != 0, 0.0) / equity[:, None],
        cash=pd.Series(cash, index=prices.index, name="cash"),
        lines=lines,
        borrow_by_asset=pd.DataFrame(-borrowed, index=prices.index, columns=columns),
        trades=pd.DataFrame(
            {
                "date": prices.index[fills[:, 0].astype(int)],
                "ticker": columns[fills[:, 1].astype(int)],
                "units": fills[:, 2],
                "price": fills[:, 3],
                "fee": fills[:, 4],
            }
        ),
        cash_rate=cash_rate,
        ruin=None
        if ruin == kernel.NO_RUIN
        else Ruin(prices.index[ruin], float(equity[ruin]), pd.Series(losses, index=columns)),
    )
