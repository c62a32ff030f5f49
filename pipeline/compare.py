"""Finished runs read back from their folders, and compared pair by pair on common dates.

Everything comes from the runs' own files (``equity.csv``, ``cash_rate.csv``, ``metrics.json``):
nothing is run again. A pair is compared on the dates both runs have, with the first run's cash
rate as the risk-free rate of both (a note says when the two rates differ).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.bootstrap import compare as bootstrap
from analytics.bootstrap import na_reason
from analytics.metrics import daily_returns, sharpe
from core.errors import ConfigError
from pipeline.config_file import flatten


@dataclass(frozen=True)
class RunFiles:
    """One finished run as its folder holds it."""

    name: str
    folder: Path
    equity: pd.Series
    cash_rate: pd.Series
    metrics: dict[str, Any]

    @property
    def config(self) -> dict[str, Any]:
        """The resolved config the run used (``metrics.json``'s ``run.config``)."""
        return self.metrics["run"]["config"]


def read_run(folder: Path) -> RunFiles:
    """A run folder's equity, cash rate and metrics; a `ConfigError` naming what is missing."""
    needed = ("metrics.json", "equity.csv")
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise ConfigError(
            f"{folder}: not a run folder (no {', '.join(missing)}); give folders that "
            "run_backtest.py wrote, such as results/20260101-120000-main_street",
            option="compare",
        )
    try:
        metrics = json.loads((folder / "metrics.json").read_text("utf-8"))
        equity = pd.read_csv(folder / "equity.csv", index_col="date", parse_dates=True)
        rate_file = folder / "cash_rate.csv"
        rates = (
            pd.read_csv(rate_file, index_col="date", parse_dates=True)["cash_rate"]
            if rate_file.is_file()
            else pd.Series(0.0, index=equity.index)
        )
        name = metrics["run"].get("label") or folder.name
        return RunFiles(name, folder, equity["strategy"].astype(float), rates, metrics)
    except (ValueError, KeyError, OSError) as exc:
        raise ConfigError(
            f"{folder}: unreadable run ({type(exc).__name__}: {exc})", option="compare"
        ) from None


def _unique_names(runs: list[RunFiles]) -> list[RunFiles]:
    """Runs with the same label get their folder's name added, so every name is one run."""
    counts = pd.Series([run.name for run in runs]).value_counts()
    return [
        replace(run, name=f"{run.name} ({run.folder.name})") if counts[run.name] > 1 else run
        for run in runs
    ]


def pair(first: RunFiles, second: RunFiles, common: pd.DatetimeIndex) -> dict[str, Any]:
    """The bootstrap of ``first`` minus ``second`` on the common dates."""
    ours, theirs = (daily_returns(run.equity.reindex(common)) for run in (first, second))
    rate = first.cash_rate.reindex(common).fillna(0.0).iloc[1:]
    other = second.cash_rate.reindex(common).fillna(0.0).iloc[1:]
    ppy = min(int(run.metrics["run"]["periods_per_year"]) for run in (first, second))
    result = bootstrap(ours, theirs, ppy, risk_free=rate).as_dict()
    notes = []
    short = na_reason(len(ours), result["mean_block"], ppy)
    if short:
        notes.append(short)
    if not rate.sub(other).abs().le(1e-12).all():
        notes.append(f"the cash rates differ: both Sharpe ratios are in excess of {first.name}'s")
    return {"first": first.name, "second": second.name, **result, "notes": notes}


def config_differences(runs: list[RunFiles]) -> dict[str, list[str]]:
    """Each config key whose value is not the same in every run, with each run's value."""
    flat = [
        dict(
            text.split("=", 1) for key, value in run.config.items() for text in flatten(key, value)
        )
        for run in runs
    ]
    keys = list(dict.fromkeys(key for values in flat for key in values))
    return {
        key: [values.get(key, "(not set)") for values in flat]
        for key in keys
        if len({values.get(key, "(not set)") for values in flat}) > 1
    }


def read_runs(folders: list[Path]) -> tuple[list[RunFiles], pd.DatetimeIndex]:
    """The runs of ``folders`` (at least two, each name one run) and the dates they all have."""
    if len(folders) < 2:
        raise ConfigError("needs at least two run folders", option="compare")
    runs = _unique_names([read_run(Path(folder)) for folder in folders])
    common = runs[0].equity.index
    for run in runs[1:]:
        common = common.intersection(run.equity.index)
    if len(common) < 2:
        raise ConfigError(
            ": the runs share fewer than two dates; compare runs over the same period",
            option="compare",
        )
    return runs, common


def pairs(runs: list[RunFiles], common: pd.DatetimeIndex) -> list[dict[str, Any]]:
    """The bootstrap of every pair of runs, the earlier one minus the later one."""
    return [pair(a, b, common) for a, b in itertools.combinations(runs, 2)]


def common_sharpe(runs: list[RunFiles], common: pd.DatetimeIndex) -> dict[str, float]:
    """Each run's Sharpe ratio on the common dates, in excess of the first run's cash rate."""
    rate = runs[0].cash_rate.reindex(common).fillna(0.0).iloc[1:]
    ppy = min(int(run.metrics["run"]["periods_per_year"]) for run in runs)
    return {run.name: sharpe(daily_returns(run.equity.reindex(common)), ppy, rate) for run in runs}
