"""The ``sweep`` section of report.html: how the run's combination was picked from a sweep.

A sweep's run directory holds the best combination's single run; this section sets that pick
beside the whole grid: the sweep's headline, its luck benchmarks (deflated Sharpe, PBO), the
heatmaps of `reporting.sweep_figures` and the top combinations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from reporting import html as h
from reporting import report_tables as t
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
class SweepOutputs:
    """A sweep's table (one row per combination) and its facts (`engine.sweep.summarise`)."""

    table: pd.DataFrame
    facts: dict[str, Any]

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any]) -> SweepOutputs | None:
        """The sweep in a run's extra outputs (``sweep.csv`` and ``sweep``), or None."""
        table, facts = extra.get("sweep.csv"), extra.get("sweep")
        if isinstance(table, pd.DataFrame) and isinstance(facts, dict):
            return cls(table, facts)
        return None


def sweep_section(
    sweep: SweepOutputs, figure: Callable[[str, Figure, str, str], str], synthetic: bool
) -> str:
    """The section's HTML; ``figure(file, figure, alt, caption)`` writes a PNG and embeds it."""
    facts, table = sweep.facts, sweep.table
    keys = list(facts["best"])
    readings = [DEFLATED_READING] if "deflated_sharpe" in facts else []
    readings.append(PBO_READING if "pbo" in facts else NO_PBO)
    embedded = [
        figure(item.file, item.figure, item.alt, item.caption)
        for item in sweep_figures(table, facts["best"], synthetic)
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
        + t.sweep_top_table(table, keys, TOP)
        + "<p>Every combination is in sweep.csv; the sections below show the best one alone.</p>"
    )
    lead = (
        f"This run is the best of {len(table):,} combinations by Sharpe. Picking the best of many "
        "flatters it: judge it against what luck alone would give."
    )
    return h.section("sweep", "Parameter sweep", body, lead)
