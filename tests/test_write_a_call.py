"""docs/write_a_call.md: what tests/test_docs.py does not run of it, run here as written.

Its ```bash blocks run in tests/test_docs.py; here, the copy of step 1 (a ```text block: a
command that is not the project's), the example of step 2 against the file that ships it, and
the error of step 4 against the loader's own message.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "write_a_call.md").read_text()
CALM = ROOT / "configs" / "calls" / "calm_trend.yaml"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", PAGE, flags=re.DOTALL | re.MULTILINE)


def test_the_copied_example_runs_from_a_fresh_folder(
    tmp_path: Path,
    shared_data: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    copy, run = _blocks("text")[0].splitlines()
    source, target = shlex.split(copy)[1:]
    shutil.copy(ROOT / source, target)
    argv = [*shlex.split(run)[2:], "--data", f"csv:{shared_data}", "--out", "results"]
    status, out, err = run_cli([*argv, "--no-report"], capsys)
    assert status == 0, err
    assert "Signals now (faber-10-month-timing)" in out
    assert len(list((tmp_path / "results").glob("*-call"))) == 1


def test_the_example_is_the_shipped_file_and_the_error_is_the_loaders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = _blocks("yaml")
    assert example == CALM.read_text()
    monkeypatch.chdir(tmp_path)
    shown = _blocks("text")[1].strip()
    typo = example.replace("price_vs_average", "price_vs_averag")
    (tmp_path / shown.split(":")[0]).write_text(typo)
    status, _, err = run_cli(["--config", shown.split(":")[0]], capsys)
    assert status == 2
    assert shown in err
