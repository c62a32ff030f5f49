"""Matplotlib figures of a run over time, built on `Figure` directly (no display backend).

Colours are fixed here so the strategy and 60/40 look the same in every figure of a report.
Figures by period (years, months) and the attribution chart are in `reporting.period_figures`.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, ParamSpec

import numpy as np
import pandas as pd

from analytics.metrics import drawdown
from reporting.drawing import DPI

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn, not with this module
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

SYNTHETIC_MARK = "SYNTHETIC DEMO DATA - NOT HISTORY"
STRATEGY_COLOUR = "#1f5fa8"
BENCHMARK_COLOUR = "#e08a1e"
LEG_COLOURS = ("#16a085", "#b7950b", "#2c3e50", "#d35400", "#7fb3d5", "#a93226", "#76448a")
ROLE_COLOURS = {
    "small_caps": "#2e8b57",
    "international": "#8fcf8a",
    "tech": "#c0392b",
    "crypto": "#8e44ad",
    "stocks": "#5d6d7e",
    "bonds": "#aeb6bf",
}
REGIME_COLOURS = {"main_street": "#9fd49b", "defensive": "#f2a7a7"}
_SPARE_REGIME_COLOURS = ("#c9b3e6", "#f7dc8c", "#a9cce3")
BASE_REGIME = "neutral"
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}
"""Text in a figure is shown as written: a support level named ``$x$`` is no mathtext, and
nothing is handed to TeX, whatever the user's matplotlibrc says."""
UNSTYLED = ("backend", "interactive")
"""Settings of pyplot's windows, not of a figure: left as they are."""
READING = "#34495e"
"""The Bull & Bear reading's line (the proxy's, where published readings are shown too)."""
PUBLISHED = "#e67e22"
"""BofA's published readings and signals."""


P = ParamSpec("P")


