"""Where a sweep's chunks run: in this process, or as tasks on a Dask cluster.

An executor maps one function over chunks that share one large read-only argument (the sweep's
market and caches) and yields ``(index, result)`` pairs as chunks complete; the caller puts each
result in its place, so the table is the same whatever order the chunks finish in. Dask is
optional (``requirements-dask.txt``) and imported only when a Dask executor is asked for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from engine.errors import ConfigError, InputError

C = TypeVar("C")
R = TypeVar("R")

INSTALL_HINT = (
    "--executor dask needs Dask, which is not installed: "
    ".venv/bin/pip install -r requirements-dask.txt"
)
RETRIES = 3
"""Times a chunk that raised is tried again; a dead worker's chunks are rerun by the scheduler."""
CONNECT_TIMEOUT = "10s"


class MissingDependencyError(InputError):
    """An optional package the run asked for is not installed; the message says how to add it."""


class ChunkError(InputError):
    """A chunk kept failing on the cluster; ``index`` says which, so the caller can name it."""

    def __init__(self, index: int, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.index = index
        self.cause = cause


class Executor(Protocol):
    """Runs ``function(chunk, shared)`` for every chunk; yields ``(index, result)`` as each ends."""

    def map_chunks(
        self, function: Callable[[C, Any], R], chunks: Sequence[C], shared: Any
    ) -> Iterator[tuple[int, R]]:
        """Each chunk's result, with the chunk's index, as chunks complete."""
        ...


class LocalExecutor:
    """In this process, one chunk after the other, in order (the default)."""

    def map_chunks(
        self, function: Callable[[C, Any], R], chunks: Sequence[C], shared: Any
    ) -> Iterator[tuple[int, R]]:
        """Each chunk's result, in chunk order; an error propagates unchanged."""
        for index, chunk in enumerate(chunks):
            yield index, function(chunk, shared)


class DaskExecutor:
    """Each chunk one task on a Dask cluster; ``shared`` is sent to every worker once.

    A task that raises is retried ``retries`` times; a worker that dies has its tasks rerun
    elsewhere by the scheduler (up to ``distributed.scheduler.allowed-failures`` deaths). A chunk
    that still fails raises `ChunkError` and the remaining tasks are cancelled.
    """

    def __init__(self, client: Any, retries: int = RETRIES) -> None:
        self.client = client
        self.retries = retries

    def map_chunks(
        self, function: Callable[[C, Any], R], chunks: Sequence[C], shared: Any
    ) -> Iterator[tuple[int, R]]:
        """Each chunk's result, with its index, in the order the chunks complete."""
        distributed = import_distributed()
        on_workers = self.client.scatter(shared, broadcast=True, hash=False)
        futures = [
            self.client.submit(function, chunk, on_workers, retries=self.retries, pure=False)
            for chunk in chunks
        ]
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in distributed.as_completed(futures):
                yield index[future.key], _result(future, index[future.key])
                future.release()
        finally:
            self.client.cancel([*futures, on_workers])


def _result(future: Any, index: int) -> Any:
    try:
        return future.result()
    except Exception as exc:  # the task's own error, or KilledWorker, or a lost connection
        raise ChunkError(index, exc) from exc


def import_distributed() -> Any:
    """``dask.distributed``, or a `MissingDependencyError` saying how to install it."""
    try:
        import dask.distributed as distributed
    except ImportError:
        raise MissingDependencyError(INSTALL_HINT) from None
    return distributed


def check_executor(spec: str) -> str:
    """``spec`` if it names an executor (``local``, ``dask``, ``dask://HOST:PORT``), else fail.

    A Dask spec also needs Dask importable; both are checked before any data is loaded.
    """
    if spec == "local":
        return spec
    if spec != "dask" and not _address(spec):
        raise ConfigError(
            f"--executor {spec!r}: expected local, dask (a cluster on this machine) or "
            "dask://HOST:PORT (a running scheduler, e.g. dask://10.0.0.5:8786)"
        )
    import_distributed()
    return spec


def _address(spec: str) -> str | None:
    """``tcp://HOST:PORT`` of a ``dask://HOST:PORT`` spec, else None."""
    prefix = "dask://"
    host, sep, port = spec.removeprefix(prefix).rpartition(":")
    if not spec.startswith(prefix) or not sep or not host or not port.isdigit():
        return None
    return f"tcp://{host}:{port}"


@contextmanager
def open_executor(spec: str) -> Iterator[Executor]:
    """The executor ``spec`` names, with its cluster or connection closed afterwards."""
    check_executor(spec)
    if spec == "local":
        yield LocalExecutor()
        return
    distributed = import_distributed()
    # Dask sets its loggers to INFO on import; its start-up lines are not the run's news
    logging.getLogger("distributed").setLevel(logging.WARNING)
    address = _address(spec)
    if address is None:
        with (
            distributed.LocalCluster(
                host="127.0.0.1",
                n_workers=os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield DaskExecutor(client)
        return
    with _connect(distributed, address) as client:
        yield DaskExecutor(client)


def _connect(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address``, or an error saying how to start one."""
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"--executor: no Dask scheduler answered at {address} ({exc}); start one with "
            "`dask scheduler` and workers with `dask worker " + address + "`"
        ) from None
