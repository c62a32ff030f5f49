"""The command line end to end: outputs on success, one line and exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import reporting.report
import reporting.run_dir
import run_backtest
from analytics.metrics import METRICS
from core.errors import OutputError
from pipeline.config import build_config
from pipeline.run import run
from tests.conftest import run_cli as _run

PROJECT = Path(run_backtest.__file__).resolve().parent


@pytest.mark.parametrize("strategy", ["sixty_forty", "main_street"])
def test_run_on_real_data_writes_the_run_directory(
    strategy: str, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", strategy, "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    status, out, _ = _run([*argv, "--start", "2019-01-01", "--end", "2021-12-31"], capsys)
    assert status == 0
    run_dir = Path(out.strip().splitlines()[-1])
    assert run_dir.parent == tmp_path
    assert run_dir.name.endswith(f"-{strategy}")
    for name in ("metrics.json", "equity.csv", "weights.csv", "equity.png"):
        assert (run_dir / name).stat().st_size > 0, name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(METRICS) <= set(metrics["strategy"])
    assert set(metrics["strategy"]) == set(metrics["benchmark"])
    assert {"relative", "uncertainty", "attribution", "difference"} <= set(metrics)
    assert metrics["run"]["synthetic"] is False
    table = pd.read_csv(run_dir / "metrics.csv", index_col="metric")  # the same numbers
    assert list(table.columns) == ["strategy", "benchmark", "difference", "na_reason"]
    assert list(table.index) == list(metrics["strategy"])
    reasons = metrics["na_reasons"]["difference"]
    written = {key: "" if pd.isna(why) else why for key, why in table["na_reason"].items()}
    assert written == {key: reasons.get(key, "") for key in table.index}
    for name in ("strategy", "benchmark", "difference"):
        for key, value in metrics[name].items():
            cell = table.loc[key, name]
            if value in (None, ""):  # a drawdown not yet recovered: the CSV's cell is empty
                assert pd.isna(cell), (name, key)
            else:
                assert cell == value if isinstance(value, str) else float(cell) == value, key
    assert pd.isna(table.loc["max_drawdown_peak", "difference"])  # a date has no difference
    equity = pd.read_csv(run_dir / "equity.csv")
    assert list(equity.columns) == ["date", "strategy", "benchmark"]
    assert equity["date"].iloc[0] == "2019-01-02"
    weights = pd.read_csv(run_dir / "weights.csv", index_col="date")
    tickers = {"sixty_forty": {"SPY", "AGG"}, "main_street": {"IWM", "EFA", "XLK", "BTC-USD"}}
    assert set(weights.columns) == tickers[strategy]
    assert "Sharpe" in out


def test_demo_run_is_labelled_synthetic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(
        ["--data", "demo", "--out", str(tmp_path), "--start", "2020-01-01"], capsys
    )
    assert status == 0
    run_dir = Path(out.strip().splitlines()[-1])
    assert run_dir.name.endswith("-main_street-demo")
    assert json.loads((run_dir / "metrics.json").read_text())["run"]["synthetic"] is True
    assert "SYNTHETIC" in err


def test_runs_never_overwrite_each_other(tmp_path: Path) -> None:
    result = run(build_config("sixty_forty", ["execution.rebalance=yearly"], start=None))
    moment = datetime(2026, 1, 2, 3, 4, 5)
    first = reporting.run_dir.write_run(result, tmp_path, now=moment, report=False)
    second = reporting.run_dir.write_run(result, tmp_path, now=moment, report=False)
    assert first != second
    runs = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert runs == [first.name, second.name]


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(build_config("sixty_forty"))

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(reporting.report, "write_report", broken)
    with pytest.raises(OutputError, match=r"cannot write the run directory \(disk full\)"):
        reporting.run_dir.write_run(result, tmp_path)
    assert list(tmp_path.iterdir()) == []


def _bad_agg_folder(folder: Path) -> str:
    (folder / "SPY.csv").write_text("Date,Adj Close\n2024-01-02,470\n2024-01-03,468\n")
    (folder / "AGG.csv").write_text("Date,Adj Close\n2024-01-02,95\n2024-01-03,n/a\n")
    return f"csv:{folder}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "csv:/no/such/folder"], "no such folder"),
        (["--set", "universe.tech=NOPE", "--data", "csv:{shared}"], "NOPE: no price file"),
        (["--set", "universe.tech=NOPE"], "demo market has no ticker NOPE"),
        (["--set", "strategy.short_weigth=0.3"], "did you mean strategy.short_weight?"),
        (["--set", "strategy.short_weight=abc"], "valid number"),
        (["--set", "strategy.short_weight=9"], "strategy.short_weight = 9.0 is out of range"),
        (["--start", "2020-13-01"], "not a date"),
        (["--strategy", "nope"], "unknown strategy 'nope'"),
        (
            ["--strategy", "sixty_forty", "--data", "{bad}"],
            "AGG.csv, line 3: an unparsable or infinite",
        ),
        (["--data", "yahooo"], "unknown source"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str],
    message: str,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "bad").mkdir()
    bad = _bad_agg_folder(tmp_path / "bad")
    argv = [arg.format(shared=shared_data, bad=bad) for arg in argv]
    out_dir = tmp_path / "results"
    status, out, err = _run([*argv, "--out", str(out_dir)], capsys)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    assert message in err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_the_script_itself(tmp_path: Path) -> None:
    """The real entry point in a fresh interpreter: success prints the run path last; bad input
    exits 2 without a traceback."""
    command = [
        sys.executable,
        "run_backtest.py",
        "--strategy",
        "sixty_forty",
        "--data",
        "demo",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(
        [*command, "--start", "2024-01-01"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip().splitlines()[-1]).is_dir()
    failed = subprocess.run(
        [*command, "--set", "costs.fees=1"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert "unknown key costs.fees; did you mean costs.fees_bps?" in failed.stderr


def test_a_reader_that_stops_early_ends_the_output_without_a_traceback() -> None:
    # the pipe's reading end is closed before the command writes: every write fails (EPIPE)
    command = [sys.executable, "run_backtest.py", "--describe", "hartnett_switch"]
    child = subprocess.Popen(
        command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    child.stdout.close()
    stderr = child.stderr.read()
    assert child.wait() == 141, stderr
    assert stderr == ""


def test_the_script_still_ends_as_usual_for_a_profiler(tmp_path: Path) -> None:
    """The script skips the interpreter's teardown (`run_backtest._exit_at_once`) unless someone
    waits for it: here cProfile, which writes its file only after the script returns."""
    profile = tmp_path / "run.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(profile), "run_backtest.py"]
    done = subprocess.run(
        [*command, "--describe", "main_street"], cwd=PROJECT, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert profile.stat().st_size > 0


def test_the_quick_exit_waits_for_a_running_thread() -> None:
    release = threading.Event()
    waiting = threading.Thread(target=release.wait)
    waiting.start()
    try:
        with pytest.raises(SystemExit) as ended:  # not os._exit: this process lives on
            run_backtest._exit_at_once(3)
        assert ended.value.code == 3
    finally:
        release.set()
        waiting.join()


def test_a_sweep_says_its_progress_off_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_backtest._SweepProgress, "EVERY", 0.0)  # a line at every chunk
    argv = ["--strategy", "main_street", "--data", "demo", "--out", str(tmp_path), "--no-report"]
    argv += ["--start", "2016-01-01", "--end", "2017-12-31"]
    assert run_backtest.main([*argv, "--sweep", "strategy.short_weight=0.1:0.5:0.1"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if " combinations, " in line]
    assert lines[-1].startswith("sweep: 5/5 combinations, ")
    assert lines[-1].endswith(" a second, 0 s left")
    assert run_backtest.main([*argv, "-q", "--sweep", "strategy.short_weight=0.1,0.2"]) == 0
    assert " combinations, " not in capsys.readouterr().err  # -q: silent


def test_on_a_terminal_a_sweep_draws_a_bar_with_its_rate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bar = run_backtest._SweepProgress(300, terminal=True, quiet=False)
    bar(128, 300)
    bar(300, 300)
    bar.close()
    err = capsys.readouterr().err
    assert "sweep: 100%" in err
    assert "300/300" in err
    assert "combinations/s" in err


@pytest.mark.parametrize("below", ["", "runs"])
def test_out_at_a_file_is_one_error_before_anything_runs(
    below: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("keep me\n")
    out = taken / below if below else taken
    argv = ["--strategy", "main_street", "--data", "demo", "--out", str(out)]
    assert run_backtest.main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: --out {out}: {taken} is a file, not a folder; give a folder for the run "
        "directories (it is created if missing)\n"
    )
    assert taken.read_text() == "keep me\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
