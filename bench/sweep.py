"""Sweep throughput: the project's `sweep()` against bt, vectorbt and a loop of `run()`.

Two grids on real daily prices (``../shared/data``), 2006-01-03 to 2026-05-04 (5,115 bars),
monthly rebalancing, 2 bps fees, the default borrow fees, partial legs allowed (bitcoin from
2014-09, its weight held in cash before):

- ``main_street``: long_weight x small_caps_share x short_weight x tech_share, about
  ``--combinations`` (1,000) combinations, 4 traded assets;
- ``hartnett_switch``: sell_above x buy_below x max_hold, about ``--switch-combinations`` (500),
  6 traded assets (plus the signals' inputs).

Each grid runs four ways in one process, on the same prices and dates: the project's
`pipeline.sweep.sweep` (every combination), vectorbt's ``Portfolio.from_orders`` (every
combination in one wide call), bt (a sample, one backtest each) and `pipeline.run.run` in a loop
(the same sample); sampled rates are extrapolated. Every way is warmed up first (numba kernels
loaded or compiled). Then the switching grid at scale (`bench/switch_scale.py`): 2,535
combinations in ``sweep()``, 11,875 through the command line end to end, and the kernel against a
minimal numba loop of the same arithmetic. Prints the tables; writes ``sweep.json``
(``sweep-quick.json``) to ``--out``.

    .venv/bin/python bench/sweep.py            # about 4 minutes on 2 cores
    .venv/bin/python bench/sweep.py --quick    # about 40 seconds
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import bt
import numpy as np
import pandas as pd
import vectorbt as vbt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project is not installed

from bench.grids import BASE, END, START, Case, make_case  # noqa: E402
from data import Market  # noqa: E402
from pipeline.config import RunConfig, build_config  # noqa: E402
from pipeline.run import prepare, run  # noqa: E402
from pipeline.sweep import Axis, sweep  # noqa: E402
from simulation import kernel  # noqa: E402
from simulation.simulate import order_book, period_ends  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import switch_scale  # noqa: E402
from history import with_history  # noqa: E402

BORROW_OFF = ("costs.borrow_bps.etf=0", "costs.borrow_bps.crypto=0")
SWEEP, LOOP, BT, VBT = "project sweep()", "project run() loop", "bt, one by one", "vectorbt, wide"


class PeakMemory:
    """Peak resident memory while a block runs, above the resident memory at its start (MB).

    On Linux the peak (``VmHWM``) is reset through ``/proc/self/clear_refs``, so every block
    gets its own peak, numba's and numpy's allocations included. Elsewhere it falls back to the
    rise of ``getrusage``'s ``ru_maxrss``, which only shows a block that beats every earlier one.
    """

    CLEAR = Path("/proc/self/clear_refs")
    METHOD = (
        "peak RSS (VmHWM, reset per measurement via /proc/self/clear_refs) minus RSS at start, "
        "after gc.collect() and malloc_trim(0)"
        if CLEAR.exists() and os.access(CLEAR, os.W_OK)
        else "getrusage ru_maxrss delta (a rise above the process's earlier peak only)"
    )

    def __init__(self) -> None:
        _release_free_memory()
        self.resettable = self.METHOD.startswith("peak RSS")
        if self.resettable:
            self.CLEAR.write_text("5")
            self.start = self._status("VmRSS")
        else:
            self.start = self._maxrss()

    def peak_mb(self) -> float:
        """The peak since the start, in MB above the start."""
        peak = self._status("VmHWM") if self.resettable else self._maxrss()
        return max(0.0, peak - self.start) / 1024.0

    @staticmethod
    def _status(key: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])  # kB
        raise KeyError(key)

    @staticmethod
    def _maxrss() -> float:
        import resource

        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # kB on Linux


def _release_free_memory() -> None:
    """Hand freed heap memory back to the OS (glibc), so a block cannot reuse it unseen."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def describe_machine(packages: list[str]) -> dict[str, Any]:
    """CPU, memory, Python, package versions and the project's commit (read only)."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpu_model": model,
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
            "platform": platform.platform(),
        },
        "versions": {
            "python": platform.python_version(),
            **{name: metadata.version(name) for name in packages},
        },
        "project": {
            "commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes": bool(git("status", "--porcelain")),
        },
    }


@dataclass
class Measured:
    """Repeated timings of one way of running a grid, its peak memory and its Sharpe ratios."""

    combinations: int
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    sim_seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    sharpe: np.ndarray = field(default_factory=lambda: np.array([]))

    @property
    def median(self) -> float:
        """Median wall-clock seconds over the repeats."""
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        """Combinations per second, end to end."""
        return self.combinations / self.median


def sharpe_of(equity: np.ndarray, periods_per_year: int) -> np.ndarray:
    """Sharpe of each column of ``equity`` (bars x portfolios) at a zero cash rate.

    The formula of `analytics.metrics.sharpe`: mean over std (ddof 1) of daily simple returns.
    """
    returns = equity[1:] / equity[:-1] - 1.0
    return returns.mean(axis=0) / returns.std(axis=0, ddof=1) * np.sqrt(periods_per_year)


def fill_targets(config: RunConfig, market: Market, columns: list[str]) -> np.ndarray:
    """Weights filled at each bar, NaN where none: the project's own targets and schedule."""
    prices = market.prices[columns]
    weights = config.strategy.target_weights(market).reindex(columns=columns, fill_value=0.0)
    ends = period_ends(pd.DatetimeIndex(prices.index), config.execution.rebalance)
    priced = prices.notna().to_numpy()
    bars, orders = order_book(weights.to_numpy(dtype=float), priced, ends, config.execution.lag)
    dense = np.full(priced.shape, np.nan)
    dense[bars] = orders
    return dense


