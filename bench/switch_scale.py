"""Sweeps at scale, each against the machine's limit: `sweep()`, the command line, the report.

Part of `bench/sweep.py` (which calls `measure`), on its dates, costs and data:

- the machine's limit: a minimal numba loop of the kernel's arithmetic (accrual, valuation,
  trading to target with slippage and fees, without vectorbt's order executor) on one thread,
  in asset-bar cells a second, times the usable cores; the kernel against it on the fills of
  the 2,535 combinations below, with their largest relative difference in equity;
- ``sweep()``: the ``hartnett_switch`` grid sell_above 6:9:0.25 x buy_below 1:4:0.25 x
  max_hold 0:126:9 (13 x 13 x 15 = 2,535 combinations), data load included, on every core and
  on one, alternating, median of repeats;
- the command line (a new process: imports, data, the sweep, DSR and PBO, the pick's run and
  report) on sell_above 6:9:0.125 x buy_below 1:4:0.125 x max_hold 0:126:7 (25 x 25 x 19 =
  11,875), against the same command on a 1-combination sweep, alternating, warm numba cache;
- the report's cost in a warm single run: without it, with it (figures from the figure cache),
  and after a tweak of the costs (figures redrawn);
- 55,566 ``main_street`` combinations through the command line, report included, against a
  1-combination sweep, and the peak memory of the process and its workers (PSS, sampled);
  skipped by ``--quick``.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
from numba import njit, prange

from pipeline.combinations import with_values
from pipeline.config import RunConfig
from pipeline.executors import usable_cores
from pipeline.run import prepare
from pipeline.sweep import parse_axis, sweep
from reporting.render import figure_cache
from simulation import kernel
from simulation.costs import days_between, margin_rates
from simulation.simulate import order_book, period_ends

ROOT = Path(__file__).resolve().parents[1]
GRID = ("strategy.sell_above=6:9:0.25", "strategy.buy_below=1:4:0.25", "strategy.max_hold=0:126:9")
CLI_GRID = (
    "strategy.sell_above=6:9:0.125",
    "strategy.buy_below=1:4:0.125",
    "strategy.max_hold=0:126:7",
)


@njit(cache=True, parallel=True)
def minimal_paths(
    close: np.ndarray,
    targets: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    borrow: np.ndarray,
    days: np.ndarray,
    cash_rate: np.ndarray,
    margin_rate: np.ndarray,
    initial: float,
) -> np.ndarray:
    """The kernel's arithmetic in the plainest loop: equity of each portfolio at each close."""
    p, n, m = targets.shape
    equity = np.zeros((p, n))
    for k in prange(p):
        held, balance = np.zeros(m), initial
        for t in range(n):
            if t > 0:
                rate = cash_rate[t] if balance >= 0 else margin_rate[t]
                fee = 0.0
                for j in range(m):
                    if held[j] < 0:
                        fee += -held[j] * close[t - 1, j] * borrow[j] * days[t] / 365.0
                balance += balance * rate - fee
            value = balance
            for j in range(m):
                if held[j] != 0:
                    value += held[j] * close[t, j]
            for j in range(m):
                weight = targets[k, t, j]
                if not np.isnan(weight) and not np.isnan(close[t, j]):
                    delta = weight * value / close[t, j] - held[j]
                    if delta != 0:
                        side = 1.0 if delta > 0 else -1.0
                        notional = delta * close[t, j] * (1.0 + side * slippage[j])
                        balance -= notional + abs(notional) * fees[j]
                        held[j] += delta
            value = balance
            for j in range(m):
                if held[j] != 0:
                    value += held[j] * close[t, j]
            equity[k, t] = value
    return equity


def _rate(seconds: list[float], count: int) -> dict[str, Any]:
    median = statistics.median(seconds)
    return {"seconds": seconds, "median": median, "combinations": count, "rate": count / median}


