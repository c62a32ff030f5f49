"""The README's commands are the ones CI and users actually run."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command() -> None:
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"    {command}\n" in (ROOT / "README.md").read_text()


def test_readme_run_command_names_a_registered_strategy() -> None:
    from strategies import STRATEGIES

    readme = (ROOT / "README.md").read_text()
    run_line = next(line for line in readme.splitlines() if "run_backtest.py --strategy" in line)
    assert run_line.split("--strategy ")[1].split()[0] in STRATEGIES
