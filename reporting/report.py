"""``report.html``: one self-contained page that sets a strategy against 60/40, section by section.

The page embeds every figure as a data URI and writes the same PNG bytes beside it, carries its
CSS inline and refers to nothing outside itself, so it opens offline and prints. Sections that do
not apply to a run (signals and the event study of a static strategy) are left out, not shown
empty; missing numbers print as "n/a".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analytics import metrics as m
from pipeline.run import RunResult
from reporting import html as h
from reporting import report_tables as t
from reporting.figures import (
    drawdown_figure,
    equity_figure,
    exposure_figure,
    rolling_figure,
    signals_figure,
)
from reporting.period_figures import annual_figure, attribution_figure, monthly_figure
from reporting.render import FigureBatch
from reporting.sweep_section import SweepOutputs, sweep_section
from reporting.switch_sections import signals_now_section, whipsaws_table

BENCHMARK_NAME = "60/40"
NAV = (
    ("header", "Run"),
    ("signals-now", "Signals now"),
    ("headline", "Headline"),
    ("sweep", "Sweep"),
    ("equity", "Equity"),
    ("drawdowns", "Drawdowns"),
    ("rolling", "Rolling"),
    ("exposures", "Exposures"),
    ("signals", "Signals"),
    ("event-study", "Event study"),
    ("annual", "Annual"),
    ("monthly", "Monthly"),
    ("attribution", "Attribution"),
    ("trades", "Trades"),
    ("metrics", "All metrics"),
    ("manifest", "Manifest"),
)


@dataclass(frozen=True)
class _Page:
    """What every section needs: the run, where figures go, and the names used throughout."""

    result: RunResult
    folder: Path
    manifest: dict[str, Any]
    name: str
    equity: pd.DataFrame
    regime: pd.Series | None
    legs: dict[str, str]
    sweep: SweepOutputs | None
    figures: FigureBatch = field(default_factory=FigureBatch)
    labels: list[tuple[str, str]] = field(default_factory=list)

    def figure(self, file: str, figure: Figure, alt: str, caption: str) -> str:
        """The figure's place in the page: rendered with the others at the end (`write_figure`)."""
        self.labels.append((alt, caption))
        return self.figures.add(file, figure)

    def write_figure(self, file: str, png: bytes, index: int) -> str:
        """Write a rendered figure as ``file`` in the folder and embed the same bytes."""
        (self.folder / file).write_bytes(png)
        return h.figure(png, file, *self.labels[index])


def write_report(
    result: RunResult,
    folder: Path,
    manifest: dict[str, Any],
    sweep: SweepOutputs | None = None,
) -> Path:
    """Write ``report.html`` and its PNG figures into ``folder``; return the page's path.

    ``manifest`` is any JSON-able dict (config, command line, fingerprints, versions); the last
    section shows it as given. ``sweep``, when the run is a sweep's best combination, adds the
    ``sweep`` section and its heatmaps.
    """
    folder.mkdir(parents=True, exist_ok=True)
    name = result.config.strategy.name
    equity = pd.DataFrame({name: result.strategy.equity, BENCHMARK_NAME: result.benchmark.equity})
    explained = result.switching.explanation if result.switching is not None else None
    page = _Page(
        result=result,
        folder=folder,
        manifest=manifest,
        name=name,
        equity=equity,
        regime=explained.regime if explained is not None else None,
        legs=result.legs,
        sweep=sweep,
    )
    sections = [build(page) for build in SECTIONS]
    present = {ident for ident, _ in NAV if f'id="{ident}"' in "".join(sections)}
    nav = [(ident, text) for ident, text in NAV if ident in present]
    body = page.figures.fill("".join(sections), page.write_figure)
    path = folder / "report.html"
    path.write_text(h.page(f"{name} vs {BENCHMARK_NAME}", nav, body), "utf-8")
    return path


def _period(result: RunResult) -> str:
    """The simulated dates, first to last, as the reader will quote them."""
    dates = result.strategy.equity.index
    return f"{dates[0].date()} to {dates[-1].date()}"


