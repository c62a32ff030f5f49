"""Parameter sweeps: every combination of a grid, many per simulation call, in bounded chunks.

Each combination is the base config with some numeric keys changed (``strategy.sell_above``,
``costs.fees_bps``, ``costs.borrow_bps.BTC-USD``...). All combinations run on one market: every
ticker any of them trades, on the dates each of them would run on alone (a grid whose
combinations would run on different dates is refused, naming them). Their target weights are
built by the strategies themselves (a switching strategy reads each signal once per sweep,
through the market's memo); the simulation runs a chunk of combinations per call of
`simulation.kernel`, the same arithmetic as a single run, and the metrics are computed from the
equity paths by `analytics.paths` with the formulas and NaN rules of `analytics.metrics`, so a
sweep's row equals a single run of that combination.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.metrics import METRICS, summary
from analytics.overfitting import BlockSums
from analytics.paths import path_statistics
from core.errors import ConfigError, SweepError
from core.heap import reused_heap
from data import Market, load_shared
from data.market import Role
from pipeline.combinations import combination_configs
from pipeline.config import RunConfig
from pipeline.executors import ChunkError, Executor, LocalExecutor
from pipeline.run import check_length, legs, market_request, prepare
from simulation import kernel
from simulation.costs import cash_rates, days_between, margin_rates
from simulation.simulate import Rebalance, Ruin, backtest, order_book, period_ends
from strategies.benchmark import benchmark_strategy

METRIC_COLUMNS = METRICS
DIFFERENCES = ("sharpe_vs_6040", "cagr_vs_6040")
SHOWN = 5
PBO_SPLITS = 16
"""Blocks of the PBO's cross-validation (the paper's choice)."""
"""Combinations a failed chunk's error names; a larger chunk's rest are counted."""


@dataclass(frozen=True)
class Axis:
    """One swept key and its values."""

    key: str
    values: tuple[float, ...]


def parse_axis(text: str) -> Axis:
    """``KEY=1,2,3`` (a list) or ``KEY=0.1:0.5:0.1`` (start:stop:step, stop included).

    Every number must be finite, and a range is counted before it is built: one of more than
    `MAX_COMBINATIONS` values (a step far too small) is refused without a value made.
    """
    key, sep, spec = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"{text!r}: expected KEY=SPEC, e.g. strategy.sell_above=7,8,9", option="sweep"
        )
    try:
        numbers = [float(part) for part in spec.split(":" if ":" in spec else ",")]
        if not all(math.isfinite(number) for number in numbers):
            raise ValueError("every value, bound and step must be a finite number")
        values = tuple(_range(text, *numbers)) if ":" in spec else tuple(numbers)
    except (ValueError, TypeError) as exc:
        reason = "expected START:STOP:STEP" if isinstance(exc, TypeError) else exc
        raise ConfigError(
            f"{text!r}: {reason}; use 7,7.5,8 or 0.1:0.5:0.1", option="sweep"
        ) from None
    return Axis(key.strip(), values)


def _range(text: str, start: float, stop: float, step: float) -> list[float]:
    """``start`` to ``stop`` (included) by ``step``, counted first: at most `MAX_COMBINATIONS`."""
    if step <= 0 or stop < start:
        raise ValueError("needs start <= stop and a positive step")
    steps = (stop - start) / step  # finite bounds, but a tiny step can still make it inf
    if not steps < MAX_COMBINATIONS:
        count = f"{steps + 1:,.3g}" if math.isfinite(steps) else "more than 1e308"
        raise ConfigError(
            f"--sweep {text!r}: {count} values, more than the {MAX_COMBINATIONS:,} a sweep may "
            "have; use a coarser step"
        )
    count = int(np.floor(steps + 1e-9)) + 1
    return [round(start + i * step, 12) for i in range(count)]


@dataclass(frozen=True)
class SweepResult:
    """One row per combination: its values, its metrics, and the differences to 60/40."""

    table: pd.DataFrame
    axes: tuple[Axis, ...]
    shape: ReturnShape
    """What the overfitting checks need of the combinations' daily returns (table order)."""
    periods_per_year: int
    market: Any
    """The one market every combination ran on: the pick's run uses it too."""


