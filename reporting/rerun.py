"""``--rerun``: repeat a finished run from its manifest and say whether the numbers held."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from pipeline.config_file import config_from_mapping
from reporting.manifest import changed_inputs


def read_manifest(
    path: Path,
) -> tuple[tuple[str | None, list[str], dict[str, Any]], dict[str, Any] | None]:
    """What repeats the run of ``path`` (a manifest): the config's source, and a sweep's spec.

    A sweep's run is repeated as a sweep: its source is then the sweep's base config, and the
    spec holds the ``grid`` (the ``--sweep`` texts) and ``walk_forward`` (or None).
    """
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--rerun {path}: not a readable manifest.json ({exc})") from exc
    if not isinstance(manifest, dict) or "config" not in manifest:
        raise ConfigError(f"--rerun {path}: no 'config' in it; give a run's manifest.json")
    sweep = manifest.get("sweep")
    if isinstance(sweep, dict) and isinstance(sweep.get("base_config"), dict):
        _check_sweep(sweep, path)
        return config_from_mapping(sweep["base_config"], f"--rerun {path}"), sweep
    return config_from_mapping(manifest["config"], f"--rerun {path}"), None


def _check_sweep(sweep: dict[str, Any], path: Path) -> None:
    """A sweep's ``grid`` is a list of ``--sweep`` texts and ``walk_forward`` one text or null."""
    grid, walk_forward = sweep.get("grid"), sweep.get("walk_forward")
    if not (isinstance(grid, list) and grid and all(isinstance(text, str) for text in grid)):
        raise ConfigError(
            f"--rerun {path}: sweep.grid = {grid!r} is not a list of --sweep texts "
            "(KEY=SPEC); the manifest was edited or is not this program's"
        )
    if walk_forward is not None and not isinstance(walk_forward, str):
        raise ConfigError(
            f"--rerun {path}: sweep.walk_forward = {walk_forward!r} is not TRAIN:TEST or null; "
            "the manifest was edited or is not this program's"
        )


def rerun_verdict(before: Path, after: Path) -> str:
    """One line: identical metrics, or which inputs (or versions) changed between the runs."""
    metrics = [_numbers(folder) for folder in (before, after)]
    if metrics[0] == metrics[1]:
        return f"rerun: metrics identical to {before.name}"
    manifests = [json.loads((folder / "manifest.json").read_text()) for folder in (before, after)]
    inputs = changed_inputs(*manifests)
    if inputs:
        return f"rerun: metrics differ from {before.name}; inputs changed: {', '.join(inputs)}"
    versions = [m.get("packages") != manifests[1].get("packages") for m in manifests[:1]]
    cause = "package versions changed" if any(versions) else "no input changed (code changed?)"
    return f"rerun: metrics differ from {before.name}; {cause}"


def _numbers(folder: Path) -> dict[str, Any]:
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics.pop("run", None)
    return metrics
