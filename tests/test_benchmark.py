"""Any benchmark: cash, a ticker or a mix, through the config, the run, its files and the index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import ConfigProblems, build_config
from pipeline.run import run
from reporting.console import summary_table
from tests.conftest import read_close
from tests.conftest import run_cli as _run

PERIOD = ["--start", "2018-01-01", "--end", "2020-12-31"]
NO_COSTS = ["costs.fees_bps.etf=0", "costs.slippage_bps.etf=0"]


def _cli_run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Path:
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    return Path(out.strip().splitlines()[-1])


def test_a_cash_benchmark_earns_the_cash_rate_and_passes_the_run_checks(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    sets = ["--set", "benchmark=cash", "--set", "costs.cash_rate=0.03"]
    run_dir = _cli_run([*argv, *PERIOD, *sets], capsys)
    equity = pd.read_csv(run_dir / "equity.csv", index_col="date", parse_dates=True)
    value, expected = equity["benchmark"].iloc[0], [equity["benchmark"].iloc[0]]
    for before, after in zip(equity.index[:-1], equity.index[1:], strict=True):
        value *= 1.03 ** ((after - before).days / 365.0)  # the constant rate, by calendar days
        expected.append(value)
    np.testing.assert_allclose(equity["benchmark"], expected, rtol=1e-9)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["run"]["benchmark"] == metrics["run"]["config"]["benchmark"] == "cash"
    index = (tmp_path / "index.html").read_text()
    assert "<td>cash</td>" in index
    assert "main_street vs cash" in (run_dir / "report.html").read_text()


def test_a_single_ticker_benchmark_follows_the_ticker(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    sets = ["--set", "benchmark=IWM", *(arg for s in NO_COSTS for arg in ("--set", s))]
    run_dir = _cli_run([*argv, *PERIOD, *sets], capsys)
    equity = pd.read_csv(run_dir / "equity.csv", index_col="date", parse_dates=True)
    iwm = read_close(shared_data, "IWM").reindex(equity.index)
    held = equity["benchmark"].pct_change().iloc[2:]  # from the bar after the first fill
    np.testing.assert_allclose(held, iwm.pct_change().iloc[2:], rtol=0, atol=1e-9)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    returns = equity.pct_change().dropna()
    beta = returns.cov().loc["strategy", "benchmark"] / returns["benchmark"].var()
    assert metrics["relative"]["beta"] == pytest.approx(beta, rel=1e-9)
    assert "IWM" in (tmp_path / "index.html").read_text()


def test_a_mix_holds_its_weights_and_the_summary_names_it(shared_data: Path) -> None:
    config = build_config(
        "sixty_forty",
        ["benchmark=IWM:0.5,EFA:0.5", *NO_COSTS],
        data=f"csv:{shared_data}",
        start=pd.Timestamp("2019-01-01").date(),
        end=pd.Timestamp("2019-12-31").date(),
    )
    result = run(config)
    assert result.benchmark_name == "IWM:0.5,EFA:0.5"
    held = result.benchmark.weights.loc[:, ["IWM", "EFA"]]
    assert set(result.benchmark.weights.columns) == {"IWM", "EFA"}
    assert held.iloc[1:].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-6)
    assert held.iloc[-1].to_numpy() == pytest.approx([0.5, 0.5], abs=0.05)
    assert "sixty_forty vs IWM:0.5,EFA:0.5, 2019-" in summary_table(result)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("../etc", "benchmark: '../etc' is not a ticker symbol"),
        ("IWM:0.5,EFA:0.4", "benchmark = IWM:0.5,EFA:0.4"),
        ("IWM:-1", "the weight of IWM must be a finite number above 0"),
    ],
)
def test_a_bad_benchmark_is_one_clear_problem(text: str, message: str) -> None:
    with pytest.raises(ConfigProblems, match=message.replace("(", r"\(").replace(".", r"\.")):
        build_config("main_street", [f"benchmark={text}"])


def test_the_default_stays_60_40() -> None:
    assert build_config("main_street").benchmark == "60/40"
    assert build_config("main_street").as_dict()["benchmark"] == "60/40"
