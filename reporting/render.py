"""Rendering a report's figures to PNG together, once all are announced: reused, or on every core.

Building and rendering a figure (layout, rasterising, PNG encoding) cost more than anything else
in a report, so a page's figures are announced first as `reporting.drawing.Drawing` objects and
made at the end. A figure drawn before from the same inputs, code and settings (its
`Drawing.key`) is read back from the figure cache (``figures/`` under the download cache), and
is not even built: a tweak that leaves a figure's data alone does not draw it again. The rest
are built and rendered by worker processes forked from this one (they inherit the drawings;
only the PNG bytes come back), or from the process a single run started ahead to have
matplotlib ready (`drawing_ahead`); the run's tables are written meanwhile. The bytes are those
a build and render in this process give, so the report is the same, byte for byte, whatever the
workers and the cache. Where ``fork`` is not available, or with one worker or one figure, they
are made here.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from data import sources
from pipeline.executors import usable_cores
from reporting.drawing import Drawing

_PENDING: list[Drawing] = []
"""The drawings being made: read by the forked workers, which inherit this process's memory."""
_AHEAD: list[Connection] = []
"""The line to a drawing process started ahead (`drawing_ahead`): sent the drawings pickled."""


def png_of(drawing: Drawing) -> bytes:
    """Build and render one figure: its PNG bytes."""
    from reporting.figures import png_bytes

    return png_bytes(drawing.build())


def _render(index: int) -> bytes:
    return png_of(_PENDING[index])


def render_all(
    drawings: list[Drawing],
    workers: int | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[bytes]:
    """Each figure's PNG bytes, in order: from the cache, else made on ``workers`` cores.

    ``meanwhile`` (the run's tables, written while other processes draw) is called once.
    """
    keys = [drawing.key for drawing in drawings]
    found = {i: png for i, key in enumerate(keys) if key and (png := _cached(key)) is not None}
    missing = [i for i in range(len(drawings)) if i not in found]
    once = _Once(meanwhile)
    drawn = _render_many([drawings[i] for i in missing], workers, once) if missing else []
    once()
    for index, png in zip(missing, drawn, strict=True):
        found[index] = png
        if keys[index]:
            _store(keys[index], png)  # type: ignore[arg-type]
    return [found[index] for index in range(len(drawings))]


def _render_many(
    drawings: list[Drawing], workers: int | None, meanwhile: Callable[[], None] = lambda: None
) -> list[bytes]:
    """Each figure's PNG bytes, made by ``workers`` forked processes (default: every core).

    ``meanwhile`` runs here while they draw.
    """
    count = min(workers or usable_cores(), len(drawings))
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [png_of(drawing) for drawing in drawings]
    if _AHEAD and workers is None:
        made = _ask_ahead(_AHEAD[-1], drawings, meanwhile)
        if made is not None:
            return made
    _warm_up()  # once here, not in every worker
    _PENDING[:] = drawings
    try:
        with multiprocessing.get_context("fork").Pool(count, initializer=_start_worker) as pool:
            # the costliest first, so no worker is left with a long one at the end
            order = sorted(range(len(drawings)), key=lambda i: _weight(drawings[i]), reverse=True)
            made = pool.imap(_render, order)
            meanwhile()
            rendered = dict(zip(order, made, strict=True))
    finally:
        _PENDING.clear()
    return [rendered[index] for index in range(len(drawings))]


def _start_worker() -> None:
    """A drawing worker: inherited objects frozen, ended quietly by its pool.

    Frozen, the run's heap is no longer scanned by the cyclic collector (a tenth of the
    drawing's CPU) and its pages are not copied to do so. ``SIGTERM`` (the pool's end, also when
    the run is interrupted) ends the worker at once, whatever its parent set.
    """
    gc.freeze()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Once:
    """A call made at most once, wherever it is first asked for."""

    def __init__(self, call: Callable[[], None] | None) -> None:
        self.call = call

    def __call__(self) -> None:
        call, self.call = self.call, None
        if call is not None:
            call()


@contextlib.contextmanager
def drawing_ahead() -> Iterator[None]:
    """Start the report's drawing process now, to import matplotlib while the run computes.

    A single run keeps one core busy; on another, a process forked now imports matplotlib and
    draws a first small figure (fonts loaded), a third of a second the report then does not
    wait for. It is sent the figures to draw, forks its workers (which inherit all that) and
    sends back their PNGs. It is stopped on the way out, drawn or not (all figures cached).
    Nothing is started on one core or without ``fork``.
    """
    if usable_cores() <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, ours))  # not daemonic: it forks
    process.start()
    theirs.close()
    _AHEAD.append(ours)
    try:
        yield
    finally:
        _AHEAD.remove(ours)
        ours.close()
        process.terminate()
        process.join()


