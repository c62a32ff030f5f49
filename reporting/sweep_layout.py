"""Where the parts of a sweep's figures go: margins in inches that fit their measured texts.

Instead of constrained layout, which measured every tick label twice before each draw (44% of
a heatmap's render): the tick labels, the colour bar's labels and the title are measured (or
wrapped) from the data before the draw, as the run's figures do (`reporting.figures`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reporting.figures import fixed_margins, text_inches

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn, not with this module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage
    from matplotlib.ticker import MaxNLocator

EDGE = 0.1
"""Inches left free between a figure's edge and its outermost text."""
PAD = 4 / 72
"""Inches between a tick label and its axes (tick length and pad), or an axis label and them."""
TITLE_POINTS = 9.0
"""Points between the axes and their title: above the colour bar's top label, which rises
about 7.6 points above the bar (matplotlib's ``axes.titlepad``, 6, is less)."""
BAR_GAP, BAR_WIDTH = 0.15, 0.3
"""A heatmap's colour bar: its distance from the axes and its width, in inches."""
LEGEND_ROW = 0.25
"""The height of the heatmap's legend row (8-point entries) and its gap to the x label."""


def lines_inches(lines: int, size: float = 10.0) -> float:
    """The height of ``lines`` lines of text at font ``size`` [points], in inches."""
    return (1 + 1.2 * (lines - 1)) * 1.17 * size / 72


def wrapped_title(first: str, held: list[str], width: float) -> str:
    """``first``, then "held at the best:" and the ``held`` keys, on lines of ``width`` inches.

    A line breaks between held keys, or after "held at the best:", only where it must.
    """
    words = [f"{part}," for part in held[:-1]] + held[-1:]
    lines, current = [first], ""
    for word in ["held at the best:", *words] if held else []:
        joined = f"{current} {word}" if current else word
        if current and text_inches([joined]) > width:
            lines.append(current)
            joined = word
        current = joined
    return "\n".join([*lines, current] if current else lines)


def tick_locator(inches: float, spacing: float) -> MaxNLocator:
    """Ticks about ``spacing`` points apart along ``inches``, at most 9, as matplotlib's default.

    Its `AutoLocator` picks their number from the axis' length at draw time; fixed here from
    the figure's size, so that the labels can be measured before the margins are set.
    """
    from matplotlib.ticker import MaxNLocator

    count = int(np.clip(inches * 72 / spacing, 1, 9))
    return MaxNLocator(nbins=count, steps=[1, 2, 2.5, 5, 10])


def heatmap_layout(
    figure: Figure,
    image: AxesImage,
    ticks: tuple[float, float],
    title: tuple[str, list[str]],
    synthetic: bool,
) -> None:
    """Margins in inches that fit the heatmap's texts; its colour bar at a fixed width.

    ``ticks`` are the inches the x tick labels take below the axes and the y ones beside them;
    the colour bar's labels are measured; the ``title`` (its first line and the held keys)
    wraps to the width the figure leaves it over the axes.
    """
    axes, (width, height) = image.axes, figure.get_size_inches()
    below, beside = ticks
    left = EDGE + lines_inches(1) + PAD + beside + PAD
    bottom = EDGE + LEGEND_ROW + lines_inches(1) + PAD + below + PAD
    bar = figure.add_axes((0.0, 0.0, 1.0, 1.0))  # placed beside the axes once they are
    colours = figure.colorbar(image, cax=bar)
    colours.locator = tick_locator(height - bottom - 0.6, 20)
    colours.formatter.set_useOffset(False)  # plain numbers: no offset or power above the bar
    colours.formatter.set_scientific(False)
    right = BAR_GAP + BAR_WIDTH + 2 * PAD + text_inches(t.get_text() for t in bar.get_yticklabels())
    right += EDGE
    text = wrapped_title(*title, width - 2 * EDGE - abs(left - right))
    axes.set_title(text, fontsize=10, pad=TITLE_POINTS)
    top = EDGE + lines_inches(text.count("\n") + 1) + TITLE_POINTS / 72
    fixed_margins(figure, synthetic, left=left, right=right, top=top, bottom=bottom)
    box = axes.get_position()
    bar.set_position((box.x1 + BAR_GAP / width, box.y0, BAR_WIDTH / width, box.height))


def line_layout(
    figure: Figure, panels: list[Axes], title: tuple[str, list[str]], synthetic: bool
) -> None:
    """Margins in inches that fit the line chart's tick labels (measured) and title."""
    width, height = figure.get_size_inches()
    panels[-1].xaxis.set_major_locator(tick_locator(width - 1.5, 30))
    for axes in panels:
        axes.yaxis.set_major_locator(tick_locator((height - 1.5) / 2, 20))
        axes.ticklabel_format(useOffset=False)  # no offset text beside the ticks
    beside = text_inches(t.get_text() for axes in panels for t in axes.get_yticklabels())
    left = EDGE + lines_inches(1) + PAD + beside + 2 * PAD
    # the last x label may be centred on the axes' right edge
    right = EDGE + text_inches(t.get_text() for t in panels[-1].get_xticklabels()) / 2
    text = wrapped_title(*title, width - 2 * EDGE - abs(left - right))
    panels[0].set_title(text, fontsize=10, pad=TITLE_POINTS)
    top = EDGE + lines_inches(text.count("\n") + 1) + TITLE_POINTS / 72
    bottom = EDGE + lines_inches(1) + PAD + lines_inches(1) + 2 * PAD
    fixed_margins(figure, synthetic, left=left, right=right, top=top, bottom=bottom)