def plain_text(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Build a figure under `report_style` (`PLAIN_TEXT`: every text it places reads as written).

    Titles, legends and tick labels named by the data (tickers, support levels, sweep keys)
    are never mathtext or TeX. The one place where text from a user's files is made safe for
    figures: every function that builds a report's figure is decorated with it.
    """

    @functools.wraps(build)
    def plain(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with report_style():
            return build(*args, **kwargs)

    return plain


@contextlib.contextmanager
def report_style() -> Iterator[None]:
    """Matplotlib's own default settings and `PLAIN_TEXT`, while a figure is built or rendered.

    A report's figures look the same whatever the session changed: seaborn's theme (set by
    importing quantstats) or a matplotlibrc enlarges every text, and the margins, measured at
    the sizes these figures use, would clip them.
    """
    import matplotlib

    with matplotlib.rc_context(_report_settings()):
        yield


@functools.cache
def _report_settings() -> dict[str, object]:
    import matplotlib

    defaults = matplotlib.rcParamsDefault
    return {**{key: defaults[key] for key in defaults if key not in UNSTYLED}, **PLAIN_TEXT}


def png_bytes(figure: Figure) -> bytes:
    """Render a figure to PNG bytes, so the file written and the image embedded are identical.

    One draw on an Agg canvas, layout included, at `DPI` (``savefig`` draws twice with a layout
    engine: once to lay out, once to render; its layout may differ from one draw's by a pixel).
    """
    buffer = io.BytesIO()
    dpi = figure.dpi
    figure.set_dpi(DPI)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        with report_style():
            FigureCanvasAgg(figure).print_png(buffer)
    finally:
        figure.set_dpi(dpi)
    return buffer.getvalue()


def mark_synthetic(figure: Figure, synthetic: bool) -> None:
    """Stamp a figure of made-up data, so a PNG shared on its own still says so."""
    if synthetic:
        figure.suptitle(SYNTHETIC_MARK, color="red", fontweight="bold")


def fixed_margins(
    figure: Figure,
    synthetic: bool,
    *,
    left: float = 0.9,
    right: float = 0.2,
    top: float = 0.4,
    bottom: float = 0.4,
    gap: float = 0.15,
) -> None:
    """Stamp a synthetic figure, then place its grid of axes with margins in inches.

    Instead of a layout engine: constrained layout measures every tick label before the draw
    (twice), a third of a figure's render. The margins fit the labels these figures have:
    numbers, dates, and texts measured with `text_inches` where they come from the data
    (legend entries, regime and trigger names). ``gap`` separates stacked axes.
    """
    mark_synthetic(figure, synthetic)
    width, height = figure.get_size_inches()
    top += 0.3 if synthetic else 0.0
    rows = figure.axes[0].get_subplotspec().get_gridspec().nrows if figure.axes else 1
    cell = (height - top - bottom - (rows - 1) * gap) / rows
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=gap / cell,
    )


def text_inches(texts: Iterable[str], size: float = 10.0) -> float:
    """The width of the widest of ``texts`` at font ``size`` [points], in inches at `DPI`."""
    from matplotlib.font_manager import FontProperties

    font = FontProperties(size=size)  # of the settings in force: part of the key of a width
    return max((_text_pixels(text, font) for text in texts), default=0.0) / DPI


@functools.lru_cache(maxsize=4096)
def _text_pixels(text: str, font: FontProperties) -> float:
    """The width of ``text`` in ``font``, in pixels at `DPI`.

    Remembered: a sweep's heatmaps measure the same tick labels again and again (0.3 ms each).
    """
    return _measuring_renderer().get_text_width_height_descent(text, font, ismath=False)[0]


@functools.cache
def _measuring_renderer() -> RendererAgg:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, DPI)


def legend_inches(labels: Iterable[str], size: float = 8.0) -> float:
    """The width of a legend of ``labels`` placed beside the axes, its gap to them included."""
    return text_inches(labels, size) + 5.2 * size / 72


def percent_axis(axes: Axes, digits: int = 0) -> None:
    """Label an axis of percentages (values already multiplied by 100)."""
    from matplotlib.ticker import FuncFormatter

    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.{digits}f}%"))


def dollar_axis(axes: Axes) -> None:
    """Label an axis of dollars, the sign before the symbol."""
    from matplotlib.ticker import FuncFormatter

    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _: f"{'-' if value < 0 else ''}${abs(value):,.0f}")
    )


def regime_colours(regime: pd.Series) -> dict[str, str]:
    """The shading colour of every regime other than the base one, fixed across figures."""
    spare = iter(_SPARE_REGIME_COLOURS)
    names = [name for name in pd.unique(regime.dropna()) if name != BASE_REGIME]
    return {name: REGIME_COLOURS.get(name) or next(spare, "#dddddd") for name in names}


def shade_regimes(axes: Axes, regime: pd.Series | None, legend: bool = True) -> None:
    """Shade each spell of a non-base regime, from its first day to the next regime's first day.

    Timing: ``regime`` is the regime decided at each close; it is held from the next fill.
    """
    if regime is None or regime.empty:
        return
    colours = regime_colours(regime)
    values = regime.to_numpy()
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], len(values) - 1]
    for start, end in zip(starts, ends, strict=True):
        if values[start] in colours:
            axes.axvspan(
                regime.index[start],
                regime.index[end],
                color=colours[values[start]],
                alpha=0.45,
                linewidth=0,
                zorder=0,
            )
    if legend and colours:
        from matplotlib.patches import Patch

        handles = [Patch(color=c, alpha=0.45, label=f"regime: {n}") for n, c in colours.items()]
        axes.add_artist(axes.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.8))


@plain_text
def equity_figure(
    equity: pd.DataFrame,
    title: str,
    synthetic: bool,
    *,
    regime: pd.Series | None = None,
    drawdowns: bool = True,
    log: bool = True,
) -> Figure:
    """Equity curves on a log scale (or linear), one line per column, optionally drawdowns beneath.

    The first column is the strategy and the second the benchmark, coloured as everywhere else;
    ``regime`` shades the spells of the non-base regimes.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 6.5 if drawdowns else 4.6))
    if drawdowns:
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    else:
        top, bottom = figure.subplots(1, 1), None
    colours = (STRATEGY_COLOUR, BENCHMARK_COLOUR, *LEG_COLOURS)
    for column, colour in zip(equity.columns, colours, strict=False):
        top.plot(equity.index, equity[column], label=column, linewidth=1.3, color=colour)
        if bottom is not None:
            bottom.plot(equity.index, 100 * drawdown(equity[column]), linewidth=1.0, color=colour)
    shade_regimes(top, regime)
    if log:
        from matplotlib.ticker import LogLocator, NullFormatter

        top.set_yscale("log")
        top.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
        top.yaxis.set_minor_formatter(NullFormatter())
    dollar_axis(top)
    top.set_ylabel(f"Portfolio value [$, {'log' if log else 'linear'} scale]")
    top.set_title(title)
    top.legend(loc="upper left")
    top.grid(True, which="major", alpha=0.3)
    if bottom is not None:
        bottom.set_ylabel("Drawdown [%]")
        percent_axis(bottom)
        bottom.grid(True, alpha=0.3)
    fixed_margins(figure, synthetic, left=1.05)
    return figure


