"""Faults, not bad input: a kill or Ctrl-C at each stage, runs racing for a name and for the index,
and a results folder that is full or read-only. None leaves a partial run or a traceback.

A fault is made deterministic by running the command line in a fresh interpreter through a small
``-c`` wrapper that replaces one stage (the data loader, the simulation kernel, the report, a
sweep's chunk, the cache's rename) by `FAULT`: it kills its own process with SIGKILL, or prints
``inside`` and waits, without a time limit, for the test's SIGINT. The subprocesses of a test run
side by side. No test waits on the clock: each waits on a marker (a line, a file) or a process's
end, so a loaded machine makes them slower, never red.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import run_backtest
from data import cache
from tests.conftest import read_close, run_cli

PROJECT = Path(run_backtest.__file__).resolve().parent
TIMEOUT = 120
RUN = ["--strategy", "sixty_forty", "--start", "2020-01-02", "--end", "2020-03-31"]

FAULT = """\
import os, signal, sys, time

def fault(*args, **kwargs):
    if os.environ["FAULT"] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    print("inside", flush=True)  # the readiness marker: the test sends SIGINT once it reads it
    while True:  # short sleeps: a SIGINT that lands before one starts is seen when it ends
        time.sleep(0.01)

{patch}
import run_backtest
sys.exit(run_backtest.main(sys.argv[1:]))
"""

STAGES = {
    "data load": "import data.sources; data.sources.read_price_csv = fault",
    "simulation": "import simulation.kernel; simulation.kernel.simulate = fault",
    "report": "import reporting.report; reporting.report.write_report = fault",
    "sweep": "import pipeline.sweep; pipeline.sweep._run_chunk = fault",
}

SAME_SECOND = """\
import datetime, pathlib, reporting.run_dir

class Clock(datetime.datetime):
    @classmethod
    def now(cls, tz=None):  # every run waits here for the others, then all take one second
        barrier = pathlib.Path(os.environ["BARRIER"])
        (barrier / str(os.getpid())).touch()
        while len(list(barrier.iterdir())) < int(os.environ["RUNS"]):
            time.sleep(0.01)
        return datetime.datetime(2026, 1, 2, 3, 4, 5)

reporting.run_dir.datetime = Clock

import reporting.index
page = reporting.index._page

def slow_page(rows):  # who saw the fewest runs writes last: a lost update, without a lock
    time.sleep(0.1 * (int(os.environ["RUNS"]) - len(rows)))
    return page(rows)