@contextmanager
def timing(module: Any, name: str) -> Iterator[list[float]]:
    """Time every call of ``module.name`` while the block runs (seconds, one per call)."""
    spent: list[float] = []
    original = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - began)

    setattr(module, name, timed)
    try:
        yield spent
    finally:
        setattr(module, name, original)


def by_project_sweep(case: Case, config: RunConfig | None = None) -> tuple[np.ndarray, float]:
    """Every combination through `pipeline.sweep.sweep`; Sharpe ratios and kernel seconds."""
    with timing(kernel, "equity_paths") as spent:
        result = sweep(config or case.config, case.axes)
    return result.table["sharpe"].to_numpy(dtype=float), sum(spent)


def by_run_loop(case: Case, sample: list[int]) -> tuple[np.ndarray, float]:
    """Each sampled combination through `pipeline.run.run` (the full single run), one by one."""
    sharpe = [run(case.combination(i)).metrics["strategy"]["sharpe"] for i in sample]
    return np.array(sharpe), math.nan


class ZeroUnpriced(bt.Algo):
    """Weight 0 for an asset without a price today: bt refuses to allocate to a NaN price."""

    def __call__(self, target: Any) -> bool:
        """Replace the weights of unpriced assets with 0."""
        prices = target.universe.loc[target.now]
        weights = target.temp["weights"]
        target.temp["weights"] = {
            ticker: weight if np.isfinite(prices[ticker]) else 0.0
            for ticker, weight in weights.items()
        }
        return True


def bt_algos(case: Case, config: RunConfig, market: Market) -> tuple[list[Any], list[str]]:
    """The bt algos of one combination, and the tickers it trades.

    ``main_street``: RunMonthly, SelectAll, WeighSpecified (shorts as negative weights),
    ZeroUnpriced. ``hartnett_switch``: WeighTarget on the project's fill bars, because a regime
    change rebalances mid-month.
    """
    if case.name == "main_street":
        weights = config.strategy.weights_by_ticker(market.universe)
        algos = [bt.algos.RunMonthly(), bt.algos.SelectAll(), bt.algos.WeighSpecified(**weights)]
        return [*algos, ZeroUnpriced()], list(weights)
    columns = case.columns(market)
    fills = fill_targets(config, market, columns)
    frame = pd.DataFrame(fills, index=market.prices.index, columns=columns)
    return [bt.algos.WeighTarget(frame.dropna(how="all"))], columns


