r"""Cold start: wall-clock of ``run_backtest.py`` with an empty numba cache, then with it warm.

Every run is a subprocess from the project root, as a user types it::

    .venv/bin/python run_backtest.py --strategy main_street --data csv:../shared/data \\
        --start 2014-10-01 --end 2026-05-04 --no-report --out <tmp>

with ``NUMBA_CACHE_DIR`` pointed at a new empty folder for the cold run and at that same folder
for the warm runs that follow (so nothing the project's ``__pycache__`` folders hold is used).
The same again with the report (figures and report.html). Then the worst case of a fresh machine:
the numba cache, matplotlib's font cache (``MPLCONFIGDIR``) and Python's bytecode
(``PYTHONPYCACHEPREFIX``) all empty. And, as the floor, ``import pipeline.run`` alone, and the
project's imports timed inside the interpreter against ``import vectorbt`` alone and ``numpy``,
``pandas`` and ``numba`` alone. Last, what
a reader of the note waits for: ``--signals-now`` on the note's preset against the full run of
the same preset (warm caches), with and without the report; and a first sweep
(``hartnett_switch``, 540 combinations, no report) on an empty numba cache, then warm.

The project's loop (`simulation.kernel`, ``cache=True``) is what compiles; vectorbt's own kernels
compile lazily, only when called, and a run calls none. The OS file cache stays warm.

    .venv/bin/python bench/coldstart.py            # each case 3 times, about 3 minutes
    .venv/bin/python bench/coldstart.py --quick    # each case once, about 1 minute
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
"""The interpreter running the bench runs the project: any with its requirements."""
RUN = ["run_backtest.py", "--strategy", "main_street", "--data", "csv:../shared/data"]
DATES = ["--start", "2014-10-01", "--end", "2026-05-04"]


def timed_run(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall-clock seconds, exit status and last stderr line of one subprocess."""
    began = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    errors = done.stderr.strip().splitlines()
    return seconds, done.returncode, errors[-1] if errors else ""


def folder_size(folder: Path) -> tuple[int, int]:
    """Files and bytes under ``folder``."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def series(report: bool, repeat: int, scratch: Path, everything_cold: bool = False) -> dict:
    """``repeat`` times: a new empty cache folder, a cold run on it, then a warm run."""
    cold, warm, statuses, cache = [], [], [], (0, 0)
    for attempt in range(repeat):
        folder = Path(tempfile.mkdtemp(prefix=f"cache{attempt}-", dir=scratch))
        env = {**os.environ, "NUMBA_CACHE_DIR": str(folder / "numba")}
        if everything_cold:  # and bytecode written, as on a user's machine
            env |= {"MPLCONFIGDIR": str(folder / "mpl"), "PYTHONPYCACHEPREFIX": str(folder / "pyc")}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        out = folder / "results"
        argv = [str(PYTHON), *RUN, *DATES, *([] if report else ["--no-report"]), "--out", str(out)]
        seconds, status, _ = timed_run(argv, env)
        cold.append(seconds)
        statuses.append(status)
        cache = folder_size(folder / "numba")
        seconds, status, _ = timed_run(argv, env)
        warm.append(seconds)
        statuses.append(status)
    return {
        "report": report,
        "everything_cold": everything_cold,
        "cold_seconds": cold,
        "warm_seconds": warm,
        "cold_median": statistics.median(cold),
        "warm_median": statistics.median(warm),
        "exit_statuses": sorted(set(statuses)),
        "numba_cache_after_cold": {"files": cache[0], "bytes": cache[1]},
        "command": " ".join(["python", *argv[1:-1], "<tmp>"]),
    }


def import_floor(repeat: int, scratch: Path) -> dict[str, Any]:
    """``import pipeline.run`` alone, on an empty numba cache then on the same one again."""
    cold, warm = [], []
    for attempt in range(repeat):
        env = {**os.environ, "NUMBA_CACHE_DIR": str(scratch / f"imports{attempt}")}
        cold.append(timed_run([str(PYTHON), "-c", "import pipeline.run"], env)[0])
        warm.append(timed_run([str(PYTHON), "-c", "import pipeline.run"], env)[0])
    return {
        "cold_seconds": cold,
        "warm_seconds": warm,
        "cold_median": statistics.median(cold),
        "warm_median": statistics.median(warm),
    }


IMPORT_RUN = "import backtester, pipeline.run, reporting.run_dir, run_backtest"
"""What ``run_backtest.py`` imports before it runs anything (numba may load more from its cache)."""


def seconds_to_import(statement: str, env: dict[str, str]) -> float:
    """Seconds ``statement`` takes in a fresh interpreter, timed inside it."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    done = subprocess.run([str(PYTHON), "-c", code], cwd=ROOT, env=env, capture_output=True)
    return float(done.stdout.decode().strip())


