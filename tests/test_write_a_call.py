"""docs/write_a_call.md: every command on the page runs as written, from a fresh folder."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "write_a_call.md").read_text()


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", PAGE, flags=re.DOTALL)


def _run(line: str, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    argv = shlex.split(line)[2:]  # after ".venv/bin/python run_backtest.py"
    if "--config" in argv and "--signals-now" not in argv:
        argv += ["--out", str(out)]  # the page's runs go to results/; the test's to tmp
    return run_cli(argv, capsys)


def test_every_command_of_the_guide_runs_and_its_error_is_the_loaders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    for block in _blocks("yaml"):
        name = block.splitlines()[0].removeprefix("# ").strip()
        (tmp_path / name).write_text(block)
    commands = [line for block in _blocks("sh") for line in block.splitlines() if line.strip()]
    assert len(commands) == 6
    for line in commands:
        if line.startswith("cp "):
            shutil.copy(*shlex.split(line)[1:])
            continue
        status, out, err = _run(line, tmp_path / "results", capsys)
        assert status == 0, f"{line}\n{err}"
        if "--signals-now" in line:
            assert "what would change it:" in out
            assert re.search(r"trend_(up|down): to risk_o(n|ff) when trend .* \(now: trend ", out)
        if "--describe call" in line:
            assert "price_vs_average (value)" in out
    assert len(list((tmp_path / "results").glob("*-call-demo"))) == 3
    (shown,) = _blocks("text")
    typo = (tmp_path / "my_trend.yaml").read_text().replace("price_vs_average", "price_vs_averag")
    (tmp_path / "my_typo.yaml").write_text(typo)
    status, _, err = run_cli(["--config", "my_typo.yaml"], capsys)
    assert status == 2
    assert shown.strip() in err
