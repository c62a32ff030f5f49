"""Calls as files reproduce the built-in strategies exactly, on real data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import build_config
from pipeline.config_file import read_config_file
from pipeline.run import run
from pipeline.sweep import Axis, sweep
from tests.conftest import run_cli

CALLS = Path(__file__).resolve().parents[1] / "configs" / "calls"
PRESETS = Path(__file__).resolve().parents[1] / "configs"


def _equity(strategy: str, overrides: list[str], folder: Path, **settings: object) -> pd.Series:
    config = build_config(strategy, overrides, data=f"csv:{folder}", **settings)
    return run(config).strategy.equity


def _same(call: pd.Series, builtin: pd.Series) -> None:
    assert call.index.equals(builtin.index)
    np.testing.assert_allclose(call.to_numpy(), builtin.to_numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["sixty_forty", "main_street", "hartnett_switch"])
def test_a_call_file_reproduces_its_builtin_strategy_with_the_defaults(
    name: str, shared_data: Path
) -> None:
    file = CALLS / f"{name.removesuffix('_switch')}.yaml"
    _same(
        _equity("call", [f"strategy.file={file}"], shared_data),
        _equity(name, [], shared_data),
    )


@pytest.mark.parametrize("start", [date(2025, 1, 1), None])
def test_the_notes_preset_as_a_call_reproduces_configs_hartnett(
    start: date | None, shared_data: Path
) -> None:
    name, overrides, _ = read_config_file(PRESETS / "hartnett.yaml")
    call = [f"strategy.file={CALLS / 'hartnett_note.yaml'}"]
    _same(
        _equity("call", call, shared_data, start=start),
        _equity(name, overrides, shared_data, start=start),
    )


def test_the_calls_params_move_it_as_the_builtin_keys_move_hartnett(shared_data: Path) -> None:
    changed = {"sell_above": 7, "buy_below": 3, "max_hold": 20, "min_hold": 5, "cooldown": 10}
    call = [f"strategy.file={CALLS / 'hartnett.yaml'}"]
    call += [f"strategy.params.{key}={value}" for key, value in changed.items()]
    builtin = [f"strategy.{key}={value}" for key, value in changed.items()]
    on_call = _equity("call", call, shared_data)
    _same(on_call, _equity("hartnett_switch", builtin, shared_data))
    assert not np.allclose(on_call, _equity("hartnett_switch", [], shared_data))  # it moved


def test_a_sweep_over_a_calls_param_equals_the_builtin_sweep(shared_data: Path) -> None:
    settings = {"data": f"csv:{shared_data}", "start": date(2016, 1, 4)}
    call = build_config("call", [f"strategy.file={CALLS / 'hartnett.yaml'}"], **settings)
    builtin = build_config("hartnett_switch", [], **settings)
    values = (6.0, 7.0, 8.0)
    on_call = sweep(call, [Axis("strategy.params.sell_above", values)]).table
    on_builtin = sweep(builtin, [Axis("strategy.sell_above", values)]).table
    metrics = ["sharpe", "cagr", "max_drawdown"]
    pd.testing.assert_frame_equal(on_call[metrics], on_builtin[metrics], rtol=1e-12)
    assert on_call["sharpe"].nunique() > 1  # the parameter moved the call


def test_the_cli_runs_a_call_file_and_logs_each_change_with_its_rule(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(CALLS / "hartnett.yaml"), "--data", f"csv:{shared_data}"]
    argv += ["--start", "2016-01-04", "--out", str(tmp_path)]
    status, out, _ = run_cli([*argv, "--set", "strategy.params.sell_above=7.5"], capsys)
    assert status == 0
    assert "Signals now (hartnett-main-street)" in out
    assert "enter_main_street: to main_street when reading crosses above sell_above" in out
    (folder,) = tmp_path.glob("*-call")
    events = pd.read_csv(folder / "events.csv")
    allowed = {"enter_main_street", "buy_signal", "maximum hold reached", "dollar_guard ended"}
    assert set(events["cause"]) - {"dollar_guard (while dollar)"} <= allowed
    assert (events["cause"] == "enter_main_street").any()
    study = pd.read_csv(folder / "event_study.csv")
    assert {"enter_main_street", "buy_signal", "dollar_guard"} <= set(study["trigger"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["config"]["strategy"]["params"]["sell_above"] == 7.5


def test_a_typo_in_a_call_file_stops_the_cli_with_status_2_and_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (CALLS / "hartnett.yaml").read_text().replace("bull_bear:", "bull_baer:")
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    status, _, err = run_cli(["--config", str(path), "--data", "demo"], capsys)
    assert status == 2
    assert (
        f"{path}:18: signals.reading.bull_baer: unknown indicator; did you mean bull_bear?" in err
    )


GOLD = """\
call: gold-or-stocks
params: {gold_weight: 0.8}
books:
  stocks: {SPY: 1.0}
  gold: {GLD: gold_weight}
signals:
  trend: {price_vs_average: {ticker: SPY, window: 200}}
start: gold
rules:
  - {when: trend > 0, go: stocks}
  - {when: trend < 0, go: gold}
"""


def test_a_book_naming_a_ticker_trades_it_in_a_run_and_in_a_sweep(
    shared_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "gold.yaml"
    path.write_text(GOLD)
    config = build_config("call", [f"strategy.file={path}"], data=f"csv:{shared_data}")
    swept = sweep(config, [Axis("strategy.params.gold_weight", (0.5, 0.8))]).table
    for row, weight in enumerate((0.5, 0.8)):
        one = run(
            build_config(
                "call",
                [f"strategy.file={path}", f"strategy.params.gold_weight={weight}"],
                data=f"csv:{shared_data}",
            )
        )
        assert one.strategy.equity.index[0] >= pd.Timestamp("2004-11-18")  # GLD's first close
        assert "GLD" in one.strategy.holdings.columns
        assert swept["sharpe"][row] == pytest.approx(one.metrics["strategy"]["sharpe"], rel=1e-12)


def _with_schedule(tmp_path: Path, name: str, books: dict[str, str]) -> Path:
    text = (CALLS / name).read_text()
    for book, period in books.items():
        text = text.replace(f"  {book}: {{", f"  {book}: {{rebalance: {period}, ", 1)
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_book_keeps_its_own_rebalance_schedule(shared_data: Path, tmp_path: Path) -> None:
    quarterly = _with_schedule(tmp_path, "sixty_forty.yaml", {"neutral": "quarterly"})
    on_call = _equity("call", [f"strategy.file={quarterly}"], shared_data)
    _same(on_call, _equity("sixty_forty", ["execution.rebalance=quarterly"], shared_data))
    assert not np.allclose(on_call, _equity("sixty_forty", [], shared_data))
    config = build_config("call", [f"strategy.file={quarterly}"], data=f"csv:{shared_data}")
    swept = sweep(config, [Axis("strategy.params.stocks_weight", (0.6,))]).table
    single = run(
        build_config("sixty_forty", ["execution.rebalance=quarterly"], data=f"csv:{shared_data}")
    )
    assert swept["sharpe"][0] == pytest.approx(single.metrics["strategy"]["sharpe"], rel=1e-12)
    daily = {"neutral": "daily", "main_street": "daily", "defensive": "daily"}
    every_book = _with_schedule(tmp_path, "hartnett.yaml", daily)
    _same(
        _equity("call", [f"strategy.file={every_book}"], shared_data),
        _equity("hartnett_switch", ["execution.rebalance=daily"], shared_data),
    )