def in_sweep(config: RunConfig, repeat: int) -> dict[str, Any]:
    """`sweep()` of `GRID` (data load included) on every core and on one, and of 1 combination.

    The 1-combination sweep is what every sweep pays (data, signals) before its combinations.
    Each runs ``repeat`` times, the three alternating: a change of load falls on all.
    """
    axes = [parse_axis(text) for text in GRID]
    one = [parse_axis("strategy.sell_above=8")]
    for workers in (1, None):  # compiled, cached and loaded first
        sweep(config, [parse_axis("strategy.sell_above=7,8")], workers=workers)
    seconds: dict[str, list[float]] = {"all cores": [], "one core": [], "one combination": []}
    count = 0
    for _ in range(repeat):
        for label, workers, grid in (
            ("all cores", None, axes),
            ("one core", 1, axes),
            ("one combination", None, one),
        ):
            began = time.perf_counter()
            done = len(sweep(config, grid, workers=workers).table)
            seconds[label].append(time.perf_counter() - began)
            count = max(count, done)
    found = _rate(seconds["all cores"], count)
    found["one_core"] = _rate(seconds["one core"], count)
    found["baseline_median"] = baseline = statistics.median(seconds["one combination"])
    found["rate_beyond_baseline"] = count / max(found["median"] - baseline, 1e-9)
    found["cores"] = usable_cores()
    return found


def _cli(argv: list[str], grid: tuple[str, ...], baseline: str, repeat: int) -> dict[str, Any]:
    """The command line on ``grid`` against the same command on the 1-combination ``baseline``.

    A warming run first (numba's cache loaded, files in the page cache); then, ``repeat`` times,
    the baseline and the grid, alternating. What the grid costs is its time beyond the
    baseline's: the imports, the data, the pick's run and report are in both.
    """
    seconds: dict[str, list[float]] = {"baseline": [], "grid": []}
    cpu: dict[str, list[float]] = {"baseline": [], "grid": []}
    with tempfile.TemporaryDirectory(prefix="switch-scale-") as out:
        one = [*argv, f"--sweep={baseline}", "--out", out]
        subprocess.run(one, cwd=ROOT, capture_output=True, check=True)
        for _ in range(repeat):
            for label, extra in (("baseline", [f"--sweep={baseline}"]), ("grid", [])):
                flags = extra or [f"--sweep={text}" for text in grid]
                began, used = time.perf_counter(), _children_cpu()
                subprocess.run(
                    [*argv, *flags, "--out", out], cwd=ROOT, capture_output=True, check=True
                )
                seconds[label].append(time.perf_counter() - began)
                cpu[label].append(_children_cpu() - used)
    count = 1
    for text in grid:
        count *= len(parse_axis(text).values)
    base, full = statistics.median(seconds["baseline"]), statistics.median(seconds["grid"])
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "cpu_beyond_baseline": statistics.median(cpu["grid"]) - statistics.median(cpu["baseline"]),
        "combinations": count,
        "median": full,
        "baseline_median": base,
        "beyond_baseline": full - base,
        "rate": count / max(full - base, 1e-9),
        "command": " ".join(["run_backtest.py", *argv[2:], *(f"--sweep={t}" for t in grid)]),
    }


def _children_cpu() -> float:
    """CPU seconds (user and system) of this process's finished children and theirs."""
    times = os.times()
    return times.children_user + times.children_system


def end_to_end(
    data: str, start: str, end: str, overrides: tuple[str, ...], repeat: int = 1
) -> dict[str, Any]:
    """The command line on `CLI_GRID`, as a user types it, against a 1-combination sweep."""
    argv = [sys.executable, "run_backtest.py", "--strategy"]
    argv += ["hartnett_switch", "--data", data, "--start", start, "--end", end, "-qq"]
    argv += ["--allow-partial", *(f"--set={text}" for text in overrides)]
    return _cli(argv, CLI_GRID, "strategy.sell_above=8", repeat)


