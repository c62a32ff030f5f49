"""Parameter sweeps: every combination of a grid, many per simulation call, in bounded chunks.

Each combination is the base config with some numeric keys changed (``strategy.sell_above``,
``costs.fees_bps``, ``costs.borrow_bps.BTC-USD``...). All combinations run on one market: the
dates on which every ticker any of them trades has a price. Their target weights are built by
the strategies themselves (a switching strategy reads each signal once per sweep, through the
market's memo); the simulation runs a chunk of combinations per call of `engine.kernel`, the
same arithmetic as a single run, and the metrics are computed from the equity paths with the
formulas of `engine.metrics`, so a sweep's row equals a single run of that combination.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from engine import kernel
from engine.config import RunConfig
from engine.costs import cash_rates, days_between, margin_rates
from engine.errors import ConfigError
from engine.metrics import METRICS, summary
from engine.overfitting import deflated_sharpe, pbo, pbo_applicable
from engine.run import BENCHMARK, prepare
from engine.simulate import backtest, order_targets, period_ends

METRIC_COLUMNS = METRICS
DIFFERENCES = ("sharpe_vs_6040", "cagr_vs_6040")


@dataclass(frozen=True)
class Axis:
    """One swept key and its values."""

    key: str
    values: tuple[float, ...]


def parse_axis(text: str) -> Axis:
    """``KEY=1,2,3`` (a list) or ``KEY=0.1:0.5:0.1`` (start:stop:step, stop included)."""
    key, sep, spec = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--sweep {text!r}: expected KEY=SPEC, e.g. strategy.sell_above=7,8,9")
    try:
        if ":" in spec:
            start, stop, step = (float(part) for part in spec.split(":"))
            if step <= 0 or stop < start:
                raise ValueError("needs start <= stop and a positive step")
            count = int(np.floor((stop - start) / step + 1e-9)) + 1
            values = tuple(round(start + i * step, 12) for i in range(count))
        else:
            values = tuple(float(part) for part in spec.split(","))
    except ValueError as exc:
        raise ConfigError(f"--sweep {text!r}: {exc}; use 7,7.5,8 or 0.1:0.5:0.1") from None
    return Axis(key.strip(), values)


def with_value(config: RunConfig, key: str, value: float) -> RunConfig:
    """``config`` with one numeric key changed, checked by the section's own validation."""
    section, _, name = key.partition(".")
    name, _, entry = name.partition(".")
    part = getattr(config, section, None)
    if section not in {"strategy", "costs", "execution"} or not hasattr(part, name):
        raise ConfigError(f"--sweep {key}: not a strategy, costs or execution parameter")
    current = getattr(part, name)
    if entry:
        if not isinstance(current, dict):
            raise ConfigError(f"--sweep {key}: {section}.{name} takes no key")
        return replace(config, **{section: replace(part, **{name: {**current, entry: value}})})
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ConfigError(f"--sweep {key}: only numeric parameters can be swept")
    try:
        typed = TypeAdapter(type(current)).validate_python(value)
    except ValidationError:
        raise ConfigError(
            f"--sweep {key}: {value} is not a valid {type(current).__name__}"
        ) from None
    return replace(config, **{section: replace(part, **{name: typed})})


@dataclass(frozen=True)
class SweepResult:
    """One row per combination: its values, its metrics, and the differences to 60/40."""

    table: pd.DataFrame
    axes: tuple[Axis, ...]
    returns: pd.DataFrame
    """Each combination's daily returns (columns in table order), for overfitting checks."""
    periods_per_year: int


