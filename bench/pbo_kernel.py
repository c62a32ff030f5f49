"""The PBO's compiled kernel (`analytics.overfitting._cscv_logits`), against another checkout's.

At the end of a sweep the PBO ranks every trial under each chosen split of the blocks: 1,000
sampled splits (8 of 16 blocks in sample) x 55,566 trials for the largest ``main_street`` grid.
This times the kernel on random block sums at three sizes (splits x trials: 1,000 x 55,566,
12,870 x 500, 2,000 x 11,875); with ``--against FILE`` (another checkout's
``analytics/overfitting.py``) that one's kernel too, alternating in one process after a warm-up
of each, and the logits must agree to the bit. The median of ``--repeat`` is kept, on numba's
threads (one a core, as a sweep's PBO runs) and on one thread (the figure least moved by a busy
neighbour on the machine). Prints a table; writes ``pbo_kernel.json`` to ``--out``.

    git show 9de3c35:analytics/overfitting.py > /tmp/base_overfitting.py
    .venv/bin/python bench/pbo_kernel.py --against /tmp/base_overfitting.py   # about 2 minutes
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project is not installed

from analytics.overfitting import _cscv_logits  # noqa: E402
from bench.against import module_at  # noqa: E402

SIZES = ((1_000, 55_566), (12_870, 500), (2_000, 11_875))
"""Splits x trials: the 55,566-combination sweep's sample, every split of 500, a middle size."""
N_SPLITS, BLOCK_LEN = 16, 319  # 5,115 daily bars (2006-2026) in 16 blocks


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


def time_size(
    n_rows: int, n_trials: int, repeat: int, threads: int, against: Callable[..., np.ndarray] | None
) -> dict[str, object]:
    """Seconds of each kernel at one size on ``threads``, alternating which runs first."""
    args = (chosen_splits(n_rows), *block_sums(n_trials), BLOCK_LEN * N_SPLITS // 2)
    kernels: dict[str, Callable[..., np.ndarray]] = {"project": _cscv_logits}
    if against is not None:
        kernels["against"] = against
    numba.set_num_threads(threads)
    logits = {name: kernel(*args) for name, kernel in kernels.items()}  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in kernels}
    for attempt in range(repeat):
        for name in list(kernels)[:: 1 if attempt % 2 == 0 else -1]:
            began = time.perf_counter()
            kernels[name](*args)
            seconds[name].append(time.perf_counter() - began)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    found: dict[str, object] = {
        "splits": n_rows,
        "trials": n_trials,
        "threads": threads,
        "seconds": seconds,
        "median_seconds": medians,
    }
    if against is not None:
        found["project_over_against"] = medians["project"] / medians["against"]
        found["identical"] = bool(np.array_equal(logits["project"], logits["against"]))
    return found


def main(argv: list[str] | None = None) -> None:
    """Time the kernel (and ``--against``'s) at every size; print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--against", help="another checkout's analytics/overfitting.py")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    against = module_at(args.against, "other_overfitting")._cscv_logits if args.against else None
    load = os.getloadavg()
    print(f"load average at start (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    header = f"{'splits':>7} {'trials':>7} {'threads':>7} {'project s':>9} {'against s':>9}"
    print(f"{header} {'ratio':>6}  identical")
    sizes = []
    for n_rows, n_trials in SIZES:
        for threads in sorted({numba.config.NUMBA_NUM_THREADS, 1}, reverse=True):
            size = time_size(n_rows, n_trials, args.repeat, threads, against)
            median = size["median_seconds"]
            line = f"{n_rows:>7,} {n_trials:>7,} {threads:>7} {median['project']:>9.3f}"
            if against is not None:
                ratio, same = size["project_over_against"], size["identical"]
                line += f" {median['against']:>9.3f} {ratio:>6.2f}  {same}"
            print(line)
            sizes.append(size)
    print(f"load average at end: {os.getloadavg()}")
    facts = {
        "benchmark": "pbo_kernel",
        "repeat": args.repeat,
        "against": args.against,
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
