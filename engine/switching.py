"""The study of a switching run: what each trigger was worth, and how each regime performed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from data import Market
from engine.costs import Costs
from engine.events import event_study, regime_spells, regime_table, spread_returns
from engine.metrics import daily_returns
from engine.simulate import BacktestResult, Execution, backtest
from strategies import Explanation


@dataclass(frozen=True)
class SwitchStudy:
    """A switching run's signals and regimes, its event study, and its per-regime table."""

    explanation: Explanation
    event_study: pd.DataFrame
    regimes: pd.DataFrame
    spells: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Figures for ``metrics.json``: entries per trigger, regime changes, per regime."""
        return {
            "entries": {name: len(days) for name, days in self.explanation.entries.items()},
            "regime_changes": len(self.explanation.events),
            "per_regime": self.regimes.to_dict(orient="index"),
        }


def study(
    explanation: Explanation,
    result: BacktestResult,
    market: Market,
    costs: Costs,
    execution: Execution,
) -> SwitchStudy:
    """Forward returns after each entry trigger, and the strategy's returns by regime held.

    The event study looks at stocks, the static strategy the switch rotates into (run with the
    same costs), and tech minus small caps. Timing: the regime decided at the close of ``t`` is
    held from the fill ``lag`` bars later, so the return of bar ``t`` belongs to the regime
    decided at ``t - lag - 1``.
    """
    u, prices = market.universe, market.prices
    static = explanation.rotates_into
    equity = backtest(prices, static.target_weights(market), costs, execution).equity
    series = {
        f"stocks ({u.stocks})": prices[u.stocks],
        f"static {static.name}": equity,
        f"{u.tech} minus {u.small_caps}": spread_returns(prices[u.tech], prices[u.small_caps]),
    }
    returns = daily_returns(result.equity)
    held = explanation.regime.shift(execution.lag + 1).reindex(returns.index)
    return SwitchStudy(
        explanation=explanation,
        event_study=event_study(explanation.entries, series),
        regimes=regime_table(returns, held, market.periods_per_year, risk_free=result.cash_rate),
        spells=regime_spells(explanation.regime),
    )
