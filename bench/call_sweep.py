"""A sweep over a call's parameter against the same sweep of the built-in strategy.

hartnett_switch's sell_above x buy_below x max_hold grid (``--combinations`` about 120) through
`pipeline.sweep.sweep`, once on the built-in strategy (``strategy.sell_above``) and once on
configs/calls/hartnett.yaml (``strategy.params.sell_above``), same data and settings, after a
warm-up of each; round-robin repeats, the median kept. The two tables must agree to the bit
(the call reproduces the strategy); the ratio call / built-in is the figure the issue bounds
(at most 1.5). Prints the table; writes ``call_sweep.json`` to ``--out``.

    .venv/bin/python bench/call_sweep.py            # about a minute on 2 cores
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project is not installed

from pipeline.config import build_config  # noqa: E402
from pipeline.sweep import Axis, sweep  # noqa: E402

DATA = f"csv:{ROOT.parent / 'shared' / 'data'}"
SETTINGS = {"data": DATA, "start": date(2006, 1, 3), "allow_partial": True}
CALL = str(ROOT / "configs" / "calls" / "hartnett.yaml")


def _axes(prefix: str, count: int) -> list[Axis]:
    side = max(2, round(count ** (1 / 3)))
    return [
        Axis(f"{prefix}sell_above", tuple(np.linspace(6.0, 9.0, side).round(6))),
        Axis(f"{prefix}buy_below", tuple(np.linspace(1.0, 3.0, side).round(6))),
        Axis(f"{prefix}max_hold", tuple(float(v) for v in np.linspace(21, 126, side).round())),
    ]


def main() -> None:
    """Time both sweeps and print their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=125)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    ways = {
        "hartnett_switch": (build_config("hartnett_switch", [], **SETTINGS), "strategy."),
        "call hartnett.yaml": (
            build_config("call", [f"strategy.file={CALL}"], **SETTINGS),
            "strategy.params.",
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    tables = {}
    for name, (config, prefix) in ways.items():  # warm-up: numba, the market's cache
        tables[name] = sweep(config, _axes(prefix, args.combinations)).table
    for _ in range(args.repeat):
        for name, (config, prefix) in ways.items():
            began = time.perf_counter()
            sweep(config, _axes(prefix, args.combinations))
            times[name].append(time.perf_counter() - began)
    builtin, call = (tables[name].iloc[:, 3:].select_dtypes("number").to_numpy() for name in ways)
    same = bool(np.array_equal(builtin, call, equal_nan=True))
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["call hartnett.yaml"] / medians["hartnett_switch"]
    combinations = len(tables["hartnett_switch"])
    print(f"{combinations} combinations, median of {args.repeat}")
    for name, seconds in medians.items():
        print(f"  {name:<20} {seconds:7.2f} s  {combinations / seconds:7.1f} per s")
    print(f"  call / built-in      {ratio:7.2f}x  (bound: 1.5x); tables equal: {same}")
    args.out.mkdir(parents=True, exist_ok=True)
    facts = {
        "machine": platform.platform(),
        "combinations": combinations,
        "seconds": medians,
        "ratio": ratio,
        "tables_equal": same,
    }
    (args.out / "call_sweep.json").write_text(json.dumps(facts, indent=2) + "\n")


if __name__ == "__main__":
    main()
