"""Every code block of README.md and docs/*.md runs, so that none goes stale.

The fences say what a block is (docs/README.md, "Code blocks"): ```bash and ```python blocks are
run here, ```yaml blocks are read as YAML, and ```text blocks (output, or a command that installs,
downloads or needs a file of the reader's own) are shown only. A page's blocks run in order in one
working folder (a temporary one, with ``../shared`` beside it as in a checkout), sharing one Python
namespace and the environment its ``export`` lines set, as a reader pasting them would.

A bash block holds the project's commands only: ``.venv/bin/python run_backtest.py ARGS`` (run in
this process, with ``--out`` a temporary folder and ``--no-report``: the report has tests of its
own, and this keeps the pages' checks fast), joined by ``&&``, with ``VAR=value`` before a command,
``export VAR=value`` and ``> FILE``; ``.venv/bin/python examples/NAME.py`` names a script that
tests/test_examples.py runs. Anything else fails here: show it as ```text instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

import run_backtest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```$", re.MULTILINE | re.DOTALL)
RUN = ("bash", "python")
SHOWN = ("text", "yaml")
PYTHON = ".venv/bin/python"


def blocks(page: Path) -> list[tuple[str, str]]:
    """The fenced blocks of ``page``, in order: (language, code dedented to the fence)."""
    found = []
    for match in FENCE.finditer(page.read_text()):
        indent = len(match.group(1))
        code = "\n".join(line[indent:] for line in match.group(3).splitlines())
        found.append((match.group(2), code))
    return found


def test_every_block_says_what_it_is_and_no_command_hides_unfenced() -> None:
    for page in PAGES:
        text = page.read_text()
        for language, _ in blocks(page):
            assert language in (*RUN, *SHOWN), f"{page.name}: a ```{language or ''} block"
        outside = FENCE.sub("", text)
        for line in outside.splitlines():  # an indented command block would escape the runner
            assert not re.match(r"^ {4,}(\.venv/|from |import )", line), (page.name, line)


@pytest.fixture
def folder(tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder with ``../shared`` beside it, as a checkout has."""
    (tmp_path / "shared").symlink_to(shared_data.parent, target_is_directory=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
def test_the_pages_blocks_run(
    page: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, (language, code) in enumerate(blocks(page), 1):
        where = f"{page.name}, block {number}"
        if language == "yaml":
            assert isinstance(yaml.safe_load(code), dict), where
        elif language == "python":
            exec(compile(code, where, "exec"), namespace)
        elif language == "bash":
            for command in _commands(code):
                _bash(command, where, folder, monkeypatch, capsys)


def _commands(code: str) -> list[list[str]]:
    """The block's commands: continuation lines joined, comments dropped, split at ``&&``."""
    joined = re.sub(r"\\\n\s*", " ", code)
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            commands.append(words[:cut])
            words = words[cut + 1 :]
    return commands


def _bash(
    words: list[str],
    where: str,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run one command of a bash block as the shell would, for the commands the pages use."""
    if words[0] == "export":
        for assignment in words[1:]:
            monkeypatch.setenv(*assignment.split("=", 1))
        return
    env: dict[str, str] = {}
    while "=" in words[0] and not words[0].startswith(("-", ".")):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    target = None
    if ">" in words:
        target = folder / words[words.index(">") + 1]
        words = words[: words.index(">")]
    assert words[0] == PYTHON, f"{where}: {shlex.join(words)} is not a project command"
    if words[1].startswith("examples/"):
        examples = (ROOT / "tests" / "test_examples.py").read_text()
        assert f'"{Path(words[1]).name}"' in examples, f"{where}: {words[1]} has no test"
        return
    assert words[1] == "run_backtest.py", f"{where}: {shlex.join(words)}"
    argv = [*words[2:], "--out", str(folder / "results"), "--no-report"]
    with monkeypatch.context() as scoped:
        for name, value in env.items():
            scoped.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = run_backtest.main(argv)
    assert status == 0, f"{where}: {shlex.join(words)}\n{err.getvalue()}"
    if target is not None:
        target.write_text(out.getvalue())
    assert os.getcwd() == str(folder)
    capsys.readouterr()
