"""A sweep on several worker processes gives the table of one process, to the bit."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError
from pipeline.config import build_config
from pipeline.executors import ChunkError, LocalExecutor, usable_cores
from pipeline.sweep import Axis, _failed, parse_axis, sweep
from tests.conftest import run_cli


def _config(strategy: str, folder: Path):
    return build_config(
        strategy,
        ["costs.fees_bps.etf=2", "costs.cash_rate=0.02"],
        data=f"csv:{folder}",
        start=date(2015, 1, 1),
        end=date(2020, 12, 31),
    )


@pytest.mark.parametrize(
    ("strategy", "specs"),
    [
        ("main_street", ["strategy.short_weight=0:1.2:0.2", "strategy.tech_share=0.5,1"]),
        ("hartnett_switch", ["strategy.sell_above=6:9:1", "strategy.max_hold=0,21,63"]),
    ],
)
def test_two_workers_give_the_one_process_table(
    strategy: str, specs: list[str], shared_data: Path
) -> None:
    config = _config(strategy, shared_data)
    axes = [parse_axis(spec) for spec in specs]
    alone = sweep(config, axes, chunk_size=3, workers=1)
    shared = sweep(config, axes, chunk_size=3, workers=2)
    pd.testing.assert_frame_equal(shared.table, alone.table, check_exact=True)
    for name in ("skew", "kurtosis"):
        np.testing.assert_array_equal(getattr(shared.shape, name), getattr(alone.shape, name))
    assert alone.shape.blocks is not None
    assert shared.shape.blocks is not None
    np.testing.assert_array_equal(shared.shape.blocks.sums, alone.shape.blocks.sums)


def test_the_chunks_run_in_other_processes_and_all_come_back() -> None:
    def where(chunk: list[int], offset: int) -> tuple[int, list[int]]:
        return os.getpid(), [value + offset for value in chunk]

    chunks = [[k, k + 1] for k in range(0, 20, 2)]
    found = dict(LocalExecutor(2).map_chunks(where, chunks, 100))
    assert sorted(found) == list(range(10))
    assert [found[i][1] for i in range(10)] == [[100 + k, 101 + k] for k in range(0, 20, 2)]
    assert os.getpid() not in {pid for pid, _ in found.values()}
    alone = dict(LocalExecutor(1).map_chunks(where, chunks, 100))
    assert {pid for pid, _ in alone.values()} == {os.getpid()}


def test_a_chunk_error_in_a_worker_reaches_the_caller() -> None:
    def failing(chunk: list[int], _: object) -> int:
        if 7 in chunk:
            raise ValueError(f"bad chunk {chunk}")
        return len(chunk)

    with pytest.raises(ValueError, match=r"bad chunk \[7\]"):
        list(LocalExecutor(2).map_chunks(failing, [[k] for k in range(10)], None))


def test_a_worker_that_dies_ends_the_map_with_an_error_not_a_hang() -> None:
    def dying(chunk: list[int], _: object) -> int:
        if 3 in chunk:
            os._exit(9)  # as the out-of-memory killer would end it
        return len(chunk)

    with pytest.raises(ChunkError, match="terminated abruptly") as caught:
        list(LocalExecutor(2).map_chunks(dying, [[k] for k in range(8)], None))
    assert not caught.value.retried  # one machine does not try a chunk again
    grid = [(float(k),) for k in range(8)]
    error = _failed(
        caught.value, [Axis("strategy.a", tuple(v for (v,) in grid))], grid, range(8), 1
    )
    assert str(error).startswith(f"sweep chunk {caught.value.index + 1} of 8 failed, so nothing")


def test_the_default_is_every_usable_core() -> None:
    assert LocalExecutor().workers == usable_cores() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_a_bad_worker_count_is_refused(workers: object) -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        LocalExecutor(workers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0", "--sweep", "strategy.sell_above=7,8"], "'0' is not a whole number"),
        (["--workers", "two", "--sweep", "strategy.sell_above=7,8"], "'two' is not a whole"),
        (["--workers", "2"], "--workers runs a sweep's chunks; it needs --sweep"),
    ],
)
def test_the_cli_refuses_bad_workers(argv: list[str], message: str, capsys, tmp_path) -> None:
    status, _, err = run_cli(
        ["--strategy", "hartnett_switch", "--data", "demo", "--out", str(tmp_path), *argv], capsys
    )
    assert status == 2
    assert message in err
    assert not any(tmp_path.iterdir())