@plain_text
def drawdown_figure(equity: pd.DataFrame, synthetic: bool) -> Figure:
    """Fall from the running peak of each curve, in percent, strategy over the benchmark."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.6))
    axes = figure.subplots()
    for column, colour in zip(equity.columns, (STRATEGY_COLOUR, BENCHMARK_COLOUR), strict=False):
        under = 100 * drawdown(equity[column])
        axes.plot(under.index, under, color=colour, linewidth=1.1, label=column)
        axes.fill_between(under.index, under, 0, color=colour, alpha=0.12, linewidth=0)
    axes.set_title("Drawdown: fall from the previous peak")
    axes.set_ylabel("Drawdown [%]")
    percent_axis(axes)
    axes.legend(loc="lower left")
    axes.grid(True, alpha=0.3)
    fixed_margins(figure, synthetic)
    return figure


@plain_text
def rolling_figure(
    equity: pd.DataFrame, cash_rate: pd.Series, window: int, synthetic: bool
) -> Figure:
    """Trailing ``window``-bar return and Sharpe ratio of each curve.

    Sharpe is on returns in excess of ``cash_rate`` (per bar), annualised with ``window`` as
    the bars of a year, as in `analytics.metrics.sharpe`. Timing: each value uses bars up to its
    date.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 5.6))
    top, bottom = figure.subplots(2, 1, sharex=True)
    pairs = zip(equity.columns, (STRATEGY_COLOUR, BENCHMARK_COLOUR), strict=False)
    for column, colour in pairs:
        curve = equity[column]
        trailing = 100 * (curve / curve.shift(window) - 1.0)
        excess = curve.pct_change() - cash_rate.reindex(curve.index)
        rolling = excess.rolling(window)
        ratio = rolling.mean() / rolling.std(ddof=1) * np.sqrt(window)
        top.plot(trailing.index, trailing, color=colour, linewidth=1.1, label=column)
        bottom.plot(ratio.index, ratio, color=colour, linewidth=1.1, label=column)
    if len(equity) <= window:
        top.text(
            0.5,
            0.5,
            f"fewer than {window} bars: no trailing year yet",
            ha="center",
            transform=top.transAxes,
        )
    top.set_title(f"Trailing 12 months ({window} bars)")
    top.set_ylabel("Return over 12 months [%]")
    percent_axis(top)
    bottom.set_ylabel("Sharpe ratio, 12 months")
    for axes in (top, bottom):
        axes.axhline(0, color="black", linewidth=0.7)
        axes.grid(True, alpha=0.3)
    top.legend(loc="upper left")
    fixed_margins(figure, synthetic)
    return figure


def leg_colour(leg: str, position: int) -> str:
    """A leg's colour by its role (``long small_caps (IWM)`` -> small caps), else by position."""
    words = leg.split()
    role = words[1] if len(words) > 1 else leg
    return ROLE_COLOURS.get(role, LEG_COLOURS[position % len(LEG_COLOURS)])


