"""Figures of a parameter sweep: a heatmap per pair of swept keys and metric, or one line chart.

Each heatmap varies two keys and holds every other swept key at its value in the best
combination (by Sharpe), so the best combination is always one of its cells and is outlined.
Ruined combinations (equity reached zero) are hatched and carry no value.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reporting.drawing import Drawing, later
from reporting.figures import STRATEGY_COLOUR, plain_text, text_inches
from reporting.sweep_layout import EDGE, heatmap_layout, line_layout, lines_inches

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn, not with this module
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

MAX_ANNOTATED = 15
"""An axis with more values than this gets no numbers in its cells (too small to read, and
thousands of labels make the figures slow to draw)."""
BEST_COLOUR = "#d6246e"
RUINED_HATCH = "////"


@dataclass(frozen=True)
class SweepMetric:
    """How one sweep metric is shown: label with unit, scale from the engine's fraction, colours."""

    key: str
    label: str
    scale: float
    cell: str
    cmap: str
    centred: bool


SWEEP_METRICS = (
    SweepMetric("sharpe", "Sharpe ratio (excess of cash)", 1.0, "{:.2f}", "viridis", False),
    SweepMetric("cagr_vs_6040", "CAGR minus 60/40's [pp]", 100.0, "{:+.1f}", "RdYlGn", True),
)


def against(bench: str) -> tuple[SweepMetric, ...]:
    """`SWEEP_METRICS` with the run's benchmark named in their labels."""
    return tuple(replace(m, label=m.label.replace("60/40", bench)) for m in SWEEP_METRICS)


@dataclass(frozen=True)
class SweepFigure:
    """A figure with the file name it is written under, its alt text and its caption."""

    file: str
    figure: Drawing
    alt: str
    caption: str


def safe_name(key: str) -> str:
    """A swept key as part of a file name (``costs.fees_bps`` -> ``costs_fees_bps``)."""
    return re.sub(r"[^0-9A-Za-z]+", "_", key).strip("_")


def varying_keys(table: pd.DataFrame, best: dict[str, float]) -> list[str]:
    """The swept keys that take more than one value, in sweep order."""
    return [key for key in best if table[key].nunique() > 1]


def sweep_figures(
    table: pd.DataFrame, best: dict[str, float], synthetic: bool, bench: str = "60/40"
) -> list[SweepFigure]:
    """Heatmaps of every pair of varying keys and metric; a line chart when only one key varies.

    ``bench`` names the benchmark the differences are to (the run's, ``60/40`` by default).
    """
    keys = varying_keys(table, best)
    metrics = against(bench)
    ruined = bool(_ruined(table).any())
    if len(keys) == 1:
        key = keys[0]
        caption = (
            f"Sharpe ratio and CAGR minus {bench}'s against {key}{_held_text(best, keys)}; "
            "star: the best combination by Sharpe"
            + ("; dotted lines: ruined (equity reached zero)." if ruined else ".")
        )
        figure = later(line_figure, held_slice(table, best, keys), key, best, synthetic, metrics)
        return [SweepFigure(f"sweep_{safe_name(key)}.png", figure, f"Sweep over {key}", caption)]
    figures = []
    for x_key, y_key in itertools.combinations(keys, 2):
        cut = held_slice(table, best, [x_key, y_key])  # a figure's key hashes only its cells
        for metric in metrics:
            caption = (
                f"{metric.label} by {x_key} and {y_key}{_held_text(best, [x_key, y_key])}; "
                "outlined: the best combination by Sharpe"
                + ("; hatched: ruined (equity reached zero)." if ruined else ".")
            )
            figures.append(
                SweepFigure(
                    f"sweep_{metric.key}_{safe_name(x_key)}_{safe_name(y_key)}.png",
                    later(heatmap_figure, cut, (x_key, y_key), metric, best, synthetic),
                    f"Heatmap of {metric.label} over {x_key} and {y_key}",
                    caption,
                )
            )
    return figures


def held_slice(table: pd.DataFrame, best: dict[str, float], free: list[str]) -> pd.DataFrame:
    """The rows of ``table`` with every swept key not in ``free`` at its best value."""
    keep = np.ones(len(table), dtype=bool)
    for key, value in best.items():
        if key not in free:
            keep &= np.isclose(table[key].to_numpy(dtype=float), value, rtol=1e-9, atol=1e-12)
    return table.loc[keep]


