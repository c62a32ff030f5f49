"""What a run needs to be repeated and checked: config, inputs' fingerprints, versions, commit."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from typing import Any

import pandas as pd

from core.places import PROJECT_ROOT
from data import demo
from pipeline.run import RunResult

PACKAGES = ("numpy", "pandas", "vectorbt", "numba", "matplotlib", "pydantic", "yfinance", "PyYAML")


def build_manifest(result: RunResult, command: list[str]) -> dict[str, Any]:
    """The manifest of a finished run, as plain JSON-able values."""
    return {
        "config": result.config.as_dict(),
        "command": command,
        "data_source": result.market.source,
        "data_from": result.config.data_from,
        "costs": result.costs,
        "cash": result.cash,
        "synthetic": result.market.synthetic,
        "inputs": fingerprints(result),
        "packages": {"python": platform.python_version(), **_versions()},
        "git_commit": _git_commit(),
        "seeds": {
            "bootstrap": result.metrics["uncertainty"]["seed"],
            "demo_market": demo.SEED if result.market.synthetic else None,
        },
    }


def fingerprints(result: RunResult) -> dict[str, dict[str, str]]:
    """A SHA-256 of each input series as the run used it, with its first and last date.

    A switching run's include the warm-up before the start: its signals read it.
    """
    used = result.market.history if result.switching is not None else result.market.prices
    series = {ticker: used[ticker].dropna() for ticker in used}
    series |= {f"external:{name}": values for name, values in result.market.external.items()}
    series["cash_rate"] = result.strategy.cash_rate
    return {name: _fingerprint(values) for name, values in series.items()}


def changed_inputs(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the inputs whose fingerprint or span differs between two manifests."""
    old, new = before.get("inputs", {}), after.get("inputs", {})
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def _fingerprint(values: pd.Series) -> dict[str, str]:
    if values.empty:
        return {"sha256": "", "first": "", "last": ""}
    digest = hashlib.sha256()
    digest.update(values.index.to_numpy().astype("datetime64[ns]").tobytes())
    digest.update(values.to_numpy(dtype=float).tobytes())
    return {
        "sha256": digest.hexdigest(),
        "first": values.index[0].date().isoformat(),
        "last": values.index[-1].date().isoformat(),
    }


def _versions() -> dict[str, str]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _git_commit() -> str:
    """The project's commit, marked ``-dirty`` when tracked files have uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
