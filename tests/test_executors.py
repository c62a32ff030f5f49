"""Executors: a sweep on a Dask cluster equals the local one to the bit, survives a dead worker,
names the combinations of a chunk that keeps failing, says how to install Dask, and refuses in
one line a cluster that cannot run it (no worker, or a scheduler or worker without this code)."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import run_backtest
from core.errors import InputError, SweepError
from core.places import PROJECT_ROOT
from pipeline.config import build_config
from pipeline.executors import FIX, PROJECT_MODULES, DaskExecutor, LocalExecutor, check_cluster
from pipeline.sweep import SweepResult, parse_axis, sweep

GRID = ["strategy.short_weight=0.1,0.3,0.5", "strategy.tech_share=0.5,0.75,1"]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One cluster of 2 worker processes on loopback for the whole module."""
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            host="127.0.0.1",
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def _sweep(folder: Path, executor: Any = None, **options: Any) -> SweepResult:
    config = build_config(
        "main_street",
        ["costs.fees_bps.etf=2", "costs.cash_rate=0.02"],
        data=f"csv:{folder}",
        start=date(2018, 1, 1),
        end=date(2020, 12, 31),
    )
    axes = [parse_axis(spec) for spec in GRID]
    return sweep(config, axes, chunk_size=2, executor=executor, **options)


def _assert_identical(result: SweepResult, expected: SweepResult) -> None:
    pd.testing.assert_frame_equal(result.table, expected.table, rtol=0, atol=0)
    for name in ("skew", "kurtosis"):
        assert np.array_equal(getattr(result.shape, name), getattr(expected.shape, name))
    assert result.shape.blocks is not None
    assert expected.shape.blocks is not None
    assert np.array_equal(result.shape.blocks.sums, expected.shape.blocks.sums)
    assert np.array_equal(result.shape.blocks.squares, expected.shape.blocks.squares)


class _Wrapped:
    """An executor running ``wrapper(function, chunk, shared)`` in place of each chunk."""

    def __init__(self, inner: Any, wrapper: Callable[..., Any]) -> None:
        self.inner, self.wrapper = inner, wrapper

    def map_chunks(
        self, function: Callable[..., Any], chunks: Sequence[Any], shared: Any
    ) -> Iterator[tuple[int, Any]]:
        return self.inner.map_chunks(functools.partial(self.wrapper, function), chunks, shared)


