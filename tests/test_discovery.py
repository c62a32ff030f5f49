"""Discovery: ``--list``, ``--describe`` and ``--print-config`` say what the code says."""

from __future__ import annotations

import shlex
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from data.market import Universe
from pipeline.config import RunConfig, build_config
from pipeline.discovery import describe, field_docs, signal_classes
from simulation.costs import Costs
from simulation.simulate import Execution
from strategies import STRATEGIES
from tests.conftest import run_cli as _main


def test_list_names_every_strategy_signal_section_and_preset(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _main(["--list"], capsys)
    assert (status, err) == (0, "")
    for name, cls in STRATEGIES.items():
        assert f"  {name}" in out
        assert cls.summary in out
    for name in ("BullBearProxy", "SupportBreak", "DollarSystemic", "ExternalIndicator", "AnyOf"):
        assert f"  {name}" in out
    assert "A break of support: a close crossing below it, held for ``confirm_days`` bars" in out
    for name in ("universe", "costs", "execution", "run"):
        assert f"  {name}" in out
    for preset in ("hartnett.yaml", "sixty_forty.yaml", "main_street.yaml", "hartnett_switch.yaml"):
        assert f"configs/{preset}" in out


def test_signals_are_found_in_the_module() -> None:
    assert {"BullBearProxy", "SupportBreak", "DollarSystemic", "ExternalIndicator"} <= set(
        signal_classes()
    )
    assert "Signal" not in signal_classes()


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_describe_lists_every_field_of_a_strategy(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _main(["--describe", name], capsys)
    assert status == 0
    listed = [line.split(":")[0].strip() for line in out.splitlines() if line.startswith("  s")]
    assert listed == [f"strategy.{spec.name}" for spec in fields(STRATEGIES[name])]
    assert "(undocumented)" not in out


@pytest.mark.parametrize(
    ("name", "cls"),
    [("costs", Costs), ("execution", Execution), ("universe", Universe)],
)
def test_describe_lists_every_field_of_a_section(
    name: str, cls: type, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _main(["--describe", name], capsys)
    assert status == 0
    for spec in fields(cls):
        assert f"  {name}.{spec.name}: " in out
    assert "(undocumented)" not in out


def test_describe_shows_type_default_and_the_fields_own_docstring(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = _main(["--describe", "hartnett_switch"], capsys)
    assert "  strategy.sell_above: float = 8.0\n" in out
    assert "contrarian sell signal: enter Main Street." in out
    assert (
        "  strategy.supports: mapping of str to SupportBreak = {tech: {ticker: tech, mode: " in out
    )
    assert "  strategy.reading_file: str | null = null" in out
    _, out, _ = _main(["--describe", "costs"], capsys)
    assert "costs.borrow_bps: mapping of str to float = {etf: 30.0, crypto: 500.0}" in out
    _, out, _ = _main(["--describe", "execution"], capsys)
    assert "execution.rebalance: daily | weekly | monthly | quarterly | yearly = monthly" in out
    _, out, _ = _main(["--describe", "SupportBreak"], capsys)  # a field the user must give
    assert "  ticker: str = (required)\n" in out


def test_every_strategy_and_setting_field_is_documented_in_the_code() -> None:
    for cls in (*STRATEGIES.values(), Costs, Execution, RunConfig):
        missing = {spec.name for spec in fields(cls)} - set(field_docs(cls))
        assert missing <= {"strategy", "universe", "costs", "execution"}, (cls.__name__, missing)


def test_describe_of_an_unknown_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _main(["--describe", "costz"], capsys)
    assert status == 2
    assert out == ""
    assert err == "error: --describe costz: nothing of that name; did you mean costs?\n"
    with pytest.raises(Exception, match="did you mean BullBearProxy"):
        describe("bullbearproxy")


def test_print_config_is_yaml_of_the_resolved_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--start", "2020-01-02", "--allow-partial"]
    argv += ["--set", "costs.borrow_bps.BTC-USD=800", "--set", "strategy.buy_below=1.5"]
    status, out, err = _main([*argv, "--print-config", "--out", str(tmp_path / "r")], capsys)
    assert (status, err) == (0, "")
    printed = yaml.safe_load(out)
    overrides = ["start=2020-01-02", "allow_partial=true", "costs.borrow_bps.BTC-USD=800"]
    expected = build_config("hartnett_switch", [*overrides, "strategy.buy_below=1.5"])
    assert printed == expected.as_dict()
    assert printed["start"] == "2020-01-02"
    assert not (tmp_path / "r").exists()


def test_print_config_with_a_sweep_prints_the_grid_as_flags_that_repeat_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    grid = ["strategy.short_weight=0.1:0.5:0.1", "strategy.tech_share=0.5,1"]
    argv = ["--strategy", "main_street", "--data", "demo", "--print-config"]
    status, plain, err = _main(argv, capsys)
    assert (status, err) == (0, "")
    sweep = [flag for spec in grid for flag in ("--sweep", spec)]
    status, out, err = _main([*argv, *sweep, "--walk-forward", "4y:1y"], capsys)
    assert (status, err) == (0, "")
    assert yaml.safe_load(out) == yaml.safe_load(plain)  # comments: it still reads back
    assert out.startswith(plain)
    comment = out.removeprefix(plain).splitlines()
    assert comment[0].startswith("# Not in the config above (a config file holds no grid)")
    flags = shlex.split(comment[1].removeprefix("# with "))
    assert flags == ["--config", "THIS_FILE", *sweep, "--walk-forward", "4y:1y"]


def test_print_config_with_a_bad_key_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _main(["--set", "costs.fee_bps=1", "--print-config"], capsys)
    assert (status, out) == (2, "")
    assert "did you mean costs.fees_bps?" in err
