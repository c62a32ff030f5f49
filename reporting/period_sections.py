"""The report's sections by period and by P&L line: annual, monthly, attribution, trades."""

from __future__ import annotations

import pandas as pd

from analytics import metrics as m
from analytics.tearsheet import excess_monthly
from reporting import html as h
from reporting import report_tables as t
from reporting.drawing import later
from reporting.month_table import month_table
from reporting.period_figures import annual_figure, attribution_figure
from reporting.report_page import ReportPage


def annual_section(page: ReportPage) -> str:
    """Calendar-year returns side by side, partial years marked."""
    years = pd.DataFrame({column: m.annual_returns(page.equity[column]) for column in page.equity})
    figure = later(annual_figure, years, page.result.market.synthetic)
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
    header = ["Year", f"{page.name} [%]", f"{page.bench} [%]", "Difference [pp]"]
    return h.section("annual", "Annual returns", body + h.table(header, rows))


def monthly_section(page: ReportPage) -> str:
    """Month-by-month returns of the strategy, the benchmark and their difference, as tables."""
    ours, theirs = (page.equity[column] for column in (page.name, page.bench))
    years = m.annual_returns(ours), m.annual_returns(theirs)
    difference = f"{page.name} minus {page.bench}"
    tables = [
        (
            page.name,
            month_table(m.monthly_returns(ours), years[0], f"{page.name}: monthly returns [%]"),
        ),
        (
            page.bench,
            month_table(m.monthly_returns(theirs), years[1], f"{page.bench}: monthly returns [%]"),
        ),
        (
            difference,
            month_table(
                excess_monthly(ours, theirs),
                years[0] - years[1],
                f"{difference}: monthly difference [pp]",
                "pp",
            ),
        ),
    ]
    body = "".join(f"<h3>{h.esc(whose)}</h3>{table}" for whose, table in tables)  # named first
    return h.section("monthly", "Monthly returns", body)


def attribution_section(page: ReportPage) -> str:
    """Where the dollars came from: each leg and each cost line, adding to the total."""
    r = page.result
    table = r.attribution["strategy"]
    figure = later(
        attribution_figure,
        table,
        r.attribution["benchmark"]["total"],
        (page.name, page.bench),
        r.market.synthetic,
    )
    caption = "Cumulative dollar P&L of each leg and cost line (dashed) of the strategy."
    body = page.figure("attribution.png", figure, "Cumulative attribution", caption)
    totals = t.attribution_table(r.metrics["attribution"], page.bench)
    return h.section(
        "attribution",
        "P&L attribution",
        totals + body,
        "Total P&L over the run by leg and by cost line [$]; legs and lines add up to the total.",
    )


def trades_section(page: ReportPage) -> str:
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
        h.table(["Trading", "Strategy", page.bench], facts)
        + f"<h3>Last {shown} of {len(r.strategy.trades):,} fills</h3>"
        + t.fills_table(r.strategy.trades, page.legs)
    )
    return h.section("trades", "Trades and turnover", body)
