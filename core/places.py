"""Where a run writes and caches: the checkout's folders, or the user's when installed.

In a checkout (this file's project has ``configs/``, as with ``pip install -e .``) results go to
``results/`` and downloads to ``data/cache/`` in it, as the README says. Installed as a package
(``pip install .``) the code sits in site-packages, which is no place for either: results go to
``./results`` in the working folder and downloads to the user's cache folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The folder holding the packages: the checkout, or site-packages when installed."""


def in_checkout() -> bool:
    """Whether the code runs from the project's checkout (its presets beside it)."""
    return (PROJECT_ROOT / "configs").is_dir()


def results_root() -> Path:
    """The default folder of run directories."""
    return PROJECT_ROOT / "results" if in_checkout() else Path.cwd() / "results"


def cache_root() -> Path:
    """The folder of cached downloads."""
    if in_checkout():
        return PROJECT_ROOT / "data" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mainstreet-backtester"
