"""vectorbt's order executor loaded alone: a run never builds the whole library, and a later
``import vectorbt`` still gets all of it, sharing the kernel's enums.

Each case runs in a fresh interpreter, since what is imported is the point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN = """
import backtester
result = backtester.run(strategy="main_street", data="csv:../shared/data",
                        start="2019-01-02", end="2020-12-31")
equity = [float(x) for x in result.equity["strategy"].iloc[::50]]
"""


def _python(code: str, **env: str) -> dict:
    """Runs ``code`` in a fresh interpreter at the project root; the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_run_imports_only_the_order_executor() -> None:
    facts = _python(
        RUN
        + """
import json, sys
import simulation.vectorbt_orders as orders
print(json.dumps({
    "light": orders.LIGHT,
    "whole": orders.whole_library_loaded(),
    "heavy": sorted(name for name in ("vectorbt.portfolio.base", "plotly", "IPython", "scipy.stats")
                    if name in sys.modules),
    "source": orders.execute_order_nb.py_func.__code__.co_filename,
}))
"""
    )
    assert facts["light"]
    assert not facts["whole"]
    assert facts["heavy"] == []
    assert facts["source"].endswith(os.path.join("vectorbt", "portfolio", "nb.py"))


def test_vectorbt_used_after_a_run_is_the_whole_library() -> None:
    facts = _python(
        RUN
        + """
import json
import pandas as pd
import vectorbt as vbt
import simulation.vectorbt_orders as orders
portfolio = vbt.Portfolio.from_orders(
    pd.Series([1.0, 2.0, 4.0]), pd.Series([1.0, 0.0, -1.0]), init_cash=10.0
)
print(json.dumps({
    "final": float(portfolio.final_value()),
    "whole": orders.whole_library_loaded(),
    "same_enums": vbt.portfolio.enums is orders._enums,
    "version": vbt.__version__,
}))
"""
    )
    # by hand: buy 1 at 1 (cash 9), hold, sell 1 at 4 (cash 13), no fees
    assert facts["final"] == 13.0
    assert facts["whole"]
    assert facts["same_enums"]
    assert facts["version"]


def test_the_kernel_compiles_alike_after_the_whole_library_and_before_it(tmp_path: Path) -> None:
    """Empty numba caches, so the kernel compiles: light then whole, against whole first."""
    report = "import json; print(json.dumps(equity))"
    light_first = _python(
        "import simulation.kernel\nimport vectorbt\nvectorbt.Portfolio\n" + RUN + report,
        NUMBA_CACHE_DIR=str(tmp_path / "light"),
    )
    whole_first = _python(
        "import vectorbt\n" + RUN + report, NUMBA_CACHE_DIR=str(tmp_path / "whole")
    )
    assert light_first == whole_first
    assert len(light_first) > 5