@plain_text
def exposure_figure(
    weights: pd.DataFrame, names: dict[str, str], regime: pd.Series | None, synthetic: bool
) -> Figure:
    """Held weight of each leg over time, longs stacked above zero and shorts below, with net.

    Weights are held (not target) weights: value of each position over portfolio value. The
    tickers of one leg (a basket's) are summed into it.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.6))
    axes = figure.subplots()
    held = 100 * weights.fillna(0.0)
    held = held.T.groupby(lambda ticker: names.get(ticker, ticker), sort=False).sum().T
    held = held.loc[:, held.abs().max() > 0]
    labels = list(held.columns)
    colours = [leg_colour(leg, i) for i, leg in enumerate(labels)]
    if not held.empty:
        longs, shorts = held.clip(lower=0).T.to_numpy(), held.clip(upper=0).T.to_numpy()
        axes.stackplot(held.index, longs, colors=colours, labels=labels, linewidth=0, alpha=0.9)
        axes.stackplot(held.index, shorts, colors=colours, linewidth=0, alpha=0.9)
        axes.plot(held.index, held.sum(axis=1), color="black", linewidth=1.0, label="net")
    shade_regimes(axes, regime, legend=False)
    axes.axhline(0, color="black", linewidth=0.7)
    axes.set_title("Exposure by leg (held weights; shorts below zero)")
    axes.set_ylabel("Weight [% of portfolio value]")
    percent_axis(axes)
    axes.grid(True, alpha=0.3)
    if held.empty:  # a book with no legs: nothing to label, so no legend (matplotlib warns)
        axes.text(0.5, 0.5, "no leg held", ha="center", transform=axes.transAxes)
    else:
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fixed_margins(figure, synthetic, right=legend_inches([*labels, "net"]))
    return figure


@plain_text
def signals_figure(
    signals: pd.DataFrame,
    regime: pd.Series,
    thresholds: tuple[float | None, ...],
    synthetic: bool,
) -> Figure:
    """The Bull & Bear reading with its thresholds, and a strip of the dates each trigger fired.

    ``thresholds`` are (sell_above, buy_below). Timing: a trigger at a close is acted on at the
    next bar; the shading is the regime decided at each close.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 5.2))
    top, strip = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    reading = signals["bull_bear"] if "bull_bear" in signals else pd.Series(dtype=float)
    if "reading_source" in signals and (signals["reading_source"] == "published").any():
        _published_reading(top, signals)
    else:
        top.plot(reading.index, reading, color=READING, linewidth=1.0, label="Bull & Bear reading")
    for level, key, colour in zip(
        thresholds, ("sell_above", "buy_below"), ("#c0392b", "#27ae60"), strict=True
    ):
        if level is not None:
            top.axhline(level, color=colour, linestyle="--", label=f"{key} {level:g}")
    if reading.notna().sum() == 0:
        top.text(0.5, 0.5, "no reading in this period", ha="center", transform=top.transAxes)
    shade_regimes(top, regime)
    shade_regimes(strip, regime, legend=False)
    if len(signals.index):
        top.set_xlim(signals.index[0], signals.index[-1])
    top.set_ylim(0, 10)
    top.set_ylabel("Reading [0-10]")
    top.set_title("Signals: the Bull & Bear reading, thresholds and entry triggers")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    top.grid(True, alpha=0.3)
    triggers = _trigger_strip(strip, signals)
    legend = [text.get_text() for text in top.get_legend().get_texts()]
    left = max(0.9, text_inches(triggers, 8) + 0.25)
    fixed_margins(figure, synthetic, left=left, right=legend_inches(legend), bottom=0.75)
    return figure


