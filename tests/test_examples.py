"""The scripts in examples/ run as a user runs them: offline, quickly, writing nothing unasked."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds; a first run may compile the simulation's kernels


def _script(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _runs() -> set[str]:
    results = ROOT / "results"
    return {path.name for path in results.iterdir()} if results.is_dir() else set()


def test_the_single_run_example(tmp_path: Path) -> None:
    before = _runs()
    done = _script("single_run.py", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "main_street vs 60/40, 2022-01-03 to 2023-12-29, data demo" in done.stdout
    assert "against 60/40's" in done.stdout
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    assert run_dir.parent == tmp_path / "out"
    assert (run_dir / "metrics.json").is_file()
    assert "SYNTHETIC" in done.stderr
    assert _runs() == before


def test_the_threshold_sweep_example(tmp_path: Path) -> None:
    before = _runs()
    done = _script("threshold_sweep.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:4]]
    assert [row[0] for row in rows] == ["7.0", "8.0", "9.0"]
    sharpes = {float(row[2]) for row in rows}
    assert len(sharpes) > 1  # the threshold matters on this period
    assert "3 trials" in done.stdout
    assert list(tmp_path.iterdir()) == []
    assert _runs() == before


def test_the_notebook_runs_top_to_bottom_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each code cell in order, in one namespace, from another folder, as a kernel runs it."""
    notebook = json.loads((ROOT / "examples" / "notebook.ipynb").read_text())
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    last = None
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        *body, tail = ast.parse(source).body
        exec(compile(ast.Module(body=body, type_ignores=[]), f"cell {number}", "exec"), namespace)
        if isinstance(tail, ast.Expr):  # a cell's last expression is what the notebook shows
            last = eval(compile(ast.Expression(tail.value), f"cell {number}", "eval"), namespace)
        else:
            exec(
                compile(ast.Module(body=[tail], type_ignores=[]), f"cell {number}", "exec"),
                namespace,
            )
    result = namespace["result"]
    assert "Sharpe" in result._repr_html_()  # type: ignore[attr-defined]
    assert isinstance(last, Path)
    assert last.is_dir()
    assert (last / "sweep.csv").is_file()
