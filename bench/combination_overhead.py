"""CPU seconds of one `sweep()` of a bench grid on one worker: the per-combination cost.

The grids of `bench/switch_scale.py` (``GRID``, 2,535 ``hartnett_switch`` combinations,
``CLI_GRID``, 11,875, or ``MEMORY_GRID``, 55,566 ``main_street``) on its dates and costs
(`bench/grids.py`), ``workers=1`` so every step is in this process's CPU time; data load
included, numba compiled and loaded first. One sweep a process, so no cache of an earlier sweep
helps: to compare two checkouts, run each in turn from its own folder.

    taskset -c 1 .venv/bin/python bench/combination_overhead.py --grid cli
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.grids import BASE, END, START
from bench.switch_scale import CLI_GRID, GRID, MEMORY_GRID
from pipeline.config import build_config
from pipeline.sweep import parse_axis, sweep

GRIDS = {
    "grid": ("hartnett_switch", GRID),
    "cli": ("hartnett_switch", CLI_GRID),
    "memory": ("main_street", MEMORY_GRID),
}


def main(argv: list[str] | None = None) -> None:
    """Print the grid's size and the sweep's CPU and wall seconds as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=tuple(GRIDS), default="grid")
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data"))
    args = parser.parse_args(argv)
    strategy, grid = GRIDS[args.grid]
    config = build_config(
        strategy, BASE, data=f"csv:{args.data}", start=START, end=END, allow_partial=True
    )
    axes = [parse_axis(text) for text in grid]
    sweep(config, [axes[0]], workers=1)  # compiled and loaded
    cpu, wall = time.process_time(), time.perf_counter()
    count = len(sweep(config, axes, workers=1).table)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"grid": args.grid, "combinations": count, "cpu": cpu, "wall": wall}))


if __name__ == "__main__":
    main()
