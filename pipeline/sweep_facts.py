"""What a sweep found, honestly: its best combination, and how far luck explains it.

The facts `summarise` gives (``metrics.json``'s ``sweep``, the console's headline, the report's
sweep section): the best combination by Sharpe, the deflated Sharpe ratio for the number of
trials, the probability of backtest overfitting when the grid is large enough, and a warning for
a best value on the edge of its axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.overfitting import deflated_sharpe, pbo_applicable, pbo_of_blocks
from core.errors import ConfigError
from pipeline.combinations import with_value, with_values
from pipeline.config import RunConfig
from pipeline.sweep import PBO_SPLITS, Axis, SweepResult


def best_config(config: RunConfig, result: SweepResult) -> RunConfig:
    """The combination with the highest Sharpe (ruined combinations never win)."""
    row = result.table.iloc[_best(result.table)]
    for axis in result.axes:
        config = with_value(config, axis.key, float(row[axis.key]))
    return config


def summarise(result: SweepResult, config: RunConfig) -> dict[str, Any]:
    """The sweep's facts for ``metrics.json`` and the console: size, best, and its honesty.

    ``config`` is the base config the grid was laid over (the edge warnings ask it for bounds).

    The deflated Sharpe ratio discounts the best Sharpe for the number of trials and the spread
    of their Sharpes; the probability of backtest overfitting (CSCV on the trials' daily returns)
    is given when the grid is large enough.
    """
    table = result.table
    survivors = table["ruined_on"].to_numpy() == ""
    sharpes = table["sharpe"][survivors].dropna()
    best = _best(table)
    values = {axis.key: float(table.iloc[best][axis.key]) for axis in result.axes}
    facts: dict[str, Any] = {
        "combinations": len(table),
        "ruined": int((table["ruined_on"] != "").sum()),
        "best": values,
        "best_sharpe": float(table["sharpe"].iloc[best]),
    }
    shape = result.shape
    if len(sharpes) > 1:
        deflated = deflated_sharpe(
            facts["best_sharpe"],
            sharpes.to_numpy(),
            shape.n_obs,
            float(shape.skew[best]),
            float(shape.kurtosis[best]) + 3.0,
            result.periods_per_year,
        )
        facts["deflated_sharpe"] = deflated.deflated_sharpe
        facts["expected_max_sharpe"] = deflated.expected_max_sharpe
        facts["trial_sharpe_std"] = deflated.trial_sharpe_std
    if shape.blocks is not None and pbo_applicable(int(survivors.sum()), shape.n_obs, PBO_SPLITS):
        found = pbo_of_blocks(shape.blocks.trials(survivors))
        facts["pbo"] = found.pbo
        facts["pbo_combinations"] = found.n_combinations
        facts["pbo_of_combinations"] = found.of_combinations
        facts["pbo_standard_error"] = found.standard_error
    facts["warnings"] = edge_warnings(config, result.axes, values)
    facts["headline"] = _headline(facts, values)
    return facts


def _best(table: pd.DataFrame) -> int:
    """The row of the highest Sharpe among the combinations that were not ruined."""
    ranked = table["sharpe"].where(table["ruined_on"] == "").fillna(-np.inf)
    return int(ranked.to_numpy().argmax())


def edge_warnings(config: RunConfig, axes: tuple[Axis, ...], best: dict[str, float]) -> list[str]:
    """A warning for each axis of three or more values whose best value is its first or last.

    The best there may lie beyond the grid: the sweep did not find a peak, only a boundary. A
    best value on the parameter's own bound (``short_weight`` 0, ``tech_share`` 1, ``fees_bps``
    0, ``confirm_days`` 1) has nothing beyond it, so it gets no warning; ``config`` is the base
    config the grid was laid over, whose validation knows the bounds (`beyond_allowed`).
    """
    chosen = with_values(config, best)
    warnings = []
    for axis in axes:
        values = sorted(set(axis.values))
        value = best[axis.key]
        if len(values) < 3 or value not in (values[0], values[-1]):
            continue
        side = "smallest" if value == values[0] else "largest"
        if beyond_allowed(chosen, axis.key, value, -1.0 if side == "smallest" else 1.0):
            warnings.append(
                f"the best {axis.key}={value:g} is the grid's {side} value "
                f"({values[0]:g} to {values[-1]:g}): the best may lie beyond it; widen the grid"
            )
    return warnings


def beyond_allowed(config: RunConfig, key: str, value: float, direction: float) -> bool:
    """Whether ``key`` may be set a little past ``value`` (``direction`` -1 below, +1 above).

    The parameter's own validation (the ``check_range`` of its strategy, signal, costs or
    execution) is the one place that knows its bounds, so it is asked: the next float past
    ``value``, or for a whole-number parameter the next whole number.
    """
    for step in (float(np.nextafter(value, direction * np.inf)), value + direction):
        try:
            with_value(config, key, step)
        except ConfigError:
            continue
        return True
    return False


def _headline(facts: dict[str, Any], values: dict[str, float]) -> str:
    chosen = ", ".join(f"{key}={value:g}" for key, value in values.items())
    text = f"sweep: best of {facts['combinations']} by Sharpe: {chosen}"
    if not np.isfinite(facts["best_sharpe"]):
        return text + (
            ", Sharpe n/a for every combination (fewer returns than a quarter of a year, or "
            "returns that do not vary: analytics.metrics.na_reasons)"
        )
    text += f", Sharpe {facts['best_sharpe']:.2f}"
    if "deflated_sharpe" in facts:
        text += (
            f"; deflated Sharpe {facts['deflated_sharpe']:.2f} (probability the true Sharpe beats "
            f"{facts['expected_max_sharpe']:.2f}, the best expected from luck alone)"
        )
    if "pbo" in facts:
        text += f"; probability of backtest overfitting {facts['pbo']:.2f}"
        if facts["pbo_standard_error"] > 0:
            text += (
                f" ± {facts['pbo_standard_error']:.3f} (standard error: "
                f"{facts['pbo_combinations']:,} of its {facts['pbo_of_combinations']:,} "
                "train/test splits, drawn at random)"
            )
    return text
