"""The benches are scripts no other test runs: each must at least import against today's code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(p.stem for p in BENCH.glob("*.py")))
def test_bench_script_imports(script: str) -> None:
    """Importing each bench (as its own ``python bench/X.py`` would) raises nothing.

    A moved function (``with_value`` left ``pipeline.sweep``) broke ``bench/sweep.py`` with no
    test noticing; the import runs the script's top level, not its ``main``.
    """
    code = (
        f"import sys, runpy; sys.path[:0] = [{str(BENCH)!r}, {str(BENCH.parent)!r}]; "
        f"runpy.run_path({str(BENCH / (script + '.py'))!r}, run_name='imported')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
