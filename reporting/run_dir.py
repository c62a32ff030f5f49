"""Writing a run's directory under results/: built aside, then renamed into place whole."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import math
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.tearsheet import exposure_over_time
from core.errors import ConfigError, OutputError
from pipeline.run import RunResult, traded_notional
from reporting.csv_file import write_table
from reporting.index import write_index
from reporting.manifest import build_manifest

SWEEP_BASE = "sweep_base_config"
"""The key of ``extra`` holding a sweep's base config: the manifest keeps it for ``--rerun``."""
STAGING = ".incomplete-"
"""The prefix of a run's hidden folder while it is written, ``.incomplete-<name>-<pid>``."""
STAGING_MARK = ".being-written-by-run_backtest"
"""The file a staging folder holds from its first moment to its rename: only a folder holding
it is the tool's to remove after a kill (`_sweep_abandoned`)."""

MAX_LABEL = 80
"""The longest label a run takes (``--label``): it heads the report and the index's row."""

log = logging.getLogger(__name__)


def write_run(
    result: RunResult,
    results_root: Path,
    *,
    command: list[str] | None = None,
    report: bool = True,
    now: datetime | None = None,
    extra: dict[str, Any] | None = None,
    label: str = "",
) -> Path:
    """Write the run's files and return the new directory, ``<timestamp>-<strategy>[-demo]``.

    The files are written into a hidden folder first and renamed at the end, so a failure
    leaves no half-written run; an existing run directory is never reused. ``report=False``
    leaves out the report and its figures (for scripted loops); a sweep's outputs in ``extra``
    (``sweep.csv`` and ``sweep``) add its section and heatmaps to the report, and its base config
    (under `SWEEP_BASE`) goes into the manifest so that ``--rerun`` repeats the sweep.
    ``results/index.html`` is rebuilt afterwards, unless one there is not the tool's (a
    warning says so: `reporting.index.foreign_index`); a run never overwrites or deletes a
    file it did not create. A folder that cannot be written (full, read-only) raises
    `OutputError`; the hidden folders of killed runs are removed first. ``label`` names the run
    in its report, ``metrics.json`` (``run.label``), the manifest and the index (`check_label`).
    """
    check_results_root(results_root)
    check_label(label)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    name = f"{stamp}-{result.config.strategy.name}" + ("-demo" if result.market.synthetic else "")
    staging = results_root / f"{STAGING}{name}-{os.getpid()}"
    created, staged = not results_root.exists(), False
    try:
        results_root.mkdir(parents=True, exist_ok=True)
        _sweep_abandoned(results_root)
        staging.mkdir()  # never one already there: what it holds is not this run's
        staged = True
        (staging / STAGING_MARK).touch()
        _fill(staging, result, command or [], report, dict(extra or {}), label)
        (staging / STAGING_MARK).unlink()
        run_dir = _rename_unique(staging, results_root / name)
    except BaseException as exc:  # Ctrl-C included: nothing half-written stays
        if staged:  # only what this run made goes
            shutil.rmtree(staging, ignore_errors=True)
        if created:  # a results folder made for this run goes with it (if nothing else came)
            with contextlib.suppress(OSError):
                results_root.rmdir()
        if isinstance(exc, OSError):
            raise _unwritable(results_root, exc) from exc
        raise
    try:
        write_index(results_root)
    except OSError as exc:  # the run is whole; only its listing waits for the next run
        log.warning(
            "%s not rebuilt (%s); the run is in %s",
            results_root / "index.html",
            exc.strerror or exc,
            run_dir,
        )
    return run_dir


def _fill(
    staging: Path,
    result: RunResult,
    command: list[str],
    report: bool,
    extra: dict[str, Any],
    label: str,
) -> None:
    """Write every file of the run into ``staging``: tables, metrics, manifest, the report."""
    base = extra.pop(SWEEP_BASE, None)
    manifest = {"label": label, **build_manifest(result, command)}
    if base is not None:  # a sweep's pick: --rerun repeats the sweep
        facts = extra["sweep"]
        manifest["sweep"] = {
            "base_config": base.as_dict(),
            "grid": facts["grid"],
            "walk_forward": facts["walk_forward"],
        }
    (staging / "manifest.json").write_text(json.dumps(finite(manifest), indent=2) + "\n")
    tables = functools.partial(_write_files, result, staging, extra, label)
    if not report:
        tables()
        return
    from reporting.report import write_report
    from reporting.sweep_section import SweepOutputs

    sweep = SweepOutputs.from_extra(extra)
    write_report(result, staging, manifest, sweep, label, meanwhile=tables)  # tables while drawn