def sweep(
    config: RunConfig,
    axes: list[Axis],
    *,
    chunk_size: int = 128,
    refresh: bool = False,
    on_chunk: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every combination of ``axes`` on ``config``; ``on_chunk(done, total)`` tells progress."""
    grid = list(itertools.product(*(axis.values for axis in axes)))
    configs = [_combination(config, axes, values) for values in grid]
    market, base_rate, _ = prepare(_widest(config, configs), refresh=refresh)
    prices = market.prices
    rows: list[dict[str, Any]] = []
    paths, benchmarks = [], {}
    for first in range(0, len(configs), chunk_size):
        chunk = configs[first : first + chunk_size]
        equity, ruin = _simulate(chunk, market, base_rate)
        paths.append(equity)
        for cfg, path, bar in zip(chunk, equity, ruin, strict=True):
            rows.append(_row(cfg, path, bar, market, base_rate, benchmarks))
        if on_chunk:
            on_chunk(min(first + chunk_size, len(configs)), len(configs))
    keys = [axis.key for axis in axes]
    table = pd.concat([pd.DataFrame(grid, columns=keys), pd.DataFrame(rows)], axis=1)
    equity = np.vstack(paths)
    returns = pd.DataFrame((equity[:, 1:] / equity[:, :-1] - 1.0).T, index=prices.index[1:])
    return SweepResult(
        table=table, axes=tuple(axes), returns=returns, periods_per_year=market.periods_per_year
    )


def _combination(config: RunConfig, axes: list[Axis], values: tuple[float, ...]) -> RunConfig:
    for axis, value in zip(axes, values, strict=True):
        config = with_value(config, axis.key, value)
    return config


def _widest(config: RunConfig, configs: list[RunConfig]) -> RunConfig:
    """The base config's strategy with the roles any combination needs, for the one market."""
    return configs[max(range(len(configs)), key=lambda i: len(configs[i].strategy.roles()))]


def _simulate(
    chunk: list[RunConfig], market: Any, base_rate: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    prices = market.prices
    columns = list(dict.fromkeys(t for cfg in chunk for t in _tickers(cfg, market)))
    close = prices[columns].to_numpy(dtype=float)
    priced = prices[columns].notna().to_numpy()
    targets, fees, slippage, borrow, cash, margin = [], [], [], [], [], []
    for cfg in chunk:
        weights = cfg.strategy.target_weights(market).reindex(columns=columns, fill_value=0.0)
        ends = period_ends(pd.DatetimeIndex(prices.index), cfg.execution.rebalance)
        targets.append(
            order_targets(weights.to_numpy(dtype=float), priced, ends, cfg.execution.lag)
        )
        fees.append(np.full(len(columns), cfg.costs.fees_bps / 1e4))
        slippage.append(np.full(len(columns), cfg.costs.slippage_bps / 1e4))
        borrow.append([cfg.costs.borrow_rate(t, market.universe.is_crypto(t)) for t in columns])
        rate = _rate(cfg, market, base_rate)
        cash.append(rate.to_numpy(dtype=float))
        margin.append(margin_rates(rate, cfg.costs).to_numpy(dtype=float))
    return kernel.equity_paths(
        close,
        np.stack(targets),
        np.array(fees),
        np.array(slippage),
        np.array(borrow, dtype=float),
        days_between(pd.DatetimeIndex(prices.index)),
        np.array(cash),
        np.array(margin),
        float(chunk[0].execution.initial_value),
    )


def _tickers(cfg: RunConfig, market: Any) -> list[str]:
    return [market.universe.ticker(role) for role in cfg.strategy.roles()]


def _rate(cfg: RunConfig, market: Any, base_rate: pd.Series) -> pd.Series:
    if cfg.costs.cash_rate_file:
        return base_rate
    return cash_rates(market.prices.index, cfg.costs)[0]


def _row(
    cfg: RunConfig,
    path: np.ndarray,
    ruin: int,
    market: Any,
    base_rate: pd.Series,
    benchmarks: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """The metrics of one combination's equity path, as a single run reports them."""
    if ruin != kernel.NO_RUIN:
        ruined = market.prices.index[ruin].date().isoformat()
        return dict.fromkeys((*METRIC_COLUMNS, *DIFFERENCES), np.nan) | {"ruined_on": ruined}
    rate = _rate(cfg, market, base_rate)
    ours = summary(pd.Series(path, index=market.prices.index), market.periods_per_year, rate)
    key = repr((cfg.costs, cfg.execution))
    if key not in benchmarks:
        weights = BENCHMARK.target_weights(market)
        result = backtest(market.prices, weights, cfg.costs, cfg.execution, cash_rate=rate)
        benchmarks[key] = summary(result.equity, market.periods_per_year, rate)
    theirs = benchmarks[key]
    differences = {f"{name}_vs_6040": ours[name] - theirs[name] for name in ("sharpe", "cagr")}
    return ours | differences | {"ruined_on": ""}


def best_config(config: RunConfig, result: SweepResult) -> RunConfig:
    """The combination with the highest Sharpe (ruined combinations never win)."""
    best = int(result.table["sharpe"].fillna(-np.inf).to_numpy().argmax())
    row = result.table.iloc[best]
    for axis in result.axes:
        config = with_value(config, axis.key, float(row[axis.key]))
    return config


def summarise(result: SweepResult) -> dict[str, Any]:
    """The sweep's facts for ``metrics.json`` and the console: size, best, and its honesty.

    The deflated Sharpe ratio discounts the best Sharpe for the number of trials and the spread
    of their Sharpes; the probability of backtest overfitting (CSCV on the trials' daily returns)
    is given when the grid is large enough.
    """
    table = result.table
    sharpes = table["sharpe"].dropna()
    best = int(table["sharpe"].fillna(-np.inf).to_numpy().argmax())
    values = {axis.key: float(table.iloc[best][axis.key]) for axis in result.axes}
    facts: dict[str, Any] = {
        "combinations": len(table),
        "ruined": int((table["ruined_on"] != "").sum()),
        "best": values,
        "best_sharpe": float(table["sharpe"].iloc[best]),
    }
    returns = result.returns.iloc[:, best]
    if len(sharpes) > 1:
        deflated = deflated_sharpe(
            facts["best_sharpe"],
            sharpes.to_numpy(),
            len(returns),
            float(returns.skew()),
            float(returns.kurt()) + 3.0,
            result.periods_per_year,
        )
        facts["deflated_sharpe"] = deflated.deflated_sharpe
        facts["expected_max_sharpe"] = deflated.expected_max_sharpe
        facts["trial_sharpe_std"] = deflated.trial_sharpe_std
    survivors = result.returns.loc[:, table["ruined_on"].to_numpy() == ""]
    if pbo_applicable(survivors.shape[1], len(survivors)):
        facts["pbo"] = pbo(survivors.to_numpy()).pbo
    facts["headline"] = _headline(facts, values)
    return facts


def _headline(facts: dict[str, Any], values: dict[str, float]) -> str:
    chosen = ", ".join(f"{key}={value:g}" for key, value in values.items())
    text = f"sweep: best of {facts['combinations']} by Sharpe: {chosen}"
    text += f", Sharpe {facts['best_sharpe']:.2f}"
    if "deflated_sharpe" in facts:
        text += (
            f"; deflated Sharpe {facts['deflated_sharpe']:.2f} (probability the true Sharpe beats "
            f"{facts['expected_max_sharpe']:.2f}, the best expected from luck alone)"
        )
    if "pbo" in facts:
        text += f"; probability of backtest overfitting {facts['pbo']:.2f}"
    return text
