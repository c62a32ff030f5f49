"""The summary table printed at the end of a run."""

from __future__ import annotations

from engine.run import RunResult

_ROWS = (
    ("Total return [%]", "total_return", 100.0),
    ("CAGR [%]", "cagr", 100.0),
    ("Volatility [%]", "volatility", 100.0),
    ("Sharpe", "sharpe", 1.0),
    ("Sortino", "sortino", 1.0),
    ("Max drawdown [%]", "max_drawdown", 100.0),
    ("Calmar", "calmar", 1.0),
)


def summary_table(result: RunResult) -> str:
    """Return the strategy, 60/40 and their difference, one metric a row."""
    dates = result.strategy.equity.index
    lines = [
        f"{result.config.strategy.name} vs 60/40, {dates[0].date()} to {dates[-1].date()}, "
        f"data {result.market.source}",
        f"{'':18}{'strategy':>11}{'60/40':>11}{'difference':>12}",
    ]
    for label, key, scale in _ROWS:
        cells = (result.metrics[part][key] * scale for part in ("strategy", "benchmark"))
        diff = result.metrics["difference"][key] * scale
        lines.append(f"{label:18}" + "".join(f"{v:11.2f}" for v in cells) + f"{diff:12.2f}")
    boot = result.metrics["uncertainty"]
    lines.append(
        f"Sharpe difference {boot['sharpe_diff']:.2f}, {boot['confidence']:.0%} interval "
        f"{boot['sharpe_diff_low']:.2f} to {boot['sharpe_diff_high']:.2f}; strategy's Sharpe "
        f"above 60/40's in {boot['prob_sharpe_better']:.0%} of {boot['n_resamples']} "
        "block-bootstrap resamples"
    )
    costs = result.metrics["attribution"]["strategy"]
    lines.append(
        "Strategy costs and financing [$]: "
        + ", ".join(
            f"{line} {costs[line]:,.0f}" for line in ("fees", "slippage", "borrow", "interest")
        )
    )
    return "\n".join(lines)
