"""Reading a YAML config file into the same ``section.key=value`` overrides the CLI takes.

A file holds ``strategy`` (with ``name``), ``universe``, ``costs`` and ``execution`` sections and
the run-wide keys ``data``, ``start``, ``end``, ``calendar`` and ``allow_partial``. Values are
checked by the same schema as ``--set``, so a typo fails the same way. Loaded with PyYAML's safe
loader: a tag that would build a Python object is refused.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from engine.errors import ConfigError

SECTIONS = ("strategy", "universe", "costs", "execution")
RUN_KEYS = ("data", "start", "end", "calendar", "allow_partial")


def read_config_file(path: Path) -> tuple[str | None, list[str], dict[str, Any]]:
    """Return the strategy's name, the overrides, and the run-wide settings of a config file."""
    try:
        content = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot read it ({exc.strerror})") from exc
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date YAML cannot build
        raise ConfigError(f"--config {path}: not valid YAML ({_first_line(exc)})") from exc
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise ConfigError(f"--config {path}: expected a mapping of sections at the top")
    unknown = sorted(set(content) - set(SECTIONS) - set(RUN_KEYS))
    if unknown:
        valid = ", ".join((*SECTIONS, *RUN_KEYS))
        raise ConfigError(f"--config {path}: unknown key {unknown[0]}; valid: {valid}")
    strategy = dict(content.get("strategy") or {})
    name = strategy.pop("name", None)
    overrides = _flatten("strategy", strategy, path)
    for section in SECTIONS[1:]:
        overrides += _flatten(section, content.get(section) or {}, path)
    settings = {key: content[key] for key in RUN_KEYS if content.get(key) is not None}
    return name, overrides, settings


def _flatten(prefix: str, values: Any, path: Path) -> list[str]:
    if not isinstance(values, dict):
        raise ConfigError(f"--config {path}: {prefix} must be a mapping of keys to values")
    flat = []
    for key, value in values.items():
        if isinstance(value, dict):
            flat += _flatten(f"{prefix}.{key}", value, path)
        elif value is not None:
            flat.append(f"{prefix}.{key}={_text(value)}")
    return flat


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
