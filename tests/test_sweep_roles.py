"""Sweeps whose combinations hold different roles: every row is its combination's single run.

A share at 0 or 1 drops a leg (and its ticker) from a combination; a sweep must still run each
combination as it would run alone, or refuse when alone they would run on different dates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import backtester
from analytics.metrics import METRICS
from core.errors import ConfigError
from pipeline.combinations import with_value
from pipeline.config import RunConfig, build_config
from pipeline.run import run
from pipeline.sweep import parse_axis, sweep
from pipeline.walkforward import check_windows
from tests.conftest import run_cli

SHARES = (0.0, 0.5, 1.0)
COSTS = ["costs.fees_bps.etf=2", "costs.fees_bps.crypto=2", "costs.slippage_bps.etf=1"]
COSTS += ["costs.slippage_bps.crypto=1", "costs.cash_rate=0.02"]
SET_COSTS = [arg for cost in COSTS for arg in ("--set", cost)]


def _config(strategy: str, folder: Path, **settings: object) -> RunConfig:
    dates = {"start": date(2016, 1, 1), "end": date(2020, 12, 31)} | settings
    return build_config(strategy, COSTS, data=f"csv:{folder}", **dates)  # type: ignore[arg-type]


def _alone(config: RunConfig, values: dict[str, float]) -> dict[str, float]:
    """The strategy's metrics of a single run of ``config`` with ``values`` set."""
    for key, value in values.items():
        config = with_value(config, key, value)
    return run(config).metrics["strategy"]


def _assert_rows_are_single_runs(config: RunConfig, table: pd.DataFrame, keys: list[str]) -> None:
    for _, row in table.iterrows():
        values = {key: float(row[key]) for key in keys}
        single = _alone(config, values)
        for name in METRICS:
            assert row[name] == pytest.approx(single[name], rel=1e-9, abs=1e-12), (name, values)


@pytest.mark.parametrize(
    ("strategy", "keys"),
    [
        ("main_street", ["strategy.small_caps_share", "strategy.tech_share"]),
        ("hartnett_switch", ["strategy.small_caps_share", "strategy.tech_share"]),
        ("hartnett_switch", ["strategy.stocks_weight", "strategy.defensive_bonds"]),
    ],
)
def test_each_share_at_0_half_and_1_is_its_single_run(
    strategy: str, keys: list[str], shared_data: Path
) -> None:
    """2016-2020 visits every regime of the switch, so each share moves its rows."""
    config = _config(strategy, shared_data)
    found = backtester.sweep(config, dict.fromkeys(keys, SHARES))
    table = found.table
    assert len(table) == len(SHARES) ** 2
    assert table["sharpe"].nunique() == len(table)  # every share changes the result
    _assert_rows_are_single_runs(config, table, keys)
    best = table.loc[table["sharpe"].idxmax()]
    for name in METRICS:  # the pick's run is its own single run too
        assert found.best.metrics["strategy"][name] == pytest.approx(
            best[name], rel=1e-9, abs=1e-12
        )


def test_the_issues_command_sweeps_all_international_against_all_small_caps(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2015-01-01", "--end", "2020-12-31", "--no-report", *SET_COSTS]
    argv += ["--sweep", "strategy.small_caps_share=0:1:0.5"]
    status, out, err = run_cli(argv, capsys)
    assert status == 0, err
    table = pd.read_csv(Path(out.strip().splitlines()[-1]) / "sweep.csv")
    assert table["strategy.small_caps_share"].tolist() == list(SHARES)
    config = _config("main_street", shared_data, start=date(2015, 1, 1))
    _assert_rows_are_single_runs(config, table, ["strategy.small_caps_share"])


def test_a_walk_forward_over_the_shares_picks_by_single_runs(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2015-01-01", "--end", "2019-12-31", "--walk-forward", "2y:1y"]
    argv += ["--no-report", *SET_COSTS, "--sweep", "strategy.small_caps_share=0,1"]
    status, out, err = run_cli(argv, capsys)
    assert status == 0, err
    windows = pd.read_csv(Path(out.strip().splitlines()[-1]) / "walk_forward.csv")
    assert len(windows) == 3
    base = _config("main_street", shared_data)
    key = "strategy.small_caps_share"
    for _, window in windows.iterrows():
        train = _dated(base, window["train_start"], window["train_end"])
        sharpes = {share: _alone(train, {key: share})["sharpe"] for share in (0.0, 1.0)}
        chosen = max(sharpes, key=sharpes.__getitem__)
        assert window[key] == chosen
        assert window["train_sharpe"] == pytest.approx(sharpes[chosen], rel=1e-9)
        test = _dated(base, window["test_start"], window["test_end"])
        assert window["test_sharpe"] == pytest.approx(
            _alone(test, {key: chosen})["sharpe"], rel=1e-9
        )


def _dated(config: RunConfig, start: str, end: str) -> RunConfig:
    return replace(config, start=date.fromisoformat(start), end=date.fromisoformat(end))


def test_combinations_that_alone_start_on_different_dates_are_refused(shared_data: Path) -> None:
    """Without crypto (tech_share=1) the legs have prices from 2003; with it, from 2014."""
    config = _config("main_street", shared_data, start=None)
    axes = [parse_axis("strategy.short_weight=0.2,0.4"), parse_axis("strategy.tech_share=0.5,1")]
    firsts = {
        share: run(with_value(config, "strategy.tech_share", share)).market.prices.index[0].date()
        for share in (0.5, 1.0)
    }
    assert firsts[1.0] < firsts[0.5]
    with pytest.raises(ConfigError) as refused:
        sweep(config, axes)
    assert str(refused.value).startswith("sweep() grid: strategy.tech_share changes which")
    message = refused.value.worded("cli")
    assert message.startswith("--sweep: strategy.tech_share changes which tickers")
    assert f"strategy.tech_share=0.5 from {firsts[0.5]} to 2020-12-31" in message
    assert f"strategy.tech_share=1 from {firsts[1.0]} to 2020-12-31" in message
    assert f"set --start {firsts[0.5]} or later (or --allow-partial" in message
    assert "short_weight=" not in message  # the axis that moves no date is not named
    with pytest.raises(ConfigError, match=r"strategy\.tech_share changes which tickers"):
        check_windows(config, axes, "2y:1y")  # a walk-forward is refused before any window


def test_the_cli_refuses_such_a_grid_and_writes_nothing(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}", "--out"]
    argv += [str(tmp_path), "--end", "2020-12-31", "--sweep", "strategy.tech_share=0:1:1"]
    status, _, err = run_cli(argv, capsys)
    assert status == 2
    assert "error: --sweep: strategy.tech_share changes which tickers" in err
    assert not any(tmp_path.iterdir())


def test_with_partial_legs_every_combination_starts_together(shared_data: Path) -> None:
    """--allow-partial starts them all with 60/40's tickers; bitcoin's leg waits in cash."""
    config = _config("main_street", shared_data, start=None, end=date(2016, 12, 31))
    config = replace(config, allow_partial=True)
    table = sweep(config, [parse_axis("strategy.tech_share=0,0.5,1")]).table
    _assert_rows_are_single_runs(config, table, ["strategy.tech_share"])
