"""What every section of ``report.html`` is handed: the run, where figures go, the names used."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.run import RunResult
from reporting import html as h
from reporting.drawing import Drawing
from reporting.render import FigureBatch
from reporting.sweep_section import SweepOutputs


@dataclass(frozen=True)
class ReportPage:
    """What every section needs: the run, where figures go, and the names used throughout."""

    result: RunResult
    folder: Path
    manifest: dict[str, Any]
    name: str
    equity: pd.DataFrame
    regime: pd.Series | None
    legs: dict[str, str]
    sweep: SweepOutputs | None
    bench: str
    """The benchmark's name (``60/40``, ``cash``, ``SPY``, ...)."""
    label: str
    """The run's label (``--label``), "" when it has none."""
    figures: FigureBatch = field(default_factory=FigureBatch)
    labels: list[tuple[str, str]] = field(default_factory=list)

    def figure(self, file: str, figure: Drawing, alt: str, caption: str) -> str:
        """The figure's place in the page: made with the others at the end (`write_figure`)."""
        self.labels.append((alt, caption))
        return self.figures.add(file, figure)

    def write_figure(self, file: str, png: bytes, index: int) -> str:
        """Write a rendered figure as ``file`` in the folder and embed the same bytes."""
        (self.folder / file).write_bytes(png)
        return h.figure(png, file, *self.labels[index])


def period(result: RunResult) -> str:
    """The simulated dates, first to last, as the reader will quote them."""
    dates = result.strategy.equity.index
    return f"{dates[0].date()} to {dates[-1].date()}"
