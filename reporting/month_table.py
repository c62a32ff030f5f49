"""The report's monthly returns as HTML tables coloured by value: years down, months across.

Text in a table costs the page nothing to draw, where a heatmap PNG with a number in every cell
was the costliest figure of a report to redraw; `Result.plot("monthly")` keeps the heatmap.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from reporting import html as h
from reporting.period_figures import MONTHS, month_grid

LOSS = (215, 48, 39)
"""The colour of a loss at the scale's bound (RdYlGn's red, as the API's heatmap)."""
GAIN = (26, 152, 80)
"""The colour of a gain at the scale's bound (RdYlGn's green)."""
ZERO = (255, 255, 255)
BOUND_QUANTILE = 95
"""Percentile of |month values| where the colour saturates: one extreme month washes out none."""
Unit = Literal["%", "pp"]
"""A return in percent, a difference of returns in percentage points."""
MIN_BOUND = 0.005
"""The smallest bound (half a percent): a quiet table is not painted in full colours."""


def colour_bound(values: np.ndarray) -> float:
    """Where a table's colour scale saturates: the 95th percentile of the finite |values|."""
    finite = np.abs(values[np.isfinite(values)])
    if not finite.size:
        return MIN_BOUND
    return max(float(np.percentile(finite, BOUND_QUANTILE)), MIN_BOUND)


def cell_colour(value: float, bound: float) -> tuple[int, int, int]:
    """White at zero, towards `LOSS` below and `GAIN` above, full at ``bound`` and beyond."""
    share = min(abs(value) / bound, 1.0)
    end = LOSS if value < 0 else GAIN
    red, green, blue = (round(z + share * (e - z)) for z, e in zip(ZERO, end, strict=True))
    return red, green, blue


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour (0 black, 1 white)."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour(background: tuple[int, int, int]) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG contrast ratio)."""
    lum = _luminance(background)
    return "#000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#fff"


def _cell(value: float, bound: float, text: str) -> str:
    if not np.isfinite(value):
        return "<td></td>"
    background = cell_colour(value, bound)
    style = f"background:#{bytes(background).hex()};color:{text_colour(background)}"
    return f'<td style="{style}">{h.esc(text)}</td>'


def month_table(monthly: pd.Series, years: pd.Series, title: str, unit: Unit = "%") -> str:
    """Monthly returns (fractions by `pd.Period`) as years x 12 coloured cells, then the year.

    ``years`` holds each year's figure (by `pd.Period`) for the last column, left uncoloured;
    ``unit`` follows every number. Months with no data stay empty. The caption
    starts with ``title`` and says how to read the colours; it sits below the table's scrolling
    box, so that a phone shows it whole.
    """
    grid = month_grid(monthly)
    bound = colour_bound(grid.to_numpy(dtype=float))
    caption = (
        f"{title}. First and last month (and year) may be partial. Red for a loss, green for a "
        f"gain, white at 0, full colour from {h.num(bound, 100, 1)}{unit} either way (the 95th "
        "percentile of the months' sizes); empty: no data."
    )
    by_year = {period.year: value for period, value in years.items()}
    signed = unit == "pp"
    header = "".join(f'<th scope="col">{month}</th>' for month in MONTHS)
    rows = []
    for year, row in grid.iterrows():
        cells = "".join(
            _cell(value, bound, f"{h.num(value, 100, 1, signed)}{unit}") for value in row
        )
        total = by_year.get(year, np.nan)
        shown = f"{h.num(total, 100, 1, signed)}{unit}" if np.isfinite(total) else ""
        rows.append(
            f'<tr><th scope="row" class="l">{h.esc(year)}</th>{cells}'
            f'<td class="year">{h.esc(shown)}</td></tr>'
        )
    return (
        '<figure><div class="scroll"><table class="months"><thead><tr>'
        f'<th scope="col" class="l">Year</th>{header}<th scope="col">Full year</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f"<figcaption>{h.esc(caption)}</figcaption></figure>"
    )
