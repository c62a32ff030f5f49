"""Shared fixtures: the real history in ../shared/data, read without the project's reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "load_independent", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("load_independent")
"""No property test is timed by the clock: a loaded machine (one core under taskset, other jobs)
makes Hypothesis slower, never red. Each test's own ``@settings`` still sets its example count."""

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the network or the user's cache: Yahoo is unreachable, the cache empty.

    Nor the user's default data source (``MAINSTREET_DATA``): a test sets it when it wants one.
    """
    monkeypatch.delenv("MAINSTREET_DATA", raising=False)
    monkeypatch.setattr("data.sources.network_available", lambda: False)
    monkeypatch.setattr("data.sources.CACHE_ROOT", tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real price files; a test that needs it fails (never skips) without it."""
    if not (SHARED_DATA / "SPY.csv").is_file():
        pytest.fail(
            f"real history not found at {SHARED_DATA}: ../shared/data must sit beside the project"
        )
    return SHARED_DATA


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command line in this process: its exit status, stdout and stderr."""
    import run_backtest

    try:
        status = run_backtest.main(argv)
    except SystemExit as exit_:  # argparse refuses before main's own handling
        status = int(exit_.code)
    out, err = capsys.readouterr()
    return status, out, err


def read_close(folder: Path, ticker: str) -> pd.Series:
    """A ticker's adjusted close straight from its file with plain pandas."""
    table = pd.read_csv(folder / f"{ticker}.csv", index_col="Date", parse_dates=True)
    return table["Adj Close"].astype(float)


CHECKED_RUNS: list[Path] = []
"""Every run folder `check_written_runs` has checked this session."""


@pytest.fixture(autouse=True)
def check_written_runs(monkeypatch: pytest.MonkeyPatch):
    """Check every run folder written in this process against its own files (`check_run`).

    ``reporting.run_dir._rename_unique`` is where every run folder becomes whole (the CLI, the
    API, `write_run` called directly), so it is checked there, before a test can alter it; its
    problems fail the test at teardown. Runs written by a subprocess are not seen.
    """
    import reporting.run_dir
    from tests.run_checks import check_run

    rename = reporting.run_dir._rename_unique
    problems: list[str] = []

    def checked(staging: Path, target: Path) -> Path:
        run_dir = rename(staging, target)
        try:
            found, bad_numbers = check_run(run_dir)
        except Exception as exc:  # a file missing or unreadable is a problem too
            found, bad_numbers = [f"{type(exc).__name__}: {exc}"], []
        found += [f"report.html prints {text}" for text in bad_numbers]
        problems.extend(f"{run_dir.name}: {problem}" for problem in found)
        CHECKED_RUNS.append(run_dir)
        return run_dir

    monkeypatch.setattr(reporting.run_dir, "_rename_unique", checked)
    yield
    if problems:
        pytest.fail("run folders inconsistent with their own files:\n" + "\n".join(problems))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many run folders were checked."""
    terminalreporter.write_line(f"run checks: {len(CHECKED_RUNS)} run folders checked")
