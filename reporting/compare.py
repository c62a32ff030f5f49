"""The comparison of finished runs: equity overlaid, metrics side by side, pairs, configs.

The runs and their pairs come from `pipeline.compare`; this writes the page and its folder.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.metrics import METRICS, daily_returns, sharpe
from pipeline.compare import RunFiles, config_differences, pairs, read_runs
from reporting import html as h
from reporting.figures import equity_figure, png_bytes
from reporting.report_tables import label as metric_label
from reporting.report_tables import value
from reporting.run_dir import finite

SIDE_BY_SIDE = (*METRICS, "var_95", "cvar_95", "skew", "kurtosis", "win_rate_months", "turnover")
NAV = (
    ("header", "Comparison"),
    ("equity", "Equity"),
    ("metrics", "Metrics"),
    ("pairs", "Pairs"),
    ("configs", "Config differences"),
)


def write_comparison(folders: list[Path], out: Path, label: str = "") -> Path:
    """Compare the runs in ``folders``; write ``<stamp>-compare`` under ``out`` and return it.

    Built in a hidden folder and renamed whole, as a run is.
    """
    runs, common = read_runs(folders)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".incomplete-compare-{os.getpid()}"
    staging.mkdir()
    try:
        compared = pairs(runs, common)
        differences = config_differences(runs)
        page = _page(runs, common, compared, differences, staging, label)
        (staging / "report.html").write_text(page, "utf-8")
        facts = {
            "label": label,
            "runs": [{"name": run.name, "folder": str(run.folder)} for run in runs],
            "common_dates": [str(common[0].date()), str(common[-1].date()), len(common)],
            "pairs": compared,
            "config_differences": differences,
        }
        text = json.dumps(finite(facts), indent=2, default=str)
        (staging / "comparison.json").write_text(text + "\n")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return _rename_free(staging, out / f"{stamp}-compare")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _page(
    runs: list[RunFiles],
    common: pd.DatetimeIndex,
    pairs: list[dict[str, Any]],
    differences: dict[str, list[str]],
    folder: Path,
    label: str,
) -> str:
    names = [run.name for run in runs]
    period = f"{common[0].date()} to {common[-1].date()}"
    curves = pd.DataFrame({run.name: run.equity.reindex(common) for run in runs})
    curves = 100.0 * curves / curves.iloc[0]
    synthetic = any(run.metrics["run"].get("synthetic") for run in runs)
    png = png_bytes(equity_figure(curves, f"{len(runs)} runs, {period}", synthetic))
    (folder / "equity.png").write_bytes(png)
    caption = f"Value of $100 invested in each run on {common[0].date()}, log scale, after costs."
    rows = [
        [metric_label(key), *(value(key, run.metrics["strategy"].get(key)) for run in runs)]
        for key in SIDE_BY_SIDE
    ]
    rows += [
        ["Benchmark", *(run.config.get("benchmark", "60/40") for run in runs)],
        [
            "Period",
            *(f"{run.metrics['run']['start']} to {run.metrics['run']['end']}" for run in runs),
        ],
    ]
    pair_rows = [
        [
            f"{pair['first']} minus {pair['second']}",
            h.num(pair["sharpe_diff"], signed=True),
            f"{h.num(pair['sharpe_diff_low'], signed=True)} to "
            f"{h.num(pair['sharpe_diff_high'], signed=True)}",
            h.num(pair["prob_sharpe_better"], 100, 0),
            "; ".join(pair["notes"]),
        ]
        for pair in pairs
    ]
    level = h.num(pairs[0]["confidence"], 100, 0)
    banner = (
        '<div id="synthetic-banner" class="banner">SYNTHETIC DEMO DATA in at least one run: '
        "not history.</div>"
        if synthetic
        else ""
    )
    body = (
        f'<header id="header"><h1>{h.esc(label or "Comparison of runs")}</h1>{banner}'
        f'<p id="answer" class="verdict">{h.esc(_answer(runs, common, pairs))}</p>'
        f"{h.bullet_list(f'{run.name}: {run.folder}' for run in runs)}</header>\n"
        + h.section("equity", "Equity", h.figure(png, "equity.png", "Equity curves", caption))
        + h.section(
            "metrics",
            "Metrics side by side",
            h.table(["Metric", *names], rows),
            "Each run's own figures over its own period.",
        )
        + h.section(
            "pairs",
            "Pairs: Sharpe difference on common dates",
            h.table(
                [
                    "Pair",
                    "Sharpe difference",
                    f"{level}% interval",
                    "First higher [% of resamples]",
                    "Notes",
                ],
                pair_rows,
            ),
            f"Paired block bootstrap on the {len(common):,} dates every run has ({period}).",
        )
        + h.section(
            "configs",
            "Config differences",
            h.table(["Key", *names], [[key, *values] for key, values in differences.items()])
            if differences
            else "<p>The configs are the same.</p>",
        )
    )
    return h.page(label or "Comparison of runs", NAV, body)


def _answer(runs: list[RunFiles], common: pd.DatetimeIndex, pairs: list[dict[str, Any]]) -> str:
    """Which run had the highest Sharpe on the common dates, and how sure the bootstrap is of it."""
    rate = runs[0].cash_rate.reindex(common).fillna(0.0).iloc[1:]
    ppy = min(int(run.metrics["run"]["periods_per_year"]) for run in runs)
    ratios = {
        run.name: sharpe(daily_returns(run.equity.reindex(common)), ppy, rate) for run in runs
    }
    best = max(ratios, key=lambda name: ratios[name] if pd.notna(ratios[name]) else -1e300)
    others = [p for p in pairs if best in (p["first"], p["second"])]
    parts = []
    for pair in others:
        sign = 1.0 if pair["first"] == best else -1.0
        other = pair["second"] if sign > 0 else pair["first"]
        low, high = sorted((sign * pair["sharpe_diff_low"], sign * pair["sharpe_diff_high"]))
        clear = "clear" if low > 0 else "not clear: the interval spans zero"
        if pd.isna(low):
            clear = "no interval: " + "; ".join(pair["notes"])
        parts.append(
            f"ahead of {other} by {h.num(sign * pair['sharpe_diff'])} "
            f"({h.num(pair['confidence'], 100, 0)}% interval {h.num(low, signed=True)} to "
            f"{h.num(high, signed=True)}, {clear})"
        )
    return (
        f"Highest Sharpe ratio on the {len(common):,} common dates: {best} "
        f"({h.num(ratios[best])}); " + "; ".join(parts) + "."
    )


def _rename_free(staging: Path, target: Path) -> Path:
    """Rename ``staging`` to ``target`` or ``target-2``, ... : a comparison never overwrites."""
    for attempt in range(1, 1000):
        candidate = target if attempt == 1 else target.with_name(f"{target.name}-{attempt}")
        if not candidate.exists():
            staging.rename(candidate)
            return candidate
    raise FileExistsError(f"no free folder name next to {target}")
