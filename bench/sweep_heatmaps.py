"""CPU seconds of a sweep's 12 heatmaps built and rendered in one process (no figure cache).

A constructed sweep table of four keys with 21 values each (194,481 rows; a corner ruined),
so its report draws 6 pairs x 2 metrics = 12 heatmaps of 21 x 21 cells, as a 55,566-combination
sweep's does. Each round builds and renders (`png_bytes`) the 12 heatmaps; ``--against FILE``
loads another checkout's ``reporting/sweep_figures.py`` under another name and alternates its
rounds with this checkout's, in the same process and minute. ``--png DIR`` writes its PNGs.

    .venv/bin/python bench/sweep_heatmaps.py --rounds 5 --against /tmp/base/sweep_figures.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import reporting.sweep_figures as sweep_figures_module
from bench.against import module_at
from reporting.figures import png_bytes

KEYS = (
    "strategy.long_weight",
    "strategy.small_caps_share",
    "strategy.short_weight",
    "strategy.tech_share",
)


def sweep_table(values: int = 21) -> tuple[pd.DataFrame, dict[str, float]]:
    """A sweep table over `KEYS` (``values`` each) with smooth metrics, and its best row."""
    axes = [np.linspace(0.1, 1.0, values) for _ in KEYS]
    table = pd.DataFrame(list(itertools.product(*axes)), columns=list(KEYS))
    x = table.to_numpy()
    sharpe = 0.9 - ((x - np.array([0.8, 0.4, 0.3, 0.6])) ** 2).sum(axis=1)
    table["sharpe"] = sharpe + 0.01 * np.sin(37.0 * x.sum(axis=1))
    table["cagr_vs_6040"] = (table["sharpe"] - 0.5) / 25
    table["ruined_on"] = np.where((x[:, 0] > 0.95) & (x[:, 2] > 0.9), "2020-03-16", "")
    table.loc[table["ruined_on"] != "", ["sharpe", "cagr_vs_6040"]] = np.nan
    best = table.loc[table["sharpe"].idxmax(), list(KEYS)]
    return table, {key: float(value) for key, value in best.items()}


def one_round(
    module: ModuleType, table: pd.DataFrame, best: dict[str, float]
) -> tuple[float, float]:
    """CPU seconds to build, then to render, every heatmap ``module`` makes of ``table``."""
    start = time.process_time()
    figures = [figure.figure.build() for figure in module.sweep_figures(table, best, False)]
    built = time.process_time()
    for figure in figures:
        png_bytes(figure)
    return built - start, time.process_time() - built


def main(argv: list[str] | None = None) -> None:
    """Print each checkout's median CPU seconds (all, build, render) and every round as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", help="another checkout's reporting/sweep_figures.py")
    parser.add_argument("--png", type=Path, help="write this checkout's PNGs here")
    args = parser.parse_args(argv)
    table, best = sweep_table()
    modules = {"this": sweep_figures_module}
    if args.against:
        modules["against"] = module_at(args.against, "other_sweep_figures")
    for module in modules.values():  # fonts, caches and imports warm before the first round
        one_round(module, table, best)
    seconds: dict[str, list[tuple[float, float]]] = {name: [] for name in modules}
    for _ in range(args.rounds):
        for name, module in modules.items():
            seconds[name].append(one_round(module, table, best))
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
        for figure in sweep_figures_module.sweep_figures(table, best, synthetic=False):
            (args.png / figure.file).write_bytes(png_bytes(figure.figure.build()))
    report = {
        name: {
            "median_cpu_s": round(statistics.median(b + r for b, r in runs), 3),
            "median_build_s": round(statistics.median(b for b, _ in runs), 3),
            "median_render_s": round(statistics.median(r for _, r in runs), 3),
            "rounds": [round(b + r, 3) for b, r in runs],
        }
        for name, runs in seconds.items()
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