def _held(best: dict[str, float], free: list[str]) -> list[str]:
    """``key = value`` of every swept key not in ``free``, at its best value."""
    return [f"{key} = {value:g}" for key, value in best.items() if key not in free]


def _held_text(best: dict[str, float], free: list[str]) -> str:
    held = _held(best, free)
    return f", held at the best: {', '.join(held)}" if held else ""


def _ruined(table: pd.DataFrame) -> pd.Series:
    return table["ruined_on"].fillna("").astype(str) != ""


@plain_text
def heatmap_figure(
    cut: pd.DataFrame,
    keys: tuple[str, str],
    metric: SweepMetric,
    best: dict[str, float],
    synthetic: bool,
) -> Figure:
    """``metric`` over the grid of ``keys`` (x, y), other swept keys held at their best values.

    ``cut`` is the sweep's table held there (`held_slice`).

    The colour scale of a difference to the benchmark is centred on zero (green: ahead of it).
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    x_key, y_key = keys
    cut = cut.assign(_value=lambda frame: metric.scale * frame[metric.key], _ruined=_ruined)
    values = cut.pivot_table(index=y_key, columns=x_key, values="_value", dropna=False)
    ruined = cut.pivot_table(index=y_key, columns=x_key, values="_ruined", aggfunc="any")
    grid = values.to_numpy(dtype=float)
    rows, columns = grid.shape
    figure = Figure(figsize=(min(10.0, 3.2 + 0.55 * columns), min(8.0, 2.0 + 0.42 * rows)))
    axes = figure.subplots()
    norm = _norm(grid, metric.centred)
    cmap = colormaps[metric.cmap].with_extremes(bad="white")
    image = axes.imshow(grid, cmap=cmap, norm=norm, origin="lower", aspect="auto")
    broke = ruined.reindex_like(values).fillna(False).to_numpy(dtype=bool)
    for row, column in zip(*np.nonzero(broke), strict=True):
        axes.add_patch(_cell(column, row, hatch=RUINED_HATCH, edgecolor="#7f8c8d", linewidth=0))
    if max(rows, columns) <= MAX_ANNOTATED:
        _annotate(axes, grid, broke, metric, image.to_rgba(grid))
    _mark_best(axes, values, (best[x_key], best[y_key]))
    axes.set_xlabel(x_key)
    axes.set_ylabel(y_key)
    _heatmap_legend(figure, broke.any())
    held = _held(best, [x_key, y_key])
    heatmap_layout(figure, image, _ticks(axes, values), (metric.label, held), synthetic)
    return figure


def _heatmap_legend(figure: Figure, ruined: bool) -> None:
    """The legend row at the bottom: the best's outline, and the hatch where cells are ruined."""
    from matplotlib.patches import Patch

    handles = [Patch(facecolor="none", edgecolor="black", linewidth=2, label="best by Sharpe")]
    if ruined:
        handles.append(Patch(facecolor="white", hatch=RUINED_HATCH, label="ruined"))
    height = figure.get_size_inches()[1]
    figure.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, EDGE / height),
        borderaxespad=0,
        ncols=2,
        fontsize=8,
        frameon=False,
    )


def _norm(grid: np.ndarray, centred: bool) -> Normalize:
    from matplotlib.colors import Normalize

    finite = grid[np.isfinite(grid)]
    if finite.size == 0:
        return Normalize(-1.0, 1.0)
    if centred:
        limit = float(np.abs(finite).max()) or 1.0
        return Normalize(-limit, limit)
    low, high = float(finite.min()), float(finite.max())
    return Normalize(low, high) if high > low else Normalize(low - 0.5, high + 0.5)


def _cell(column: float, row: float, **style: Any) -> Rectangle:
    from matplotlib.patches import Rectangle

    return Rectangle((column - 0.5, row - 0.5), 1.0, 1.0, facecolor="none", **style)