def imports_in_a_run(repeat: int, scratch: Path) -> dict[str, Any]:
    """The project's imports in a run, against ``import vectorbt`` alone and the bare floor.

    The run imports vectorbt's order executor only (`simulation.vectorbt_orders`); the peer is the
    whole library, which a run imported before. ``numpy``, ``pandas`` and ``numba`` alone are
    the floor no project can go below. And whether a whole warm ``--no-report`` run (numba's
    cache loads included) ever imports the whole of vectorbt.
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": str(scratch / "imports-numba")}
    argv = [str(PYTHON), *RUN, *DATES, "--no-report", "--out", str(scratch / "imports")]
    timed_run(argv, env)  # fills the numba cache
    repeat = max(repeat, 5)
    figures = {
        label: [seconds_to_import(statement, env) for _ in range(repeat)]
        for label, statement in {
            "project": IMPORT_RUN,
            "import vectorbt": "import vectorbt",
            "numpy, pandas, numba": "import numpy, pandas, numba",
        }.items()
    }
    traced = subprocess.run(
        [str(PYTHON), "-X", "importtime", *argv[1:]], cwd=ROOT, env=env, capture_output=True
    )
    return {
        "statement": IMPORT_RUN,
        "seconds": figures,
        "medians": {label: statistics.median(seconds) for label, seconds in figures.items()},
        "whole_vectorbt_imported_in_run": b"vectorbt.portfolio.base" in traced.stderr,
    }


def signals_now_against_a_run(repeat: int, scratch: Path) -> dict[str, Any]:
    """``--signals-now`` of ``configs/hartnett.yaml`` against its full run, warm caches."""
    preset = [str(PYTHON), "run_backtest.py", "--config", "configs/hartnett.yaml"]
    preset += ["--data", "csv:../shared/data", "--out", str(scratch / "preset")]
    cases = {
        "--signals-now": [*preset, "--signals-now"],
        "full run, --no-report": [*preset, "--no-report"],
        "full run with report": preset,
    }
    env = {**os.environ, "NUMBA_CACHE_DIR": str(scratch / "preset-numba")}
    timed_run(cases["full run, --no-report"], env)  # fills the numba cache
    figures = {}
    for label, argv in cases.items():
        seconds = [timed_run(argv, env)[0] for _ in range(repeat)]
        figures[label] = {"seconds": seconds, "median": statistics.median(seconds)}
    return figures


SWEEP = [
    *("run_backtest.py", "--strategy", "hartnett_switch", "--data", "csv:../shared/data"),
    *("--start", "2010-01-01", "--end", "2026-05-04", "--allow-partial", "--no-report"),
    *("--sweep", "strategy.sell_above=6:9:0.5", "--sweep", "strategy.buy_below=1:3.5:0.5"),
    *("--sweep", "strategy.max_hold=0:126:9"),
]
"""A first sweep: 7 x 6 x 15 = 630 combinations of the switching strategy's thresholds."""