@dataclass(frozen=True)
class ReturnShape:
    """Of each combination's daily returns, kept as the chunks finish instead of the returns.

    ``skew`` and ``kurtosis`` (pandas', excess) feed the deflated Sharpe of whichever is best;
    ``blocks`` (`analytics.overfitting.BlockSums`, None when there are too few bars) feed the PBO.
    ``n_obs`` is the number of daily returns of each.
    """

    skew: np.ndarray
    kurtosis: np.ndarray
    blocks: BlockSums | None
    n_obs: int

    @classmethod
    def join(cls, parts: list[ReturnShape]) -> ReturnShape:
        """The chunks' shapes, in order."""
        blocks = [part.blocks for part in parts]
        return cls(
            np.concatenate([part.skew for part in parts]),
            np.concatenate([part.kurtosis for part in parts]),
            BlockSums.join(blocks) if all(b is not None for b in blocks) else None,  # type: ignore[arg-type]
            parts[0].n_obs,
        )


MAX_COMBINATIONS = 1_000_000
"""More would not fit in memory: each combination keeps its config and its row until the end."""
BYTES_PER_COMBINATION = 4_500
"""What one combination holds while a sweep runs, measured: 449 MB peak for 55,566 ``main_street``
combinations, about 200 MB of it the process itself (``bench/switch_scale.py``)."""


def check_size(axes: list[Axis]) -> None:
    """Refuse, before anything is loaded, a grid too large to hold in memory."""
    total = math.prod(len(axis.values) for axis in axes)
    if total > MAX_COMBINATIONS:
        sizes = " x ".join(f"{len(axis.values):,}" for axis in axes)
        raise ConfigError(
            f": {sizes} = {total:,} combinations, more than the {MAX_COMBINATIONS:,} a "
            f"sweep may have (about {total * BYTES_PER_COMBINATION / 1e9:,.0f} GB of memory); "
            "use coarser steps or fewer keys",
            option="sweep",
        )


def _grid(axes: list[Axis]) -> list[tuple[float, ...]]:
    """Every combination of ``axes``, built only once `check_size` has counted them."""
    check_size(axes)
    return list(itertools.product(*(axis.values for axis in axes)))


def sweep(
    config: RunConfig,
    axes: list[Axis],
    *,
    chunk_size: int = 128,
    refresh: bool = False,
    on_chunk: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
) -> SweepResult:
    """Run every combination of ``axes`` on ``config``; ``on_chunk(done, total)`` tells progress.

    The chunks run on ``executor`` (default: a `LocalExecutor` of ``workers`` processes, every
    usable core unless given); each result is put in its chunk's place, so the table is the same,
    to the bit, whichever executor runs them and on however many workers.
    """
    grid = _grid(axes)
    configs = combination_configs(config, [(axis.key, axis.values) for axis in axes])
    market, kinds = _load(configs, axes, grid, refresh=refresh)
    _, base_rate, _, _ = prepare(config, market=market)
    # every combination trades on the same columns; one without a ticker holds none of it
    tickers = [t for held in kinds for role in held for t in market.universe.tickers(role)]
    tickers += config.strategy.held_tickers(market.universe)  # a sweep changes no ticker
    context = _Context(market, base_rate, list(dict.fromkeys(tickers)))
    starts = range(0, len(configs), chunk_size)
    chunks = [configs[first : first + chunk_size] for first in starts]
    tables: list[pd.DataFrame] = [pd.DataFrame()] * len(chunks)
    shapes: list[ReturnShape | None] = [None] * len(chunks)
    done = 0
    # what every combination shares (signals in the market's memo, the 60/40 under the first
    # costs, compiled code) is computed once here, before workers copy this process
    _run_chunk(chunks[0][:1], context)
    try:
        with reused_heap():  # every chunk allocates and frees arrays of the same sizes
            for index, (shape, table) in (executor or LocalExecutor(workers)).map_chunks(
                _run_chunk, chunks, context
            ):
                shapes[index], tables[index] = shape, table
                done += len(table)
                if on_chunk:
                    on_chunk(done, len(configs))
    except ChunkError as exc:
        raise _failed(exc, axes, grid, starts, chunk_size) from exc.cause
    keys = [axis.key for axis in axes]
    table = pd.concat(
        [pd.DataFrame(grid, columns=keys), pd.concat(tables, ignore_index=True)], axis=1
    )
    return SweepResult(
        table=table,
        axes=tuple(axes),
        shape=ReturnShape.join(shapes),  # type: ignore[arg-type]
        periods_per_year=market.periods_per_year,
        market=market,
    )


