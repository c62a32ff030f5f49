"""Where a sweep's chunks run: in this process, or as tasks on a Dask cluster.

An executor maps one function over chunks that share one large read-only argument (the sweep's
market and caches) and yields ``(index, result)`` pairs as chunks complete; the caller puts each
result in its place, so the table is the same whatever order the chunks finish in. Dask is
optional (``requirements-dask.txt``) and imported only when a Dask executor is asked for.
"""

from __future__ import annotations

import builtins
import gc
import logging
import multiprocessing
import os
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from core.errors import ConfigError, InputError
from core.places import PACKAGES

C = TypeVar("C")
R = TypeVar("R")

INSTALL_HINT = (
    "--executor dask needs Dask, which is not installed: "
    ".venv/bin/pip install -r requirements-dask.txt"
)
RETRIES = 3
"""Times a chunk that raised is tried again; a dead worker's chunks are rerun by the scheduler."""
CONNECT_TIMEOUT = "10s"
WORKER_WAIT = 10.0
"""Seconds a scheduler is given to have a worker before the sweep is refused."""
PROJECT_MODULES = (*(name for name in PACKAGES if name != "reporting"), "backtester")
"""What a sweep's tasks import on the cluster; their code is compared with this checkout's."""
FIX = (
    "restart the scheduler and every worker with this checkout, at the same commit, and its "
    "virtualenv: PYTHONPATH=/path/to/project /path/to/project/.venv/bin/dask worker ADDRESS"
)


class MissingDependencyError(InputError):
    """An optional package the run asked for is not installed; the message says how to add it."""


class ChunkError(InputError):
    """A chunk failed; ``index`` says which, so the caller can name it.

    ``retried`` when the executor tried it again before giving up (a Dask cluster does; the local
    workers do not: a chunk's failure is the same on a second try on one machine).
    """

    def __init__(self, index: int, cause: BaseException, retried: bool = False) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.index = index
        self.cause = cause
        self.retried = retried


class Executor(Protocol):
    """Runs ``function(chunk, shared)`` for every chunk; yields ``(index, result)`` as each ends."""

    def map_chunks(
        self, function: Callable[[C, Any], R], chunks: Sequence[C], shared: Any
    ) -> Iterator[tuple[int, R]]:
        """Each chunk's result, with the chunk's index, as chunks complete."""
        ...


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def check_workers(workers: int | None) -> int:
    """``workers`` (default: every usable core), refused unless a whole number of at least 1."""
    if workers is None:
        return usable_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(
            f"--workers {workers!r}: expected a whole number of processes, at least 1 (this "
            f"machine has {usable_cores()} usable cores)"
        )
    return workers


_JOB: list[Any] = []
"""The function, chunks and shared argument of the chunks being run: the forked workers inherit
them with the rest of this process's memory, so nothing but a chunk's index is sent."""
_IN_WORKER = [False]


def in_worker() -> bool:
    """Whether this process is a `LocalExecutor` worker (whose chunks run in it, in order)."""
    return _IN_WORKER[0]


def _start_worker() -> None:
    _IN_WORKER[0] = True


def _run_job(index: int) -> tuple[int, Any]:
    function, chunks, shared = _JOB
    return index, function(chunks[index], shared)


