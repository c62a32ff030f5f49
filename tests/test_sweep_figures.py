"""A sweep's figures laid out in fixed margins: no text clipped by the figure's edge or overlapping.

Each figure is drawn on an Agg canvas at the report's DPI and every text it draws is measured
where matplotlib put it (its window extent), independently of the margins' arithmetic.
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from reporting.drawing import DPI, later
from reporting.figures import equity_figure, png_bytes
from reporting.sweep_figures import sweep_figures

LONG_KEY = "strategy.a_rather_long_key_name_for_a_sweep"


def _table(
    x: tuple[str, list[float]], y: tuple[str, list[float]], held: str, ruined: bool
) -> tuple[pd.DataFrame, dict[str, float]]:
    """A sweep over x, y and ``held`` (two values), the last x column ruined if ``ruined``."""
    rows = list(itertools.product(x[1], y[1], (1.0, 2.0)))
    table = pd.DataFrame(rows, columns=[x[0], y[0], held])
    table["sharpe"] = np.arange(len(table)) % 7 * 0.31 - 0.5
    table["cagr_vs_6040"] = table["sharpe"] / 20
    table["ruined_on"] = np.where(ruined & (table[x[0]] == x[1][-1]), "2019-03-01", "")
    table.loc[table["ruined_on"] != "", ["sharpe", "cagr_vs_6040"]] = np.nan
    best = table.loc[table["sharpe"].idxmax(), [x[0], y[0], held]]
    return table, {key: float(value) for key, value in best.items()}


SMALL = (  # 3 x 4, labels as long as "{:.4g}" makes them; the long key held, in the title
    ("strategy.a", [0.123457, 0.5, 126.0]),
    ("strategy.b", [1.0, 12345.6, 0.000123457, 7.0]),
    "costs." + LONG_KEY,
)
LARGE = (  # 21 x 21: the x labels turned, no cell numbers; the long key on the x axis
    (LONG_KEY, list(np.linspace(0.1, 1.0, 21))),
    ("costs.fees_bps.etf", list(np.linspace(0.123457, 126.0, 21))),
    "costs.fees_bps.crypto",
)


def _drawn(figure: Figure) -> FigureCanvasAgg:
    figure.set_dpi(DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas


def _tick_labels(axis: Axis) -> list[Text]:
    """The tick labels drawn: those of the ticks within the axis' view, on either side."""
    low, high = sorted(axis.get_view_interval())
    locations = axis.get_majorticklocs()
    ticks = axis.get_major_ticks(len(locations))
    return [
        label
        for tick, at in zip(ticks, locations, strict=True)
        if low - 1e-9 <= at <= high + 1e-9
        for label in (tick.label1, tick.label2)
        if label.get_visible() and label.get_text()
    ]


def _texts(figure: Figure) -> dict[str, list[Text]]:
    """Every text drawn outside the axes' cells, by what it is."""
    texts: dict[str, list[Text]] = {"figure": [t for t in figure.texts if t.get_text()]}
    for number, axes in enumerate(figure.axes):
        for axis in (axes.xaxis, axes.yaxis):
            labels = [axis.label, axis.offsetText]
            texts[f"axes {number} {axis.axis_name}"] = _tick_labels(axis) + [
                label for label in labels if label.get_text() and label.get_visible()
            ]
        texts[f"axes {number} title"] = [axes.title] if axes.title.get_text() else []
        legend = axes.get_legend()
        texts[f"axes {number} legend"] = legend.get_texts() if legend else []
    for number, legend in enumerate(figure.legends):
        texts[f"legend {number}"] = legend.get_texts()
    return texts


def _overlap(one: Bbox, other: Bbox, slack: float = 0.5) -> bool:
    """Whether two boxes share more than ``slack`` pixels each way (touching is no overlap)."""
    return (
        min(one.x1, other.x1) - max(one.x0, other.x0) > slack
        and min(one.y1, other.y1) - max(one.y0, other.y0) > slack
    )


def _assert_laid_out(figure: Figure, avoid: list[Axes], inside: str = "") -> None:
    """Every text inside the figure, none on another, none on the axes in ``avoid``.

    The texts named ``inside`` (a legend within the axes) may lie on the axes.
    """
    canvas = _drawn(figure)
    renderer = canvas.get_renderer()
    bounds = figure.bbox
    texts = _texts(figure)
    boxes = [
        (name, t.get_text(), t.get_window_extent(renderer))
        for name, ts in texts.items()
        for t in ts
    ]
    assert boxes
    for name, text, box in boxes:
        assert bounds.x0 - 0.5 <= box.x0, (name, text, box)
        assert box.x1 <= bounds.x1 + 0.5, (name, text, box)
        assert bounds.y0 - 0.5 <= box.y0, (name, text, box)
        assert box.y1 <= bounds.y1 + 0.5, (name, text, box)
        for axes in avoid if name != inside else []:
            assert not _overlap(box, axes.get_window_extent(renderer)), (name, text, axes)
    for (name, text, box), (other, other_text, other_box) in itertools.combinations(boxes, 2):
        assert not _overlap(box, other_box), (name, text, other, other_text)


