"""CPU seconds of a sweep's chunk statistics: each chunk's work beyond simulating its paths.

A chunk of `pipeline.sweep` simulates its equity paths (``_simulate``) and reduces them to its
table rows and return shape: returns, metrics, moments, PBO block sums, the rows. This times
both in one `sweep()` of `bench/switch_scale.CLI_GRID` (11,875 ``hartnett_switch``
combinations; ``GRID``, 2,535; or ``MEMORY_GRID``, 55,566 ``main_street``) on one worker,
after a 1-combination sweep (compiled code loaded), by wrapping the two functions, and prints
the chunks' seconds, the simulation's and their difference (the statistics). It wraps only
names every commit since the sweep's chunks have, so the same script measures two checkouts:

    taskset -c 1 .venv/bin/python bench/chunk_statistics.py --grid cli
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pipeline.sweep as sweep_module
from bench.grids import BASE, END, START
from bench.switch_scale import CLI_GRID, GRID, MEMORY_GRID
from pipeline.config import build_config
from pipeline.sweep import Axis, parse_axis, sweep

GRIDS = {
    "grid": ("hartnett_switch", GRID),
    "cli": ("hartnett_switch", CLI_GRID),
    "memory": ("main_street", MEMORY_GRID),
}


def _timed(function: Callable[..., Any], seconds: list[float]) -> Callable[..., Any]:
    """``function``, adding the CPU seconds of each call to ``seconds[0]``."""

    def timed(*args: Any) -> Any:
        start = time.process_time()
        try:
            return function(*args)
        finally:
            seconds[0] += time.process_time() - start

    return timed


def main(argv: list[str] | None = None) -> None:
    """Print the grid's size and the chunks', simulation's and statistics' CPU seconds as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=tuple(GRIDS), default="cli")
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data"))
    args = parser.parse_args(argv)
    strategy, grid = GRIDS[args.grid]
    config = build_config(
        strategy, BASE, data=f"csv:{args.data}", start=START, end=END, allow_partial=True
    )
    axes = [parse_axis(text) for text in grid]
    sweep(config, [Axis(axes[0].key, axes[0].values[:1])], workers=1)  # compiled and loaded
    chunks, simulation = [0.0], [0.0]
    sweep_module._run_chunk = _timed(sweep_module._run_chunk, chunks)  # type: ignore[assignment]
    sweep_module._simulate = _timed(sweep_module._simulate, simulation)  # type: ignore[assignment]
    count = len(sweep(config, axes, workers=1).table)
    print(
        json.dumps(
            {
                "grid": args.grid,
                "combinations": count,
                "chunks": round(chunks[0], 3),
                "simulation": round(simulation[0], 3),
                "statistics": round(chunks[0] - simulation[0], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
