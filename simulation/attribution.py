"""Where each day's P&L came from: price moves of each holding, and each cost or financing line."""

from __future__ import annotations

import pandas as pd

from simulation.simulate import BacktestResult


def attribution(result: BacktestResult, prices: pd.DataFrame, legs: dict[str, str]) -> pd.DataFrame:
    """Daily P&L in dollars: one column per leg, then the lines, then ``total``.

    A leg's P&L on day ``t`` is ``units held at the close of t-1 * (price[t] - price[t-1])``,
    summed over its tickers (``legs`` maps ticker to leg name); the lines are interest (on
    margin, negative), borrow, fees and slippage as the simulation charged them. The parts add
    up to the change in equity each day, because trades at the close move no value except by
    their costs.
    """
    prices = prices[result.holdings.columns]
    held = result.holdings.shift(1, fill_value=0.0)
    moves = (held * prices.diff()).where(held != 0, 0.0)
    by_leg = moves.T.groupby(lambda ticker: legs[ticker], sort=False).sum().T
    table = pd.concat([by_leg, result.lines], axis=1)
    table["total"] = result.equity.diff().fillna(0.0)
    return table.rename_axis("date")