def report_cost(data: str, repeat: int) -> dict[str, Any]:
    """A warm single ``hartnett_switch`` run: without the report, with it, and after a tweak.

    The same config twice finds its figures drawn already (the figure cache); a tweak of the
    costs (a new ``fees_bps.etf`` each time) redraws every figure whose data it changes.
    """
    argv = [sys.executable, "run_backtest.py", "--config", "configs/hartnett_switch.yaml"]
    argv += ["--data", data, "-qq"]
    seconds: dict[str, list[float]] = {"no report": [], "report": [], "report after a tweak": []}
    with tempfile.TemporaryDirectory(prefix="switch-scale-") as out:
        subprocess.run([*argv, "--out", out], cwd=ROOT, capture_output=True, check=True)
        for attempt in range(repeat):
            tweak = f"--set=costs.fees_bps.etf={1 + (time.time_ns() % 10**6) / 1e7 + attempt:.7f}"
            for label, extra in (
                ("no report", ["--no-report"]),
                ("report", []),
                ("report after a tweak", [tweak]),
            ):
                began = time.perf_counter()
                subprocess.run(
                    [*argv, *extra, "--out", out], cwd=ROOT, capture_output=True, check=True
                )
                seconds[label].append(time.perf_counter() - began)
    medians = {label: statistics.median(values) for label, values in seconds.items()}
    return {
        "seconds": seconds,
        "medians": medians,
        "report_adds": medians["report"] - medians["no report"],
        "report_after_a_tweak_adds": medians["report after a tweak"] - medians["no report"],
    }


MEMORY_GRID = (
    "strategy.long_weight=0.6:1.0:0.02",
    "strategy.small_caps_share=0:1:0.05",
    "strategy.short_weight=0.1:0.5:0.02",
    "strategy.tech_share=0.5:1:0.1",
)
"""21 x 21 x 21 x 6 = 55,566 combinations of the static long/short."""


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a sweep's worker processes), from ``/proc``."""
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found += _tree(int(child))
    return found


def _memory_kb(pid: int) -> dict[str, int]:
    """A process's resident (Rss) and proportional (Pss: shared pages split) memory, KB."""
    found = {"Rss": 0, "Pss": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in found:
                found[key] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return found


def watched(argv: list[str]) -> dict[str, float]:
    """Run ``argv``; its seconds and the peak memory of it and its workers, sampled every 0.1 s.

    The workers are forked from the sweep's process and share most of its pages, so their
    resident sets added up count those pages once per process; the proportional set size
    (PSS) splits each shared page among its sharers, so its sum is the memory the run holds.
    """
    began = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = {"pss_mb": 0.0, "largest_rss_mb": 0.0}
    while process.poll() is None:
        sizes = [_memory_kb(pid) for pid in _tree(process.pid)]
        peak["pss_mb"] = max(peak["pss_mb"], sum(size["Pss"] for size in sizes) / 1024)
        largest = max(size["Rss"] for size in sizes) / 1024
        peak["largest_rss_mb"] = max(peak["largest_rss_mb"], largest)
        time.sleep(0.1)
    seconds = time.perf_counter() - began
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, argv, stderr=process.stderr.read())
    return {"seconds": seconds, **peak}


def peak_memory(data: str, start: str, end: str, repeat: int = 1) -> dict[str, Any]:
    """`MEMORY_GRID` through the command line against a 1-combination sweep; its peak memory.

    The time is `_cli`'s (its repeats find their figures in the figure cache); the memory is
    that of one more run of the grid, `watched`, with the figure cache set aside: every figure
    drawn, as for a grid never swept before.
    """
    argv = [sys.executable, "run_backtest.py", "--strategy"]
    argv += ["main_street", "--data", data, "--start", start, "--end", end, "-qq"]
    argv += ["--allow-partial"]
    found = _cli(argv, MEMORY_GRID, "strategy.long_weight=1", repeat)
    with tempfile.TemporaryDirectory(prefix="switch-scale-") as out, figure_cache_aside():
        grid = [f"--sweep={text}" for text in MEMORY_GRID]
        found["memory"] = watched([*argv, *grid, "--out", out])
    found["peak_rss_mb"] = found["memory"]["pss_mb"]
    return found


@contextlib.contextmanager
def figure_cache_aside() -> Iterator[None]:
    """The checkout's figure cache renamed away for the block, then put back as it was."""
    cache = figure_cache()
    aside = cache.with_name(f"{cache.name}-aside-{os.getpid()}")
    if cache.exists():
        cache.rename(aside)
    try:
        yield
    finally:
        shutil.rmtree(cache, ignore_errors=True)  # what the block drew
        if aside.exists():
            aside.rename(cache)