def _header(page: _Page) -> str:
    """Strategy, period, source, the synthetic banner, notes and warnings, and the parameters."""
    result, config = page.result, page.result.config.as_dict()
    market = result.market
    banner = ""
    if market.synthetic:
        banner = (
            '<div id="synthetic-banner" class="banner">SYNTHETIC DEMO DATA: every figure on this '
            "page comes from a made-up market, not from history. Do not draw conclusions.</div>"
        )
    if result.ruin_headline:
        banner += f'<div id="ruin-banner" class="banner">{h.esc(result.ruin_headline)}</div>'
    facts = [
        ["Period", f"{_period(result)} ({len(result.strategy.equity):,} bars)"],
        ["Data source", market.source + (" (synthetic)" if market.synthetic else "")],
        ["Calendar", f"{result.config.calendar} ({market.periods_per_year} bars a year)"],
        ["Costs", result.costs],
        ["Cash", result.cash],
        ["Requested", f"{config.get('start') or 'earliest'} to {config.get('end') or 'latest'}"],
    ]
    doubts = (*market.warnings, *result.warnings)
    notes = [*market.notes, *(f"warning: {w}" for w in doubts), *result.notes]
    parameters = "".join(
        f"<h3>{h.esc(section.capitalize())}</h3>{h.params(config[section])}"
        for section in ("strategy", "universe", "costs", "execution")
        if isinstance(config.get(section), dict)
    )
    summary = getattr(result.config.strategy, "summary", "")
    return (
        f'<header id="header"><h1><span class="swatch-s">{h.esc(page.name)}</span> vs '
        f'<span class="swatch-b">{BENCHMARK_NAME}</span></h1>'
        f'<p class="lead">{h.esc(summary)}</p>{banner}{h.bullet_list(notes)}'
        f"{h.table(['Run', ''], facts)}{parameters}</header>\n"
    )


def _signals_now(page: _Page) -> str:
    """What the signals say at the last date; empty for a static strategy."""
    if page.result.switching is None:
        return ""
    return signals_now_section(page.result.switching.explanation.now, page.result.market.synthetic)


def _headline(page: _Page) -> str:
    """One sentence with the answer and its uncertainty, then the headline table."""
    metrics = page.result.metrics
    ours, theirs, boot = metrics["strategy"], metrics["benchmark"], metrics["uncertainty"]
    verdict = (
        f"From {_period(page.result)}, {page.name} compounded at {h.num(ours['cagr'], 100)}% a "
        f"year against {h.num(theirs['cagr'], 100)}% for 60/40, with a Sharpe ratio of "
        f"{h.num(ours['sharpe'])} against {h.num(theirs['sharpe'])}. "
    )
    why = metrics.get("na_reasons", {}).get("uncertainty", {}).get("sharpe_diff")
    verdict += (
        f"Sharpe difference n/a: {why}."
        if why
        else f"Sharpe difference {h.num(boot.get('sharpe_diff'), signed=True)}, "
        f"{h.num(boot.get('confidence'), 100, 0)}% interval "
        f"{h.num(boot.get('sharpe_diff_low'), signed=True)} to "
        f"{h.num(boot.get('sharpe_diff_high'), signed=True)}; the strategy's Sharpe is the higher "
        f"in {h.num(boot.get('prob_sharpe_better'), 100, 1)}% of {boot.get('n_resamples', 'n/a')} "
        f"block-bootstrap resamples (mean block {h.num(boot.get('mean_block'), 1, 0)} bars)."
    )
    note = (
        "The CAGR interval comes from the bootstrap's per-bar CAGR (point estimate "
        f"{h.num(boot.get('cagr_diff'), 100, 2, True)} points), comparable with its interval "
        "but not identical to the calendar CAGR difference in the table."
    )
    body = f'<p class="verdict">{h.esc(verdict)}</p>{t.headline_table(metrics)}'
    return h.section("headline", "Headline: strategy against 60/40", body + f"<p>{h.esc(note)}</p>")


def _sweep(page: _Page) -> str:
    """How this run was picked from a sweep; empty for a run that is not a sweep's pick."""
    if page.sweep is None:
        return ""
    return sweep_section(page.sweep, page.figure, page.result.market.synthetic)


def _equity(page: _Page) -> str:
    """Both equity curves on a log scale, so equal percentage moves look equal."""
    r = page.result
    title = f"{page.name} vs {BENCHMARK_NAME} ({r.market.source})"
    figure = equity_figure(
        page.equity, title, r.market.synthetic, regime=page.regime, drawdowns=False
    )
    start = h.num(r.config.execution.initial_value, 1, 0)
    caption = f"Value of ${start} invested at the start, log scale, after all costs."
    if page.regime is not None:
        caption += " Shading: regime decided at each close (held from the next fill)."
    body = page.figure("equity.png", figure, "Equity curves, log scale", caption)
    return h.section("equity", "Equity", body)


