"""``results/index.html``: every run in one sortable table, newest first, linking to its report.

Each row says what kind of run it was (a single run, a sweep's pick, with a walk-forward) and, in
one short cell, every setting it changed from its strategy's defaults (strategy, universe, costs,
execution, calendar; a support level in one item, not a field each), so that two runs never look
the same unless they are; the run's whole config is one click away in the same cell. A run on
the synthetic demo market is a red row marked SYNTHETIC.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from pipeline.config import build_config
from reporting.html import esc, flatten, num

log = logging.getLogger(__name__)

LOCK = ".index.lock"
"""The file in the results folder whose lock makes index rebuilds take turns. Made when the tool
first writes an index there, it also marks the ``index.html`` beside it as the tool's."""

RUN_COLUMNS = ("data", "start", "end")
"""Run-wide settings with columns of their own, left out of the overrides."""

COLUMNS = (
    ("date", "Run"),
    ("strategy", "Strategy"),
    ("kind", "Kind"),
    ("overrides", "Settings (changed from the defaults)"),
    ("period", "Period"),
    ("data", "Data"),
    ("cagr", "CAGR [%]"),
    ("sharpe", "Sharpe"),
    ("max_drawdown", "Max drawdown [%]"),
    ("cagr_vs_6040", "CAGR vs 60/40 [pp]"),
    ("sharpe_vs_6040", "Sharpe vs 60/40"),
)

_SORT = """
document.querySelectorAll('th').forEach((th, col) => th.addEventListener('click', () => {
  const body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
  const up = th.dataset.up !== '1'; th.dataset.up = up ? '1' : '0';
  const key = r => { const c = r.cells[col]; const v = c.dataset.v ?? c.textContent;
                     const n = parseFloat(v); return isNaN(n) ? v : n; };
  rows.sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (up ? 1 : -1));
  rows.forEach(r => body.appendChild(r));
}));
"""


