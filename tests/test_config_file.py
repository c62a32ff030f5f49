"""YAML config files: the presets run, bad files list every problem, flags take precedence."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from core.errors import ConfigError
from pipeline.config import SECTIONS, build_config
from pipeline.config_file import config_from_mapping, read_config_file
from signals.support import SupportBreak
from strategies import STRATEGIES
from tests.conftest import run_cli as _main

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "configs").glob("*.yaml"))
PER_ASSET = ("fees_bps", "slippage_bps", "borrow_bps")


def test_the_hartnett_preset_holds_the_notes_levels() -> None:
    name, overrides, _ = read_config_file(ROOT / "configs" / "hartnett.yaml")
    assert name == "hartnett_switch"
    assert "strategy.supports.tech.level=133" in overrides
    assert "strategy.supports.crypto.level=58000" in overrides
    assert "strategy.supports.gold.ticker=GC=F" in overrides
    assert "strategy.supports.gold.level=4550" in overrides
    assert "strategy.sell_above=8" in overrides
    assert "strategy.dollar_level=100" in overrides


def test_the_preset_runs_and_flags_override_it(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(ROOT / "configs" / "hartnett.yaml"), "--data", f"csv:{shared_data}"]
    argv += ["--start", "2025-06-02", "--set", "strategy.sell_above=7.5", "--out", str(tmp_path)]
    status, out, _ = _main(argv, capsys)
    assert status == 0
    run = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())["run"]
    assert run["start"] == "2025-06-02"
    assert run["config"]["strategy"]["sell_above"] == 7.5
    assert run["config"]["strategy"]["supports"]["tech"]["level"] == 133


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "strategy:\n  name: main_street\n  short_weigth: 0.3\n",
            "did you mean strategy.short_weight?",
        ),
        (
            "costs:\n  fees_bps:\n    etf: lots\n",
            "costs.fees_bps.etf=lots: Input should be a valid number",
        ),
        (
            "strategy:\n  name: main_street\n  tech_share: 1.5\n",
            "strategy.tech_share = 1.5 is out of range",
        ),
        ("startt: 2020-01-01\n", "unknown key startt; did you mean start?"),
        ("start: 2020-13-45\n", "not valid YAML (month must be in 1..12)"),
        ("start: soon\n", "start = 'soon'"),
        ("costs: [1, 2]\n", "costs must be a mapping"),
        ("strategy: {name: main_street\n", "not valid YAML"),
        ("!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
        ("data: !!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
        ("strategy:\n  name: hartnett_switch\n  buy_below: 9\n", "buy_below = 9.0 is out of"),
        ("strategy:\n  name: hartnett_switch\n  dollar_guard: maybe\n", "valid boolean"),
        ("start: 2021-01-01\nend: 2020-06-30\n", "start 2021-01-01 must be before end"),
        ("execution:\n  lag: 0\n", "execution.lag = 0 is out of range; expected 1 to 250"),
        ("execution:\n  rebalance: hourly\n", "Input should be 'daily', 'weekly'"),
        ("costs:\n  borrow_bps: 5\n", "expected costs.borrow_bps.KEY=VALUE"),
        ("calendar: 5d\n", "calendar = '5d'"),
        ("strategy:\n  name: main_stret\n", "did you mean main_street?"),
    ],
)
def test_bad_files_exit_2_with_one_line(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    status, out, err = _main(["--config", str(path), "--out", str(tmp_path / "r")], capsys)
    assert status == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert message in err
    assert "hacked" not in out + err
    assert not (tmp_path / "r").exists()


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: no such file; the presets, found from any"):
        read_config_file(tmp_path / "nope.yaml")


def test_a_python_tag_never_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    witness = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"strategy: !!python/object/apply:os.system ['touch {witness}']\n")
    status, _, err = _main(["--config", str(path), "--out", str(tmp_path / "r")], capsys)
    assert status == 2
    assert "not valid YAML" in err
    assert not witness.exists()


def test_a_file_with_several_errors_lists_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "strategy:\n  name: hartnett_switch\n  sell_abov: 7\n  max_hold: lots\n"
        "costs:\n  fees_bps:\n    etf: -3\n  borrow_bps:\n    etf: abc\n"
        "execution: [1]\nstartt: 2020-01-01\nstart: 2021-01-01\nend: 2020-01-01\n"
    )
    argv = ["--config", str(path), "--set", "universe.tech=a/b", "--out", str(tmp_path / "r")]
    status, out, err = _main(argv, capsys)
    assert status == 2
    assert out == ""
    expected = [
        "unknown key strategy.sell_abov; did you mean strategy.sell_above?",
        "strategy.max_hold=lots: Input should be a valid integer",
        "costs.borrow_bps.etf=abc: Input should be a valid number",
        "costs.fees_bps.etf = -3.0 is out of range; expected 0.0 to 1000.0",
        "execution must be a mapping of keys to values",
        "unknown key startt; did you mean start?",
        "start 2021-01-01 must be before end 2020-01-01",
        "universe.tech: 'a/b' is not a ticker symbol",
    ]
    lines = err.splitlines()
    assert lines[0] == f"error: {len(expected)} problems in the configuration:"
    assert len(lines) == 1 + len(expected)
    for message in expected:
        assert sum(message in line for line in lines[1:]) == 1, message
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("preset", PRESETS, ids=lambda path: path.name)
def test_every_preset_loads_and_runs_on_real_data(
    preset: Path, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(preset), "--data", f"csv:{shared_data}", "--no-report", "-qq"]
    argv += ["--start", "2024-01-02", "--end", "2025-06-30", "--out", str(tmp_path)]
    status, out, err = _main(argv, capsys)
    assert status == 0, err
    assert err == ""
    run_dir = Path(out.strip())
    assert run_dir.parent == tmp_path
    metrics = json.loads((run_dir / "metrics.json").read_text())
    name = yaml.safe_load(preset.read_text())["strategy"]["name"]
    assert metrics["run"]["config"]["strategy"]["name"] == name


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_each_strategy_has_a_preset_with_every_key_at_its_default(name: str) -> None:
    """The presets document the defaults: a key added to the code must be added there too."""
    content = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())
    preset, overrides, settings = config_from_mapping(content, name)
    assert preset == name
    assert build_config(preset, overrides, **settings) == build_config(name)
    keys = set(_keys(content, ""))
    classes = {"strategy": STRATEGIES[name], **SECTIONS}
    for section, cls in classes.items():
        for spec in fields(cls):
            if spec.name not in (*PER_ASSET, "supports", "params"):  # keyed by name
                assert f".{section}.{spec.name}" in keys, f"{section}.{spec.name}"
    assert {f".costs.{name}.{kind}" for name in PER_ASSET for kind in ("etf", "crypto")} <= keys
    if name == "hartnett_switch":
        for level in ("tech", "crypto"):
            assert {f".strategy.supports.{level}.{f.name}" for f in fields(SupportBreak)} <= keys
    assert {".data", ".start", ".end", ".calendar", ".allow_partial"} <= keys


def _keys(content: dict[str, object], prefix: str) -> list[str]:
    """Every dotted key of a nested mapping, null values included."""
    found = []
    for key, value in content.items():
        found += _keys(value, f"{prefix}.{key}") if isinstance(value, dict) else [f"{prefix}.{key}"]
    return found


def test_print_config_fed_back_reproduces_the_run(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--config", str(ROOT / "configs" / "hartnett.yaml"), "--data", f"csv:{shared_data}"]
    flags += ["--start", "2024-01-02", "--end", "2025-06-30", "--set", "strategy.sell_above=7.5"]
    flags += ["--set", "costs.borrow_bps.BTC-USD=800", "--set", "execution.rebalance=weekly"]
    status, printed, err = _main([*flags, "--print-config"], capsys)
    assert status == 0, err
    assert err == ""
    assert yaml.safe_load(printed)["strategy"]["sell_above"] == 7.5
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(printed)
    runs = []
    for argv in (flags, ["--config", str(resolved)]):
        status, out, err = _main([*argv, "--no-report", "-qq", "--out", str(tmp_path)], capsys)
        assert status == 0, err
        metrics = json.loads((Path(out.strip()) / "metrics.json").read_text())
        runs.append({key: value for key, value in metrics.items() if key != "run"})
    assert runs[0] == runs[1]
    _, again, _ = _main(["--config", str(resolved), "--print-config"], capsys)
    assert again == printed


def test_a_strategy_section_may_be_just_its_name() -> None:
    name, overrides, _ = config_from_mapping({"strategy": "sixty_forty"}, "test")
    assert (name, overrides) == ("sixty_forty", [])


def test_keys_of_the_configs_own_strategy_say_whose_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hartnett_switch file run as main_street: one problem naming the file's strategy."""
    preset = ROOT / "configs" / "hartnett.yaml"
    argv = ["--config", str(preset), "--strategy", "main_street", "--data", "demo"]
    status, out, err = _main([*argv, "--set", "strategy.short_wieght=1", "--print-config"], capsys)
    assert status == 2
    assert out == ""
    strategy_keys = list(yaml.safe_load(preset.read_text())["strategy"])
    theirs = [key for key in strategy_keys if key != "name"]  # none of them is main_street's
    assert not {f.name for f in fields(STRATEGIES["main_street"])} & set(theirs)
    assert err.splitlines() == [
        "error: 2 problems in the configuration:",
        f"  the strategy keys {', '.join(theirs)} belong to hartnett_switch (the config's "
        "strategy.name), not to main_street: drop --strategy main_street to run "
        "hartnett_switch, or leave those keys out of the config to run main_street",
        "  unknown key strategy.short_wieght; did you mean strategy.short_weight?",
    ]
    # Without --strategy the file's own strategy runs with them.
    status, out, err = _main(["--config", str(preset), "--data", "demo", "--print-config"], capsys)
    assert status == 0, err
    assert yaml.safe_load(out)["strategy"]["name"] == "hartnett_switch"
