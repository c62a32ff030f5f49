"""Sweeps: each row equals a single run of its combination; chunking changes nothing."""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backtester
import run_backtest
from analytics.metrics import METRICS
from analytics.overfitting import deflated_sharpe, pbo
from core.errors import ConfigError
from pipeline.combinations import with_value
from pipeline.config import build_config
from pipeline.run import run
from pipeline.sweep import parse_axis, sweep
from pipeline.sweep_facts import edge_warnings, summarise


def _config(strategy: str, folder: Path, *overrides: str):
    return build_config(
        strategy,
        ["costs.fees_bps.etf=2", "costs.slippage_bps.etf=1", "costs.cash_rate=0.02", *overrides],
        data=f"csv:{folder}",
        start=date(2016, 1, 1),
        end=date(2020, 12, 31),
    )


def _single(config, row: pd.Series, axes) -> dict[str, float]:
    for axis in axes:
        config = with_value(config, axis.key, float(row[axis.key]))
    return run(config).metrics["strategy"]


@pytest.mark.parametrize(
    ("strategy", "specs"),
    [
        ("main_street", ["strategy.short_weight=0.2:0.6:0.2", "costs.fees_bps.etf=1,10"]),
        ("hartnett_switch", ["strategy.sell_above=6,7.5", "strategy.max_hold=21,63"]),
        (
            "hartnett_switch",
            ["strategy.supports.tech.level=0.1,0.2", "strategy.supports.crypto.window=100,200"],
        ),
    ],
)
def test_every_row_equals_a_single_run(strategy: str, specs: list[str], shared_data: Path) -> None:
    config = _config(strategy, shared_data)
    axes = [parse_axis(spec) for spec in specs]
    result = sweep(config, axes)
    assert len(result.table) == np.prod([len(axis.values) for axis in axes])
    for _, row in result.table.iterrows():
        single = _single(config, row, axes)
        for key in METRICS:
            assert row[key] == pytest.approx(single[key], rel=1e-9, abs=1e-12), (key, dict(row))


def test_results_do_not_depend_on_the_chunk_size(shared_data: Path) -> None:
    config = _config("main_street", shared_data)
    axes = [parse_axis("strategy.long_weight=0.5,1"), parse_axis("strategy.tech_share=0.2:0.8:0.3")]
    tables = [sweep(config, axes, chunk_size=size).table for size in (1, 4, 100)]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0], rtol=0, atol=0)


def test_axes_parse_lists_and_inclusive_ranges() -> None:
    assert parse_axis("strategy.sell_above=7,7.5,8").values == (7.0, 7.5, 8.0)
    assert parse_axis("strategy.short_weight=0.1:0.5:0.1").values == (0.1, 0.2, 0.3, 0.4, 0.5)
    assert parse_axis("costs.borrow_bps.BTC-USD=100:300:100").key == "costs.borrow_bps.BTC-USD"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("strategy.sell_above", "expected KEY=SPEC"),
        ("strategy.sell_above=a,b", "use 7,7.5,8"),
        ("strategy.sell_above=9:7:1", "start <= stop"),
    ],
)
def test_bad_specs_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_axis(spec)


def test_non_numeric_or_unknown_keys_are_refused() -> None:
    config = build_config("hartnett_switch")
    with pytest.raises(ConfigError, match="only numeric"):
        with_value(config, "strategy.supports.tech.mode", 1.0)
    with pytest.raises(ConfigError, match="not a strategy, costs or execution parameter"):
        with_value(config, "universe.tech", 1.0)
    with pytest.raises(ConfigError, match="out of range"):
        with_value(config, "strategy.sell_above", 11.0)