def sweep_market(config: RunConfig, axes: list[Axis]) -> Market:
    """The market `sweep` runs ``axes`` on (refused as it would refuse it)."""
    grid = _grid(axes)
    return _load(
        combination_configs(config, [(axis.key, axis.values) for axis in axes]), axes, grid
    )[0]


def _load(
    configs: list[RunConfig],
    axes: list[Axis],
    grid: list[tuple[float, ...]],
    *,
    refresh: bool = False,
) -> tuple[Market, list[tuple[Role, ...]]]:
    """One market holding every combination's tickers, and the distinct roles they hold.

    Combinations holding the same roles ask for the same data (a sweep changes numbers, never a
    ticker or a file a signal reads), so the first of each kind speaks for the rest. Each kind
    must run alone on the market's dates: a leg that starts late (bitcoin, from 2014) moves the
    start of only the combinations holding it, and rows on different dates would not compare
    (nor would their luck checks, nor the pick's run on this market), so such a grid is refused.
    """
    kinds: dict[tuple[Role, ...], int] = {}
    for index, cfg in enumerate(configs):
        kinds.setdefault(cfg.strategy.roles(), index)
    firsts = list(kinds.values())
    requests = [market_request(configs[index]) for index in firsts]
    market, alone = load_shared(configs[0].data, requests, refresh=refresh)
    if any(not dates.equals(market.prices.index) for dates in alone):
        raise _different_dates(axes, [grid[index] for index in firsts], alone)
    check_length(market)
    return market, list(kinds)


def _different_dates(
    axes: list[Axis], values: list[tuple[float, ...]], alone: list[pd.DatetimeIndex]
) -> ConfigError:
    """The refusal of a grid whose kinds of combination would run alone on different dates."""
    spans: dict[tuple[date, date], tuple[float, ...]] = {}
    for first_values, dates in zip(values, alone, strict=True):
        spans.setdefault((dates[0].date(), dates[-1].date()), first_values)
    varying = [k for k in range(len(axes)) if len({v[k] for v in spans.values()}) > 1]
    named = [
        ", ".join(f"{axes[k].key}={v[k]:g}" for k in varying or range(len(axes)))
        + f" from {first} to {last}"
        for (first, last), v in spans.items()
    ]
    latest, earliest = max(first for first, _ in spans), min(last for _, last in spans)
    fixes = []
    if len({first for first, _ in spans}) > 1:
        fixes.append(
            f"--start {latest} or later (or --allow-partial, which holds a leg in cash until "
            "its first price)"
        )
    if len({last for _, last in spans}) > 1:
        fixes.append(f"--end {earliest} or earlier")
    keys = ", ".join(axes[k].key for k in varying) or "the grid"
    return ConfigError(
        f": {keys} changes which tickers a combination holds, and alone they would run on "
        f"different dates: {'; '.join(named)}; a sweep compares its combinations on the same "
        f"dates: set {' and '.join(fixes)}",
        option="sweep",
    )


def _run_chunk(chunk: list[RunConfig], context: _Context) -> tuple[ReturnShape, pd.DataFrame]:
    """One chunk's return shape and table rows: the unit of work an executor runs.

    The chunk's equity paths are reduced here (`analytics.paths.path_statistics`, one compiled
    pass a path) and dropped, so a sweep's memory does not grow with its combinations times its
    bars.
    """
    equity, cash, cash_rows, ruins = _simulate(chunk, context)
    index = context.market.prices.index
    found = path_statistics(
        equity, context.market.periods_per_year, cash, cash_rows, (index[-1] - index[0]).days,
        PBO_SPLITS,
    )  # fmt: skip
    table = _rows(chunk, found.metrics, ruins, context)
    return ReturnShape(found.skew, found.kurtosis, found.blocks, equity.shape[1] - 1), table


