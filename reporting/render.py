"""Rendering a report's figures to PNG together, once all are built: reused, or on every core.

Rendering (layout, rasterising, PNG encoding) costs more than building a figure, so a page's
figures are collected first and rendered at the end. A figure drawn before from the same
inputs, code and settings (`reporting.figures.DRAWN_FROM`) is read back from the figure cache
(``figures/`` under the download cache): a tweak that leaves a figure's data alone does not
draw it again. The rest are rendered by worker processes forked from this one (they inherit the
built figures; only the PNG bytes come back). The bytes are those a render in this process
gives, so the report is the same, byte for byte, whatever the workers and the cache. Where
``fork`` is not available, or with one worker or one figure, they render here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from data import sources
from pipeline.executors import usable_cores
from reporting.figures import DRAWN_FROM, png_bytes

_PENDING: list[Figure] = []
"""The figures being rendered: read by the forked workers, which inherit this process's memory."""


def _render(index: int) -> bytes:
    return png_bytes(_PENDING[index])


def render_all(figures: list[Figure], workers: int | None = None) -> list[bytes]:
    """Each figure's PNG bytes, in order: from the cache, else rendered on ``workers`` cores."""
    keys = [DRAWN_FROM.get(figure) for figure in figures]
    found = {i: png for i, key in enumerate(keys) if key and (png := _cached(key)) is not None}
    missing = [i for i in range(len(figures)) if i not in found]
    drawn = _render_many([figures[i] for i in missing], workers) if missing else []
    for index, png in zip(missing, drawn, strict=True):
        found[index] = png
        if keys[index]:
            _store(keys[index], png)  # type: ignore[arg-type]
    return [found[index] for index in range(len(figures))]


def _render_many(figures: list[Figure], workers: int | None) -> list[bytes]:
    """Each figure's PNG bytes, rendered by ``workers`` forked processes (default: every core)."""
    count = min(workers or usable_cores(), len(figures))
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [png_bytes(figure) for figure in figures]
    _PENDING[:] = figures
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            # the costliest first (most artists), so no worker is left with a long one at the end
            order = sorted(range(len(figures)), key=lambda i: -_weight(figures[i]))
            rendered = dict(zip(order, pool.imap(_render, order), strict=True))
    finally:
        _PENDING.clear()
    return [rendered[index] for index in range(len(figures))]


CACHE_FILES = 400
"""Figures the cache keeps (the most recently used); about 40 MB at the report's sizes."""


def figure_cache() -> Path:
    """The folder of rendered figures, by drawing key: beside the downloads (`data.sources`)."""
    return sources.CACHE_ROOT / "figures"


def _cached(key: str) -> bytes | None:
    path = figure_cache() / f"{key}.png"
    try:
        png = path.read_bytes()
        os.utime(path)  # recently used: kept by `_store`'s pruning
    except OSError:
        return None
    return png


def _store(key: str, png: bytes) -> None:
    """Keep a rendered figure (written whole, then renamed); the oldest beyond `CACHE_FILES` go.

    A cache that cannot be written (a read-only folder) is no error: the figure is just drawn
    again next time.
    """
    folder = figure_cache()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{key}.{os.getpid()}.tmp"
        partial.write_bytes(png)
        os.replace(partial, folder / f"{key}.png")
        files = list(folder.glob("*.png"))
        if len(files) > CACHE_FILES:
            files.sort(key=lambda file: file.stat().st_mtime)
            for file in files[: len(files) - CACHE_FILES]:
                file.unlink(missing_ok=True)
    except OSError:
        return


def _weight(figure: Figure) -> int:
    """A rough cost of rendering: the artists to draw."""
    return sum(len(axes.get_children()) for axes in figure.axes)


@dataclass
class FigureBatch:
    """Figures announced by a page's sections, each standing as a placeholder in its HTML.

    ``write(file, png, index)`` (once all are rendered) saves a figure and returns its HTML.
    """

    figures: list[Figure] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, file: str, figure: Figure) -> str:
        """The placeholder the figure's HTML replaces once rendered."""
        self.figures.append(figure)
        self.files.append(file)
        return placeholder(len(self.figures) - 1)

    def fill(self, text: str, write: Callable[[str, bytes, int], str]) -> str:
        """``text`` with every placeholder replaced by ``write``'s HTML of the rendered figure."""
        for index, png in enumerate(render_all(self.figures)):
            text = text.replace(placeholder(index), write(self.files[index], png, index))
        self.figures.clear()
        self.files.clear()
        return text


def placeholder(index: int) -> str:
    """A marker no escaped HTML contains (a NUL byte is never in a page)."""
    return f"\x00figure-{index}\x00"
