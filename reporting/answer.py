"""The answer first: sentences made from the run saying whether it beat the benchmark, and why.

The report and the console summary open with them.
"""

from __future__ import annotations

from typing import Any

from pipeline.run import RunResult
from reporting.html import missing, num

COST_LINES = ("fees", "slippage", "borrow", "interest")


def answer(result: RunResult) -> str:
    """Did the strategy beat the benchmark, by how much, how sure, and what drove it.

    The margin is the CAGR difference (calendar time, as in the table); the confidence is the
    bootstrap's interval of the Sharpe difference; the driver is the leg or cost line with the
    largest dollar P&L in the direction of the result, and for a switching run the regime held
    when the most was made or lost.
    """
    metrics, bench = result.metrics, result.benchmark_name
    ours, theirs = metrics["strategy"], metrics["benchmark"]
    name = result.config.strategy.title
    dates = result.strategy.equity.index
    years = f"{dates[0].year}-{dates[-1].year}" if dates[0].year != dates[-1].year else ""
    period = f" over {years}" if years else ""
    diff = ours["cagr"] - theirs["cagr"]
    if missing(diff):
        first = f"{name} against {bench}{period}: CAGR n/a (too short a run to annualise)."
    else:
        verb = "beat" if diff > 0 else "trailed" if diff < 0 else "matched"
        first = (
            f"{name} {verb} {bench}{period} by {num(abs(diff), 100)} points of CAGR a year "
            f"({num(ours['cagr'], 100)}% against {num(theirs['cagr'], 100)}%); "
            + confidence(metrics)
        )
    return f"{first} {drivers(result)}".strip()


def confidence(metrics: dict[str, Any]) -> str:
    """The Sharpe difference's bootstrap interval and what it says, or why there is none."""
    boot = metrics["uncertainty"]
    why = metrics.get("na_reasons", {}).get("uncertainty", {}).get("sharpe_diff")
    if why or missing(boot.get("sharpe_diff_low")):
        return f"no confidence interval: {why or 'the bootstrap gave none'}."
    low, high = boot["sharpe_diff_low"], boot["sharpe_diff_high"]
    level = num(boot["confidence"], 100, 0)
    if low > 0 or high < 0:
        word = "better" if low > 0 else "worse"
        verdict = f"so the Sharpe ratio is {word} with {level}% confidence"
    else:
        verdict = "an interval that spans zero: no clear difference in Sharpe ratio"
    return (
        f"Sharpe difference {num(boot['sharpe_diff'], signed=True)}, {level}% bootstrap "
        f"interval {num(low, signed=True)} to {num(high, signed=True)}, {verdict}."
    )


def drivers(result: RunResult) -> str:
    """The leg or cost line, and the regime, that moved the result most, in dollars."""
    pnl = {k: v for k, v in result.metrics["attribution"]["strategy"].items() if k != "total"}
    total = result.metrics["attribution"]["strategy"].get("total", sum(pnl.values()))
    if not pnl:
        return ""
    sign = 1.0 if total >= 0 else -1.0
    top = max(pnl, key=lambda key: sign * pnl[key])
    kind = "cost line" if top in COST_LINES else "leg"
    made = "made" if pnl[top] >= 0 else "lost"
    text = f"Biggest driver: the {top} {kind}, which {made} {dollars(abs(pnl[top]))}"
    others = sum(v for k, v in pnl.items() if k != top and v * pnl[top] < 0)
    if others and abs(pnl[top]) > abs(others):
        what = "made" if pnl[top] < 0 else "lost"
        text += f", more than every other leg and line {what} together ({dollars(abs(others))})"
    text += f", for a total of {dollars(total)}"
    switching = result.metrics.get("switching") or {}
    by_regime = switching.get("pnl_by_regime") or {}
    if by_regime:
        regime = max(by_regime, key=lambda key: abs(by_regime[key]))
        share = switching.get("per_regime", {}).get(regime, {}).get("share")
        held = f" (held {num(share, 100, 0)}% of days)" if not missing(share) else ""
        word = "made" if by_regime[regime] >= 0 else "lost"
        text += (
            f"; by regime, the most was {word} in {regime}{held}: {dollars(abs(by_regime[regime]))}"
        )
    return text + "."


def dollars(value: float) -> str:
    """``$1,234`` or ``-$1,234``: whole dollars with the sign before the symbol."""
    return f"{'-' if round(value) < 0 else ''}${num(abs(value), digits=0)}"
