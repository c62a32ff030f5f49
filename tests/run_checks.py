"""A run folder checked against its own files, with plain pandas, not the project's metrics.

`check_run` recomputes the headline from ``equity.csv`` and ``attribution*.csv`` and compares
it with ``metrics.json`` and ``metrics.csv``, and
scans ``report.html`` for numbers printed as NaN, infinity or minus zero. ``tests/conftest.py``
calls it on every run folder the test suite writes in its own process.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd

MOST_BARS_TO_ANNUALISE = 91
"""A quarter of a year on the 7-day calendar: below it a CAGR may be n/a (analytics.metrics)."""
TOLERANCE = 1e-9
"""Relative: the CSVs hold floats written with full precision (``repr``)."""
PARTS = ("strategy", "benchmark")
ATTRIBUTION_FILES = {"strategy": "attribution.csv", "benchmark": "attribution_benchmark.csv"}
BAD_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:nan|inf(?:inity)?)(?!\w)"  # nan, -inf, Infinity as words
    r"|(?<![\w.])-0(?:\.0+)?(?![\w.])",  # -0, -0.00 (a negative rounded to zero)
    re.IGNORECASE,
)


def check_run(run_dir: Path) -> tuple[list[str], list[str]]:
    """Return the run's problems, and what its report prints as NaN, infinity or minus zero.

    Each problem names the file and the figure; an empty first list is a consistent run.
    """
    problems: list[str] = []
    metrics = json.loads((run_dir / "metrics.json").read_text(), parse_constant=_refuse)
    equity = pd.read_csv(run_dir / "equity.csv", index_col="date", parse_dates=True)
    for part in PARTS:
        reasons = metrics.get("na_reasons", {}).get(part, {})
        problems += _headline(part, equity[part], metrics[part], reasons)
        problems += _attribution(part, run_dir / ATTRIBUTION_FILES[part], equity[part], metrics)
    problems += _metrics_csv(run_dir / "metrics.csv", metrics)
    page = run_dir / "report.html"
    return problems, _bad_numbers(page.read_text("utf-8")) if page.exists() else []


def _refuse(constant: str) -> Any:
    raise ValueError(f"metrics.json holds {constant}, which is not JSON")


def _close(got: Any, expected: float, scale: float = 1.0) -> bool:
    return got is not None and math.isclose(got, expected, rel_tol=TOLERANCE, abs_tol=1e-9 * scale)


def _headline(
    part: str, equity: pd.Series, figures: dict[str, Any], reasons: dict[str, str]
) -> list[str]:
    """Total return and CAGR (DESIGN §4, calendar time) from the equity; drawdown, volatility.

    A CAGR left out (n/a) needs its reason, and a run too short to annualise: fewer returns
    than a quarter of a year on the 7-day calendar (91), the longest minimum.
    """
    problems = []
    start, end = float(equity.iloc[0]), float(equity.iloc[-1])
    days = (equity.index[-1] - equity.index[0]).days
    total = end / start - 1.0
    if not _close(figures["total_return"], total):
        problems.append(f"{part} total_return {figures['total_return']} != {total} (equity.csv)")
    if figures["cagr"] is None and "cagr" in reasons and len(equity) - 1 < MOST_BARS_TO_ANNUALISE:
        pass  # n/a, with its reason: too short to annualise
    elif days > 0 and end > 0:
        cagr = (end / start) ** (365.25 / days) - 1.0
        if not _close(figures["cagr"], cagr):
            problems.append(f"{part} cagr {figures['cagr']} != {cagr} (equity.csv, {days} days)")
    elif figures["cagr"] is not None:
        problems.append(f"{part} cagr {figures['cagr']} where none is defined ({days} days)")
    peak = equity.cummax()
    deepest = float((equity / peak - 1.0).min())
    if figures["max_drawdown"] is None or figures["max_drawdown"] > 0:
        problems.append(f"{part} max_drawdown {figures['max_drawdown']} is not <= 0")
    elif not _close(figures["max_drawdown"], deepest):
        problems.append(f"{part} max_drawdown {figures['max_drawdown']} != {deepest}")
    volatility = figures["volatility"]
    if volatility is not None and not volatility >= 0:
        problems.append(f"{part} volatility {volatility} is not >= 0")
    return problems


def _attribution(part: str, path: Path, equity: pd.Series, metrics: dict[str, Any]) -> list[str]:
    """Each day's lines sum to its total; the totals sum to the equity's change."""
    table = pd.read_csv(path, index_col="date", parse_dates=True)
    lines = table.drop(columns="total")
    scale = float(equity.abs().max())
    problems = []
    gap = float((lines.sum(axis=1) - table["total"]).abs().max())
    if gap > 1e-7 * scale:
        problems.append(f"{path.name}: the lines differ from 'total' by up to {gap}")
    change = float(equity.iloc[-1] - equity.iloc[0])
    if not _close(float(table["total"].sum()), change, scale):
        problems.append(f"{path.name}: totals sum to {table['total'].sum()}, equity moved {change}")
    summed = metrics["attribution"][part]
    for line, value in lines.sum().items():
        if not _close(summed.get(line), float(value), scale):
            problems.append(f"metrics.json attribution.{part}[{line!r}] != {path.name}'s sum")
    return problems


def _metrics_csv(path: Path, metrics: dict[str, Any]) -> list[str]:
    """``metrics.csv`` holds the same figures as ``metrics.json`` (blank for a null)."""
    table = pd.read_csv(path, index_col="metric", dtype=str, keep_default_na=False)
    problems = []
    for column in ("strategy", "benchmark", "difference"):
        written = metrics[column]
        for name, text in table[column].items():
            value = written.get(name)
            if value is None or isinstance(value, str):
                same = text == (value or "")
            else:
                same = text != "" and _close(float(text), float(value), abs(float(value)) + 1)
            if not same:
                problems.append(f"metrics.csv {column}.{name} {text!r} != metrics.json {value!r}")
        missing = set(written) - set(table.index)
        if missing:
            problems.append(f"metrics.csv lacks {column} {sorted(missing)} of metrics.json")
    return problems


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes (embedded images), styles or scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _bad_numbers(page: str) -> list[str]:
    """Each NaN, infinity or minus zero the report prints, with a little of its context."""
    parser = _Text()
    parser.feed(page)
    text = " | ".join(" ".join(part.split()) for part in parser.parts if part.strip())
    return [
        f"{match.group()!r} in ...{text[max(0, match.start() - 60) : match.end() + 20]}..."
        for match in BAD_NUMBER.finditer(text)
    ]
