"""The ``sweep`` section of report.html: how the run's combination was picked from a sweep.

A sweep's run directory holds the best combination's single run; this section sets that pick
beside the whole grid: the sweep's headline, its luck benchmarks (deflated Sharpe, PBO), the
heatmaps of `reporting.sweep_figures` and the top combinations; with ``--walk-forward``, the
out-of-sample curve against 60/40 and the hindsight pick, and the table of windows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reporting import html as h
from reporting import report_tables as t
from reporting.drawing import Drawing, later
from reporting.figures import equity_figure
from reporting.sweep_figures import sweep_figures

TOP = 10
DEFLATED_READING = (
    "How to read the deflated Sharpe: the probability that the best combination's true Sharpe "
    "beats the best you would expect from luck alone across this many trials; below 0.95 the "
    "pick is not convincing."
)
PBO_READING = (
    "How to read PBO: the probability that the in-sample best is below the median out of "
    "sample; above 0.5 means the selection is worse than a coin flip."
)
NO_PBO = "PBO not computed: too few surviving combinations or bars for cross-validation."


@dataclass(frozen=True)
class WalkForwardOutputs:
    """A walk-forward's windows, stitched curves and metrics (`pipeline.walkforward`)."""

    windows: pd.DataFrame
    equity: pd.DataFrame
    facts: dict[str, Any]


@dataclass(frozen=True)
class SweepOutputs:
    """A sweep's table, its facts (`pipeline.sweep_facts.summarise`), its walk-forward if any."""

    table: pd.DataFrame
    facts: dict[str, Any]
    walk_forward: WalkForwardOutputs | None = None

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any]) -> SweepOutputs | None:
        """The sweep in a run's extra outputs (``sweep.csv``, ``sweep``, ``walk_forward*``)."""
        table, facts = extra.get("sweep.csv"), extra.get("sweep")
        if not isinstance(table, pd.DataFrame) or not isinstance(facts, dict):
            return None
        windows, equity = extra.get("walk_forward.csv"), extra.get("walk_forward_equity.csv")
        walk = None
        if isinstance(windows, pd.DataFrame) and isinstance(equity, pd.DataFrame):
            walk = WalkForwardOutputs(windows, equity, dict(extra.get("walk_forward", {})))
        return cls(table, facts, walk)


def sweep_section(
    sweep: SweepOutputs,
    figure: Callable[[str, Drawing, str, str], str],
    synthetic: bool,
    bench: str = "60/40",
) -> str:
    """The section's HTML; ``figure(file, drawing, alt, caption)`` writes a PNG and embeds it.

    ``bench`` names the run's benchmark, which every difference in the sweep is to.
    """
    facts, table = sweep.facts, sweep.table
    keys = list(facts["best"])
    readings = [DEFLATED_READING] if "deflated_sharpe" in facts else []
    readings.append(PBO_READING if "pbo" in facts else NO_PBO)
    embedded = [
        figure(item.file, item.figure, item.alt, item.caption)
        for item in sweep_figures(table, facts["best"], synthetic, bench)
    ]
    # a pair's Sharpe and CAGR heatmaps side by side; a lone line chart at full width
    pairs = "".join(
        f'<div class="grid pair">{"".join(embedded[i : i + 2])}</div>'
        for i in range(0, len(embedded), 2)
    )
    if len(embedded) == 1:
        pairs = embedded[0]
    shown = min(TOP, int(table["sharpe"].notna().sum()))
    body = (
        f'<p class="verdict">{h.esc(facts["headline"])}</p>'
        + h.bullet_list(f"warning: {line}" for line in facts.get("warnings", []))
        + t.sweep_facts_table(facts)
        + "".join(f"<p>{h.esc(line)}</p>" for line in readings)
        + pairs
        + f"<h3>Top {shown} of {len(table):,} combinations by Sharpe</h3>"
        + t.sweep_top_table(table, keys, TOP, bench)
    )
    if sweep.walk_forward is not None:
        body += _walk_forward(sweep.walk_forward, figure, synthetic, bench)
    body += "<p>Every combination is in sweep.csv; the sections below show the best one alone.</p>"
    lead = (
        f"This run is the best of {len(table):,} combinations by Sharpe. Picking the best of many "
        "flatters it: judge it against what luck alone would give."
    )
    return h.section("sweep", "Parameter sweep", body, lead)


def _walk_forward(
    walk: WalkForwardOutputs,
    figure: Callable[[str, Drawing, str, str], str],
    synthetic: bool,
    bench: str,
) -> str:
    """The out-of-sample curve against the benchmark and the hindsight pick, and the windows."""
    curves = {"out_of_sample": "out of sample", "benchmark": bench, "in_sample_best": "hindsight"}
    equity = walk.equity.set_index(pd.to_datetime(walk.equity["date"])).drop(columns="date")
    equity = equity[list(curves)].rename(columns=curves)
    title = "Walk-forward: each window's pick, traded on the next window"
    chart = figure(
        "walk_forward.png",
        later(equity_figure, equity, title, synthetic, drawdowns=False),
        "Walk-forward equity curves",
        "The picks chosen on each train window, traded on the test window after it (out of "
        f"sample), against {bench} and against the combination chosen with hindsight on the whole "
        "period; all three start a fresh account on each test window; log scale.",
    )
    metrics = walk.facts.get("metrics", {})
    rows = [
        [curves[name], *(h.num(metrics.get(name, {}).get(key), scale) for key, scale in _KEYS)]
        for name in curves
    ]
    header = ["Curve", "CAGR [%]", "Volatility [%]", "Sharpe", "Max drawdown [%]"]
    windows = walk.windows
    cells = [[h.num(v) if isinstance(v, float) else str(v) for v in row] for row in windows.values]
    return (
        "<h3>Walk-forward: out of sample</h3>"
        + chart
        + h.table(header, rows)
        + f"<h3>Windows ({len(windows)})</h3>"
        + h.table([str(c) for c in windows.columns], cells, left=5)
    )


_KEYS = (("cagr", 100.0), ("volatility", 100.0), ("sharpe", 1.0), ("max_drawdown", 100.0))