def by_bt(case: Case, sample: list[int], market: Market) -> tuple[np.ndarray, float]:
    """Each sampled combination as one bt backtest: fees by quantity and price, no borrow."""
    sharpe = []
    for i in sample:
        config = case.combination(i)
        rate = config.costs.fees_bps["etf"] / 1e4
        algos, columns = bt_algos(case, config, market)
        test = bt.Backtest(
            bt.Strategy(case.name, [*algos, bt.algos.Rebalance()]),
            market.prices[columns],
            initial_capital=config.execution.initial_value,
            commissions=lambda quantity, price, rate=rate: abs(quantity) * price * rate,
            integer_positions=False,
            progress_bar=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            test.run()
        index = test.strategy.prices.iloc[1:]  # bt prepends a day before the first date
        sharpe.append(sharpe_of(index.to_numpy()[:, None], market.periods_per_year)[0])
    return np.array(sharpe), math.nan


def by_vectorbt(case: Case, market: Market, count: int | None = None) -> tuple[np.ndarray, float]:
    """Every combination in one wide ``from_orders`` call; its Sharpe from ``pf.value()``.

    Bitcoin's close is back-filled before its first price: vectorbt values a NaN close as NaN
    even with no position, and no order is placed there.
    """
    columns = case.columns(market)
    count, width = count or len(case.grid), len(columns)
    prices = market.prices[columns]
    orders = np.empty((len(prices), count * width))
    for k in range(count):
        orders[:, k * width : (k + 1) * width] = fill_targets(case.combination(k), market, columns)
    labels = pd.MultiIndex.from_product([range(count), columns], names=["combination", "ticker"])
    close = pd.DataFrame(np.tile(prices.bfill().to_numpy(), (1, count)), prices.index, labels)
    began = time.perf_counter()
    portfolio = vbt.Portfolio.from_orders(
        close,
        pd.DataFrame(orders, prices.index, labels),
        size_type="targetpercent",
        direction="both",
        fees=case.config.costs.fees_bps["etf"] / 1e4,
        init_cash=case.config.execution.initial_value,
        cash_sharing=True,
        group_by=np.repeat(np.arange(count), width),
        call_seq="auto",
        freq="1D",
        engine="numba",
    )
    simulated = time.perf_counter() - began
    return sharpe_of(portfolio.value().to_numpy(), market.periods_per_year), simulated


Way = Callable[[Market | None], tuple[np.ndarray, float]]


def measure(way: Way, fresh: bool, config: RunConfig, into: Measured) -> None:
    """Run ``way`` once into ``into``: wall-clock and CPU seconds, peak memory, the Sharpe.

    With ``fresh`` it gets a newly loaded market, loaded before the timing starts.
    """
    market = prepare(config)[0] if fresh else None
    gc.collect()
    memory = PeakMemory()
    began, cpu = time.perf_counter(), _cpu_seconds()
    into.sharpe, sim = way(market)
    into.seconds.append(time.perf_counter() - began)
    into.cpu_seconds.append(_cpu_seconds() - cpu)
    into.peak_mb = max(into.peak_mb, memory.peak_mb())
    if not math.isnan(sim):
        into.sim_seconds.append(sim)


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (a sweep's workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def warm_up(cases: list[Case]) -> dict[str, float]:
    """Load or compile every numba kernel and touch every code path before anything is timed."""
    spent = {}
    for case in cases:
        first = case.axes[0]
        steps: dict[str, Callable[[], Any]] = {
            "project sweep() of 2": lambda c=case, a=first: sweep(
                c.config, [Axis(a.key, a.values[:2])]
            ),
            "project run()": lambda c=case: run(c.config),
            "bt, 1 backtest": lambda c=case: by_bt(c, [0], prepare(c.config)[0]),
            "vectorbt from_orders of 2": lambda c=case: by_vectorbt(c, prepare(c.config)[0], 2),
        }
        for label, step in steps.items():
            began = time.perf_counter()
            step()
            spent[f"{case.name}: {label}"] = time.perf_counter() - began
    return spent


def sample_of(total: int, size: int) -> list[int]:
    """``size`` combination indices spread evenly over the grid."""
    return sorted({int(i) for i in np.linspace(0, total - 1, min(size, total)).round()})


def bench_case(case: Case, sample: list[int], repeat: int) -> dict[str, Any]:
    """Every way of running ``case``, measured, with the agreement of their Sharpe ratios.

    bt and vectorbt get a freshly loaded market outside the timing (so a switch's signals are
    still computed inside it); the project's sweep() and run() load their own, inside.
    """
    began = time.perf_counter()
    market = prepare(case.config)[0]
    load = time.perf_counter() - began
    total = len(case.grid)
    ways: dict[str, tuple[Way, bool, int]] = {
        SWEEP: (lambda _: by_project_sweep(case), False, total),
        LOOP: (lambda _: by_run_loop(case, sample), False, len(sample)),
        BT: (lambda m: by_bt(case, sample, m), True, len(sample)),
        VBT: (lambda m: by_vectorbt(case, m), True, total),
    }
    measured = {name: Measured(count) for name, (_, _, count) in ways.items()}
    for attempt in range(repeat):  # round robin, so a busy spell on the machine hits all alike
        for name, (way, fresh, _) in ways.items():
            measure(way, fresh, case.config, measured[name])
        print(f"  {case.name}: round {attempt + 1} of {repeat} done", flush=True)
    settings = {"data": case.config.data, "start": START, "end": END, "allow_partial": True}
    no_borrow = build_config(case.name, (*BASE, *BORROW_OFF), **settings)
    reference = {
        "borrow on": measured[SWEEP].sharpe,
        "borrow off": by_project_sweep(case, no_borrow)[0],
    }
    return {
        "combinations": total,
        "axes": {axis.key: list(axis.values) for axis in case.axes},
        "sample": sample,
        "traded_assets": case.columns(market),
        "bars": len(market.prices),
        "first_date": market.prices.index[0].date().isoformat(),
        "last_date": market.prices.index[-1].date().isoformat(),
        "market_load_seconds": load,
        "ruined_combinations": int(np.isnan(reference["borrow on"]).sum()),
        "approaches": {
            name: row(result, measured[SWEEP].rate, total, reference, sample)
            for name, result in measured.items()
        },
    }


def row(
    result: Measured,
    sweep_rate: float,
    total: int,
    reference: dict[str, np.ndarray],
    sample: list[int],
) -> dict[str, Any]:
    """One way's figures for the JSON."""
    picked = slice(None) if result.combinations == total else sample
    gaps = {label: np.abs(result.sharpe - sharpe[picked]) for label, sharpe in reference.items()}
    return {
        "combinations_measured": result.combinations,
        "seconds": result.seconds,
        "median_seconds": result.median,
        "cpu_seconds": result.cpu_seconds,
        "median_cpu_seconds": statistics.median(result.cpu_seconds),
        "combinations_per_second": result.rate,
        "ratio_to_project_sweep": result.rate / sweep_rate,
        "estimated_seconds_for_all": total / result.rate,
        "simulation_call_seconds": statistics.median(result.sim_seconds)
        if result.sim_seconds
        else None,
        "peak_memory_mb": result.peak_mb,
        "max_abs_sharpe_difference": {
            label: float(np.nanmax(gap)) if np.isfinite(gap).any() else None
            for label, gap in gaps.items()
        },
    }


def print_case(name: str, case: dict[str, Any]) -> None:
    """One table per grid."""
    print(
        f"\n{name}: {case['combinations']:,} combinations, {len(case['traded_assets'])} traded "
        f"assets, {case['bars']:,} bars {case['first_date']}..{case['last_date']}"
    )
    head = ("measured", "wall s", "cpu s", "comb/s", "vs sweep", "all [s]", "sim s", "peak MB")
    print(f"{'approach':<20}" + "".join(f"{h:>9}" for h in head) + "  max|dSharpe| on/off borrow")
    for label, figures in case["approaches"].items():
        gaps = figures["max_abs_sharpe_difference"]
        sim = figures["simulation_call_seconds"]
        cells = [
            f"{figures['combinations_measured']:,}",
            f"{figures['median_seconds']:.2f}",
            f"{figures['median_cpu_seconds']:.2f}",
            f"{figures['combinations_per_second']:,.1f}",
            f"{figures['ratio_to_project_sweep']:.3f}",
            f"{figures['estimated_seconds_for_all']:,.1f}",
            "-" if sim is None else f"{sim:.2f}",
            f"{figures['peak_memory_mb']:,.0f}",
        ]
        agreement = " / ".join("-" if gaps[k] is None else f"{gaps[k]:.1e}" for k in gaps)
        print(f"{label:<20}" + "".join(f"{cell:>9}" for cell in cells) + f"  {agreement}")


def main(argv: list[str] | None = None) -> None:
    """Measure both grids, print the tables and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, help="main_street grid (1000; quick 200)")
    parser.add_argument("--switch-combinations", type=int, help="hartnett_switch (500; quick 64)")
    parser.add_argument("--sample", type=int, help="combinations run one by one (20; quick 5)")
    parser.add_argument("--repeat", type=int, help="timings of each way, median kept (3; quick 1)")
    parser.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    parser.add_argument("--data", default=str((ROOT / "../shared/data").resolve()), help="CSVs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="JSON dir")
    parser.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="dask: the main_street sweep on the local executor beside 1 and 2 Dask workers "
        "(bench/dask_sweep.py)",
    )
    args = parser.parse_args(argv)
    if args.executor == "dask":
        from bench.dask_sweep import main as dask_main

        dask_main(
            [
                "--data",
                args.data,
                *(["--combinations", str(args.combinations)] if args.combinations else []),
            ]
        )
        return
    quick = args.quick
    sizes = {
        "main_street": args.combinations or (200 if quick else 1000),
        "hartnett_switch": args.switch_combinations or (64 if quick else 500),
    }
    sample_size, repeat = args.sample or (5 if quick else 20), args.repeat or (1 if quick else 3)
    began, load = time.perf_counter(), os.getloadavg()
    print(f"load average at start (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    cases = [make_case(name, size, f"csv:{args.data}") for name, size in sizes.items()]
    print("warm-up, before any timing: per grid one project sweep() of 2 combinations, one run(),")
    print("one bt backtest and one vectorbt from_orders of 2 (numba kernels loaded or compiled)")
    warm = warm_up(cases)
    for label, seconds in warm.items():
        print(f"  {label}: {seconds:.2f} s")
    results = {c.name: bench_case(c, sample_of(len(c.grid), sample_size), repeat) for c in cases}
    for name, case in results.items():
        print_case(name, case)
    print()
    switch = next(case for case in cases if case.name == "hartnett_switch")
    scale = switch_scale.measure(switch.config, f"csv:{args.data}", repeat, memory=not quick)
    report = {
        "benchmark": "sweep",
        "quick": quick,
        "repeat": repeat,
        "settings": {
            "overrides": list(BASE),
            "start": START.isoformat(),
            "end": END.isoformat(),
            "allow_partial": True,
            "data": args.data,
        },
        "memory_method": PeakMemory.METHOD,
        "warmup_seconds": warm,
        "cases": results,
        "switching_at_scale": scale,
        "total_seconds": time.perf_counter() - began,
        "load_average_at_start": load,
        "load_average_at_end": os.getloadavg(),
        **describe_machine(["numpy", "pandas", "numba", "vectorbt", "bt"]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / ("sweep-quick.json" if quick else "sweep.json")
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    report = with_history(report, path)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\npeak MB: {PeakMemory.METHOD}")
    print(f"load average at end: {report['load_average_at_end']}")
    print(f"total {report['total_seconds']:.0f} s; wrote {path} ({len(report['history'])} runs)")


if __name__ == "__main__":
    main()