def _drawdowns(page: _Page) -> str:
    """How deep and how long each portfolio fell, the pain a CAGR hides."""
    figure = drawdown_figure(page.equity, page.result.market.synthetic)
    body = page.figure("drawdowns.png", figure, "Drawdowns", "Fall from the running peak [%].")
    parts = [
        f"<div><h3>Deepest drawdowns: {h.esc(column)}</h3>"
        f"{t.spells_table(m.under_water_spells(page.equity[column]))}</div>"
        for column in page.equity
    ]
    return h.section("drawdowns", "Drawdowns", body + f'<div class="grid">{"".join(parts)}</div>')


def _rolling(page: _Page) -> str:
    """Trailing-year return and Sharpe, to show whether the edge is steady or one episode."""
    r = page.result
    window = r.market.periods_per_year
    figure = rolling_figure(page.equity, r.strategy.cash_rate, window, r.market.synthetic)
    caption = (
        f"Trailing {window}-bar return and Sharpe ratio (excess of the cash rate, annualised); "
        "each point uses bars up to its date only."
    )
    body = page.figure("rolling.png", figure, "Rolling 12-month return and Sharpe", caption)
    return h.section("rolling", "Rolling 12 months", body)


def _exposures(page: _Page) -> str:
    """What the strategy actually held, leg by leg, and its gross and net exposure."""
    r = page.result
    figure = exposure_figure(r.strategy.weights, page.legs, page.regime, r.market.synthetic)
    caption = "Held weight of each leg [% of value], longs above zero, shorts below; line: net."
    body = page.figure("exposures.png", figure, "Exposures by leg", caption)
    keys = [f"{side}_{stat}" for side in m.EXPOSURES for stat in ("mean", "max")]
    rows = [
        [t.label(key), *(t.value(key, r.metrics[p].get(key)) for p in ("strategy", "benchmark"))]
        for key in keys
    ]
    return h.section(
        "exposures", "Exposures", body + h.table(["Exposure", "Strategy", "60/40"], rows)
    )


def _signals(page: _Page) -> str:
    """The reading and triggers behind each switch; empty for a static strategy."""
    if page.result.switching is None or page.regime is None:
        return ""
    r, explained = page.result, page.result.switching.explanation
    thresholds = tuple(getattr(r.config.strategy, key, None) for key in ("sell_above", "buy_below"))
    figure = signals_figure(explained.signals, page.regime, thresholds, r.market.synthetic)
    caption = (
        "Reading with the sell_above and buy_below thresholds; lower strip: closes at which "
        "each entry trigger fired. Shading: regime decided at each close."
    )
    if explained.reading_sources:
        caption += (
            " Orange: BofA's readings as published, at the first day each was in force (hollow, "
            f"hatched: reconstructed). Reading {explained.reading_sources}."
        )
    body = page.figure("signals.png", figure, "Bull & Bear reading and triggers", caption)
    switching = r.metrics.get("switching", {})
    rows = [[name, h.num(count, 1, 0)] for name, count in switching["trigger_firings"].items()]
    entries = [[name, h.num(n, 1, 0)] for name, n in switching["regime_entries"].items()]
    body += (
        "<p>A trigger fires at a close; the regime changes only when it is not already held, "
        "so firings and entries differ.</p>"
        + h.table(["Entry trigger", "Times fired"], rows)
        + h.table(["Regime", "Times entered"], entries)
        + "<h3>Whipsaws</h3>"
        + whipsaws_table(r.switching.whipsaws, switching["whipsaws"]["shorter_than_bars"])
    )
    return h.section("signals", "Signals", body)


def _event_study(page: _Page) -> str:
    """What followed each trigger and how each regime paid; empty when static."""
    switching = page.result.switching
    if switching is None:
        return ""
    lead = (
        "Forward returns after each trigger fired (from its close), beside the same horizon from "
        "every date; events overlap, so independent events count the non-overlapping ones."
    )
    body = (
        t.event_study_table(switching.event_study)
        + "<h3>Performance by regime held</h3>"
        + t.regimes_table(switching.regimes)
        + "<h3>Regime changes</h3>"
        + t.events_table(switching.explanation.events)
    )
    return h.section("event-study", "Event study and regimes", body, lead)


