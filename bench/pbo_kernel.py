"""The PBO's compiled kernel (`analytics.overfitting._cscv_logits`) before and after tiling.

At the end of a sweep the PBO ranks every trial under each chosen split of the blocks: 1,000
sampled splits (8 of 16 blocks in sample) x 55,566 trials for the largest ``main_street`` grid.
This times the kernel on random block sums at three sizes (splits x trials: 1,000 x 55,566,
12,870 x 500, 2,000 x 11,875), the project's kernel against `cscv_logits_before`, a copy of the
kernel before the tiles (one pass over every trial per split, the blocks read with a stride),
alternating in one process after a warm-up of each; the median of ``--repeat`` is kept, on
numba's threads (one a core, as a sweep's PBO runs) and on one thread (the figure least moved
by a busy neighbour on the machine). The logits must agree to the bit. Prints a table; writes
``pbo_kernel.json`` to ``--out``.

    .venv/bin/python bench/pbo_kernel.py            # about two minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project is not installed

from analytics.overfitting import _cscv_logits  # noqa: E402

SIZES = ((1_000, 55_566), (12_870, 500), (2_000, 11_875))
"""Splits x trials: the 55,566-combination sweep's sample, every split of 500, a middle size."""
N_SPLITS, BLOCK_LEN = 16, 319  # 5,115 daily bars (2006-2026) in 16 blocks


@njit(cache=True, parallel=True)
def cscv_logits_before(
    chosen: np.ndarray,
    sums: np.ndarray,
    squares: np.ndarray,
    centre: np.ndarray,
    flat: np.ndarray,
    half: int,
) -> np.ndarray:
    """The kernel as it was (9de3c35's ``_cscv_logits``): the "before" peer, nothing else."""
    n_splits, n_trials = sums.shape
    total_sums, total_squares = np.zeros(n_trials), np.zeros(n_trials)
    for block in range(n_splits):
        for trial in range(n_trials):
            total_sums[trial] += sums[block, trial]
            total_squares[trial] += squares[block, trial]
    logits = np.empty(len(chosen))
    for row in prange(len(chosen)):
        outside = np.empty(n_trials)
        winner, best = 0, -np.inf
        for trial in range(n_trials):
            in_sum, in_square = 0.0, 0.0
            for block in chosen[row]:
                in_sum += sums[block, trial]
                in_square += squares[block, trial]
            inside = _block_sharpe_before(in_sum, in_square, centre[trial], flat[trial], half)
            if inside > best:
                winner, best = trial, inside
            outside[trial] = _block_sharpe_before(
                total_sums[trial] - in_sum, total_squares[trial] - in_square,
                centre[trial], flat[trial], half,
            )  # fmt: skip
        score, below, level = outside[winner], 0, 0
        for trial in range(n_trials):
            below += outside[trial] < score
            level += outside[trial] == score
        omega = (below + (level + 1) / 2.0) / (n_trials + 1)
        logits[row] = np.log(omega / (1.0 - omega))
    return logits


@njit(cache=True)
def _block_sharpe_before(
    total: float, square: float, centre: float, flat: float, n_obs: int
) -> float:
    """The per-period Sharpe of `cscv_logits_before`, as it was."""
    variance = (square - total**2 / n_obs) / (n_obs - 1)
    if variance > flat**2:
        return (total / n_obs + centre) / np.sqrt(variance)
    return 0.0


def block_sums(n_trials: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Random block sums and squares of ``n_trials`` trials shaped like a sweep's.

    Daily returns of about 1% a day; one trial in 97 flat (in cash); a tenth of the trials
    copies of others (a sweep's grid has many combinations that trade alike), so ties occur.
    """
    rng = np.random.default_rng(seed)
    shape = (N_SPLITS, n_trials)
    sums = rng.normal(0.0, 0.01 * np.sqrt(BLOCK_LEN), shape)
    squares = sums**2 / BLOCK_LEN + BLOCK_LEN * 1e-4 * rng.uniform(0.5, 2.0, shape)
    centre = rng.normal(0.0, 1e-4, n_trials)
    sums[:, ::97], squares[:, ::97] = 0.0, 0.0
    copies = rng.integers(0, n_trials, size=(2, n_trials // 20))
    sums[:, copies[0]], squares[:, copies[0]] = sums[:, copies[1]], squares[:, copies[1]]
    centre[copies[0]] = centre[copies[1]]
    return sums, squares, centre, np.full(n_trials, 1e-12)


def chosen_splits(n_rows: int) -> np.ndarray:
    """``n_rows`` of the in-sample choices, drawn as `pbo_of_blocks` samples them (seed 0)."""
    chosen = np.array(list(combinations(range(N_SPLITS), N_SPLITS // 2)), dtype=np.int64)
    if n_rows < len(chosen):
        picked = np.random.default_rng(0).choice(len(chosen), size=n_rows, replace=False)
        chosen = np.ascontiguousarray(chosen[np.sort(picked)])
    return chosen


def time_size(n_rows: int, n_trials: int, repeat: int, threads: int) -> dict[str, object]:
    """Seconds of each kernel at one size on ``threads``, alternating which runs first."""
    args = (chosen_splits(n_rows), *block_sums(n_trials), BLOCK_LEN * N_SPLITS // 2)
    kernels: dict[str, Callable[..., np.ndarray]] = {
        "before": cscv_logits_before,
        "after": _cscv_logits,
    }
    numba.set_num_threads(threads)
    logits = {name: kernel(*args) for name, kernel in kernels.items()}  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in kernels}
    for attempt in range(repeat):
        for name in list(kernels)[:: 1 if attempt % 2 == 0 else -1]:
            began = time.perf_counter()
            kernels[name](*args)
            seconds[name].append(time.perf_counter() - began)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        "splits": n_rows,
        "trials": n_trials,
        "threads": threads,
        "seconds": seconds,
        "median_seconds": medians,
        "speedup": medians["before"] / medians["after"],
        "identical": bool(np.array_equal(logits["before"], logits["after"])),
    }


def main(argv: list[str] | None = None) -> None:
    """Time both kernels at every size; print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"load average at start (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    header = f"{'splits':>7} {'trials':>7} {'threads':>7} {'before s':>9} {'after s':>8}"
    print(f"{header} {'speedup':>8}  identical")
    sizes = []
    for n_rows, n_trials in SIZES:
        for threads in sorted({numba.config.NUMBA_NUM_THREADS, 1}, reverse=True):
            size = time_size(n_rows, n_trials, args.repeat, threads)
            median = size["median_seconds"]
            print(
                f"{n_rows:>7,} {n_trials:>7,} {threads:>7} {median['before']:>9.3f} "
                f"{median['after']:>8.3f} {size['speedup']:>7.2f}x  {size['identical']}"
            )
            sizes.append(size)
    print(f"load average at end: {os.getloadavg()}")
    facts = {
        "benchmark": "pbo_kernel",
        "repeat": args.repeat,
        "sizes": sizes,
        "load_average_at_start": load,
        "load_average_at_end": os.getloadavg(),
        "machine": platform.platform(),
        "cpu_count": os.cpu_count(),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "versions": {"numpy": np.__version__, "numba": numba.__version__},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pbo_kernel.json").write_text(json.dumps(facts, indent=2) + "\n")


if __name__ == "__main__":
    main()
