"""Shared fixtures: the real history in ../shared/data, read without the project's reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the network or the user's cache: Yahoo is unreachable, the cache empty."""
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
