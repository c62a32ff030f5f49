"""The default costs: the zero preset reproduces a frictionless run exactly, and the cash rate
comes from the data source (``^IRX``) or is 0 with a plain statement."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import build_config
from pipeline.run import run
from reporting.console import summary_table

EVERY_KEY_ZERO = [
    *(f"costs.{name}.{kind}=0" for name in ("fees_bps", "slippage_bps", "borrow_bps")
      for kind in ("etf", "crypto")),
    "costs.cash_rate=0",
    "costs.margin_spread_bps=0",
]  # fmt: skip
DATES = {"start": date(2019, 1, 2), "end": date(2021, 12, 31)}


def test_the_zero_preset_is_every_cost_key_set_to_zero_exactly(shared_data: Path) -> None:
    runs = [
        run(build_config("main_street", overrides, data=f"csv:{shared_data}", **DATES))
        for overrides in (["costs.preset=zero"], EVERY_KEY_ZERO)
    ]
    for part in ("strategy", "benchmark"):
        ours, theirs = (getattr(result, part) for result in runs)
        pd.testing.assert_series_equal(ours.equity, theirs.equity, rtol=0, atol=0)
        assert (ours.lines == 0).all().all()
    assert runs[0].config.costs == replace(runs[1].config.costs, preset="zero")  # same values
    default = run(build_config("main_street", data=f"csv:{shared_data}", **DATES))
    assert default.strategy.equity.iloc[-1] < runs[0].strategy.equity.iloc[-1]  # costs cost


def _folder(shared_data: Path, tmp_path: Path, irx: str | None) -> Path:
    """SPY and AGG's files, and a constructed ``IRX.csv`` (``Date,Close``) when given."""
    folder = tmp_path / "data"
    folder.mkdir()
    for ticker in ("SPY", "AGG"):
        shutil.copy(shared_data / f"{ticker}.csv", folder / f"{ticker}.csv")
    if irx is not None:
        (folder / "IRX.csv").write_text(irx)
    return folder


def test_auto_earns_the_t_bill_yield_from_the_folder(shared_data: Path, tmp_path: Path) -> None:
    # 3% a year until 2020-06-30, then 1% (a rate the run reads from the previous bar), quoted in
    # percent like Yahoo's ^IRX: each bar earns (1 + level) ** (calendar days / 365) - 1.
    irx = "Date,Close\n2018-12-31,3.0\n2020-06-30,1.0\n"
    folder = _folder(shared_data, tmp_path, irx)
    result = run(build_config("sixty_forty", data=f"csv:{folder}", **DATES))
    index = result.strategy.equity.index
    days = np.diff(index.to_numpy().astype("datetime64[D]").astype(np.int64))
    level = np.where(index[:-1] >= pd.Timestamp("2020-06-30"), 0.01, 0.03)
    expected = np.concatenate([[0.0], (1.0 + level) ** (days / 365.0) - 1.0])
    np.testing.assert_allclose(result.strategy.cash_rate.to_numpy(), expected, rtol=1e-12)
    assert result.cash == f"Cash earns the 13-week T-bill yield ({folder / 'IRX.csv'})"
    lines = summary_table(result).splitlines()
    run_line = next(i for i, line in enumerate(lines) if line.startswith("sixty_forty vs 60/40,"))
    assert lines[run_line + 1 : run_line + 3] == [result.costs, result.cash]


@pytest.mark.parametrize("source", ["folder", "demo"])
def test_without_a_rate_cash_earns_zero_and_the_summary_says_so(
    source: str, shared_data: Path, tmp_path: Path
) -> None:
    data = f"csv:{_folder(shared_data, tmp_path, None)}" if source == "folder" else "demo"
    result = run(build_config("sixty_forty", data=data, **DATES))
    assert (result.strategy.cash_rate == 0).all()
    missing = "has no IRX.csv" if source == "folder" else "the demo market has no ^IRX"
    assert result.cash.startswith("Cash earns 0: no short-term rate available (")
    assert missing in result.cash
    assert result.cash in summary_table(result).splitlines()[:8]


def test_a_rate_that_starts_after_the_run_earns_zero_before_it(
    shared_data: Path, tmp_path: Path
) -> None:
    folder = _folder(shared_data, tmp_path, "Date,Close\n2020-01-02,2.0\n")
    result = run(build_config("sixty_forty", data=f"csv:{folder}", **DATES))
    rates = result.strategy.cash_rate
    assert (rates[:"2020-01-02"] == 0).all()
    assert rates["2020-01-03"] == pytest.approx(1.02 ** (1 / 365) - 1, rel=1e-12)
    assert result.cash.endswith("0 before its first date 2020-01-02")
