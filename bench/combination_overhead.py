"""CPU seconds of one `sweep()` of a bench grid on one worker: the per-combination cost.

The grids of `bench/switch_scale.py` (``GRID``, 2,535 ``hartnett_switch`` combinations,
``CLI_GRID``, 11,875, or ``MEMORY_GRID``, 55,566 ``main_street``) on its dates and costs
(`bench/grids.py`), ``workers=1`` so every step is in this process's CPU time; data load
included, numba compiled and loaded first. Besides the whole sweep's CPU and wall seconds it
prints its chunks' CPU seconds, the simulation's (``_simulate``) and their difference, the chunk
statistics (returns, metrics, moments, PBO block sums, rows), by wrapping two functions every
commit since the chunks has. One sweep a process, so no cache of an earlier sweep helps: to
compare two checkouts, run each in turn from its own folder.

    taskset -c 1 .venv/bin/python bench/combination_overhead.py --grid cli
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
    """Print the grid's size, the sweep's CPU and wall seconds and its chunks' split as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=tuple(GRIDS), default="grid")
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
    cpu, wall = time.process_time(), time.perf_counter()
    count = len(sweep(config, axes, workers=1).table)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        json.dumps(
            {
                "grid": args.grid,
                "combinations": count,
                "cpu": round(cpu, 3),
                "wall": round(wall, 3),
                "chunks": round(chunks[0], 3),
                "simulation": round(simulation[0], 3),
                "statistics": round(chunks[0] - simulation[0], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
