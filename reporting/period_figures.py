"""Figures by calendar period and by P&L line: annual bars, the monthly heatmap, attribution."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reporting.figures import (
    BENCHMARK_COLOUR,
    STRATEGY_COLOUR,
    dollar_axis,
    fixed_margins,
    leg_colour,
    legend_inches,
    percent_axis,
    plain_text,
)
from reporting.html import num

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
COST_LINES = ("interest", "borrow", "fees", "slippage")


@plain_text
def annual_figure(years: pd.DataFrame, synthetic: bool) -> Figure:
    """Calendar-year returns side by side, strategy then benchmark (columns, fractions)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.8))
    axes = figure.subplots()
    positions = np.arange(len(years))
    width = 0.4
    for offset, column, colour in zip(
        (-width / 2, width / 2), years.columns, (STRATEGY_COLOUR, BENCHMARK_COLOUR), strict=False
    ):
        axes.bar(positions + offset, 100 * years[column], width, color=colour, label=column)
    axes.set_xticks(
        positions, [str(year) for year in years.index], rotation=45 if len(years) > 12 else 0
    )
    axes.axhline(0, color="black", linewidth=0.7)
    axes.set_title("Calendar-year returns (first and last year may be partial)")
    axes.set_ylabel("Return [%]")
    percent_axis(axes)
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend(loc="upper left")
    fixed_margins(figure, synthetic, bottom=0.75 if len(years) > 12 else 0.4)
    return figure


def month_grid(monthly: pd.Series) -> pd.DataFrame:
    """Monthly returns (by `pd.Period`) as years x 12 months, NaN where a month is missing."""
    grid = pd.DataFrame(
        {"year": monthly.index.year, "month": monthly.index.month, "value": monthly.to_numpy()}
    ).pivot(index="year", columns="month", values="value")
    return grid.reindex(columns=range(1, 13))


@plain_text
def monthly_figure(
    monthly: pd.Series, name: str, synthetic: bool, title: str | None = None
) -> Figure:
    """Heatmap of monthly returns, years down and months across, values printed.

    ``name`` is whose returns they are; ``title`` replaces the default title (an excess return).

    The colour scale is symmetric around zero and capped at the 95th percentile of the absolute
    returns, so one extreme month does not wash out the rest.
    """
    grid = 100 * month_grid(monthly)
    values = grid.to_numpy(dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    limit = max(float(np.percentile(finite, 95)) if finite.size else 1.0, 0.5)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 1.3 + 0.32 * len(grid)))
    axes = figure.subplots()
    image = axes.imshow(values, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    for (row, column), value in np.ndenumerate(values):
        if np.isfinite(value):
            dark = abs(value) > 0.75 * limit
            axes.text(
                column,
                row,
                num(value, 1.0, 1),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
    axes.set_xticks(range(12), MONTHS)
    axes.set_yticks(range(len(grid)), [str(year) for year in grid.index])
    axes.tick_params(length=0)
    axes.set_title(title or f"Monthly returns of {name} [%]")
    colourbar = figure.colorbar(image, ax=axes, fraction=0.03, pad=0.01)
    colourbar.set_label("Return [%]")
    fixed_margins(figure, synthetic, left=0.6, right=0.75)
    return figure


@plain_text
def attribution_figure(
    table: pd.DataFrame, benchmark_total: pd.Series, names: tuple[str, str], synthetic: bool
) -> Figure:
    """Cumulative P&L of each leg and cost line of the strategy, in dollars, beside 60/40's total.

    ``table`` is the strategy's daily P&L by line with a ``total`` column; ``names`` are the
    strategy's and benchmark's labels.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.8))
    axes = figure.subplots()
    cumulative = table.cumsum()
    legs = [column for column in table if column not in (*COST_LINES, "total")]
    for i, leg in enumerate(legs):
        axes.plot(
            cumulative.index, cumulative[leg], color=leg_colour(leg, i), linewidth=1.2, label=leg
        )
    greys = ("#555555", "#888888", "#aaaaaa", "#333333")
    for line, grey in zip(COST_LINES, greys, strict=True):
        if line in cumulative and cumulative[line].abs().max() > 0:
            axes.plot(
                cumulative.index,
                cumulative[line],
                color=grey,
                linestyle="--",
                linewidth=1.0,
                label=line,
            )
    axes.plot(
        cumulative.index,
        cumulative["total"],
        color=STRATEGY_COLOUR,
        linewidth=2.2,
        label=f"{names[0]} total",
    )
    axes.plot(
        benchmark_total.index,
        benchmark_total.cumsum(),
        color=BENCHMARK_COLOUR,
        linewidth=1.6,
        label=f"{names[1]} total",
    )
    axes.axhline(0, color="black", linewidth=0.7)
    dollar_axis(axes)
    axes.set_title("Cumulative P&L by leg and cost line")
    axes.set_ylabel("Cumulative P&L [$]")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    fixed_margins(figure, synthetic, left=1.05, right=legend_inches(labels))
    return figure
