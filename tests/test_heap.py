"""`core.heap.reused_heap`: freed arrays' pages serve the next ones instead of new page faults."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from core.heap import _glibc, reused_heap

BLOCK = 2 * 1024 * 1024  # above glibc's mmap threshold, below numpy's huge pages (4 MB)
PAGES = BLOCK // resource.getpagesize()


def _faults_of_repeated_arrays(times: int) -> int:
    """Minor page faults while ``times`` arrays of `BLOCK` bytes are made, filled and freed."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(times):
        block = np.empty(BLOCK // 8)
        block.fill(1.0)  # touch every page
        del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(_glibc() is None, reason="mallopt is glibc's: elsewhere reused_heap is a no-op")
def test_reused_heap_faults_each_page_once_not_once_per_array() -> None:
    """20 arrays of 2 MB: about 20 x 512 page faults by default, about 512 with the heap kept.

    The default is measured in the same test (with the thresholds put back as `reused_heap`
    leaves them), so the test says what the setting changes on this machine's glibc.
    """
    with reused_heap():
        pass  # leaves glibc's default thresholds, whatever ran before
    plain = _faults_of_repeated_arrays(20)
    with reused_heap():
        kept = _faults_of_repeated_arrays(20)
    assert plain > 10 * PAGES
    assert kept < 3 * PAGES