def _failed(
    exc: ChunkError, axes: list[Axis], grid: list[tuple[float, ...]], starts: range, size: int
) -> SweepError:
    """The error naming the failed chunk's combinations (the first few of a large chunk)."""
    combos = grid[starts[exc.index] : starts[exc.index] + size]
    named = [
        ", ".join(f"{axis.key}={value:g}" for axis, value in zip(axes, values, strict=True))
        for values in combos[:SHOWN]
    ]
    more = f" and {len(combos) - SHOWN} more" if len(combos) > SHOWN else ""
    return SweepError(
        f"sweep chunk {exc.index + 1} of {len(starts)} failed"
        f"{' after retries' if exc.retried else ''}, so nothing was "
        f"written; its combinations: ({'); ('.join(named)}){more}; the cause: {exc}"
    )


@dataclass
class _Context:
    """The one market of a sweep, with what its combinations share: rates and benchmarks."""

    market: Any
    base_rate: pd.Series
    columns: list[str]
    """The tickers any combination trades: the columns of every chunk's simulation."""
    rates: dict[str, tuple[pd.Series, np.ndarray]] = field(default_factory=dict)
    benchmarks: dict[str, dict[str, float]] = field(default_factory=dict)
    ends: dict[str, np.ndarray] = field(default_factory=dict)
    costs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    named: dict[tuple[int, int], tuple[Any, Any, str, str]] = field(default_factory=dict)
    market_arrays: tuple[np.ndarray, ...] = ()

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The closes, priced and own-close flags (bars x columns), days between bars, listings.

        The listings are `simulation.kernel.priced_changes` of the priced flags.
        """
        if not self.market_arrays:
            prices = self.market.prices[self.columns]
            priced = np.ascontiguousarray(prices.notna().to_numpy())
            self.market_arrays = (
                np.ascontiguousarray(prices.to_numpy(dtype=float)),  # rows: the bars
                priced,
                np.ascontiguousarray(self.market.printed(list(self.columns)).to_numpy(dtype=bool)),
                days_between(pd.DatetimeIndex(prices.index)),
                kernel.priced_changes(priced),
            )
        return self.market_arrays

    def period_ends(self, rebalance: Rebalance) -> np.ndarray:
        """The rebalance schedule's period ends on the market's dates."""
        if rebalance not in self.ends:
            self.ends[rebalance] = period_ends(
                pd.DatetimeIndex(self.market.prices.index), rebalance
            )
        return self.ends[rebalance]

    def rate_key(self, cfg: RunConfig) -> str:
        """The name of the combination's rate paths, computed on first use."""
        self.rates_for(cfg)
        return self._keys(cfg)[0]

    def rates_for(self, cfg: RunConfig) -> tuple[pd.Series, np.ndarray]:
        """The cash rate of each bar and the margin rate, as a single run computes them."""
        costs = cfg.costs
        key = self._keys(cfg)[0]
        if key not in self.rates:
            from_data = costs.cash_rate_file or costs.cash_rate == "auto"
            cash = self.base_rate if from_data else cash_rates(self.market.prices.index, costs)[0]
            self.rates[key] = (cash, margin_rates(cash, costs).to_numpy(dtype=float))
        return self.rates[key]

    def benchmark(self, cfg: RunConfig) -> dict[str, float]:
        """The 60/40's headline metrics under this combination's costs and execution."""
        key = self._keys(cfg)[1]
        if key not in self.benchmarks:
            cash, _ = self.rates_for(cfg)
            weights = benchmark_strategy(cfg.benchmark).target_weights(self.market)
            own = self.market.printed(list(weights.columns))
            crypto = frozenset(t for t in weights if self.market.universe.is_crypto(t))
            result = backtest(
                self.market.prices,
                weights,
                cfg.costs,
                cfg.execution,
                cash_rate=cash,
                own=own,
                crypto=crypto,
            )
            self.benchmarks[key] = summary(result.equity, self.market.periods_per_year, cash)
        return self.benchmarks[key]

    def cost_rates(self, cfg: RunConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The fee, slippage and yearly borrow rate of each column under the combination's costs."""
        key = self._keys(cfg)[1]
        if key not in self.costs:
            costs, universe = cfg.costs, self.market.universe
            self.costs[key] = costs.asset_rates(self.columns, universe.is_crypto)
        return self.costs[key]

    def _keys(self, cfg: RunConfig) -> tuple[str, str]:
        """The names of the combination's rates and of its costs and execution.

        Combinations of a strategy-only grid share their costs and execution objects, so the
        names are remembered by object (the objects are kept, so their ids stay theirs).
        """
        ident = (id(cfg.costs), id(cfg.execution))
        known = self.named.get(ident)
        if known is None:
            costs = cfg.costs
            rate = repr((costs.cash_rate, costs.cash_rate_file, costs.margin_spread_bps))
            known = (costs, cfg.execution, rate, repr((costs, cfg.execution)))
            self.named[ident] = known
        return known[2], known[3]


def _simulate(
    chunk: list[RunConfig], context: _Context
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any] | None]]:
    """Equity paths (combinations x bars), cash rate paths, each one's row of them, and ruins.

    A ruin is `simulation.simulate.Ruin.facts`, as a single run of the combination reports it.
    """
    market, columns = context.market, context.columns
    close, priced, own, days, changes = context.arrays()
    books: list[tuple[np.ndarray, np.ndarray]] = []
    fees, slippage, borrow, rows, weights = [], [], [], [], []
    keys = list(context.rates)
    for cfg in chunk:
        ends = cfg.strategy.rebalance_ends(market, cfg.execution.rebalance)
        ends = context.period_ends(cfg.execution.rebalance) if ends is None else ends
        rows_of = cfg.strategy.weight_rows(market, columns)
        weights.append(rows_of)
        books.append(order_book(rows_of, priced, ends, cfg.execution.lag, own, changes))
        rates = context.cost_rates(cfg)
        fees.append(rates[0])
        slippage.append(rates[1])
        borrow.append(rates[2])
        key = context.rate_key(cfg)
        if key not in keys:
            keys.append(key)
        rows.append(keys.index(key))
    cash = np.array([context.rates[key][0].to_numpy(dtype=float) for key in keys])
    cash_rows = np.array(rows, dtype=np.int64)
    margin = np.array([context.rates[key][1] for key in keys])
    starts = np.cumsum([0, *(len(bars) for bars, _ in books)])
    equity, ruin, losses = kernel.equity_paths(
        close,
        starts,
        np.concatenate([bars for bars, _ in books]),
        np.concatenate([orders for _, orders in books]),
        np.array(fees),
        np.array(slippage),
        np.array(borrow, dtype=float),
        days,
        cash,
        margin,
        cash_rows,
        float(chunk[0].execution.initial_value),
        np.array([cfg.execution.maintenance_margin for cfg in chunk], dtype=float),
    )
    ruins = [
        None
        if ruin[k] == kernel.NO_RUIN
        else _ruin(cfg, weights[k], equity[k, ruin[k]], losses[k], ruin[k], context)
        for k, cfg in enumerate(chunk)
    ]
    return equity, cash, cash_rows, ruins