def write_index(results_root: Path) -> Path:
    """Rebuild the index from every run directory's ``metrics.json``.

    Runs finishing at once each rebuild it: under an exclusive lock, so the last to write has
    seen every run renamed into place before it, and through a temporary file and a rename, so
    a reader (or a kill) never meets half a page. An ``index.html`` the tool did not write is
    never replaced (`foreign_index`): `FileExistsError` says why.
    """
    target = results_root / "index.html"
    foreign = foreign_index(results_root)
    if foreign:
        raise FileExistsError(errno.EEXIST, foreign)
    temporary = results_root / ".index.html.tmp"  # one writer at a time: a fixed name will do
    with (results_root / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        rows = [row for folder in sorted(results_root.iterdir()) if (row := _readable(folder))]
        rows.sort(key=lambda row: row["date"], reverse=True)
        try:
            temporary.write_text(_page(rows), encoding="utf-8")
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise
    return target


def foreign_index(results_root: Path) -> str | None:
    """Why ``results_root/index.html`` is not the tool's to replace; None when it is.

    A run never overwrites a file it did not create: the index is written where there is none
    yet, or where `LOCK` beside it says the tool wrote it (checked before the lock is made).
    """
    index = results_root / "index.html"
    if (index.exists() or index.is_symlink()) and not (results_root / LOCK).exists():
        return (
            f"it was not written by this tool: no {LOCK} beside it; it is left as it is, and "
            "a folder of the runs' own (--out) gets their index"
        )
    return None


def _is_run(folder: Path) -> bool:
    return (
        folder.is_dir() and not folder.name.startswith(".") and (folder / "metrics.json").exists()
    )


def _readable(folder: Path) -> dict[str, Any] | None:
    """A run directory's row; None, with a warning, for one whose metrics cannot be read.

    A run edited by hand, cut short by a full disk or written by an older version must not
    stop every later run from being listed.
    """
    if not _is_run(folder):
        return None
    try:
        return _row(folder)
    except (OSError, ValueError, KeyError, TypeError, ConfigError) as exc:
        log.warning(
            "%s: unreadable (%s: %s); left out of the index",
            folder / "metrics.json",
            type(exc).__name__,
            exc,
        )
        return None


def _row(folder: Path) -> dict[str, Any]:
    metrics = json.loads((folder / "metrics.json").read_text())
    run, ours, diff = metrics["run"], metrics["strategy"], metrics["difference"]
    return {
        "folder": folder.name,
        "report": (folder / "report.html").exists(),
        "date": folder.name[:15],
        "strategy": run["config"]["strategy"]["name"],
        "kind": _kind(metrics),
        "overrides": ", ".join(_overrides(run["config"])) or "none",
        "config": "\n".join(f"{key}={value}" for key, value in flatten(run["config"])),
        "synthetic": bool(run["synthetic"]),
        "period": f"{run['start']} to {run['end']}",
        "data": run["data_source"] + (" (SYNTHETIC)" if run["synthetic"] else ""),
        "cagr": _percent(ours["cagr"]),
        "sharpe": _number(ours["sharpe"]),
        "max_drawdown": _percent(ours["max_drawdown"]),
        "cagr_vs_6040": _percent(diff["cagr"]),
        "sharpe_vs_6040": _number(diff["sharpe"]),
    }


def _kind(metrics: dict[str, Any]) -> str:
    """``single``, or ``sweep of N (keys)`` with ``+ walk-forward TRAIN:TEST``."""
    sweep = metrics.get("sweep")
    if not isinstance(sweep, dict):
        return "single"
    text = f"sweep pick of {sweep.get('combinations', '?')} ({', '.join(sweep.get('best', {}))})"
    walk = sweep.get("walk_forward") or ("walk_forward" in metrics and "?")
    return f"{text} + walk-forward {walk}" if walk else text


def _overrides(config: dict[str, Any]) -> list[str]:
    """Every ``key=value`` of a run's config that differs from its strategy's defaults.

    A support level whose fields differ is one item, ``strategy.supports.NAME=TICKER MODE
    LEVEL`` (or ``off``): the hartnett preset's three levels would otherwise be 13 fields.
    """
    try:
        defaults = dict(flatten(build_config(config["strategy"]["name"]).as_dict()))
    except ConfigError:  # a strategy this version no longer has: show everything
        defaults = {}
    items: dict[str, str] = {}
    for key, value in flatten(config):
        if key in RUN_COLUMNS or defaults.get(key) == value:
            continue
        if key.startswith(SUPPORTS):
            name = key.removeprefix(SUPPORTS).split(".")[0]
            items[SUPPORTS + name] = _level(config["strategy"]["supports"][name])
        else:
            items[key] = value
    return [f"{key}={value}" for key, value in items.items()]


SUPPORTS = "strategy.supports."


def _level(level: Any) -> str:
    """A support level in a few words: its ticker, mode and level, or ``off``."""
    if not isinstance(level, dict):
        return str(level)
    value = level.get("level")
    shown = f"{value:g}" if isinstance(value, int | float) else str(value)
    return " ".join(str(part) for part in (level.get("ticker"), level.get("mode"), shown))


def _percent(value: float | None) -> str:
    return num(value, 100.0)


def _number(value: float | None) -> str:
    return num(value)


def _page(rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{esc(label)}</th>" for _, label in COLUMNS)
    body = "\n".join(_tr(row) for row in rows)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backtest runs</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; }}
th {{ cursor: pointer; background: #f4f4f4; position: sticky; top: 0; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.synthetic td {{ background: #fdecea; color: #8e1b10; font-weight: 600; }}
details.config summary {{ cursor: pointer; color: #1f5fa8; font-size: 0.8rem; }}
details.config pre {{ font-size: 0.75rem; margin: 0.2rem 0; }}
</style></head><body>
<h1>Backtest runs</h1>
<p>{len(rows)} runs, newest first. Click a column to sort. Rows marked SYNTHETIC ran on the demo
market, not history.</p>
<table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table>
<script>{_SORT}</script>
</body></html>
"""


def _tr(row: dict[str, Any]) -> str:
    cells = []
    for key, _ in COLUMNS:
        text = esc(row[key])
        if key == "date" and row["report"]:
            text = f'<a href="{esc(row["folder"])}/report.html">{text}</a>'
        if key == "overrides":  # the whole config one click away, without leaving the page
            text += (
                '<details class="config"><summary>full config</summary>'
                f"<pre>{esc(row['config'])}</pre></details>"
            )
        numeric = key in {"cagr", "sharpe", "max_drawdown", "cagr_vs_6040", "sharpe_vs_6040"}
        cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
    marked = ' class="synthetic"' if row["synthetic"] else ""
    return f'<tr data-run="{esc(row["folder"])}"{marked}>{"".join(cells)}</tr>'