def first_sweep(repeat: int, scratch: Path) -> dict[str, Any]:
    """The sweep `SWEEP` on an empty numba cache, then on that cache again."""
    cold, warm = [], []
    for attempt in range(repeat):
        env = {**os.environ, "NUMBA_CACHE_DIR": str(scratch / f"sweep-numba{attempt}")}
        argv = [str(PYTHON), *SWEEP, "--out", str(scratch / "sweeps")]
        cold.append(timed_run(argv, env)[0])
        warm.append(timed_run(argv, env)[0])
    return {
        "command": " ".join(["python", *SWEEP]),
        "combinations": 630,
        "cold_seconds": cold,
        "warm_seconds": warm,
        "cold_median": statistics.median(cold),
        "warm_median": statistics.median(warm),
    }


def main(argv: list[str] | None = None) -> None:
    """Time the runs, print a table and write ``coldstart.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="cold+warm pairs, new cache each (3; quick 1)")
    parser.add_argument("--quick", action="store_true", help="each case once")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="JSON dir")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    began, load = time.perf_counter(), os.getloadavg()
    print(f"load average at start (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        scratch = Path(tmp)
        floor = import_floor(repeat, scratch)
        imports = imports_in_a_run(repeat, scratch)
        runs = {
            "no report": series(False, repeat, scratch),
            "with report": series(True, repeat, scratch),
            "with report, all caches empty": series(True, repeat, scratch, everything_cold=True),
        }
        now = signals_now_against_a_run(repeat, scratch)
        swept = first_sweep(repeat, scratch)
    print(f"{'run_backtest.py main_street 2014-10..2026-05':<46}{'cold s':>8}{'warm s':>8}  cache")
    label = "imports only: python -c 'import pipeline.run'"
    print(f"{label:<46}{floor['cold_median']:>8.2f}{floor['warm_median']:>8.2f}")
    medians = imports["medians"]
    print(
        f"the project's imports: {medians['project']:.2f} s (import vectorbt alone"
        f" {medians['import vectorbt']:.2f} s; numpy, pandas and numba alone"
        f" {medians['numpy, pandas, numba']:.2f} s); a run imports the whole of vectorbt:"
        f" {imports['whole_vectorbt_imported_in_run']}"
    )
    for label, figures in runs.items():
        cache = figures["numba_cache_after_cold"]
        print(
            f"{label:<46}{figures['cold_median']:>8.2f}{figures['warm_median']:>8.2f}"
            f"  {cache['files']} files, {cache['bytes'] / 1e6:.1f} MB"
            + ("" if figures["exit_statuses"] == [0] else f"  exit {figures['exit_statuses']}")
        )
    print(f"{'configs/hartnett.yaml (warm caches)':<46}{'s':>8}  ratio to --signals-now")
    for label, figures in now.items():
        ratio = figures["median"] / now["--signals-now"]["median"]
        print(f"{label:<46}{figures['median']:>8.2f}  {ratio:.2f}")
    label = f"first sweep, {swept['combinations']} hartnett_switch combinations"
    print(f"{label:<46}{swept['cold_median']:>8.2f}{swept['warm_median']:>8.2f}")
    sys.path.insert(0, str(Path(__file__).parent))
    from sweep import describe_machine  # after the runs: it imports the whole project

    report = {
        "benchmark": "coldstart",
        "repeat": repeat,
        "note": "wall-clock seconds, medians over repeats; warm: the cold run's cache again",
        "imports_only": floor,
        "imports_in_a_run": imports,
        "runs": runs,
        "signals_now_against_a_run": now,
        "first_sweep": swept,
        "total_seconds": time.perf_counter() - began,
        "load_average_at_start": load,
        "load_average_at_end": os.getloadavg(),
        **describe_machine(["numpy", "pandas", "numba", "vectorbt", "matplotlib"]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / ("coldstart-quick.json" if args.quick else "coldstart.json")
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"total {report['total_seconds']:.0f} s; wrote {path}")


if __name__ == "__main__":
    main()
