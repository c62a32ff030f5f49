"""The pipeline of one run: config -> market -> target weights -> simulations -> metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import metrics
from analytics.bootstrap import STATISTICS, BootstrapResult, compare, na_reason
from analytics.relative import relative_na_reasons, relative_summary
from analytics.tearsheet import tearsheet_na_reasons, tearsheet_summary
from core.errors import DataError
from data import Market, MarketRequest, load_market
from data.csv_source import read_rate_csv
from data.market import Universe
from data.sources import load_rate
from pipeline.config import RunConfig
from pipeline.switching import SwitchStudy, study
from simulation.attribution import attribution
from simulation.costs import CASH_RATE_TICKER, Costs, RateUnit, cash_rates, describe
from simulation.simulate import BacktestResult, backtest
from strategies import Strategy, check_weights
from strategies.benchmark import benchmark_strategy, benchmark_tickers

MIN_RUN_DATES = 10
"""Fewer dates leave a fill and a handful of returns: no metric would mean anything."""


@dataclass(frozen=True)
class RunResult:
    """A finished run: its config, the market it saw, both simulations and their metrics.

    ``metrics`` has ``strategy`` and ``benchmark`` (`analytics.metrics.full_summary` and
    `analytics.tearsheet.tearsheet_summary`),
    ``difference`` (strategy minus benchmark, numeric keys), ``relative`` (against the
    benchmark), ``uncertainty`` (the bootstrap), ``attribution`` (dollar totals of each leg and
    line), ``ruin`` (the strategy's margin call, `simulation.simulate.Ruin.facts`, or None),
    ``na_reasons`` (for each of the first five, why a figure is NaN, by key), for a switching
    strategy ``switching`` (entries, regime changes, per regime), and ``run`` (the config, data
    source, dates, notes and warnings): what ``metrics.json`` holds.
    ``attribution`` holds each portfolio's daily P&L by leg and line; ``legs`` names the
    strategy's leg of each ticker it holds (a basket's tickers share one). ``notes`` are facts
    about the run beyond the market's (a rate series that ends early, each signal's warm-up),
    ``warnings`` doubts beyond the market's (a trigger without a value on some of its days).
    """

    config: RunConfig
    market: Market
    strategy: BacktestResult
    benchmark: BacktestResult
    attribution: dict[str, pd.DataFrame]
    legs: dict[str, str]
    metrics: dict[str, dict[str, Any]]
    notes: tuple[str, ...] = ()
    costs: str = ""
    """The costs in force, one line (`simulation.costs.describe`)."""
    cash: str = ""
    """What positive cash earned, in words: ``Cash earns ...`` (`cash_rate_series`)."""
    switching: SwitchStudy | None = None
    warnings: tuple[str, ...] = ()

    @property
    def benchmark_name(self) -> str:
        """The benchmark as reports name it: ``60/40``, ``cash``, ``SPY``, ``IWM:0.5,EFA:0.5``."""
        return self.config.benchmark

    @property
    def ruin_headline(self) -> str:
        """``RUINED on <date>: ...``: the margin call (`simulation.simulate`); "" if none."""
        ruin = self.strategy.ruin
        margin = self.config.execution.maintenance_margin
        return "" if ruin is None else ruin.headline(self.legs, margin)


def run(config: RunConfig, *, refresh: bool = False, market: Market | None = None) -> RunResult:
    """Run the configured strategy and its benchmark (``config.benchmark``) on the same dates.

    ``refresh`` refetches downloaded prices instead of using the cache. ``market`` runs on a
    market already loaded instead of the config's own (a sweep's pick runs on the sweep's: the
    tickers every combination trades, on the dates each of them would run on alone).
    """
    market, cash_rate, notes, earns = prepare(config, refresh=refresh, market=market)
    results, tables, names = {}, {}, {}
    benchmark = benchmark_strategy(config.benchmark)
    for name, strategy in (("strategy", config.strategy), ("benchmark", benchmark)):
        weights = strategy.target_weights(market)
        check_weights(weights, market, strategy)
        results[name] = backtest(
            market.prices,
            weights,
            config.costs,
            config.execution,
            cash_rate=cash_rate,
            crypto=frozenset(t for t in weights if market.universe.is_crypto(t)),
            own=market.printed(list(weights.columns)),
            ends=strategy.rebalance_ends(market, config.execution.rebalance),
        )
        names[name] = legs(strategy, weights, market.universe)
        tables[name] = attribution(results[name], market.prices, names[name])
    summary = _metrics(results["strategy"], results["benchmark"], tables, market, config.benchmark)
    ruin = results["strategy"].ruin
    summary["ruin"] = None if ruin is None else ruin.facts(names["strategy"])
    explanation = config.strategy.explain(market)
    switching, warnings = None, ()
    if explanation is not None:
        switching = study(explanation, results["strategy"], market, config.costs, config.execution)
        summary["switching"] = switching.summary()
        notes += explanation.notes
        warnings = explanation.warnings
    summary["run"] = _facts(config, market, results["strategy"].equity.index, notes, warnings)
    return RunResult(
        config=config,
        market=market,
        strategy=results["strategy"],
        benchmark=results["benchmark"],
        attribution=tables,
        legs=names["strategy"],
        metrics=summary,
        notes=tuple(notes),
        costs=describe(config.costs),
        cash=earns,
        switching=switching,
        warnings=tuple(warnings),
    )


def prepare(
    config: RunConfig, *, refresh: bool = False, market: Market | None = None
) -> tuple[Market, pd.Series, list[str], str]:
    """The market a config needs (or ``market``), its bars' cash rate, notes, and what cash earns.

    What cash earns is one phrase (`cash_rate_series`), stated with the costs in the summary.
    """
    if market is None:
        market = load_market(config.data, market_request(config), refresh=refresh)
        check_length(market)
    series, unit, earns = cash_rate_series(config.costs, market, refresh=refresh)
    cash_rate, notes = cash_rates(market.prices.index, config.costs, series, unit)
    return market, cash_rate, notes, earns


def cash_rate_series(
    costs: Costs, market: Market, *, refresh: bool = False
) -> tuple[pd.Series | None, RateUnit | None, str]:
    """The series cash earns (None: the constant ``costs.cash_rate``), its unit, and in words.

    ``costs.cash_rate_file`` wins; else ``auto`` reads the 13-week T-bill yield (``^IRX``, in
    percent a year) from the market's source, and where the source has none (or its history
    starts after the run) says plainly that 0 is used.
    """
    if costs.cash_rate_file:
        path = Path(costs.cash_rate_file)
        series = read_rate_csv(path, costs.cash_rate_column)
        unit = costs.cash_rate_unit
        return series, None, f"Cash earns {path.name} {costs.cash_rate_column} ({unit})"
    if costs.cash_rate != "auto":
        return None, None, f"Cash earns {costs.cash_rate:g} a year (costs.cash_rate)"
    series, where = load_rate(market, CASH_RATE_TICKER, refresh=refresh)
    if series is None or series.empty:
        missing = f"Cash earns 0: no short-term rate available ({where}); set costs.cash_rate"
        return None, None, f"{missing} or costs.cash_rate_file"
    first, start = series.index[0], market.prices.index[0]
    earns = f"Cash earns the 13-week T-bill yield ({where})"
    if first > start:  # nothing earned before the series starts
        series = pd.concat([pd.Series([0.0], index=[start]), series])
        earns += f", 0 before its first date {first.date()}"
    return series, "percent_per_year", earns


def check_length(market: Market) -> None:
    """Refuse a market too short for a backtest, with what cut it short (the data's notes)."""
    dates = market.prices.index
    if len(dates) < MIN_RUN_DATES:
        moved = [note for note in market.notes if note.startswith(("start moved", "end moved"))]
        why = f" ({'; '.join(moved)})" if moved else ""
        raise DataError(
            f"only {len(dates)} date(s), {dates[0].date()} to {dates[-1].date()}, on which every "
            f"required ticker has a price{why}; a backtest needs at least {MIN_RUN_DATES}: add "
            "history, widen --start/--end or choose other tickers"
        )


def market_request(config: RunConfig) -> MarketRequest:
    """What a config needs from the data: its roles' and signals' tickers, dates, calendar."""
    signal_tickers, files = config.strategy.inputs(config.universe)
    benchmark = benchmark_strategy(config.benchmark)
    return MarketRequest(
        universe=config.universe,
        roles=tuple(dict.fromkeys((*config.strategy.roles(), *benchmark.roles()))),
        start=config.start,
        end=config.end,
        calendar=config.calendar,
        allow_partial=config.allow_partial,
        signal_tickers=signal_tickers,
        external=files,
        held=(*config.strategy.held_tickers(config.universe), *benchmark_tickers(config.benchmark)),
    )


def _facts(
    config: RunConfig,
    market: Market,
    dates: pd.DatetimeIndex,
    notes: Sequence[str],
    warnings: Sequence[str],
) -> dict[str, Any]:
    """The run's facts beside its figures: config, data, dates, calendar, notes and warnings."""
    return {
        "config": config.as_dict(),
        "data_source": market.source,
        "synthetic": market.synthetic,
        "start": dates[0].date().isoformat(),
        "end": dates[-1].date().isoformat(),
        "periods_per_year": market.periods_per_year,
        "calendar": config.calendar,
        "benchmark": config.benchmark,
        "label": "",  # a written run's label (``--label``), set when it is written
        "notes": [*market.notes, *notes],
        "warnings": [*market.warnings, *warnings],
        "carried_forward": market.carried,
    }


def _metrics(
    ours: BacktestResult,
    theirs: BacktestResult,
    tables: dict[str, pd.DataFrame],
    market: Market,
    bench: str,
) -> dict[str, dict[str, Any]]:
    """Each portfolio's metrics, their difference, the relative metrics and the bootstrap.

    ``na_reasons`` says why any of them is NaN (`analytics.metrics.na_reasons` and its kin).
    """
    ppy, rate = market.periods_per_year, ours.cash_rate
    results = {"strategy": ours, "benchmark": theirs}
    described = {
        name: {
            **metrics.full_summary(
                result.equity, result.weights, traded_notional(result), ppy, risk_free=rate
            ),
            **tearsheet_summary(result.equity),
        }
        for name, result in results.items()
    }
    returns = {name: metrics.daily_returns(result.equity) for name, result in results.items()}
    reasons = {
        name: {
            **metrics.na_reasons(returns[name], ppy, rate),
            **tearsheet_na_reasons(result.equity),
        }
        for name, result in results.items()
    }
    numeric = [key for key, value in described["strategy"].items() if isinstance(value, float)]
    boot = compare(returns["strategy"], returns["benchmark"], ppy, risk_free=rate.iloc[1:])
    reasons["difference"] = _difference_reasons(reasons, numeric, bench)
    reasons["relative"] = relative_na_reasons(ours.equity, theirs.equity, ppy, bench)
    reasons["uncertainty"] = _bootstrap_reasons(reasons, len(returns["strategy"]), boot, ppy, bench)
    return {
        **described,
        "difference": {
            key: described["strategy"][key] - described["benchmark"][key] for key in numeric
        },
        "relative": relative_summary(ours.equity, theirs.equity, ppy, risk_free=rate),
        "uncertainty": {**boot.as_dict(), **dict.fromkeys(reasons["uncertainty"], float("nan"))},
        "attribution": {name: table.sum().to_dict() for name, table in tables.items()},
        "na_reasons": reasons,
    }


def _difference_reasons(
    reasons: dict[str, dict[str, str]], keys: list[str], bench: str
) -> dict[str, str]:
    """A difference is NaN when either side is: say which, and why."""
    sides = (("strategy", "strategy"), ("benchmark", bench))
    found = {
        key: [f"{word}: {reasons[side][key]}" for side, word in sides if key in reasons[side]]
        for key in keys
    }
    return {key: "; ".join(why) for key, why in found.items() if why}


def _bootstrap_reasons(
    reasons: dict[str, dict[str, str]], n_obs: int, boot: BootstrapResult, ppy: int, bench: str
) -> dict[str, str]:
    """Why the bootstrap's figures are NaN: too short a run, or a Sharpe that is n/a."""
    short = na_reason(n_obs, boot.mean_block, ppy)
    if short:
        return dict.fromkeys(STATISTICS, short)
    sides = (("strategy", "the strategy's"), ("benchmark", f"{bench}'s"))
    why = [
        f"{word} Sharpe is n/a, {reasons[side]['sharpe']}"
        for side, word in sides
        if "sharpe" in reasons[side]
    ]
    sharpe = [key for key in STATISTICS if "sharpe" in key]
    return dict.fromkeys(sharpe, "; ".join(why)) if why else {}


def traded_notional(result: BacktestResult) -> pd.Series:
    """Absolute notional traded per date, at the fill prices."""
    notional = (result.trades["units"] * result.trades["price"]).abs()
    return notional.groupby(result.trades["date"]).sum()


def legs(strategy: Strategy, weights: pd.DataFrame, universe: Universe) -> dict[str, str]:
    """Name each ticker's leg by its side, role and tickers: ``long international (EFA+EEM)``.

    A basket's tickers share their role's leg; a ticker two roles hold is a leg of its own.
    """
    roles: dict[str, list[str]] = {}
    for role in strategy.roles():
        for ticker in universe.tickers(role):
            roles.setdefault(ticker, []).append(role)
    groups: dict[str, list[str]] = {}
    for ticker in weights:
        groups.setdefault("+".join(roles.get(ticker, ["other"])), []).append(ticker)
    names, values = {}, weights.to_numpy(dtype=float)
    for group, tickers in groups.items():
        held = values[:, [weights.columns.get_loc(ticker) for ticker in tickers]]
        side = "short" if held.sum(axis=1).mean() < 0 else "long"
        names.update(dict.fromkeys(tickers, f"{side} {group} ({'+'.join(tickers)})"))
    return names
