"""``--rerun``: repeat a finished run from its manifest and say whether the numbers held."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.config_file import config_from_mapping
from engine.errors import ConfigError
from reporting.manifest import changed_inputs


def read_manifest(path: Path) -> tuple[str | None, list[str], dict[str, Any]]:
    """The strategy, overrides and settings that repeat the run of ``path`` (a manifest)."""
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--rerun {path}: not a readable manifest.json ({exc})") from exc
    if not isinstance(manifest, dict) or "config" not in manifest:
        raise ConfigError(f"--rerun {path}: no 'config' in it; give a run's manifest.json")
    return config_from_mapping(manifest["config"], f"--rerun {path}")


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