def kernel_floor(config: RunConfig, repeat: int) -> dict[str, Any]:
    """The kernel and `minimal_paths` on the same fills of `GRID`'s combinations."""
    axes = [parse_axis(text) for text in GRID]
    values_grid = itertools.product(*(axis.values for axis in axes))
    grid = [dict(zip([a.key for a in axes], v, strict=True)) for v in values_grid]
    market, cash, _, _ = prepare(config)
    roles = config.strategy.roles()
    columns = list(dict.fromkeys(t for r in roles for t in market.universe.tickers(r)))
    prices = market.prices[columns]
    close = np.ascontiguousarray(prices.to_numpy(dtype=float))
    priced = np.ascontiguousarray(prices.notna().to_numpy())
    ends = period_ends(pd.DatetimeIndex(prices.index), config.execution.rebalance)
    books = [
        order_book(
            with_values(config, values).strategy.weight_rows(market, columns),
            priced, ends, config.execution.lag,
        )
        for values in grid
    ]  # fmt: skip
    starts = np.cumsum([0, *(len(bars) for bars, _ in books)])
    bars = np.concatenate([bars for bars, _ in books])
    orders = np.concatenate([orders for _, orders in books])
    targets = np.full((len(grid), *close.shape), np.nan)  # the minimal loop reads every cell
    for k, (book_bars, book_orders) in enumerate(books):
        targets[k, book_bars] = book_orders
    costs, p = config.costs, len(grid)
    fees, slip, borrow = costs.asset_rates(columns, market.universe.is_crypto)
    days = days_between(pd.DatetimeIndex(prices.index))
    rate = cash.to_numpy(dtype=float)
    margin = margin_rates(cash, costs).to_numpy(dtype=float)
    rows = np.zeros(p, dtype=np.int64)
    initial = float(config.execution.initial_value)
    maintenance = np.full(p, float(config.execution.maintenance_margin))  # as the sweep's

    def ours() -> np.ndarray:
        return kernel.equity_paths(
            close, starts, bars, orders, np.tile(fees, (p, 1)), np.tile(slip, (p, 1)),
            np.tile(borrow, (p, 1)), days, rate[None], margin[None], rows, initial, maintenance,
        )[0]  # fmt: skip

    def floor() -> np.ndarray:
        return minimal_paths(close, targets, fees, slip, borrow, days, rate, margin, initial)

    def floor_one_thread() -> np.ndarray:
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return floor()
        finally:
            numba.set_num_threads(threads)

    ours(), floor()  # compiled first
    timings: dict[str, list[float]] = {"kernel": [], "minimal loop": []}
    calls = (("kernel", ours), ("minimal loop", floor_one_thread))
    for _ in range(repeat):
        for name, call in calls:
            began = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - began)
    difference = np.max(np.abs(ours() / floor_one_thread() - 1.0))
    cells = p * close.size
    medians = {name: statistics.median(values) for name, values in timings.items()}
    return {
        "combinations": p,
        "asset_bar_cells": cells,
        "seconds": timings,
        "cells_per_second": {name: cells / value for name, value in medians.items()},
        "kernel_over_minimal": medians["kernel"] / medians["minimal loop"],
        "bars": close.shape[0],
        "assets": close.shape[1],
        "machine_limit_cells_per_second": cells / medians["minimal loop"] * usable_cores(),
        "max_relative_equity_difference": float(difference),
    }


def _burn(_: int) -> int:
    total = 0
    for i in range(3_000_000):
        total += i
    return total


def free_cores() -> float:
    """How many cores this process gets now: a plain CPU burn in one process against one per core.

    On a quiet machine it is about the core count; on a shared one it shows how much of the
    machine's limit a parallel figure could reach at the time it was taken.
    """
    cores = usable_cores()
    began = time.perf_counter()
    for index in range(2 * cores):
        _burn(index)
    alone = time.perf_counter() - began
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        pool.map(_burn, range(2 * cores), chunksize=1)
    return alone / (time.perf_counter() - began)


def against_limit(rate: float, cells: int, limit: float) -> str:
    """A rate of combinations a second as a share of the machine's limit (cells a second)."""
    return f"{rate * cells / limit:.0%} of the machine's limit ({limit / cells:,.0f} a second)"