class LocalExecutor:
    """On this machine: ``workers`` processes forked from this one (default: every usable core).

    The workers inherit the chunks and the shared argument (a sweep's market and caches) from
    this process's memory, so only each chunk's result is sent back. With one worker, or where
    processes cannot be forked, the chunks run in this process, in order. A chunk computes the
    same, to the bit, in either place.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = check_workers(workers)

    def map_chunks(
        self, function: Callable[[C, Any], R], chunks: Sequence[C], shared: Any
    ) -> Iterator[tuple[int, R]]:
        """Each chunk's result, with its index, as chunks complete.

        A chunk's error propagates as raised; a worker that dies (killed, out of memory) ends
        the map with a `ChunkError` naming the first chunk left without a result.
        """
        count = min(self.workers, len(chunks))
        if count <= 1 or in_worker() or "fork" not in multiprocessing.get_all_start_methods():
            for index, chunk in enumerate(chunks):
                yield index, function(chunk, shared)
            return
        _JOB[:] = [function, chunks, shared]
        # the objects already made are left out of the workers' garbage collections, which
        # would otherwise write to (and so copy) every page of this process's heap
        gc.freeze()
        pool = ProcessPoolExecutor(count, multiprocessing.get_context("fork"), _start_worker)
        try:
            futures = {pool.submit(_run_job, index): index for index in range(len(chunks))}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool as exc:
                    raise ChunkError(futures[future], exc) from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()
            _JOB.clear()


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
        raise ChunkError(index, exc, retried=True) from exc


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
def open_executor(spec: str, workers: int | None = None) -> Iterator[Executor]:
    """The executor ``spec`` names, with its cluster or connection closed afterwards.

    ``workers`` limits the processes of the local executor (default: every usable core) and
    of the Dask cluster started on this machine; a running scheduler's workers are its own.
    """
    check_executor(spec)
    count = check_workers(workers)
    if spec == "local":
        yield LocalExecutor(count)
        return
    distributed = import_distributed()
    # Dask sets its loggers to INFO on import; its start-up lines are not the run's news
    logging.getLogger("distributed").setLevel(logging.WARNING)
    address = _address(spec)
    if address is None:
        with (
            distributed.LocalCluster(
                host="127.0.0.1",
                n_workers=count,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            check_cluster(client, spec)
            yield DaskExecutor(client)
        return
    with _connect(distributed, address) as client:
        check_cluster(client, spec)
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


def check_cluster(client: Any, spec: str, wait: float | None = None) -> None:
    """Refuse, in one line naming the fix, a cluster that cannot run this project's tasks.

    It needs a worker within ``wait`` seconds (`WORKER_WAIT`), and the scheduler and every
    worker must import the project with the same code (a fingerprint of its source files), the
    same Python (major.minor) and the same numpy and pandas as this process: otherwise the
    sweep would end in a traceback from the cluster (a ``ModuleNotFoundError`` from
    ``client.scatter``, a ``TimeoutError``, a scheduler's unpicklable task).
    """
    seconds = WORKER_WAIT if wait is None else wait
    try:
        client.wait_for_workers(1, timeout=seconds)
    except TimeoutError:
        raise InputError(
            f"--executor {spec}: the scheduler has no worker (waited {seconds:g} s); start "
            f"one where this project is installed: `dask worker {client.scheduler.address}`"
        ) from None
    probe = by_value(environment)
    here = environment(PROJECT_MODULES)
    found = {"the scheduler": client.run_on_scheduler(probe, PROJECT_MODULES)}
    found |= {f"worker {address}": seen for address, seen in _on_workers(client, probe).items()}
    for where, seen in found.items():
        problem = _difference(here, seen)
        if problem:
            raise InputError(f"--executor {spec}: {where} {problem}; {FIX}")


def _on_workers(client: Any, probe: Callable[..., dict[str, str]]) -> dict[str, Any]:
    """Each worker's environment, or the error its probe ended in."""
    found = client.run(probe, PROJECT_MODULES, on_error="return")
    return {
        address: seen if isinstance(seen, dict) else {"missing": f"{type(seen).__name__}: {seen}"}
        for address, seen in found.items()
    }


def _difference(here: dict[str, str], seen: dict[str, str]) -> str | None:
    """What differs between this process's environment and another's, in words, or None."""
    if "missing" in seen:
        return f"cannot import the project ({seen['missing']})"
    names = {"code": "project code", "python": "Python", "numpy": "numpy", "pandas": "pandas"}
    for key, name in names.items():
        if seen.get(key) != here[key]:
            return f"runs other {name} ({here[key]} here, {seen.get(key)} there)"
    return None


def environment(modules: tuple[str, ...]) -> dict[str, str]:
    """The project's code fingerprint and the versions a task depends on, in this process.

    The fingerprint is a hash of the source of ``modules`` (every ``.py`` file of a package),
    by content and relative path, so a copy installed elsewhere has the same one. Sent to the
    cluster by value (`by_value`), it needs only the standard library to run there.
    """
    import hashlib
    import importlib
    import platform
    from pathlib import Path

    try:
        imported = [importlib.import_module(name) for name in modules]
        numpy, pandas = importlib.import_module("numpy"), importlib.import_module("pandas")
    except ImportError as exc:
        return {"missing": f"{type(exc).__name__}: {exc}"}
    digest = hashlib.sha256()
    for module in imported:
        path = Path(module.__file__ or "")
        root = path.parent if path.name == "__init__.py" else path
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for file in files:
            digest.update(f"{module.__name__}/{file.relative_to(root).as_posix()}\0".encode())
            digest.update(file.read_bytes())
    return {
        "code": digest.hexdigest()[:12],
        "python": ".".join(platform.python_version_tuple()[:2]),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }


def by_value(function: Callable[..., R]) -> Callable[..., R]:
    """A copy of ``function`` that is pickled whole, so a machine without the project runs it.

    A function of this module would be pickled by reference (``pipeline.executors.NAME``) and
    fail to load where ``pipeline`` is missing; ``function`` must import what it needs itself.
    """
    copy = types.FunctionType(
        function.__code__, {"__builtins__": builtins}, function.__name__, function.__defaults__
    )
    copy.__module__ = "__main__"
    return copy
