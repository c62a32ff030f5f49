"""The history of bench runs, kept in the bench's JSON: one headline per run, oldest first.

Each run's JSON replaces the previous one's figures but carries forward its ``history``, with
the new run's headline appended, so a change of speed can be read across commits and machines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """What one run is remembered by: when, where, at which commit, under which load, its rates."""
    scale = report.get("switching_at_scale", {})
    rates: dict[str, Any] = {
        f"{name} sweep() a second": case["approaches"]["project sweep()"]["combinations_per_second"]
        for name, case in report.get("cases", {}).items()
        if "project sweep()" in case.get("approaches", {})
    }
    if "sweep" in scale:
        rates["hartnett_switch 2,535 sweep() a second"] = scale["sweep"]["rate"]
    if "cli" in scale:
        rates["hartnett_switch CLI beyond baseline, seconds"] = scale["cli"]["beyond_baseline"]
    if "report" in scale:
        rates["report adds, seconds"] = scale["report"]["report_adds"]
        rates["report after a tweak adds, seconds"] = scale["report"]["report_after_a_tweak_adds"]
    if "memory" in scale:
        rates["main_street CLI beyond baseline, seconds"] = scale["memory"]["beyond_baseline"]
        rates["main_street peak MB"] = scale["memory"]["peak_rss_mb"]
    if "free_cores_at_start" in scale:
        rates["free cores at start, end"] = [
            scale["free_cores_at_start"],
            scale["free_cores_at_end"],
        ]
    if "kernel" in scale:
        rates["machine limit, cells a second"] = scale["kernel"]["machine_limit_cells_per_second"]
    return {
        "finished": report.get("finished"),
        "commit": report.get("project", {}).get("commit"),
        "uncommitted_changes": report.get("project", {}).get("uncommitted_changes"),
        "cpu_count": report.get("machine", {}).get("cpu_count"),
        "quick": report.get("quick"),
        "load_average_at_start": report.get("load_average_at_start"),
        "load_average_at_end": report.get("load_average_at_end"),
        "figures": rates,
    }


def with_history(report: dict[str, Any], path: Path) -> dict[str, Any]:
    """``report`` with the history of the JSON at ``path`` (if any) and its own headline added.

    A JSON written before the history was kept counts as one earlier run; an unreadable one is
    left out of the history rather than stopping the bench.
    """
    earlier: list[dict[str, Any]] = []
    if path.is_file():
        try:
            previous = json.loads(path.read_text())
        except (OSError, ValueError):
            previous = None
        if isinstance(previous, dict):
            earlier = previous.get("history") or [headline(previous)]
    return {**report, "history": [*earlier, headline(report)]}
