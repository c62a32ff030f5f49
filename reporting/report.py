"""``report.html``: a self-contained page setting a strategy against its benchmark, by section.

The page embeds every figure as a data URI and writes the same PNG bytes beside it, carries its
CSS inline and refers to nothing outside itself, so it opens offline and prints. Sections that do
not apply to a run (signals and the event study of a static strategy) are left out, not shown
empty; missing numbers print as "n/a".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import metrics as m
from pipeline.run import RunResult
from reporting import html as h
from reporting import report_tables as t
from reporting.answer import answer
from reporting.drawing import later
from reporting.figures import (
    drawdown_figure,
    equity_figure,
    exposure_figure,
    regime_figure,
    rolling_figure,
    signals_figure,
)
from reporting.period_sections import (
    annual_section,
    attribution_section,
    monthly_section,
    trades_section,
)
from reporting.report_page import ReportPage, period
from reporting.sweep_section import SweepOutputs, sweep_section
from reporting.switch_sections import signals_now_section, whipsaws_table

NAV = (
    ("header", "Run"),
    ("signals-now", "Signals now"),
    ("headline", "Headline"),
    ("sweep", "Sweep"),
    ("run-details", "Run details"),
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


def write_report(
    result: RunResult,
    folder: Path,
    manifest: dict[str, Any],
    sweep: SweepOutputs | None = None,
    label: str = "",
    meanwhile: Callable[[], None] | None = None,
) -> Path:
    """Write ``report.html`` and its PNG figures into ``folder``; return the page's path.

    ``manifest`` is any JSON-able dict (config, command line, fingerprints, versions); the last
    section shows it as given. ``sweep``, when the run is a sweep's best combination, adds the
    ``sweep`` section and its heatmaps. ``label`` (``--label``) heads the page. ``meanwhile``
    (the run's other files) is called once, while other processes draw the figures.
    """
    folder.mkdir(parents=True, exist_ok=True)
    name = result.config.strategy.title
    bench = result.benchmark_name
    equity = pd.DataFrame({name: result.strategy.equity, bench: result.benchmark.equity})
    explained = result.switching.explanation if result.switching is not None else None
    page = ReportPage(
        result=result,
        folder=folder,
        manifest=manifest,
        name=name,
        equity=equity,
        regime=explained.regime if explained is not None else None,
        legs=result.legs,
        sweep=sweep,
        bench=bench,
        label=label,
    )
    sections = [build(page) for build in SECTIONS]
    present = {ident for ident, _ in NAV if f'id="{ident}"' in "".join(sections)}
    nav = [(ident, text) for ident, text in NAV if ident in present]
    body = page.figures.fill("".join(sections), page.write_figure, meanwhile)
    path = folder / "report.html"
    title = f"{label}: {name} vs {bench}" if label else f"{name} vs {bench}"
    path.write_text(h.page(title, nav, body), "utf-8")
    return path


def _header(page: ReportPage) -> str:
    """The demo and ruin banners, strategy, the answer, then the run's warnings.

    The answer says whether the strategy beat its benchmark, and why; the warnings (what may make
    a figure mean less than it seems) stay in sight, unlike the notes folded below.
    """
    result = page.result
    doubts = [f"warning: {w}" for w in (*result.market.warnings, *result.warnings)]
    demo, banner = "", ""
    if result.market.synthetic:  # a child of <main>, not of the header: it sticks to the page's end
        demo = (
            '<div id="synthetic-banner" class="banner sticky">SYNTHETIC DEMO DATA: every figure '
            "on this page comes from a made-up market, not from history. Do not draw "
            "conclusions.</div>\n"
        )
    if result.ruin_headline:
        banner += f'<div id="ruin-banner" class="banner">{h.esc(result.ruin_headline)}</div>'
    summary = getattr(result.config.strategy, "summary", "")
    labelled = f'<p id="label" class="lead"><b>{h.esc(page.label)}</b></p>' if page.label else ""
    return demo + (
        f'<header id="header"><h1><span class="swatch-s">{h.esc(page.name)}</span> vs '
        f'<span class="swatch-b">{h.esc(page.bench)}</span></h1>{labelled}{banner}'
        f'<p id="answer" class="verdict">{h.esc(answer(result))}</p>{h.bullet_list(doubts)}'
        f'<p class="lead">{h.esc(summary)}</p></header>\n'
    )


def _run_details(page: ReportPage) -> str:
    """Period, data, costs, notes and the parameters, folded below the headline."""
    result, config = page.result, page.result.config.as_dict()
    market = result.market
    facts = [
        ["Period", f"{period(result)} ({len(result.strategy.equity):,} bars)"],
        ["Data source", market.source + (" (synthetic)" if market.synthetic else "")],
        ["Calendar", f"{result.config.calendar} ({market.periods_per_year} bars a year)"],
        ["Benchmark", page.bench],
        ["Costs", result.costs],
        ["Cash", result.cash],
        ["Requested", f"{config.get('start') or 'earliest'} to {config.get('end') or 'latest'}"],
    ]
    notes = [*market.notes, *result.notes]
    parameters = "".join(
        f"<h3>{h.esc(section.capitalize())}</h3>{h.params(config[section])}"
        for section in ("strategy", "universe", "costs", "execution")
        if isinstance(config.get(section), dict)
    )
    told = f"{len(notes)} note(s)" if notes else "no notes"
    body = (
        f"<details><summary>Period, data and costs; {told}; parameters</summary>"
        f"{h.table(['Run', ''], facts)}{h.bullet_list(notes)}{parameters}</details>"
    )
    return h.section("run-details", "Run details", body)


def _signals_now(page: ReportPage) -> str:
    """What the signals say at the last date; empty for a static strategy."""
    if page.result.switching is None:
        return ""
    return signals_now_section(page.result.switching.explanation.now, page.result.market.synthetic)


def _headline(page: ReportPage) -> str:
    """The headline table, then how sure the bootstrap is."""
    metrics = page.result.metrics
    boot = metrics["uncertainty"]
    why = metrics.get("na_reasons", {}).get("uncertainty", {}).get("sharpe_diff")
    detail = (
        f"Sharpe difference n/a: {why}."
        if why
        else "The strategy's Sharpe is the higher in "
        f"{h.num(boot.get('prob_sharpe_better'), 100, 1)}% of "
        f"{boot.get('n_resamples', 'n/a')} block-bootstrap resamples (mean block "
        f"{h.num(boot.get('mean_block'), 1, 0)} bars). The CAGR interval comes from the "
        f"bootstrap's per-bar CAGR (point estimate {h.num(boot.get('cagr_diff'), 100, 2, True)} "
        "points), comparable with its interval but not identical to the calendar CAGR difference."
    )
    body = t.headline_table(metrics, page.bench) + f"<p>{h.esc(detail)}</p>"
    return h.section("headline", f"Headline: strategy against {page.bench}", body)


def _sweep(page: ReportPage) -> str:
    """How this run was picked from a sweep; empty for a run that is not a sweep's pick."""
    if page.sweep is None:
        return ""
    return sweep_section(page.sweep, page.figure, page.result.market.synthetic, page.bench)


def _equity(page: ReportPage) -> str:
    """Both equity curves, log scale (equal percentage moves look equal) or linear, by a switch."""
    r = page.result
    title = f"{page.name} vs {page.bench} ({r.market.source})"
    start = h.num(r.config.execution.initial_value, 1, 0)
    shading = (
        " Shading: regime decided at each close (held from the next fill)."
        if page.regime is not None
        else ""
    )
    views = []
    for log, file, word in ((True, "equity.png", "log"), (False, "equity_linear.png", "linear")):
        figure = later(
            equity_figure,
            page.equity,
            title,
            r.market.synthetic,
            regime=page.regime,
            drawdowns=False,
            log=log,
        )
        caption = f"Value of ${start} invested at the start, {word} scale, after all costs."
        views.append(
            (
                f"{word.capitalize()} scale",
                page.figure(file, figure, f"Equity curves, {word} scale", caption + shading),
            )
        )
    return h.section("equity", "Equity", h.toggle("equity-scale", *views))


def _drawdowns(page: ReportPage) -> str:
    """How deep and how long each portfolio fell, the pain a CAGR hides."""
    figure = later(drawdown_figure, page.equity, page.result.market.synthetic)
    body = page.figure("drawdowns.png", figure, "Drawdowns", "Fall from the running peak [%].")
    parts = [
        f"<div><h3>Deepest drawdowns: {h.esc(column)}</h3>"
        f"{t.spells_table(m.under_water_spells(page.equity[column]))}</div>"
        for column in page.equity
    ]
    return h.section("drawdowns", "Drawdowns", body + f'<div class="grid">{"".join(parts)}</div>')


def _rolling(page: ReportPage) -> str:
    """Trailing-year return and Sharpe, to show whether the edge is steady or one episode."""
    r = page.result
    window = r.market.periods_per_year
    figure = later(rolling_figure, page.equity, r.strategy.cash_rate, window, r.market.synthetic)
    caption = (
        f"Trailing {window}-bar return and Sharpe ratio (excess of the cash rate, annualised); "
        "each point uses bars up to its date only."
    )
    body = page.figure("rolling.png", figure, "Rolling 12-month return and Sharpe", caption)
    return h.section("rolling", "Rolling 12 months", body)


def _exposures(page: ReportPage) -> str:
    """What the strategy actually held, leg by leg, and its gross and net exposure."""
    r = page.result
    figure = later(exposure_figure, r.strategy.weights, page.legs, page.regime, r.market.synthetic)
    caption = "Held weight of each leg [% of value], longs above zero, shorts below; line: net."
    body = page.figure("exposures.png", figure, "Exposures by leg", caption)
    keys = [f"{side}_{stat}" for side in m.EXPOSURES for stat in ("mean", "max")]
    rows = [
        [t.label(key), *(t.value(key, r.metrics[p].get(key)) for p in ("strategy", "benchmark"))]
        for key in keys
    ]
    return h.section(
        "exposures", "Exposures", body + h.table(["Exposure", "Strategy", page.bench], rows)
    )


def _signals(page: ReportPage) -> str:
    """The reading and triggers behind each switch; empty for a static strategy."""
    if page.result.switching is None or page.regime is None:
        return ""
    r, explained = page.result, page.result.switching.explanation
    thresholds = tuple(getattr(r.config.strategy, key, None) for key in ("sell_above", "buy_below"))
    figure = later(signals_figure, explained.signals, page.regime, thresholds, r.market.synthetic)
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


def _event_study(page: ReportPage) -> str:
    """What followed each trigger and how each regime paid; empty when static."""
    switching = page.result.switching
    if switching is None:
        return ""
    lead = (
        "Forward returns after each trigger fired (from its close), beside the same horizon from "
        "every date; events overlap, so independent events count the non-overlapping ones."
    )
    figure = later(regime_figure, switching.explanation.regime, page.result.market.synthetic)
    caption = "Regime decided at each close, held from the next fill; share of the run's days."
    body = (
        t.event_study_table(switching.event_study)
        + "<h3>Performance by regime held</h3>"
        + page.figure("regimes.png", figure, "Regimes over time", caption)
        + t.regimes_table(switching.regimes)
        + "<h3>Regime changes</h3>"
        + t.events_table(switching.explanation.events)
    )
    return h.section("event-study", "Event study and regimes", body, lead)


def _metrics(page: ReportPage) -> str:
    """Every metric the engine computed, for readers who want more than the headline."""
    metrics = page.result.metrics
    body = (
        t.full_metrics_table(metrics, page.bench)
        + f"<h3>Relative to {h.esc(page.bench)}</h3>"
        + t.relative_table(metrics, page.bench)
    )
    return h.section("metrics", "All metrics", body)


def _manifest(page: ReportPage) -> str:
    """What produced the run, shown as given, so every figure can be traced."""
    lead = "What produced this run: config, command line, data fingerprints, versions, commit."
    return h.section("manifest", "Manifest", h.definitions(page.manifest), lead)


SECTIONS: tuple[Callable[[ReportPage], str], ...] = (
    _header,
    _signals_now,
    _headline,
    _sweep,
    _run_details,
    _equity,
    _drawdowns,
    _rolling,
    _exposures,
    _signals,
    _event_study,
    annual_section,
    monthly_section,
    attribution_section,
    trades_section,
    _metrics,
    _manifest,
)
