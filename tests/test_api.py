"""The Python API (`backtester`) and the command line over it: same config, same messages."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backtester
import run_backtest
from backtester import Result, SyntheticDataWarning, load_config, run
from core.errors import ConfigError
from pipeline.config import ConfigProblems, build_config
from pipeline.config_file import dump_config
from tests.conftest import run_cli as _main

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"data": "demo", "start": "2023-01-02", "end": "2023-12-29"}


def test_run_a_preset_with_an_override_returns_plain_pandas(tmp_path: Path) -> None:
    with pytest.warns(SyntheticDataWarning, match="SYNTHETIC"):
        result = run("configs/main_street.yaml", strategy__short_weight=0.3, **SHORT)
    assert isinstance(result, Result)
    assert result.config.strategy.short_weight == 0.3
    assert result.synthetic
    assert {"strategy", "benchmark", "difference"} <= set(result.metrics)
    assert isinstance(result.metrics["strategy"]["sharpe"], float)
    assert list(result.equity.columns) == ["strategy", "benchmark"]
    assert isinstance(result.equity.index, pd.DatetimeIndex)
    assert set(result.weights.columns) == {"IWM", "EFA", "XLK", "BTC-USD"}
    assert "Sharpe" in result.summary()
    assert "SYNTHETIC" in repr(result)
    run_dir = result.report(tmp_path, figures=False)
    assert run_dir.parent == tmp_path
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["strategy"]["sharpe"] == pytest.approx(result.metrics["strategy"]["sharpe"])


def _as_json(value: object) -> object:
    """``value`` as JSON holds it: NaN and infinities are null, tuples are lists."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def test_result_metrics_are_metrics_json_key_by_key(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = {"data": f"csv:{shared_data}", "start": "2019-01-02", "end": "2020-12-31"}
    argv = ["--strategy", "hartnett_switch", "--out", str(tmp_path), "--no-report"]
    argv += [f"--{key}={value}" for key, value in settings.items()]
    status, out, _ = _main(argv, capsys)
    assert status == 0
    saved = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    metrics = run("hartnett_switch", **settings).metrics
    assert list(metrics) == list(saved)
    assert {"run", "switching", "uncertainty"} <= set(saved)
    for key, value in saved.items():
        assert _as_json(metrics[key]) == value, key


@pytest.mark.parametrize(
    ("call", "argv", "api", "cli"),
    [
        (
            lambda: backtester.sweep("main_street", ["short_weight"], **SHORT),
            ["--sweep", "short_weight"],
            "sweep() grid 'short_weight': expected KEY=SPEC",
            "--sweep 'short_weight': expected KEY=SPEC",
        ),
        (
            lambda: backtester.sweep(
                "main_street", {"strategy.short_weight": [0.1]}, walk_forward="5y", **SHORT
            ),
            ["--sweep", "strategy.short_weight=0.1", "--walk-forward", "5y"],
            "walk_forward '5y': expected TRAIN:TEST",
            "--walk-forward '5y': expected TRAIN:TEST",
        ),
        (
            lambda: run("main_street", data="nowhere"),
            ["--data", "nowhere"],
            "data 'nowhere': unknown source",
            "--data 'nowhere': unknown source",
        ),
    ],
    ids=["sweep", "walk_forward", "data"],
)
def test_errors_name_the_options_in_each_front_ends_words(
    call: Callable[[], object],
    argv: list[str],
    api: str,
    cli: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ConfigError) as refused:
        call()
    assert str(refused.value).startswith(api)
    assert "--" not in str(refused.value)
    status, _, err = _main([*argv, "--out", str(tmp_path)], capsys)
    assert status == 2
    assert err.startswith(f"error: {cli}")


@pytest.mark.parametrize(
    "source",
    [
        "main_street",
        ROOT / "configs" / "main_street.yaml",
        {"strategy": {"name": "main_street"}},
        build_config("main_street"),
    ],
    ids=["name", "path", "mapping", "RunConfig"],
)
def test_every_kind_of_source_takes_the_same_overrides(source: object) -> None:
    config = load_config(
        source,
        overrides={"strategy.short_weight": 0.3, "costs.borrow_bps.BTC-USD": 800},
        execution__lag=2,
        start="2020-01-02",
    )
    expected = build_config(
        "main_street",
        ["strategy.short_weight=0.3", "costs.borrow_bps.BTC-USD=800", "execution.lag=2"],
        start="2020-01-02",
    )
    assert config == expected


def test_overrides_may_pick_the_strategy_map_entries_and_clear_a_value() -> None:
    config = load_config(
        "configs/hartnett.yaml",
        strategy="hartnett_switch",
        costs__borrow_bps={"etf": 10, "QQQ": 40},
        start=None,
        overrides=["strategy.sell_above=7"],
    )
    assert config.strategy.sell_above == 7.0
    assert config.strategy.supports["tech"].level == 133  # from the preset
    assert config.strategy.supports["gold"].ticker == "GC=F"
    assert config.costs.borrow_bps == {"etf": 10.0, "crypto": 500.0, "QQQ": 40.0}
    assert config.start is None  # the preset's 2025-01-01, cleared
    assert load_config(strategy="sixty_forty").strategy.name == "sixty_forty"
    assert load_config().strategy.name == "main_street"


