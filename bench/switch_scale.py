"""Switching sweeps at scale: `sweep()` on 2,535 combinations, the CLI on 11,875, the kernel.

Part of `bench/sweep.py` (which calls `measure`), on its dates, costs and data:

- ``sweep()``: the ``hartnett_switch`` grid sell_above 6:9:0.25 x buy_below 1:4:0.25 x
  max_hold 0:126:9 (13 x 13 x 15 = 2,535 combinations), data load included, median of repeats;
- the command line, end to end (a new process: imports, data, the sweep, DSR and PBO, the pick's
  run and report): sell_above 6:9:0.125 x buy_below 1:4:0.125 x max_hold 0:126:7
  (25 x 25 x 19 = 11,875), warm numba cache;
- the kernel against a minimal numba loop of the same arithmetic (accrual, valuation, trading to
  target with slippage and fees, without vectorbt's order executor) on the same 2,535
  combinations' fills, with their largest relative difference in equity;
- memory: 55,566 ``main_street`` combinations through the command line, report included, and
  the child process's peak resident memory (``getrusage``), skipped by ``--quick``.
"""

from __future__ import annotations

import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numba import njit, prange

from pipeline.config import RunConfig
from pipeline.run import prepare
from pipeline.sweep import parse_axis, sweep, with_values
from simulation import kernel
from simulation.costs import days_between, margin_rates
from simulation.simulate import order_targets, period_ends

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
    """`sweep()` of `GRID` (data load included), ``repeat`` times."""
    axes = [parse_axis(text) for text in GRID]
    sweep(config, [parse_axis("strategy.sell_above=7,8")])  # compiled and cached first
    seconds, count = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        count = len(sweep(config, axes).table)
        seconds.append(time.perf_counter() - began)
    return _rate(seconds, count)


def end_to_end(data: str, start: str, end: str, overrides: tuple[str, ...]) -> dict[str, Any]:
    """The command line on `CLI_GRID`, as a user types it, once after a warming run."""
    argv = [sys.executable, "run_backtest.py", "--strategy"]
    argv += ["hartnett_switch", "--data", data, "--start", start, "--end", end, "-qq"]
    argv += ["--allow-partial", *(f"--set={text}" for text in overrides)]
    argv += [f"--sweep={text}" for text in CLI_GRID]
    with tempfile.TemporaryDirectory(prefix="switch-scale-") as out:
        warm = [*argv[:-3], "--sweep=strategy.sell_above=7,8", "--out", out]
        subprocess.run(warm, cwd=ROOT, capture_output=True, check=True, env=os.environ)
        began = time.perf_counter()
        subprocess.run([*argv, "--out", out], cwd=ROOT, capture_output=True, check=True)
        seconds = time.perf_counter() - began
    count = 1
    for text in CLI_GRID:
        count *= len(parse_axis(text).values)
    return {**_rate([seconds], count), "command": " ".join(["run_backtest.py", *argv[2:]])}


MEMORY_GRID = (
    "strategy.long_weight=0.6:1.0:0.02",
    "strategy.small_caps_share=0:1:0.05",
    "strategy.short_weight=0.1:0.5:0.02",
    "strategy.tech_share=0.5:1:0.1",
)
"""21 x 21 x 21 x 6 = 55,566 combinations of the static long/short."""


def peak_memory(data: str, start: str, end: str) -> dict[str, Any]:
    """`MEMORY_GRID` through the command line: seconds and the process's peak RSS.

    ``getrusage`` gives the largest peak of any child so far; this one runs last and is by far
    the largest of the bench's children.
    """
    argv = [sys.executable, "run_backtest.py", "--strategy"]
    argv += ["main_street", "--data", data, "--start", start, "--end", end, "-qq"]
    argv += ["--allow-partial", *(f"--sweep={text}" for text in MEMORY_GRID)]
    with tempfile.TemporaryDirectory(prefix="switch-scale-") as out:
        began = time.perf_counter()
        subprocess.run([*argv, "--out", out], cwd=ROOT, capture_output=True, check=True)
        seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
    count = 1
    for text in MEMORY_GRID:
        count *= len(parse_axis(text).values)
    return {
        "combinations": count,
        "seconds": seconds,
        "peak_rss_mb": peak / 1024,
    }


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
    targets = np.array(
        [
            order_targets(
                with_values(config, values).strategy.weight_rows(market, columns),
                priced, ends, config.execution.lag,
            )
            for values in grid
        ]
    )  # fmt: skip
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
            close, targets, np.tile(fees, (p, 1)), np.tile(slip, (p, 1)),
            np.tile(borrow, (p, 1)), days, rate[None], margin[None], rows, initial, maintenance,
        )[0]  # fmt: skip

    def floor() -> np.ndarray:
        return minimal_paths(close, targets, fees, slip, borrow, days, rate, margin, initial)

    ours(), floor()  # compiled first
    timings: dict[str, list[float]] = {"kernel": [], "minimal loop": []}
    for _ in range(repeat):
        for name, call in (("kernel", ours), ("minimal loop", floor)):
            began = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - began)
    difference = np.max(np.abs(ours() / floor() - 1.0))
    cells = p * close.size
    medians = {name: statistics.median(values) for name, values in timings.items()}
    return {
        "combinations": p,
        "asset_bar_cells": cells,
        "seconds": timings,
        "cells_per_second": {name: cells / value for name, value in medians.items()},
        "kernel_over_minimal": medians["kernel"] / medians["minimal loop"],
        "max_relative_equity_difference": float(difference),
    }


def measure(config: RunConfig, data: str, repeat: int, memory: bool = True) -> dict[str, Any]:
    """All four (memory unless ``memory`` is False), printed as they finish; the JSON's figures."""
    figures: dict[str, Any] = {"sweep": in_sweep(config, repeat)}
    print(
        f"hartnett_switch at scale: sweep() of {figures['sweep']['combinations']:,} "
        f"combinations {figures['sweep']['median']:.2f} s, {figures['sweep']['rate']:,.0f} a "
        "second (data load included)"
    )
    start, end = config.start.isoformat(), config.end.isoformat()  # type: ignore[union-attr]
    overrides = ("costs.fees_bps.etf=2", "execution.rebalance=monthly")
    figures["cli"] = end_to_end(data, start, end, overrides)
    cli = figures["cli"]
    print(
        f"  the command line, end to end, {cli['combinations']:,} combinations: "
        f"{cli['median']:.2f} s, {cli['rate']:,.0f} a second (imports, data, DSR/PBO, report)"
    )
    figures["kernel"] = kernel_floor(config, repeat)
    floor = figures["kernel"]
    speeds = floor["cells_per_second"]
    print(
        f"  kernel {speeds['kernel'] / 1e6:,.0f} M asset-bar cells a second, a minimal numba loop "
        f"of the same arithmetic {speeds['minimal loop'] / 1e6:,.0f} M: "
        f"{floor['kernel_over_minimal']:.1f}x (equity differs by at most "
        f"{floor['max_relative_equity_difference']:.1e})"
    )
    if memory:
        figures["memory"] = peak_memory(data, start, end)
        used = figures["memory"]
        print(
            f"  main_street, {used['combinations']:,} combinations through the command line: "
            f"{used['seconds']:.0f} s, peak resident memory {used['peak_rss_mb']:,.0f} MB"
        )
    sys.stdout.flush()
    return figures