def _ruin(
    cfg: RunConfig,
    weights: tuple[np.ndarray, np.ndarray],
    value: float,
    losses: np.ndarray,
    bar: int,
    context: _Context,
) -> dict[str, Any]:
    """A ruined combination's `Ruin.facts`, its legs named as a single run names them."""
    rows, codes = weights
    mean = np.bincount(codes, minlength=len(rows)) @ rows / len(codes)  # legs' sides by mean
    mean = pd.DataFrame([mean], columns=context.columns)
    names = legs(cfg.strategy, mean, context.market.universe)
    ruin = Ruin(context.market.prices.index[bar], float(value), pd.Series(losses, context.columns))
    return ruin.facts(names)


def _rows(
    chunk: list[RunConfig],
    metrics: dict[str, np.ndarray],
    ruins: list[dict[str, Any] | None],
    context: _Context,
) -> pd.DataFrame:
    """Each combination's metrics, as a single run reports them, and its differences to 60/40.

    Then its ruin's date and cause (empty if none). A ruined combination's metrics are those
    of its ended path, as its single run's are.
    """
    columns: dict[str, Any] = dict(metrics)
    for name in ("sharpe", "cagr"):
        theirs = np.array([context.benchmark(cfg)[name] for cfg in chunk])
        columns[f"{name}_vs_6040"] = metrics[name] - theirs
    columns["ruined_on"] = [facts["date"] if facts else "" for facts in ruins]
    columns["ruin_cause"] = [facts["cause"] if facts else "" for facts in ruins]
    return pd.DataFrame(columns)