def test_the_cli_writes_the_sweep_beside_the_best_run(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2018-01-01", "--end", "2020-12-31", "--no-report"]
    argv += ["--sweep", "strategy.short_weight=0.1,0.3", "--sweep", "strategy.tech_share=0.5,1"]
    assert run_backtest.main(argv) == 0
    out, err = capsys.readouterr()
    run_dir = Path(out.strip().splitlines()[-1])
    table = pd.read_csv(run_dir / "sweep.csv")
    assert len(table) == 4
    facts = json.loads((run_dir / "metrics.json").read_text())["sweep"]
    best = table.loc[table["sharpe"].idxmax()]
    assert facts["best"] == {
        "strategy.short_weight": best["strategy.short_weight"],
        "strategy.tech_share": best["strategy.tech_share"],
    }
    config = json.loads((run_dir / "manifest.json").read_text())["config"]["strategy"]
    assert config["short_weight"] == best["strategy.short_weight"]
    assert "best of 4 by Sharpe" in err
    assert 0.0 <= facts["deflated_sharpe"] <= 1.0
    assert "pbo" not in facts  # 4 trials are too few for CSCV


def test_the_cli_walks_forward(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2015-01-01", "--end", "2019-12-31", "--walk-forward"]
    argv += ["2y:1y", "--sweep", "strategy.short_weight=0.1,0.4"]
    assert run_backtest.main(argv) == 0
    out, err = capsys.readouterr()
    run_dir = Path(out.strip().splitlines()[-1])
    windows = pd.read_csv(run_dir / "walk_forward.csv")
    assert list(windows["test_start"]) == ["2017-01-03", "2018-01-02", "2019-01-02"]
    equity = pd.read_csv(run_dir / "walk_forward_equity.csv")
    assert list(equity.columns) == ["date", "out_of_sample", "benchmark", "in_sample_best"]
    facts = json.loads((run_dir / "metrics.json").read_text())["walk_forward"]
    assert set(facts["metrics"]) == {"out_of_sample", "benchmark", "in_sample_best"}
    assert "walk-forward 2y:1y: out-of-sample Sharpe" in err
    page = (run_dir / "report.html").read_text()
    sweep = page.split('<section id="sweep"')[1].split("</section>")[0]
    assert "Walk-forward: out of sample" in sweep
    assert (run_dir / "walk_forward.png").is_file()
    assert "Windows (3)" in sweep
    for start in windows["test_start"]:
        assert f">{start}<" in sweep
    sharpe = facts["metrics"]["out_of_sample"]["sharpe"]
    assert f">{sharpe:.2f}</td>" in sweep  # a cell of its own (a stacking table labels it)
    # the API's walk-forward is the command line's, as attributes
    swept = backtester.sweep(
        "main_street",
        ["strategy.short_weight=0.1,0.4"],
        walk_forward="2y:1y",
        data=f"csv:{shared_data}",
        start="2015-01-01",
        end="2019-12-31",
    )
    walked = swept.walk_forward
    assert walked is not None
    assert swept.facts["walk_forward"] == "2y:1y"
    assert pd.to_datetime(equity["date"]).tolist() == walked.equity.index.tolist()
    for name in walked.equity:
        assert equity[name].tolist() == walked.equity[name].tolist(), name
    assert windows["test_sharpe"].tolist() == walked.windows["test_sharpe"].tolist()
    assert facts["metrics"] == walked.metrics
    assert facts["in_sample_choice"] == walked.in_sample_choice


def test_walk_forward_needs_a_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_backtest.main(["--walk-forward", "5y:1y", "--out", str(tmp_path)]) == 2
    assert "--walk-forward needs --sweep" in capsys.readouterr().err


def test_the_picks_report_is_its_sweep_row_on_the_sweeps_dates(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tech_share=1 puts nothing in crypto; from bitcoin's first price both run alike alone."""
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2014-09-17", "--end", "2026-05-04"]
    argv += ["--sweep", "strategy.tech_share=1,0.5"]
    argv += ["--sweep", "strategy.short_weight=0.1,0.2,0.3"]
    assert run_backtest.main(argv) == 0
    out, err = capsys.readouterr()
    run_dir = Path(out.strip().splitlines()[-1])
    table = pd.read_csv(run_dir / "sweep.csv")
    best = table.loc[table["sharpe"].idxmax()]
    assert best["strategy.tech_share"] == 1.0  # the kind of combination without bitcoin
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for key in METRICS:
        assert metrics["strategy"][key] == pytest.approx(best[key], rel=1e-9, abs=1e-12), key
    equity = pd.read_csv(run_dir / "equity.csv", index_col="date", parse_dates=True)
    btc = pd.read_csv(shared_data / "BTC-USD.csv", index_col="Date", parse_dates=True)
    assert equity.index[0] >= btc.index[0]  # the sweep's dates: every traded ticker priced
    assert metrics["run"]["start"] == equity.index[0].date().isoformat()
    assert f"Sharpe {best['sharpe']:.2f}" in err
    # short_weight's best, 0.1, is the smallest of three values: a warning everywhere.
    warning = "the best strategy.short_weight=0.1 is the grid's smallest value (0.1 to 0.3)"
    assert f"warning: sweep: {warning}" in err
    assert any(line.startswith(warning) for line in metrics["sweep"]["warnings"])
    assert html.escape(warning) in (run_dir / "report.html").read_text()
    # --rerun of the pick's run repeats the sweep and says the numbers held.
    rerun = ["--rerun", str(run_dir / "manifest.json"), "--out", str(tmp_path)]
    assert run_backtest.main(rerun) == 0
    out, _ = capsys.readouterr()
    assert f"rerun: metrics identical to {run_dir.name}" in out
    rerun_dir = Path(out.strip().splitlines()[-1])
    pd.testing.assert_frame_equal(pd.read_csv(rerun_dir / "sweep.csv"), table)


def test_a_best_value_on_the_grids_edge_is_named() -> None:
    config = build_config("hartnett_switch")
    axes = (parse_axis("strategy.sell_above=6,7,8"), parse_axis("strategy.max_hold=21,63"))
    best = {"strategy.sell_above": 7.0, "strategy.max_hold": 63.0}
    assert edge_warnings(config, axes, best) == []
    found = edge_warnings(config, axes, {"strategy.sell_above": 8.0, "strategy.max_hold": 21.0})
    assert found == [
        "the best strategy.sell_above=8 is the grid's largest value (6 to 8): the best may lie "
        "beyond it; widen the grid"
    ]


@pytest.mark.parametrize(
    ("strategy", "spec", "best"),
    [
        ("main_street", "strategy.short_weight=0,0.25,0.5", 0.0),  # checked 0 to 2
        ("main_street", "strategy.tech_share=0.5,0.75,1", 1.0),  # a share: 0 to 1
        ("main_street", "costs.fees_bps.etf=0,5,10", 0.0),  # a cost is never negative
        ("hartnett_switch", "strategy.supports.tech.confirm_days=1,2,3", 1.0),  # at least 1
        ("hartnett_switch", "strategy.sell_above=8,9,10", 10.0),  # the reading's 0-10 scale
        ("sixty_forty", "execution.lag=1,2,3", 1.0),  # never 0
    ],
)
def test_a_best_value_on_the_parameters_own_bound_is_no_reason_to_widen(
    strategy: str, spec: str, best: float
) -> None:
    axis = parse_axis(spec)
    assert edge_warnings(build_config(strategy), (axis,), {axis.key: best}) == []


@pytest.mark.parametrize(
    ("strategy", "spec", "best", "side"),
    [
        ("main_street", "strategy.short_weight=0.1,0.3,0.5", 0.5, "largest"),  # up to 2
        ("main_street", "strategy.tech_share=0.2,0.4,0.6", 0.2, "smallest"),  # down to 0
        ("main_street", "costs.fees_bps.etf=1,5,10", 1.0, "smallest"),
        ("hartnett_switch", "strategy.supports.tech.confirm_days=2,3,4", 2.0, "smallest"),
    ],
)
def test_a_best_value_inside_the_parameters_range_still_warns(
    strategy: str, spec: str, best: float, side: str
) -> None:
    axis = parse_axis(spec)
    low, high = min(axis.values), max(axis.values)
    assert edge_warnings(build_config(strategy), (axis,), {axis.key: best}) == [
        f"the best {axis.key}={best:g} is the grid's {side} value ({low:g} to {high:g}): "
        "the best may lie beyond it; widen the grid"
    ]


def test_the_luck_checks_from_block_sums_equal_those_from_every_return(shared_data: Path) -> None:
    """The sweep keeps per-block sums, not returns; DSR and PBO from the full returns agree."""
    config = _config("main_street", shared_data)
    axes = [
        parse_axis("strategy.short_weight=0.1:0.5:0.1"),
        parse_axis("strategy.tech_share=0.5,1"),
    ]
    result = sweep(config, axes, chunk_size=3)
    facts = summarise(result, config)
    returns = []
    for _, row in result.table.iterrows():
        single = config
        for axis in axes:
            single = with_value(single, axis.key, float(row[axis.key]))
        equity = run(single).strategy.equity
        returns.append(equity.pct_change().iloc[1:].to_numpy())
    matrix = np.array(returns).T  # bars x trials, from single runs
    assert facts["pbo"] == pytest.approx(pbo(matrix).pbo, abs=1e-12)
    best = pd.Series(matrix[:, int(result.table["sharpe"].to_numpy().argmax())])
    deflated = deflated_sharpe(
        facts["best_sharpe"],
        result.table["sharpe"].to_numpy(),
        len(best),
        float(best.skew()),
        float(best.kurt()) + 3.0,
        result.periods_per_year,
    )
    assert facts["deflated_sharpe"] == pytest.approx(deflated.deflated_sharpe, rel=1e-9)


def test_a_cash_rate_at_auto_sweeps_as_constant_rates() -> None:
    config = build_config("sixty_forty")
    assert config.costs.cash_rate == "auto"
    assert with_value(config, "costs.cash_rate", 0.02).costs.cash_rate == 0.02
    assert build_config("sixty_forty", ["costs.cash_rate=0.02"]) == with_value(
        config, "costs.cash_rate", 0.02
    )