def _die_once(marker: str, function: Callable[..., Any], chunk: Any, shared: Any) -> Any:
    """The first chunk to start kills its own worker process; every later try runs normally."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return function(chunk, shared)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable: the worker was killed")


def _fail_on(
    values: tuple[float, float], function: Callable[..., Any], chunk: Any, shared: Any
) -> Any:
    """Fails every try of the chunk holding the combination ``values``."""
    if any((cfg.strategy.short_weight, cfg.strategy.tech_share) == values for cfg in chunk):
        raise RuntimeError("this chunk always fails")
    return function(chunk, shared)


def test_a_dask_sweep_equals_the_local_one_to_the_bit(shared_data: Path, client: Any) -> None:
    progress: list[tuple[int, int]] = []
    local = _sweep(shared_data, LocalExecutor())
    on_dask = _sweep(shared_data, DaskExecutor(client), on_chunk=lambda *p: progress.append(p))
    _assert_identical(on_dask, local)
    done = [done for done, _ in progress]  # 5 chunks, counted as they end, in any order
    assert done == sorted(done)
    assert len(done) == 5
    assert done[-1] == 9
    assert {total for _, total in progress} == {9}


def test_a_worker_killed_mid_sweep_changes_nothing(
    shared_data: Path, client: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "killed"
    executor = _Wrapped(DaskExecutor(client), functools.partial(_die_once, str(marker)))
    result = _sweep(shared_data, executor)
    assert marker.exists()  # a worker did die running a chunk
    _assert_identical(result, _sweep(shared_data))
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for the tests after


def test_a_chunk_that_keeps_failing_stops_the_sweep_and_names_it(
    shared_data: Path, client: Any
) -> None:
    executor = _Wrapped(DaskExecutor(client, retries=1), functools.partial(_fail_on, (0.5, 0.75)))
    with pytest.raises(SweepError) as caught:
        _sweep(shared_data, executor)
    message = str(caught.value)
    assert "sweep chunk 4 of 5 failed after retries, so nothing was written" in message
    named = "(strategy.short_weight=0.5, strategy.tech_share=0.5); "
    assert named + "(strategy.short_weight=0.5, strategy.tech_share=0.75)" in message
    assert "RuntimeError: this chunk always fails" in message


def _cli(folder: Path, out: Path, executor: str) -> list[str]:
    argv = ["--strategy", "main_street", "--data", f"csv:{folder}", "--out", str(out)]
    argv += ["--start", "2018-01-01", "--end", "2020-12-31", "--no-report"]
    return [*argv, "--sweep", "strategy.short_weight=0.1,0.3", "--executor", executor]


def test_without_dask_the_cli_says_how_to_install_it(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    for name in ("dask", "dask.distributed", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # an import of it now fails
    assert run_backtest.main(_cli(shared_data, tmp_path, "dask")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert ".venv/bin/pip install -r requirements-dask.txt" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("spec", ["spark", "dask://", "dask://host", "dask://host:port"])
def test_a_bad_executor_is_refused(
    spec: str, shared_data: Path, tmp_path: Path, capsys: Any
) -> None:
    assert run_backtest.main(_cli(shared_data, tmp_path, spec)) == 2
    assert "expected local, dask (a cluster on this machine) or dask://HOST:PORT" in (
        capsys.readouterr().err
    )


def test_a_sound_cluster_passes_the_check(client: Any) -> None:
    check_cluster(client, "dask")


@pytest.fixture
def scheduler() -> Iterator[Any]:
    """A scheduler with no worker, in this process; its client."""
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            host="127.0.0.1",
            protocol="tcp",  # not inproc: worker processes join it
            n_workers=0,
            processes=False,
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def test_a_scheduler_without_workers_is_one_error_soon(
    scheduler: Any, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr("pipeline.executors.WORKER_WAIT", 1.0)
    spec = "dask://" + scheduler.scheduler.address.removeprefix("tcp://")
    waits: list[object] = []
    wait_for_workers = type(scheduler).wait_for_workers

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        waits.append(kwargs.get("timeout"))
        return wait_for_workers(self, *args, **kwargs)

    monkeypatch.setattr(type(scheduler), "wait_for_workers", spy)
    assert run_backtest.main(_cli(shared_data, tmp_path / "out", spec)) == 2
    assert waits == [1.0]  # one wait, of WORKER_WAIT: no other timeout (not timed by the clock)
    err = capsys.readouterr().err
    assert err == (
        f"error: --executor {spec}: the scheduler has no worker (waited 1 s); start one where "
        f"this project is installed: `dask worker {scheduler.scheduler.address}`\n"
    )
    assert not (tmp_path / "out").exists()


def _daemon(folder: Path, role: str, *args: str, code: Path | None) -> subprocess.Popen[bytes]:
    """A ``dask ROLE`` process started in ``folder``, importing the project from ``code`` only."""
    env = {**os.environ, "PYTHONPATH": str(code or "")}
    command = [sys.executable, "-m", f"distributed.cli.dask_{role}", *args, "--no-dashboard"]
    return subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@contextmanager
def _running(*processes: subprocess.Popen[bytes]) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _edited_copy(folder: Path) -> Path:
    """This project's modules copied to ``folder``, one of them edited: another version."""
    for name in PROJECT_MODULES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source.with_suffix(".py"), folder)
    with (folder / "analytics" / "metrics.py").open("a") as file:
        file.write("# another version\n")
    return folder


@pytest.mark.parametrize("worker", ["without the project", "with other code"])
def test_a_worker_that_cannot_run_the_sweep_is_named_with_the_fix(
    worker: str, scheduler: Any, tmp_path: Path
) -> None:
    code = _edited_copy(tmp_path / "copy") if worker == "with other code" else None
    address = scheduler.scheduler.address
    process = _daemon(tmp_path, "worker", address, "--nthreads", "1", "--no-nanny", code=code)
    with _running(process):
        with pytest.raises(InputError) as caught:
            check_cluster(scheduler, "dask://x", wait=120)
        worker_address = next(iter(scheduler.scheduler_info()["workers"]))
    said = str(caught.value)
    if code is None:
        assert said.startswith(
            f"--executor dask://x: worker {worker_address} cannot import the project "
            "(ModuleNotFoundError: No module named "
        )
    else:
        assert said.startswith(f"--executor dask://x: worker {worker_address} runs other ")
        assert "project code (" in said
    assert said.endswith(f"; {FIX}")
    assert "\n" not in said


def test_a_scheduler_without_the_project_is_named(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    file = tmp_path / "scheduler.json"
    scheduler = _daemon(
        tmp_path,
        "scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--scheduler-file",
        str(file),
        code=None,
    )
    worker = _daemon(
        tmp_path,
        "worker",
        "--scheduler-file",
        str(file),
        "--nthreads",
        "1",
        "--no-nanny",
        code=PROJECT_ROOT,
    )
    with (
        _running(worker, scheduler),
        distributed.Client(scheduler_file=str(file), timeout="120s") as client,
        pytest.raises(InputError) as caught,
    ):
        check_cluster(client, "dask://x", wait=120)
    assert str(caught.value).startswith(
        "--executor dask://x: the scheduler cannot import the project (ModuleNotFoundError: "
    )
