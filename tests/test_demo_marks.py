"""A run on the synthetic demo market says so in every output; a run on real data in none.

The outputs a reader quotes from: the console summary's first line, ``--signals-now`` on stdout
and as JSON (the API's and the run's ``signals_now.json``), ``metrics.json``, the index row, and
the report's banner, which stays on screen however far the page is scrolled (sticky).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

import run_backtest
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
SWITCH = ["--strategy", "hartnett_switch", "--start", "2025-06-02", "--end", "2025-09-30"]
MARK = "*** SYNTHETIC DEMO DATA"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, object]:
    """One switching run on the demo market and one on the real history, into one folder."""
    out = tmp_path_factory.mktemp("results")
    made: dict[str, object] = {"out": out}
    for name, data in (("demo", "demo"), ("real", f"csv:{shared_data}")):
        stdout, stderr = io.StringIO(), io.StringIO()  # module scope: no capsys
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = run_backtest.main([*SWITCH, "--data", data, "--out", str(out)])
        assert status == 0, stderr.getvalue()
        made[name] = (stdout.getvalue(), Path(stdout.getvalue().splitlines()[-1]))
    return made


def test_the_console_summary_opens_with_the_mark(runs: dict[str, object]) -> None:
    demo, _ = runs["demo"]  # type: ignore[misc]
    real, _ = runs["real"]  # type: ignore[misc]
    assert demo.splitlines()[0].startswith(MARK)
    assert demo.count("SYNTHETIC") == 1  # once, not again above the signals panel
    assert "SYNTHETIC" not in real


def test_metrics_json_says_synthetic(runs: dict[str, object]) -> None:
    for name, expected in (("demo", True), ("real", False)):
        _, run_dir = runs[name]  # type: ignore[misc]
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert metrics["run"]["synthetic"] is expected
        now = json.loads((run_dir / "signals_now.json").read_text())
        assert now["synthetic"] is expected


def test_the_index_row_of_a_demo_run_is_marked(runs: dict[str, object]) -> None:
    page = (runs["out"] / "index.html").read_text()  # type: ignore[operator]
    for name, marked in (("demo", True), ("real", False)):
        _, run_dir = runs[name]  # type: ignore[misc]
        pattern = rf'<tr data-run="{re.escape(run_dir.name)}"([^>]*)>(.*?)</tr>'
        row = re.search(pattern, page, re.DOTALL)
        assert row is not None
        assert ('class="synthetic"' in row.group(1)) is marked
        assert ("(SYNTHETIC)" in row.group(2)) is marked


def test_every_report_page_has_a_banner_that_stays_on_screen(runs: dict[str, object]) -> None:
    for name, marked in (("demo", True), ("real", False)):
        _, run_dir = runs[name]  # type: ignore[misc]
        pages = sorted(run_dir.glob("*.html"))
        assert pages
        for page in pages:
            text = page.read_text()
            assert ('id="synthetic-banner"' in text) is marked, page
            if marked:  # first on the page, a child of <main> (whose box is the whole page),
                # and pinned to the top of the window: no scrolling hides it
                assert re.search(r'<main><nav>.*?</nav>\n<div id="synthetic-banner"', text)
                banner = re.search(r'<div id="synthetic-banner" class="([^"]*)"', text)
                assert banner is not None
                assert "sticky" in banner.group(1).split()
                rule = re.search(r"\.banner\.sticky \{([^}]*)\}", text)
                assert rule is not None
                assert "position: sticky" in rule.group(1)
                assert "top: 0" in rule.group(1)


def test_signals_now_says_so_on_stdout_and_in_its_json(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    import backtester

    status, out, err = run_cli([*SWITCH, "--data", "demo", "--signals-now"], capsys)
    assert status == 0, err
    assert out.splitlines()[0].startswith(MARK)
    assert "SYNTHETIC" in err  # and the warning on stderr, which -q leaves out
    status, quiet, err = run_cli([*SWITCH, "--data", "demo", "--signals-now", "-q"], capsys)
    assert (status, quiet, err) == (0, out, "")
    with pytest.warns(backtester.SyntheticDataWarning):
        now = backtester.signals_now("hartnett_switch", data="demo", end="2025-09-30")
    assert now["synthetic"] is True
    status, out, err = run_cli([*SWITCH, "--data", f"csv:{shared_data}", "--signals-now"], capsys)
    assert status == 0, err
    assert "SYNTHETIC" not in out
    real = backtester.signals_now("hartnett_switch", data=f"csv:{shared_data}", end="2025-09-30")
    assert real["synthetic"] is False