def _mark_best(axes: Axes, values: pd.DataFrame, best: tuple[float, float]) -> None:
    """Outline the best combination's cell, black around white so it shows on any colour."""
    column = list(values.columns).index(_match(values.columns, best[0]))
    row = list(values.index).index(_match(values.index, best[1]))
    axes.add_patch(_cell(column, row, edgecolor="black", linewidth=5.0, clip_on=False))
    axes.add_patch(_cell(column, row, edgecolor="white", linewidth=2.0, clip_on=False))


def _match(index: pd.Index, value: float) -> Any:
    """The entry of ``index`` equal to ``value`` up to float noise."""
    return index[int(np.argmin(np.abs(index.to_numpy(dtype=float) - value)))]


def _annotate(
    axes: Axes, grid: np.ndarray, ruined: np.ndarray, metric: SweepMetric, colours: np.ndarray
) -> None:
    """Print each cell's value, white on dark colours; "ruined" or "n/a" where there is none."""
    size = 9 if max(grid.shape) <= 10 else 7
    for (row, column), value in np.ndenumerate(grid):
        if np.isfinite(value):
            red, green, blue = colours[row, column, :3]
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            text, colour = metric.cell.format(value), "white" if dark else "black"
        else:
            text, colour = ("ruined" if ruined[row, column] else "n/a"), "#5d6770"
        box = None if np.isfinite(value) else {"facecolor": "white", "linewidth": 0, "pad": 1}
        axes.text(
            column, row, text, ha="center", va="center", fontsize=size, color=colour, bbox=box
        )


def _ticks(axes: Axes, values: pd.DataFrame) -> tuple[float, float]:
    """Every value on both axes; about a dozen evenly spaced labels on a long axis.

    Return the inches the x labels take below the axes (their width where they are turned on
    a long x axis) and the inches the y labels take beside them.
    """
    shown = []
    for setter, labels in ((axes.set_xticks, values.columns), (axes.set_yticks, values.index)):
        step = 1 if len(labels) <= MAX_ANNOTATED else int(np.ceil(len(labels) / 12))
        positions = range(0, len(labels), step)
        shown.append([f"{labels[i]:.4g}" for i in positions])
        setter(list(positions), shown[-1])
    axes.tick_params(length=0)
    below = lines_inches(1)
    if len(values.columns) > 12:
        axes.tick_params(axis="x", labelrotation=90)
        below = text_inches(shown[0])
    return below, text_inches(shown[1])


@plain_text
def line_figure(
    cut: pd.DataFrame,
    key: str,
    best: dict[str, float],
    synthetic: bool,
    metrics: tuple[SweepMetric, ...] = SWEEP_METRICS,
) -> Figure:
    """Sharpe and CAGR minus the benchmark's against the one varying key, the best marked.

    ``cut`` is the sweep's table with every other swept key at its best value (`held_slice`).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    cut = cut.sort_values(key)
    broke = _ruined(cut).to_numpy()
    figure = Figure(figsize=(10, 5.2))
    panels = figure.subplots(2, 1, sharex=True)
    for axes, metric in zip(panels, metrics, strict=True):
        axes.plot(
            cut[key],
            metric.scale * cut[metric.key],
            color=STRATEGY_COLOUR,
            marker="o" if len(cut) <= 60 else None,
            markersize=4,
            linewidth=1.3,
        )
        best_row = cut.loc[np.isclose(cut[key].to_numpy(dtype=float), best[key])].iloc[0]
        axes.scatter(
            [best_row[key]],
            [metric.scale * best_row[metric.key]],
            s=110,
            marker="*",
            color=BEST_COLOUR,
            zorder=4,
        )
        for position in cut[key].to_numpy()[broke]:
            axes.axvline(position, color="#95a5a6", linestyle=":", linewidth=1.2)
        axes.axhline(0, color="black", linewidth=0.7)
        axes.set_ylabel(metric.label)
        axes.grid(True, alpha=0.3)
    panels[-1].set_xlabel(key)
    handles = [Line2D([], [], marker="*", color=BEST_COLOUR, linestyle="", label="best by Sharpe")]
    if broke.any():
        handles.append(Line2D([], [], color="#95a5a6", linestyle=":", label="ruined"))
    panels[0].legend(handles=handles, loc="best", fontsize=8)
    line_layout(figure, panels, (f"Sweep over {key}", _held(best, [key])), synthetic)
    return figure
