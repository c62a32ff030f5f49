"""Matplotlib figures of a run; built on `Figure` directly so no display backend is needed."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from engine.metrics import drawdown

SYNTHETIC_MARK = "SYNTHETIC DEMO DATA - NOT HISTORY"


def equity_figure(equity: pd.DataFrame, title: str, synthetic: bool) -> Figure:
    """Equity curves on a log scale with their drawdowns beneath, one line per column."""
    figure = Figure(figsize=(10, 6.5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    for column in equity.columns:
        top.plot(equity.index, equity[column], label=column, linewidth=1.2)
        bottom.plot(equity.index, 100 * drawdown(equity[column]), label=column, linewidth=1.0)
    top.set_yscale("log")
    top.set_ylabel("Portfolio value [$, log scale]")
    top.set_title(title)
    top.legend(loc="upper left")
    top.grid(True, which="both", alpha=0.3)
    bottom.set_ylabel("Drawdown [%]")
    bottom.grid(True, alpha=0.3)
    if synthetic:
        figure.suptitle(SYNTHETIC_MARK, color="red", fontweight="bold")
    return figure
