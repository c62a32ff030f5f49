"""The C heap kept for reuse while work allocates and frees the same large arrays many times.

glibc serves an allocation above its mmap threshold (128 KB, raised as such blocks are freed,
to 32 MB at most) with fresh pages from the kernel, and returns memory above its trim threshold
when it is freed, so a sweep's chunk arrays (a few MB each, hundreds of chunks) are faulted in
page by page, chunk after chunk: 650,000 page faults and 1.8 s of system time out of 9 s on
11,875 switching combinations (`bench/README.md`). `reused_heap` raises both thresholds while
a sweep runs, so a freed array's pages serve the next one, and gives the memory back after.
Elsewhere than glibc (macOS, Windows, musl) it changes nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's ``mallopt`` parameters (malloc.h)."""
DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD = 128 * 1024, 128 * 1024
LARGEST_REUSED = 64 * 1024 * 1024
"""Allocations up to this size come from the heap while `reused_heap` is on: more than a chunk's
largest array (128 combinations x 9,000 bars x 8 bytes is 9 MB)."""


def _glibc() -> ctypes.CDLL | None:
    """The C library if it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (only glibc has both)
    except (OSError, AttributeError):
        return None
    return libc


@contextmanager
def reused_heap(largest: int = LARGEST_REUSED) -> Iterator[None]:
    """Keep freed memory (blocks up to ``largest`` bytes) in the heap while the block runs.

    Forked workers inherit the setting. At the end the thresholds go back to glibc's defaults
    and the free memory is handed back to the system (``malloc_trim``).
    """
    libc = _glibc()
    if libc is None:
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, largest)
    libc.mallopt(M_TRIM_THRESHOLD, 4 * largest)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
        libc.malloc_trim(0)
