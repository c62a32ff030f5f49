"""The study of a switching run: what each trigger was worth, and how each regime performed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.events import (
    event_study,
    pnl_by_regime,
    regime_spells,
    regime_table,
    spread_returns,
)
from analytics.metrics import daily_returns
from data import Market
from signals.explain import Explanation
from simulation.costs import Costs
from simulation.simulate import BacktestResult, Execution, backtest

WHIPSAW_BARS = 5
"""A spell entered and left inside the run in fewer bars than this (a trading week) is a
whipsaw: two rebalances for a regime that did not last."""
SWITCH_REGIMES = ("main_street", "defensive", "neutral")
"""hartnett_switch's regimes, each counted even when never entered; a call counts its books."""


@dataclass(frozen=True)
class SwitchStudy:
    """A switching run's signals and regimes, its event study, per-regime table and whipsaws."""

    explanation: Explanation
    event_study: pd.DataFrame
    regimes: pd.DataFrame
    spells: pd.DataFrame
    whipsaws: pd.DataFrame
    pnl_by_regime: dict[str, float]
    """Dollar P&L earned while each regime was held (`analytics.events.pnl_by_regime`)."""

    def summary(self) -> dict[str, Any]:
        """Figures for ``metrics.json``: entries into each regime, trigger firings, whipsaws.

        A regime entry is a change into that regime inside the run (a row of ``events.csv``); a
        trigger firing is a close at which one entry trigger fired, whether or not the regime
        changed (a second trigger on the same day, or one while already in Main Street). A
        conflict is a firing on a close where the exit condition held (a support break with the
        reading below ``buy_below``): counted by trigger, dated, with the rule that decided it.
        """
        events, conflicts = self.explanation.events, self.explanation.conflicts
        dates = sorted({day for days in conflicts.values() for day in days})
        held = list(dict.fromkeys(self.explanation.regime))
        regimes = SWITCH_REGIMES if set(held) <= set(SWITCH_REGIMES) else held  # a call's books
        return {
            "regime_entries": {
                regime: int((events["regime"] == regime).sum()) for regime in regimes
            },
            "trigger_firings": {name: len(days) for name, days in self.explanation.entries.items()},
            "conflicts": {
                "rule": self.explanation.conflict_rule,
                "count": len(dates),
                "by_trigger": {name: len(days) for name, days in conflicts.items()},
                "dates": [str(day.date()) for day in dates],
            },
            "regime_changes": len(events),
            "whipsaws": {
                "shorter_than_bars": WHIPSAW_BARS,
                "count": len(self.whipsaws),
                "spells": self.whipsaws.astype({"start": str, "end": str}).to_dict("records"),
            },
            "per_regime": self.regimes.to_dict(orient="index"),
            "pnl_by_regime": self.pnl_by_regime,
        }


def whipsaws(spells: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The spells entered and left inside the run in fewer than `WHIPSAW_BARS` bars.

    ``spells`` are the run's (`analytics.events.regime_spells`), ``events`` its regime changes. The
    first spell may have been carried in from the warm-up and the last is still open: neither
    is a whipsaw. Columns: regime, start, end, bars, the cause in and the cause out.
    """
    causes = events.set_index("date")["cause"]
    rows = []
    for i in range(len(spells) - 1):
        spell, after = spells.iloc[i], spells.iloc[i + 1]
        if spell["bars"] < WHIPSAW_BARS and spell["start"] in causes.index:
            rows.append(
                {
                    **spell.to_dict(),
                    "cause_in": causes[spell["start"]],
                    "cause_out": causes.get(after["start"], ""),
                }
            )
    return pd.DataFrame(rows, columns=["regime", "start", "end", "bars", "cause_in", "cause_out"])


def study(
    explanation: Explanation,
    result: BacktestResult,
    market: Market,
    costs: Costs,
    execution: Execution,
) -> SwitchStudy:
    """Forward returns after each entry trigger, and the strategy's returns by regime held.

    The event study looks at stocks, the static strategy the switch rotates into (run with the
    same costs), and tech minus small caps (where the market has both). Timing: the regime
    decided at the close of ``t`` is held from the fill ``lag`` bars later, so the return of
    bar ``t`` belongs to the regime decided at ``t - lag - 1``.
    """
    u, prices = market.universe, market.prices
    static = explanation.rotates_into
    tech, small = u.basket("tech"), u.basket("small_caps")
    weights = static.target_weights(market)
    own = market.printed(list(weights.columns))
    crypto = frozenset(t for t in weights if u.is_crypto(t))
    equity = backtest(prices, weights, costs, execution, crypto=crypto, own=own).equity
    printed = prices.where(market.printed(list(prices.columns)))  # a carried close is no price
    series = {f"stocks ({u.stocks})": printed[u.stocks], f"static {static.name}": equity}
    if set(tech) | set(small) <= set(printed.columns):  # a call may hold neither
        series[f"{'+'.join(tech)} minus {'+'.join(small)}"] = spread_returns(printed, tech, small)
    returns = daily_returns(result.equity)
    held = explanation.regime.shift(execution.lag + 1).reindex(returns.index)
    spells = regime_spells(explanation.regime)
    return SwitchStudy(
        explanation=explanation,
        event_study=event_study(explanation.entries, series),
        regimes=regime_table(returns, held, market.periods_per_year, risk_free=result.cash_rate),
        spells=spells,
        whipsaws=whipsaws(spells, explanation.events),
        pnl_by_regime=pnl_by_regime(result.equity, held),
    )