def measure(config: RunConfig, data: str, repeat: int, memory: bool = True) -> dict[str, Any]:
    """All of them (memory unless ``memory`` is False), printed as they finish; the figures.

    The machine's limit is the minimal loop's asset-bar cells a second on one thread times the
    usable cores; each rate is printed as a share of it, for its grid's cells per combination.
    """
    figures: dict[str, Any] = {"free_cores_at_start": free_cores()}
    print(
        f"cores free at the start: {figures['free_cores_at_start']:.2f} of {usable_cores()} "
        "(a CPU burn on every core against one process)"
    )
    figures["kernel"] = kernel_floor(config, repeat)
    floor = figures["kernel"]
    speeds, limit = floor["cells_per_second"], floor["machine_limit_cells_per_second"]
    switch_cells = floor["bars"] * floor["assets"]
    print(
        f"hartnett_switch at scale: machine limit {limit / 1e6:,.0f} M asset-bar cells a second "
        f"(a minimal numba loop on one thread, {speeds['minimal loop'] / 1e6:,.0f} M, x "
        f"{usable_cores()} cores)"
    )
    print(
        f"  kernel {speeds['kernel'] / 1e6:,.0f} M cells a second on one thread: "
        f"{floor['kernel_over_minimal']:.1f}x the minimal loop's time (equity differs by at most "
        f"{floor['max_relative_equity_difference']:.1e})"
    )
    figures["sweep"] = found = in_sweep(config, repeat)
    one = found["one_core"]
    print(
        f"  sweep() of {found['combinations']:,} combinations (data load included): "
        f"{found['median']:.2f} s, {found['rate']:,.0f} a second on {found['cores']} cores, "
        f"{against_limit(found['rate'], switch_cells, limit)}; on one core {one['rate']:,.0f} "
        f"a second ({one['median'] / found['median']:.2f}x the time); beyond a 1-combination "
        f"sweep ({found['baseline_median']:.2f} s: data, signals) "
        f"{found['rate_beyond_baseline']:,.0f} a second"
    )
    start, end = config.start.isoformat(), config.end.isoformat()  # type: ignore[union-attr]
    overrides = ("costs.fees_bps.etf=2", "execution.rebalance=monthly")
    figures["cli"] = cli = end_to_end(data, start, end, overrides, repeat)
    print(
        f"  the command line, {cli['combinations']:,} combinations: {cli['median']:.2f} s, "
        f"{cli['beyond_baseline']:.2f} s beyond a 1-combination sweep ({cli['baseline_median']:.2f}"
        f" s): {cli['rate']:,.0f} a second, {against_limit(cli['rate'], switch_cells, limit)}; "
        f"CPU {cli['cpu_beyond_baseline']:.2f} s beyond the baseline's"
    )
    figures["report"] = cost = report_cost(data, repeat)
    print(
        f"  a warm single run: {cost['medians']['no report']:.2f} s without the report; the report "
        f"adds {cost['report_adds']:.2f} s (figures unchanged, from the cache), "
        f"{cost['report_after_a_tweak_adds']:.2f} s after a tweak of the costs (figures redrawn)"
    )
    if memory:
        figures["memory"] = used = peak_memory(data, start, end, repeat)
        cells = floor["bars"] * 4  # main_street trades four assets
        print(
            f"  main_street, {used['combinations']:,} combinations with the report: "
            f"{used['median']:.1f} s, {used['beyond_baseline']:.1f} s beyond a 1-combination "
            f"sweep (CPU {used['cpu_beyond_baseline']:.1f} s beyond): "
            f"{used['rate']:,.0f} a second, {against_limit(used['rate'], cells, limit)}; with "
            f"every figure drawn (figure cache set aside) {used['memory']['seconds']:.1f} s, peak "
            f"memory {used['memory']['pss_mb']:,.0f} MB (PSS summed over the process and its "
            f"workers; the largest process's RSS {used['memory']['largest_rss_mb']:,.0f} MB)"
        )
    figures["free_cores_at_end"] = free_cores()
    print(f"cores free at the end: {figures['free_cores_at_end']:.2f} of {usable_cores()}")
    sys.stdout.flush()
    return figures