def _unwritable(results_root: Path, exc: OSError) -> OutputError:
    """The one line for a folder the system refused to write, with the system's reason."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    fix = "free some space, or give another folder" if full else "give a folder you can write to"
    return OutputError(
        f"{results_root}: cannot write the run directory ({exc.strerror or exc}); "
        f"nothing was written; {fix}",
        option="out",
    )


def _sweep_abandoned(results_root: Path) -> None:
    """Remove the staging folders of runs whose process has died (SIGKILL, power loss).

    A live process's folder is left alone: it may be one of several runs writing at once. So
    is a folder without `STAGING_MARK`, whatever its name: the tool did not make it (an empty
    one, killed before its mark, is removed: it holds nothing).
    """
    for folder in results_root.glob(f"{STAGING}*"):
        pid = folder.name.rpartition("-")[2]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if (folder / STAGING_MARK).is_file() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                folder.rmdir()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (signal 0 asks without sending one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def check_results_root(results_root: Path) -> None:
    """Refuse a results folder that is a file, or sits under one, before anything is run."""
    for place in (results_root, *results_root.parents):
        if place.exists() and not place.is_dir():
            raise ConfigError(
                f"{results_root}: {place} is a file, not a folder; give a folder for the "
                "run directories (it is created if missing)",
                option="out",
            )


def check_label(label: str) -> None:
    """Refuse a label that is not one short line of printable text (`MAX_LABEL` characters)."""
    if len(label) > MAX_LABEL or not label.isprintable():
        raise ConfigError(
            f"{label[:40]!r}: a label is one line of at most {MAX_LABEL} printable characters",
            option="label",
        )


def _write_files(result: RunResult, folder: Path, extra: dict[str, Any], label: str) -> None:
    equity = pd.DataFrame(
        {"strategy": result.strategy.equity, "benchmark": result.benchmark.equity}
    ).rename_axis("date")
    equity.to_csv(folder / "equity.csv")
    result.strategy.weights.rename_axis("date").to_csv(folder / "weights.csv")
    strategy = result.strategy
    exposure = exposure_over_time(strategy.weights, traded_notional(strategy), strategy.equity)
    exposure.rename_axis("date").to_csv(folder / "exposure.csv")
    strategy.cash_rate.rename("cash_rate").rename_axis("date").to_csv(folder / "cash_rate.csv")
    result.strategy.trades.to_csv(folder / "trades.csv", index=False)
    result.attribution["strategy"].to_csv(folder / "attribution.csv")
    result.attribution["benchmark"].to_csv(folder / "attribution_benchmark.csv")
    if result.switching is not None:
        explained = result.switching.explanation
        explained.signals.rename_axis("date").to_csv(folder / "signals.csv")
        explained.events.to_csv(folder / "events.csv", index=False)
        result.switching.event_study.to_csv(folder / "event_study.csv", index=False)
        now = json.dumps(finite(explained.now), indent=2)
        (folder / "signals_now.json").write_text(now + "\n")
    tables = {name: value for name, value in extra.items() if name.endswith(".csv")}
    for name, table in tables.items():  # sweep.csv: a row per combination
        write_table(table, folder / name)
    _metrics_table(result.metrics).to_csv(folder / "metrics.csv")
    facts = {name: value for name, value in extra.items() if name not in tables}
    payload = {**result.metrics, "run": {**result.metrics["run"], "label": label}, **facts}
    (folder / "metrics.json").write_text(json.dumps(finite(payload), indent=2) + "\n")


def _metrics_table(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """``metrics.csv``: a metric a row, strategy, 60/40, their difference (the console's).

    ``na_reason`` says why a figure is empty (the difference's reason, which names the side).
    """
    columns = {name: metrics[name] for name in ("strategy", "benchmark", "difference")}
    table = pd.DataFrame(columns, index=list(metrics["strategy"])).rename_axis("metric")
    reasons = metrics.get("na_reasons", {}).get("difference", {})
    return table.assign(na_reason=[reasons.get(key, "") for key in table.index])


def finite(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) with null, recursively."""
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _rename_unique(staging: Path, target: Path) -> Path:
    """Rename ``staging`` to ``target``, or ``target-2``, ``-3``, ... if taken.

    Runs finishing in the same second race for a name: a rename onto a run directory another
    process has just put there fails (the folder is not empty), and the next name is tried.
    """
    for attempt in range(1, 1000):
        candidate = target if attempt == 1 else target.with_name(f"{target.name}-{attempt}")
        if candidate.exists():
            continue
        try:
            staging.rename(candidate)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            continue
        return candidate
    raise FileExistsError(f"no free run directory name next to {target}")
