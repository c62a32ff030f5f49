"""The project installs as a package: its command and its API work from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_pins_are_the_requirements() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert project["dependencies"] == pins


def test_pip_install_gives_a_command_and_an_api_that_work_from_another_folder(
    tmp_path: Path,
) -> None:
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    install += ["--no-build-isolation", "--no-index", "--target", str(site), str(ROOT)]
    subprocess.run(install, check=True, capture_output=True, cwd=tmp_path)  # no network
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path)}
    command = [sys.executable, str(site / "bin" / "mainstreet-backtest"), "--strategy"]
    command += ["main_street", "--data", "demo", "--start", "2018-01-01", "--end", "2019-06-28"]
    done = subprocess.run(
        [*command, "--no-report", "-qq"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.strip())
    assert run_dir.parent == elsewhere / "results"  # not inside site-packages
    assert json.loads((run_dir / "metrics.json").read_text())["run"]["synthetic"] is True
    api = (
        "import warnings, backtester; warnings.simplefilter('ignore'); "
        "r = backtester.run('sixty_forty', data='demo', start='2018-01-01', end='2019-06-28'); "
        "print(r.metrics['strategy']['sharpe'] == r.metrics['benchmark']['sharpe']); "
        "r = backtester.run('hartnett_switch', data='demo', start='2018-01-01', "
        "end='2019-06-28', overrides=['strategy.reading_source=published']); "
        "print(sorted(set(r.signals['reading_source'])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", api], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    # BofA's published readings are package data: read from site-packages, in any folder
    assert done.stdout.split() == ["True", "['none',", "'published']"]
    assert (site / "data" / "published" / "bull_bear.csv").is_file()
    assert (site / "data" / "calibration" / "calendar_year_returns.csv").is_file()
    # the presets are package data: found by name from another folder by the console script
    for name in ("configs/hartnett.yaml", "hartnett"):
        done = subprocess.run(
            [str(site / "bin" / "mainstreet-backtest"), "--config", name, "--print-config"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        levels = [line.strip() for line in done.stdout.splitlines() if " level:" in line]
        assert levels == ["level: 133.0", "level: 58000.0", "level: 4550.0"]  # the note's


def test_a_preset_is_found_from_another_folder_by_the_checkouts_command(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "run_backtest.py"), "--print-config", "--config"]
    done = subprocess.run(
        [*command, "configs/hartnett.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "name: hartnett_switch" in done.stdout
    done = subprocess.run(
        [*command, "configs/nothing.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr == (
        "error: --config configs/nothing.yaml: no such file; the presets, found from any folder "
        "as configs/NAME.yaml: call, hartnett, hartnett_switch, main_street, sixty_forty\n"
    )