def _published_reading(axes: Axes, signals: pd.DataFrame) -> None:
    """The proxy's line and BofA's published readings over it, where each came in force.

    A filled dot is a live reading, a hollow one a reconstructed reading (known only from a
    later publication, its days hatched); a bare sell or buy (no number) is a triangle at the
    top or bottom. The line is the proxy on every day it has a value (``bull_bear_proxy``, or
    the reading on the days it was the proxy's).
    """
    source = signals["reading_source"]
    proxy = signals.get("bull_bear_proxy", signals["bull_bear"].where(source == "proxy"))
    if proxy.notna().any():
        axes.plot(proxy.index, proxy, color=READING, linewidth=0.9, label="price proxy")
    published = source == "published"
    came = published & signals["reading_date"].ne(signals["reading_date"].shift(1))
    rows = signals[came]
    live = (rows["reading_vintage"] != "reconstructed").to_numpy()
    value = rows["bull_bear"].to_numpy(dtype=float)
    for keep, face, vintage in ((live, PUBLISHED, "live"), (~live, "none", "reconstructed")):
        numbered = keep & np.isfinite(value)
        if numbered.any():
            axes.scatter(rows.index[numbered], value[numbered], s=22, zorder=4,
                         label=f"published ({vintage})", facecolors=face,
                         edgecolors=PUBLISHED)  # fmt: skip
        for kind, level, marker in (("sell", 9.7, "v"), ("buy", 0.3, "^")):
            bare = keep & ~np.isfinite(value) & (rows["published_signal"] == kind).to_numpy()
            if bare.any():
                axes.scatter(rows.index[bare], np.full(bare.sum(), level), marker=marker, s=40,
                             zorder=4, facecolors=face, edgecolors=PUBLISHED,
                             label=f"published {kind}, no number ({vintage})")  # fmt: skip
    rebuilt = (signals["reading_vintage"] == "reconstructed").to_numpy()
    starts = np.flatnonzero(rebuilt & ~np.r_[False, rebuilt[:-1]])
    ends = np.flatnonzero(rebuilt & ~np.r_[rebuilt[1:], False])
    for start, end in zip(starts, ends, strict=True):
        axes.axvspan(signals.index[start], signals.index[end], facecolor="none", hatch="//",
                     edgecolor=PUBLISHED, alpha=0.35, linewidth=0)  # fmt: skip


def _trigger_strip(axes: Axes, signals: pd.DataFrame) -> list[str]:
    """One row of markers per entry trigger, at the closes it fired; return the rows' names."""
    triggers = [column for column in signals if column.startswith("entry_")]
    markers = ("v", "o", "D", "s", "^")
    for row, column in enumerate(triggers):
        fired = signals.index[signals[column].fillna(False).astype(bool).to_numpy()]
        axes.scatter(
            fired,
            np.full(len(fired), row),
            marker=markers[row % len(markers)],
            s=28,
            color=LEG_COLOURS[row % len(LEG_COLOURS)],
            zorder=3,
        )
    names = [t.removeprefix("entry_") for t in triggers]
    axes.set_yticks(range(len(triggers)), names, fontsize=8)
    axes.set_ylim(-0.6, max(len(triggers), 1) - 0.4)
    axes.set_xlabel("Date (marker: close at which the trigger fired)")
    axes.grid(True, axis="x", alpha=0.3)
    return names


@plain_text
def regime_figure(regime: pd.Series, synthetic: bool) -> Figure:
    """The regime decided at each close, one band per regime, and each one's share of the days.

    Timing: a regime decided at a close is held from the next fill.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 2.6))
    axes = figure.subplots()
    names = list(dict.fromkeys([BASE_REGIME, *pd.unique(regime.dropna())]))
    colours = {BASE_REGIME: "#d5dbdb", **regime_colours(regime)}
    shares = regime.value_counts(normalize=True)
    for row, name in enumerate(names):
        held = regime.where(regime == name)
        axes.fill_between(
            regime.index, row - 0.4, row + 0.4, where=held.notna().to_numpy(),
            color=colours.get(name, "#dddddd"), step="post", linewidth=0,
        )  # fmt: skip
    labels = [f"{name} ({100 * shares.get(name, 0.0):.0f}%)" for name in names]
    axes.set_yticks(range(len(names)), labels)
    axes.set_title("Regime decided at each close (share of days)")
    axes.grid(True, axis="x", alpha=0.3)
    fixed_margins(figure, synthetic, left=text_inches(labels) + 0.2)
    return figure