def _annual(page: _Page) -> str:
    """Calendar-year returns side by side, partial years marked."""
    years = pd.DataFrame({column: m.annual_returns(page.equity[column]) for column in page.equity})
    figure = annual_figure(years, page.result.market.synthetic)
    body = page.figure("annual.png", figure, "Annual returns", "Calendar-year returns [%].")
    first, last = page.equity.index[0], page.equity.index[-1]
    rows = []
    for period, row in years.iterrows():
        partial = (period.year == first.year and first.day_of_year > 7) or (
            period.year == last.year and (last.month, last.day) < (12, 24)
        )
        diff = row.iloc[0] - row.iloc[1]
        rows.append(
            [
                f"{period}{' (partial)' if partial else ''}",
                *(h.num(v, 100) for v in row),
                h.num(diff, 100, 2, True),
            ]
        )
    header = ["Year", f"{page.name} [%]", "60/40 [%]", "Difference [pp]"]
    return h.section("annual", "Annual returns", body + h.table(header, rows))


def _monthly(page: _Page) -> str:
    """The strategy's month-by-month returns, to spot clusters of losses."""
    monthly = m.monthly_returns(page.equity[page.name])
    figure = monthly_figure(monthly, page.name, page.result.market.synthetic)
    caption = "Calendar-month returns of the strategy [%]; first and last month may be partial."
    return h.section(
        "monthly",
        "Monthly returns",
        page.figure("monthly.png", figure, "Monthly returns heatmap", caption),
    )


def _attribution(page: _Page) -> str:
    """Where the dollars came from: each leg and each cost line, adding to the total."""
    r = page.result
    table = r.attribution["strategy"]
    figure = attribution_figure(
        table, r.attribution["benchmark"]["total"], (page.name, BENCHMARK_NAME), r.market.synthetic
    )
    caption = "Cumulative dollar P&L of each leg and cost line (dashed) of the strategy."
    body = page.figure("attribution.png", figure, "Cumulative attribution", caption)
    totals = t.attribution_table(r.metrics["attribution"])
    return h.section(
        "attribution",
        "P&L attribution",
        totals + body,
        "Total P&L over the run by leg and by cost line [$]; legs and lines add up to the total.",
    )


def _trades(page: _Page) -> str:
    """How much the strategy traded and what trading and financing cost."""
    r = page.result
    costs = r.metrics["attribution"]["strategy"]
    facts = [
        ["Fills", h.num(len(r.strategy.trades), 1, 0), h.num(len(r.benchmark.trades), 1, 0)],
        [
            t.label("turnover"),
            *(t.value("turnover", r.metrics[p].get("turnover")) for p in ("strategy", "benchmark")),
        ],
    ]
    for line in ("fees", "slippage", "borrow", "interest"):
        facts.append(
            [
                f"{line.capitalize()} [$]",
                h.num(costs.get(line), 1, 0),
                h.num(r.metrics["attribution"]["benchmark"].get(line), 1, 0),
            ]
        )
    shown = min(20, len(r.strategy.trades))
    body = (
        h.table(["Trading", "Strategy", "60/40"], facts)
        + f"<h3>Last {shown} of {len(r.strategy.trades):,} fills</h3>"
        + t.fills_table(r.strategy.trades, page.legs)
    )
    return h.section("trades", "Trades and turnover", body)


def _metrics(page: _Page) -> str:
    """Every metric the engine computed, for readers who want more than the headline."""
    metrics = page.result.metrics
    body = t.full_metrics_table(metrics) + "<h3>Relative to 60/40</h3>" + t.relative_table(metrics)
    return h.section("metrics", "All metrics", body)


def _manifest(page: _Page) -> str:
    """What produced the run, shown as given, so every figure can be traced."""
    lead = "What produced this run: config, command line, data fingerprints, versions, commit."
    return h.section("manifest", "Manifest", h.definitions(page.manifest), lead)


SECTIONS: tuple[Callable[[_Page], str], ...] = (
    _header,
    _signals_now,
    _headline,
    _sweep,
    _equity,
    _drawdowns,
    _rolling,
    _exposures,
    _signals,
    _event_study,
    _annual,
    _monthly,
    _attribution,
    _trades,
    _metrics,
    _manifest,
)