@pytest.mark.parametrize("grid", [SMALL, LARGE], ids=["3x4", "21x21"])
@pytest.mark.parametrize("ruined", [False, True], ids=["whole", "ruined"])
@pytest.mark.parametrize("synthetic", [False, True], ids=["real", "synthetic"])
def test_no_heatmap_text_is_clipped_or_overlaps(grid: tuple, ruined: bool, synthetic: bool) -> None:
    table, best = _table(*grid, ruined=ruined)
    drawing = sweep_figures(table, best, synthetic=synthetic)[0].figure
    figure = drawing.build()
    heat, bar = figure.axes
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["best by Sharpe", "ruined"][: 1 + ruined]
    assert (figure.texts[0].get_text() if figure.texts else "") == (
        "SYNTHETIC DEMO DATA - NOT HISTORY" if synthetic else ""
    )
    _assert_laid_out(figure, [heat, bar])
    renderer = figure.canvas.get_renderer()
    heat_box = heat.get_window_extent(renderer)
    assert not _overlap(heat_box, bar.get_window_extent(renderer))
    assert not _overlap(heat_box, legend.get_window_extent(renderer))
    assert bar.get_window_extent(renderer).x0 > heat_box.x1  # the colour bar is beside it
    assert len(_tick_labels(bar.yaxis)) >= 3


def test_the_held_keys_wrap_where_the_figure_is_too_narrow() -> None:
    table, best = _table(*SMALL, ruined=False)
    heat = sweep_figures(table, best, synthetic=False)[0].figure.build().axes[0]
    # the one-line title "held at the best: costs.<long key> = 1" is wider than the figure
    assert heat.get_title().split("\n") == [
        "Sharpe ratio (excess of cash)",
        "held at the best:",
        f"costs.{LONG_KEY} = 1",
    ]


@pytest.mark.parametrize("synthetic", [False, True], ids=["real", "synthetic"])
def test_no_text_of_the_line_chart_is_clipped_or_overlaps(synthetic: bool) -> None:
    table, best = _table(*SMALL, ruined=True)
    one = table.loc[(table["strategy.b"] == 7.0) & (table["costs." + LONG_KEY] == 1.0)]
    one = one.drop(columns=["strategy.b", "costs." + LONG_KEY])
    figure = sweep_figures(one, {"strategy.a": best["strategy.a"]}, synthetic)[0].figure.build()
    top, bottom = figure.axes
    assert [t.get_text() for t in top.get_legend().get_texts()] == ["best by Sharpe", "ruined"]
    _assert_laid_out(figure, [top, bottom], inside="axes 0 legend")
    assert len(_texts(figure)["axes 1 x"]) >= 5  # tick labels and the key, once drawn
    renderer = figure.canvas.get_renderer()
    assert not _overlap(top.get_window_extent(renderer), bottom.get_window_extent(renderer))


@pytest.mark.parametrize("metric", [0, 1], ids=["sharpe", "centred difference"])
def test_a_flat_grid_gets_a_colour_bar_of_plain_short_numbers(metric: int) -> None:
    # every combination alike: the scale spans the value +-0.5 (a difference: +-1 around 0)
    table, best = _table(*SMALL, ruined=False)
    table["sharpe"], table["cagr_vs_6040"] = 0.4, 0.0
    figure = sweep_figures(table, best, synthetic=True)[metric].figure.build()
    _assert_laid_out(figure, figure.axes)
    low, high = (-0.1, 0.9) if metric == 0 else (-1.0, 1.0)
    assert figure.axes[1].get_ylim() == pytest.approx((low, high))
    labels = [
        text.get_text().replace("\N{MINUS SIGN}", "-")
        for text in _tick_labels(figure.axes[1].yaxis)
    ]
    assert len(labels) >= 3
    assert all(len(label) <= 5 and low <= float(label) <= high for label in labels), labels
    assert not figure.axes[1].yaxis.offsetText.get_text()


def test_the_session_s_matplotlib_settings_change_no_figure() -> None:
    """Seaborn's theme (quantstats sets it when imported) enlarges every text; built and
    rendered under it, a heatmap and an equity chart are the same PNGs as under the defaults."""
    table, best = _table(*SMALL, ruined=True)
    dates = pd.date_range("2020-01-01", periods=300, freq="B")
    curves = pd.DataFrame({"strategy": np.linspace(1, 2, 300), "60/40": np.linspace(1, 1.5, 300)})
    drawings = [
        sweep_figures(table, best, synthetic=False)[0].figure,
        later(equity_figure, curves.set_index(dates), "Equity", False),
    ]
    plain = [png_bytes(drawing.build()) for drawing in drawings]
    theme = {"font.size": 13.2, "axes.labelsize": 13.2, "axes.titlesize": 13.2}
    theme |= {"xtick.labelsize": 12.1, "ytick.labelsize": 12.1, "legend.fontsize": 12.1}
    with matplotlib.rc_context(theme):
        themed = [png_bytes(drawing.build()) for drawing in drawings]
    assert themed == plain
