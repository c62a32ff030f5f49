"""Where a run writes and caches: the checkout's folders, or the user's when installed.

In a checkout (this file's project has ``pyproject.toml``, as with ``pip install -e .``)
results go to ``results/`` and downloads to ``data/cache/`` in it (docs/configuration.md).
Installed as a package (``pip install .``) the code sits in site-packages, which is no place
for either: results go to ``./results`` in the working folder and downloads to the user's cache
folder. The presets (``configs/*.yaml``) are package data: found by name from any folder,
checkout or installed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The folder holding the packages: the checkout, or site-packages when installed."""

PACKAGES = (
    "core",
    "data",
    "signals",
    "strategies",
    "simulation",
    "analytics",
    "pipeline",
    "reporting",
)
"""The project's packages, lowest floor first (docs/architecture.md); pyproject.toml lists them."""


PRESETS = PROJECT_ROOT / "configs"
"""The presets' folder, a package of its own so that ``pip install .`` ships them."""


def in_checkout() -> bool:
    """Whether the code runs from the project's checkout (its ``pyproject.toml`` beside it)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file()


def preset_path(path: Path) -> Path:
    """``path`` itself when it exists, else the preset it names, from any folder.

    ``configs/hartnett.yaml``, ``hartnett.yaml`` and ``hartnett`` all name the preset when no
    such file is in the working folder, and ``configs/calls/faber.yaml`` the shipped call; any
    other path is returned as it is (its error is the reader's to give).
    """
    calls = Path("configs", "calls")
    if path.exists() or path.parent not in (Path(), Path("configs"), calls):
        return path
    folder = PRESETS / "calls" if path.parent == calls else PRESETS
    preset = folder / (path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml")
    return preset if preset.is_file() else path


def preset_names() -> list[str]:
    """The presets' names (``configs/NAME.yaml``), sorted."""
    return sorted(path.stem for path in PRESETS.glob("*.yaml"))


def results_root() -> Path:
    """The default folder of run directories."""
    return PROJECT_ROOT / "results" if in_checkout() else Path.cwd() / "results"


def cache_root() -> Path:
    """The folder of cached downloads."""
    if in_checkout():
        return PROJECT_ROOT / "data" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mainstreet-backtester"


DATA_VARIABLE = "MAINSTREET_DATA"
"""The environment variable naming the data source a run uses when none is given
(``csv:/path/to/folder``, ``yahoo``, ``demo`` or ``auto``)."""


def default_data() -> tuple[str, Literal["MAINSTREET_DATA", "default"]]:
    """The data source for a run that names none, and where it came from.

    ``(value of MAINSTREET_DATA, "MAINSTREET_DATA")`` when that is set, with a relative folder of
    ``csv:DIR`` made absolute (the manifest must name it wherever the run is repeated); else
    ``("auto", "default")``. A value that names no source or no folder is a `ConfigError` that
    names the variable.
    """
    value = os.environ.get(DATA_VARIABLE, "").strip()
    if not value:
        return "auto", "default"
    if value.startswith("csv:"):
        folder = Path(value.removeprefix("csv:")).expanduser()
        if not folder.is_dir():
            raise ConfigError(
                f"{DATA_VARIABLE}={value}: no such folder; set it to csv:DIR, a folder of "
                "<TICKER>.csv files, or unset it"
            )
        return f"csv:{folder.resolve()}", DATA_VARIABLE
    if value not in ("auto", "yahoo", "demo"):
        raise ConfigError(
            f"{DATA_VARIABLE}={value}: unknown source; use csv:DIR, yahoo, demo or auto, "
            "or unset it"
        )
    return value, DATA_VARIABLE