def test_api_errors_are_collected_like_the_command_lines() -> None:
    with pytest.raises(ConfigProblems) as error:
        load_config("main_street", strategy__short_weigth=0.3, costs__fees_bps__etf="lots")
    assert error.value.problems == (
        "unknown key strategy.short_weigth; did you mean strategy.short_weight?",
        "costs.fees_bps.etf=lots: Input should be a valid number, unable to parse string as a "
        "number (expected float)",
    )
    with pytest.raises(ConfigError, match=r"nope\.yaml: no such file"):
        load_config("configs/nope.yaml")
    with pytest.raises(ConfigError, match="did you mean hartnett_switch"):
        load_config("hartnet_switch")


def test_the_command_line_and_the_api_build_the_same_config(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--config", "configs/hartnett.yaml", "--strategy", "hartnett_switch", "--data", "demo"]
    argv += ["--start", "2020-01-02", "--calendar", "7d", "--set", "strategy.buy_below=1.5"]
    status, out, _ = _main([*argv, "--print-config"], capsys)
    assert status == 0
    api = load_config(
        "configs/hartnett.yaml",
        data="demo",
        start="2020-01-02",
        calendar="7d",
        strategy__buy_below=1.5,
    )
    assert dump_config(api) == out


def test_quiet_prints_the_summary_and_the_run_path_and_very_quiet_the_path_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--data", "demo", "--start", "2023-01-02", "--no-report", "--out", str(tmp_path)]
    status, out, err = _main([*argv, "-q"], capsys)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("*** SYNTHETIC DEMO DATA")  # the summary, its demo mark first
    assert any(line.startswith("Sharpe ") for line in lines)
    assert Path(lines[-1]).parent == tmp_path
    _, loud, _ = _main(argv, capsys)
    assert out.splitlines()[:-1] == loud.splitlines()[:-1]  # the same summary, nothing more
    status, out, err = _main([*argv, "-qq"], capsys)
    assert (status, err) == (0, "")
    assert out.count("\n") == 1
    assert Path(out.strip()).parent == tmp_path


def test_messages_go_to_stderr_and_the_run_path_is_stdouts_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--data", "demo", "--start", "2023-01-02", "--no-report", "--out", str(tmp_path)]
    status, out, err = _main(argv, capsys)
    assert status == 0
    assert Path(out.splitlines()[-1]).is_dir()
    assert "Sharpe" in out
    assert "note: " in err
    assert "note: " not in out


def test_progress_is_shown_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["--data", "demo", "--start", "2023-01-02", "--no-report", "--out", str(tmp_path)]
    monkeypatch.setattr(run_backtest.sys.stderr, "isatty", lambda: True)
    _, _, err = _main(argv, capsys)
    assert "running main_street against 60/40 (data: demo)... " in err
    assert "writing the run under" in err
    _, _, err = _main([*argv, "-q"], capsys)
    assert err == ""


def test_verbose_and_quiet_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _main(["-v", "-q"], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("error: argument -q/--quiet: not allowed with argument -v")


def test_the_synthetic_data_warning_can_be_silenced() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", SyntheticDataWarning)
        run("sixty_forty", **SHORT)


def test_every_output_is_a_pandas_object_and_a_notebook_can_show_it(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticDataWarning)
        switch = run("hartnett_switch", **SHORT)
        static = run("main_street", **SHORT)
    run_dir = switch.report(tmp_path, figures=False)
    saved = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    pd.testing.assert_frame_equal(switch.signals, saved, check_names=False, check_freq=False)
    events = pd.read_csv(run_dir / "events.csv", parse_dates=["date"])
    assert switch.events["cause"].tolist() == events["cause"].tolist()
    assert len(switch.event_study) == len(pd.read_csv(run_dir / "event_study.csv"))
    now = json.loads((run_dir / "signals_now.json").read_text())
    assert switch.signals_now["as_of"] == now["as_of"]
    assert switch.trades.columns.tolist() == pd.read_csv(run_dir / "trades.csv").columns.tolist()
    parts = switch.attribution.drop(columns="total").sum(axis=1)
    pd.testing.assert_series_equal(parts, switch.attribution["total"], check_names=False)
    assert static.signals.empty
    assert static.events.empty
    assert static.signals_now is None
    for result, kinds in ((switch, ("equity", "exposures", "signals")), (static, ("equity",))):
        for kind in kinds:
            assert isinstance(result.plot(kind), Figure)
    with pytest.raises(ConfigError, match="plot\\('signals'\\)"):
        static.plot("signals")
    page = switch._repr_html_()
    assert "hartnett_switch" in page
    assert "SYNTHETIC" in page
    assert "Sharpe" in page


def test_a_sweep_in_python_follows_the_rules_of_the_command_line(tmp_path: Path) -> None:
    from backtester import sweep

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticDataWarning)
        swept = sweep("main_street", {"strategy.short_weight": [0.1, 0.3, 0.5]}, **SHORT)
    assert swept.table["strategy.short_weight"].tolist() == [0.1, 0.3, 0.5]
    best = swept.table.loc[swept.table["sharpe"].idxmax()]
    assert swept.best.config.strategy.short_weight == best["strategy.short_weight"]
    for key in ("sharpe", "cagr", "max_drawdown"):
        assert swept.best.metrics["strategy"][key] == pytest.approx(best[key], rel=1e-9)
    assert swept.facts["grid"] == ["strategy.short_weight=0.1,0.3,0.5"]
    run_dir = swept.report(tmp_path, figures=False)
    saved = pd.read_csv(run_dir / "sweep.csv", keep_default_na=False)
    assert saved["sharpe"].tolist() == pytest.approx(swept.table["sharpe"].tolist(), rel=1e-12)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["sweep"]["grid"] == swept.facts["grid"]
