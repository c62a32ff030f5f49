"""Sweep throughput by executor: the local one against Dask clusters of 1 and 2 worker processes.

The ``main_street`` grid of ``bench/sweep.py`` (about ``--combinations`` combinations, real
daily prices 2006-2026, monthly rebalancing, 2 bps fees) runs through `pipeline.sweep.sweep` on
each executor, end to end (data load and metrics included), after a warm-up sweep on the same
executor (numba kernels loaded on every worker). A cluster's start-up is not timed; each table
is checked identical to the local one. Needs ``requirements-dask.txt``.

    .venv/bin/python bench/dask_sweep.py       # about a minute on 2 cores
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from dask.distributed import Client, LocalCluster

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project is not installed

from bench.grids import Case, make_case  # noqa: E402
from pipeline.executors import DaskExecutor, LocalExecutor  # noqa: E402
from pipeline.sweep import Axis, sweep  # noqa: E402


@contextmanager
def cluster(workers: int) -> Iterator[DaskExecutor]:
    """A loopback cluster of ``workers`` single-threaded processes, as ``--executor dask``."""
    with (
        LocalCluster(
            host="127.0.0.1",
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as local,
        Client(local) as client,
    ):
        yield DaskExecutor(client)


def timed(case: Case, executor: Any, chunk_size: int, repeat: int) -> tuple[float, pd.DataFrame]:
    """The median seconds of ``repeat`` sweeps after one small warm-up, and the last table."""
    warm = [Axis(axis.key, axis.values[:2]) for axis in case.axes]
    sweep(case.config, warm, chunk_size=4, executor=executor)
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        table = sweep(case.config, case.axes, chunk_size=chunk_size, executor=executor).table
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), table


def main(argv: list[str] | None = None) -> None:
    """Time each executor and print combinations a second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=1000, help="grid size (1000)")
    parser.add_argument("--chunk-size", type=int, default=128, help="combinations a task (128)")
    parser.add_argument("--repeat", type=int, default=3, help="timings each, median kept (3)")
    parser.add_argument("--data", default=str((ROOT / "../shared/data").resolve()), help="CSVs")
    args = parser.parse_args(argv)
    case = make_case("main_street", args.combinations, f"csv:{args.data}")
    total = len(case.grid)
    print(f"main_street: {total} combinations, chunks of {args.chunk_size}, {os.cpu_count()} CPUs")
    print(f"load average at start: {os.getloadavg()}")
    local_seconds, expected = timed(case, LocalExecutor(), args.chunk_size, args.repeat)
    print(f"{'local':<16}{local_seconds:8.2f} s {total / local_seconds:10,.0f} comb/s")
    for workers in (1, 2):
        with cluster(workers) as executor:
            seconds, table = timed(case, executor, args.chunk_size, args.repeat)
        pd.testing.assert_frame_equal(table, expected, rtol=0, atol=0)
        label = f"dask, {workers} worker{'s' if workers > 1 else ''}"
        print(f"{label:<16}{seconds:8.2f} s {total / seconds:10,.0f} comb/s  (table identical)")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