def _serve(connection: Connection, callers: Connection) -> None:
    """The drawing process: warm up, then draw the one batch of figures it is sent.

    It closes its copy of the caller's end first, so that the caller's end, closed or gone
    with a killed caller, ends it: it never outlives the run. Ctrl-C is the caller's to handle
    (it stops this process on its way out, and this one its workers): nothing is printed.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # its workers' pool ends with it
    callers.close()
    _warm_up()
    try:
        drawings = connection.recv()
    except (EOFError, OSError):  # the run ended without figures to draw, or was killed
        return
    try:
        answer = (True, _render_many(drawings, None))
    except Exception as exc:  # the error is the caller's to raise
        answer = (False, exc)
    with contextlib.suppress(OSError):  # a caller gone meanwhile wants nothing
        connection.send(answer)


def _ask_ahead(
    connection: Connection, drawings: list[Drawing], meanwhile: Callable[[], None]
) -> list[bytes] | None:
    """The PNGs drawn by the process started ahead; None if it is gone (then drawn here)."""
    try:
        connection.send(drawings)
    except OSError:
        return None
    meanwhile()
    try:
        drawn, made = connection.recv()
    except (EOFError, OSError):
        return None
    if not drawn:
        raise made
    return made


def _warm_up() -> None:
    """Import matplotlib and the figures, and draw a small figure: fonts and caches loaded."""
    from matplotlib.figure import Figure

    from reporting.figures import png_bytes

    figure = Figure(figsize=(1, 1))
    figure.subplots().set_title("0")
    png_bytes(figure)


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


HEAVY = ("heatmap_figure",)
"""Figures that print a number in every cell (the sweep heatmaps): the costliest to draw."""


def _weight(drawing: Drawing) -> tuple[bool, int]:
    """A rough cost of building and rendering: texts in every cell first, then the inputs' size."""
    size = sum(getattr(value, "size", 0) for value in (*drawing.args, *drawing.kwargs.values()))
    return drawing.builder.__name__ in HEAVY, size


@dataclass
class FigureBatch:
    """Figures announced by a page's sections, each standing as a placeholder in its HTML.

    ``write(file, png, index)`` (once all are rendered) saves a figure and returns its HTML.
    """

    figures: list[Drawing] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, file: str, figure: Drawing) -> str:
        """The placeholder the figure's HTML replaces once rendered."""
        self.figures.append(figure)
        self.files.append(file)
        return placeholder(len(self.figures) - 1)

    def fill(
        self,
        text: str,
        write: Callable[[str, bytes, int], str],
        meanwhile: Callable[[], None] | None = None,
    ) -> str:
        """``text`` with every placeholder replaced by ``write``'s HTML of the rendered figure.

        ``meanwhile`` is called once, while other processes draw (`render_all`).
        """
        for index, png in enumerate(render_all(self.figures, meanwhile=meanwhile)):
            text = text.replace(placeholder(index), write(self.files[index], png, index))
        self.figures.clear()
        self.files.clear()
        return text


def placeholder(index: int) -> str:
    """A marker no escaped HTML contains (a NUL byte is never in a page)."""
    return f"\x00figure-{index}\x00"
