"""YAML config files: the presets run, bad files fail with one line, flags take precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import run_backtest
from engine.config_file import read_config_file
from engine.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = run_backtest.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_the_hartnett_preset_holds_the_notes_levels() -> None:
    name, overrides, _ = read_config_file(ROOT / "configs" / "hartnett.yaml")
    assert name == "hartnett_switch"
    assert "strategy.tech_break_level=133" in overrides
    assert "strategy.crypto_break_level=58000" in overrides
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
    assert run["config"]["strategy"]["tech_break_level"] == 133


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "strategy:\n  name: main_street\n  short_weigth: 0.3\n",
            "did you mean strategy.short_weight?",
        ),
        ("costs:\n  fees_bps: lots\n", "costs.fees_bps=lots: Input should be a valid number"),
        (
            "strategy:\n  name: main_street\n  tech_share: 1.5\n",
            "strategy.tech_share = 1.5 is out of range",
        ),
        ("startt: 2020-01-01\n", "unknown key startt"),
        ("start: 2020-13-45\n", "not valid YAML (month must be in 1..12)"),
        ("start: soon\n", "start = 'soon'"),
        ("costs: [1, 2]\n", "costs must be a mapping"),
        ("strategy: {name: main_street\n", "not valid YAML"),
        ("!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
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
    with pytest.raises(ConfigError, match="cannot read it"):
        read_config_file(tmp_path / "nope.yaml")
