"""Executors: a sweep on a Dask cluster equals the local one to the bit, survives a dead worker,
names the combinations of a chunk that keeps failing, and says how to install Dask."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import run_backtest
from engine.config import build_config
from engine.errors import SweepError
from engine.executors import DaskExecutor, LocalExecutor
from engine.sweep import SweepResult, parse_axis, sweep

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
