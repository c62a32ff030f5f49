"""The pipeline of one run: config -> market -> target weights -> simulations -> metrics."""

from __future__ import annotations

from dataclasses import dataclass

from data import Market, MarketRequest, load_market
from engine import metrics
from engine.config import RunConfig
from engine.simulate import BacktestResult, backtest
from strategies import SixtyForty, check_weights

BENCHMARK = SixtyForty()


@dataclass(frozen=True)
class RunResult:
    """A finished run: its config, the market it saw, both simulations and their metrics.

    ``metrics`` has ``strategy``, ``benchmark`` and ``difference`` (strategy minus benchmark),
    each keyed as in `engine.metrics.METRICS`.
    """

    config: RunConfig
    market: Market
    strategy: BacktestResult
    benchmark: BacktestResult
    metrics: dict[str, dict[str, float]]


def run(config: RunConfig, *, refresh: bool = False) -> RunResult:
    """Run the configured strategy and the 60/40 benchmark on the same dates and costs.

    ``refresh`` refetches downloaded prices instead of using the cache.
    """
    request = MarketRequest(
        universe=config.universe,
        roles=tuple(dict.fromkeys((*config.strategy.roles(), *BENCHMARK.roles()))),
        start=config.start,
        end=config.end,
        calendar=config.calendar,
        allow_partial=config.allow_partial,
    )
    market = load_market(config.data, request, refresh=refresh)
    weights = config.strategy.target_weights(market)
    check_weights(weights, market, config.strategy)
    strategy = backtest(market.prices, weights, config.costs, config.execution)
    benchmark = backtest(
        market.prices, BENCHMARK.target_weights(market), config.costs, config.execution
    )
    ppy = market.periods_per_year
    ours = metrics.summary(strategy.equity, ppy)
    theirs = metrics.summary(benchmark.equity, ppy)
    return RunResult(
        config=config,
        market=market,
        strategy=strategy,
        benchmark=benchmark,
        metrics={
            "strategy": ours,
            "benchmark": theirs,
            "difference": {key: ours[key] - theirs[key] for key in metrics.METRICS},
        },
    )
