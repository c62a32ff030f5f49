"""The answer first: the report and the console open by saying whether the run beat its benchmark,
and why, from figures a test recomputes on its own."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import build_config
from pipeline.run import RunResult, run
from reporting.answer import answer
from reporting.console import summary_table
from reporting.report import write_report

DEMO = {"data": "demo", "start": date(2016, 1, 1), "end": date(2019, 12, 31)}


@pytest.fixture(scope="module")
def switching() -> RunResult:
    return run(build_config("hartnett_switch", [], **DEMO))


def _dollars(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def test_the_answer_names_the_leg_that_moved_the_result_most(switching: RunResult) -> None:
    daily = switching.attribution["strategy"]
    totals = daily.drop(columns="total").sum()
    total = switching.strategy.equity.iloc[-1] - switching.strategy.equity.iloc[0]
    expected = totals.idxmax() if total >= 0 else totals.idxmin()
    text = answer(switching)
    found = re.search(
        r"Biggest driver: the (.+?) (leg|cost line), which (made|lost) (\$[\d,]+)", text
    )
    assert found is not None, text
    assert found.group(1) == expected
    assert _dollars(found.group(4)) == pytest.approx(abs(totals[expected]), abs=0.5)


def test_the_answer_names_the_regime_held_when_most_was_made_or_lost(
    switching: RunResult,
) -> None:
    lag = switching.config.execution.lag
    held = switching.switching.explanation.regime.shift(lag + 1)
    equity = switching.strategy.equity
    pnl = {}
    for i in range(1, len(equity)):  # a plain loop: the dollars of each bar to its regime
        regime = held.iloc[i]
        if isinstance(regime, str):
            pnl[regime] = pnl.get(regime, 0.0) + equity.iloc[i] - equity.iloc[i - 1]
    regime = max(pnl, key=lambda key: abs(pnl[key]))
    found = re.search(
        r"the most was (made|lost) in (\w+) \(held \d+% of days\): (\$[\d,]+)", answer(switching)
    )
    assert found is not None
    assert found.group(2) == regime
    assert _dollars(found.group(3)) == pytest.approx(abs(pnl[regime]), abs=0.5)
    assert (found.group(1) == "made") == (pnl[regime] > 0)


def test_the_answer_says_beat_or_trailed_by_the_calendar_cagr(switching: RunResult) -> None:
    equity = pd.DataFrame({"s": switching.strategy.equity, "b": switching.benchmark.equity})
    days = (equity.index[-1] - equity.index[0]).days
    cagr = (equity.iloc[-1] / equity.iloc[0]) ** (365.25 / days) - 1
    verb = "beat" if cagr["s"] > cagr["b"] else "trailed"
    margin = f"{abs(cagr['s'] - cagr['b']) * 100:.2f} points of CAGR"
    assert answer(switching).startswith(f"hartnett_switch {verb} 60/40 over 2016-2019 by {margin}")


def test_an_interval_spanning_zero_is_called_no_clear_difference(switching: RunResult) -> None:
    boot = switching.metrics["uncertainty"]
    spans = boot["sharpe_diff_low"] < 0 < boot["sharpe_diff_high"]
    assert ("no clear difference" in answer(switching)) == spans
    assert f"{boot['sharpe_diff_low']:+.2f} to {boot['sharpe_diff_high']:+.2f}" in answer(switching)


def test_the_report_and_the_console_open_with_the_answer(
    switching: RunResult, tmp_path: Path
) -> None:
    page = write_report(switching, tmp_path, {}).read_text()
    text = answer(switching)
    escaped = text.replace("&", "&amp;").replace("'", "&#x27;")
    assert page.index(escaped) < page.index('id="headline"') < page.index("<details>")
    assert page.index('id="run-details"') < page.index('id="equity"')
    lines = summary_table(switching).splitlines()
    after_mark = 1 if switching.market.synthetic else 0  # the demo mark comes first of all
    assert " ".join(lines[after_mark:]).startswith(text[:60])
    assert np.isfinite(switching.metrics["uncertainty"]["sharpe_diff"])