reporting.index._page = slow_page
"""


def _start(
    argv: list[str], *, patch: str = "", fault: str = "kill", **env: str
) -> subprocess.Popen[str]:
    """The command line in a fresh interpreter, with ``patch`` applied before it starts.

    ``fault`` is what `FAULT` does where ``patch`` put it: ``kill``, or wait for SIGINT.
    """
    return subprocess.Popen(
        [sys.executable, "-c", FAULT.format(patch=patch), *argv],
        cwd=PROJECT,
        env={**os.environ, "FAULT": fault, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _argv(shared_data: Path, root: Path, *extra: str) -> list[str]:
    return [*RUN, "--data", f"csv:{shared_data}", "--out", str(root), *extra]


def _visible(root: Path) -> list[str]:
    """What a user sees in the results folder."""
    return sorted(path.name for path in root.iterdir() if not path.name.startswith("."))


class _Index(HTMLParser):
    """The index's run rows, and every end tag that did not close the element opened last."""

    VOID = frozenset({"meta", "link", "br", "hr", "img", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.runs: list[str] = []
        self.stray: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)
        run = dict(attrs).get("data-run")
        if tag == "tr" and run:
            self.runs.append(run)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.stray.append(tag)


def _listed(root: Path) -> list[str]:
    """The runs ``index.html`` lists, after checking it is whole, well-nested HTML."""
    text = (root / "index.html").read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>")
    page = _Index()
    page.feed(text)
    page.close()
    assert page.stray == []
    assert page.open == []
    return sorted(page.runs)


def _finished_run(root: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> str:
    status, out, err = run_cli(_argv(shared_data, root, "--no-report"), capsys)
    assert status == 0, err
    return Path(out.strip().splitlines()[-1]).name


def test_sigkill_at_any_stage_leaves_no_run_and_the_next_run_sweeps_up(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    killed = ("data load", "simulation", "report")
    roots = {stage: tmp_path / stage.replace(" ", "_") for stage in killed}
    earlier = {stage: _finished_run(root, shared_data, capsys) for stage, root in roots.items()}
    processes = {
        stage: _start(
            _argv(shared_data, roots[stage], *([] if stage == "report" else ["--no-report"])),
            patch=STAGES[stage],
        )
        for stage in killed
    }
    for stage, process in processes.items():
        _, err = process.communicate(timeout=TIMEOUT)
        root = roots[stage]
        assert process.returncode == -signal.SIGKILL, (stage, err)
        assert _visible(root) == sorted([earlier[stage], "index.html"]), stage
        assert _listed(root) == [earlier[stage]], stage
    # Killed while writing its report, a run leaves its hidden staging folder, and only that.
    report = roots["report"]
    (left,) = report.glob(".incomplete-*")
    assert left.name.endswith(f"-sixty_forty-{processes['report'].pid}")
    assert (left / "manifest.json").is_file()  # killed with the manifest written (the tables
    # are written while the figures are drawn, inside write_report)
    live = report / f".incomplete-20260102-030405-sixty_forty-{os.getpid()}"
    live.mkdir()  # a run still writing, in this very process: never swept
    latest = _finished_run(report, shared_data, capsys)
    assert sorted(path.name for path in report.glob(".incomplete-*")) == [live.name]
    assert _listed(report) == sorted([earlier["report"], latest])


def test_sigkill_between_a_cache_write_and_its_rename_keeps_the_old_entry(
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "cache"
    for ticker in ("SPY", "AGG"):
        prices = read_close(shared_data, ticker)["2019-01-02":"2020-03-31"]
        entry = cache.Entry(prices, "yahoo", "2020-04-01T00:00:00+00:00", None, date(2020, 3, 31))
        cache.write_entry(cache.cache_path(root, ticker), ticker, entry)
    rate = pd.Series(1.5, index=prices.index)  # the cash rate a run reads too, cached alike
    entry = cache.Entry(rate, "yahoo", "2020-04-01T00:00:00+00:00", None, date(2020, 3, 31))
    cache.write_entry(cache.cache_path(root, "^IRX"), "^IRX", entry)
    before = {path.name: path.read_bytes() for path in root.iterdir()}
    patch = f"""
import pathlib, types, yfinance, data.cache, data.sources
from tests.test_yahoo import yahoo_frame
yfinance.download = lambda ticker, **kwargs: yahoo_frame(ticker, [1.0, 2.0, 3.0])  # no network
data.sources.CACHE_ROOT = pathlib.Path({str(root)!r})
data.cache.os = types.SimpleNamespace(**{{**vars(os), "replace": fault}})  # the rename kills
"""
    argv = [*RUN, "--data", "yahoo", "--refresh", "--out", str(tmp_path / "results")]
    process = _start(argv, patch=patch)
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == -signal.SIGKILL, err
    assert {path.name: path.read_bytes() for path in root.glob("[!.]*")} == before
    # The new SPY entry was written in full to its temporary file, never renamed into place.
    assert [path.name[:9] for path in root.glob(".*")] == [".SPY.csv."]
    assert not (tmp_path / "results").exists()

    def refetch(*args: object) -> None:
        raise AssertionError("the cache was not trusted: a download was tried")

    monkeypatch.setattr("data.sources.CACHE_ROOT", root)
    monkeypatch.setattr("data.sources.fetch_yahoo", refetch)
    argv = [*RUN, "--data", "yahoo", "--out", str(tmp_path / "results"), "--no-report"]
    status, out, err = run_cli(argv, capsys)
    assert status == 0, err
    assert "corrupt" not in err
    metrics = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    assert (metrics["run"]["data_source"], metrics["run"]["end"]) == ("yahoo", "2020-03-31")


def test_ctrl_c_says_interrupted_exits_130_and_leaves_nothing(
    shared_data: Path, tmp_path: Path
) -> None:
    extra = {
        "simulation": ["--no-report"],
        "report": [],
        "sweep": ["--no-report", "--sweep", "strategy.stocks_weight=0.5,0.6"],
    }
    roots = {stage: tmp_path / stage for stage in extra}
    # matplotlib's first import builds its font cache and says so on stderr: here, not in a child
    import matplotlib.font_manager  # noqa: F401

    processes = {
        stage: _start(_argv(shared_data, roots[stage], *flags), patch=STAGES[stage], fault="wait")
        for stage, flags in extra.items()
    }
    for stage, process in processes.items():
        assert process.stdout is not None
        assert process.stdout.readline() == "inside\n", (stage, process.communicate()[1])
        process.send_signal(signal.SIGINT)
    for stage, process in processes.items():
        out, err = process.communicate(timeout=TIMEOUT)
        assert (process.returncode, out, err) == (130, "", "interrupted\n"), stage
        # the report's staging folder was there; it went, with the results folder made for it
        assert not roots[stage].exists(), stage


def test_eight_runs_in_the_same_second_all_land_and_are_all_listed(
    shared_data: Path, tmp_path: Path
) -> None:
    root, barrier, runs = tmp_path / "results", tmp_path / "barrier", 8
    barrier.mkdir()
    processes = [
        _start(
            _argv(shared_data, root, "--no-report", "-qq"),
            patch=SAME_SECOND,
            BARRIER=str(barrier),
            RUNS=str(runs),
        )
        for _ in range(runs)
    ]
    written = []
    for process in processes:
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
        written.append(Path(out.strip()).name)
    name = "20260102-030405-sixty_forty"
    expected = [name, *(f"{name}-{n}" for n in range(2, runs + 1))]
    assert sorted(written) == sorted(expected)
    assert _visible(root) == sorted([*expected, "index.html"])
    assert _listed(root) == sorted(expected)
    assert [path.name for path in root.glob(".*")] == [".index.lock"]


def test_two_sweeps_at_once_both_complete(shared_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "results"
    grids = ("strategy.stocks_weight=0.5,0.6", "strategy.stocks_weight=0.7,0.8,0.9")
    processes = [
        _start(_argv(shared_data, root, "--no-report", "-qq", "--sweep", grid)) for grid in grids
    ]
    combinations, written = [], []
    for process in processes:
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
        metrics = json.loads((Path(out.strip()) / "metrics.json").read_text())
        combinations.append(metrics["sweep"]["combinations"])
        written.append(Path(out.strip()).name)
    assert combinations == [2, 3]
    assert len(set(written)) == 2
    assert _listed(root) == sorted(written)


def _failing(
    monkeypatch: pytest.MonkeyPatch, method: str, code: int, where: Callable[[Path], bool]
) -> None:
    """Make ``Path.<method>`` fail with the OS error ``code`` on the paths ``where`` picks."""
    original = getattr(Path, method)

    def fake(self: Path, *args: object, **kwargs: object) -> object:
        if where(self):
            raise OSError(code, os.strerror(code), str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, fake)


@pytest.mark.parametrize(
    ("code", "method", "at", "fix"),
    [
        # the tables are written when metrics.json fails
        (
            errno.ENOSPC,
            "write_text",
            "a file inside",
            "free some space, or give another folder",
        ),
        (
            errno.ENOSPC,
            "write_text",
            "a file inside a new results folder",
            "free some space, or give another folder",
        ),
        (errno.EROFS, "mkdir", "the results folder", "give a folder you can write to"),
        (errno.EACCES, "mkdir", "the run's folder", "give a folder you can write to"),
    ],
)
def test_a_full_or_read_only_disk_is_one_error_and_leaves_nothing(
    code: int,
    method: str,
    at: str,
    fix: str,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "results"
    before: list[str] = []
    if at in ("a file inside", "the run's folder"):
        earlier = _finished_run(root, shared_data, capsys)
        before = sorted(path.name for path in root.iterdir())
        assert _listed(root) == [earlier]
    places = {
        "a file inside": lambda path: path.parent.parent == root,
        "a file inside a new results folder": lambda path: path.parent.parent == root,
        "the results folder": lambda path: path == root,
        "the run's folder": lambda path: path.parent == root,
    }
    _failing(monkeypatch, method, code, places[at])
    status, out, err = run_cli(_argv(shared_data, root, "--no-report"), capsys)
    assert (status, out) == (2, "")
    assert err == (
        f"error: --out {root}: cannot write the run directory ({os.strerror(code)}); nothing "
        f"was written; {fix}\n"
    )
    assert (sorted(path.name for path in root.iterdir()) if root.exists() else []) == before
    assert root.exists() == bool(before)  # a results folder this run created goes with it


def test_an_index_that_cannot_be_rebuilt_keeps_the_run_and_says_so(
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "results"
    earlier = _finished_run(root, shared_data, capsys)
    _failing(monkeypatch, "write_text", errno.ENOSPC, lambda path: path.name == ".index.html.tmp")
    status, out, err = run_cli(_argv(shared_data, root, "--no-report"), capsys)
    assert status == 0, err
    latest = Path(out.strip().splitlines()[-1])
    assert (latest / "metrics.json").is_file()
    assert caplog.messages == [
        f"{root / 'index.html'} not rebuilt (No space left on device); the run is in {latest}"
    ]
    assert _listed(root) == [earlier]  # the old index, whole
    assert _visible(root) == sorted([earlier, latest.name, "index.html"])


def test_a_run_whose_metrics_cannot_be_read_is_left_out_of_the_index_not_fatal(
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = tmp_path / "results"
    earlier = _finished_run(root, shared_data, capsys)
    cut = root / "20200101-000000-sixty_forty"  # a run cut short, or edited by hand
    cut.mkdir()
    (cut / "metrics.json").write_text('{"run": {"config"')
    latest = _finished_run(root, shared_data, capsys)
    assert _listed(root) == sorted([earlier, latest])
    assert caplog.messages == [
        f"{cut / 'metrics.json'}: unreadable (JSONDecodeError: Expecting ':' delimiter: line 1 "
        "column 18 (char 17)); left out of the index"
    ]
