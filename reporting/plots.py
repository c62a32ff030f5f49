"""Every chart of a run's report on its own, as a matplotlib `Figure` (``Result.plot``).

The same functions draw the report's PNGs, so a notebook shows what the report shows.
"""

from __future__ import annotations

from typing import Literal, get_args

import pandas as pd
from matplotlib.figure import Figure

from analytics.metrics import annual_returns, monthly_returns
from analytics.tearsheet import excess_monthly
from core.errors import ConfigError
from pipeline.config import suggest
from pipeline.run import RunResult
from reporting.figures import (
    drawdown_figure,
    equity_figure,
    exposure_figure,
    regime_figure,
    rolling_figure,
    signals_figure,
)
from reporting.period_figures import annual_figure, attribution_figure, monthly_figure

Kind = Literal[
    "equity",
    "drawdown",
    "weights",
    "regimes",
    "reading",
    "rolling",
    "monthly",
    "monthly_benchmark",
    "monthly_excess",
    "annual",
    "attribution",
]
KINDS: tuple[str, ...] = get_args(Kind)
SECTION_NAMES = {"exposures": "weights", "signals": "reading", "drawdowns": "drawdown"}
"""The report's section names for the same charts, accepted as they are."""
SWITCHING_ONLY = ("regimes", "reading")


def plot(result: RunResult, kind: str = "equity", *, log: bool = True) -> Figure:
    """The report's chart ``kind`` of ``result``; ``log`` sets the equity chart's scale.

    ``regimes`` and ``reading`` are a switching strategy's only; an unknown kind or one that
    does not apply is a `ConfigError` naming the kinds there are.
    """
    chosen = SECTION_NAMES.get(kind, kind)
    if chosen not in KINDS:
        raise ConfigError(f"plot({kind!r}): unknown kind{suggest(kind, KINDS)}")
    if chosen in SWITCHING_ONLY and result.switching is None:
        raise ConfigError(
            f"plot({kind!r}): a static strategy has no {chosen}; expected one of "
            f"{', '.join(k for k in KINDS if k not in SWITCHING_ONLY)}"
        )
    return _DRAW[chosen](result, log)


def _equity(result: RunResult) -> pd.DataFrame:
    name, bench = result.config.strategy.title, result.benchmark_name
    return pd.DataFrame({name: result.strategy.equity, bench: result.benchmark.equity})


def _regime(result: RunResult) -> pd.Series | None:
    return None if result.switching is None else result.switching.explanation.regime


def _equity_chart(result: RunResult, log: bool) -> Figure:
    curves = _equity(result)
    title = f"{curves.columns[0]} vs {curves.columns[1]}"
    return equity_figure(
        curves, title, result.market.synthetic, regime=_regime(result), drawdowns=False, log=log
    )


def _reading_chart(result: RunResult, _: bool) -> Figure:
    strategy, explained = result.config.strategy, result.switching.explanation  # type: ignore[union-attr]
    levels = (getattr(strategy, "sell_above", None), getattr(strategy, "buy_below", None))
    return signals_figure(explained.signals, explained.regime, levels, result.market.synthetic)


def _monthly_chart(result: RunResult, which: str) -> Figure:
    curves = _equity(result)
    name, bench = curves.columns
    synthetic = result.market.synthetic
    if which == "strategy":
        return monthly_figure(monthly_returns(curves[name]), name, synthetic)
    if which == "benchmark":
        return monthly_figure(monthly_returns(curves[bench]), bench, synthetic)
    title = f"Monthly return of {name} minus {bench}'s [pp]"
    return monthly_figure(excess_monthly(curves[name], curves[bench]), name, synthetic, title)


def _annual_chart(result: RunResult, _: bool) -> Figure:
    curves = _equity(result)
    years = pd.DataFrame({column: annual_returns(curves[column]) for column in curves})
    return annual_figure(years, result.market.synthetic)


_DRAW = {
    "equity": _equity_chart,
    "drawdown": lambda r, _: drawdown_figure(_equity(r), r.market.synthetic),
    "weights": lambda r, _: exposure_figure(
        r.strategy.weights, r.legs, _regime(r), r.market.synthetic
    ),
    "regimes": lambda r, _: regime_figure(_regime(r), r.market.synthetic),
    "reading": _reading_chart,
    "rolling": lambda r, _: rolling_figure(
        _equity(r), r.strategy.cash_rate, r.market.periods_per_year, r.market.synthetic
    ),
    "monthly": lambda r, _: _monthly_chart(r, "strategy"),
    "monthly_benchmark": lambda r, _: _monthly_chart(r, "benchmark"),
    "monthly_excess": lambda r, _: _monthly_chart(r, "excess"),
    "annual": _annual_chart,
    "attribution": lambda r, _: attribution_figure(
        r.attribution["strategy"],
        r.attribution["benchmark"]["total"],
        (r.config.strategy.title, r.benchmark_name),
        r.market.synthetic,
    ),
}
