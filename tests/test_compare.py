"""Comparing runs: labels, the --compare report, its pairs and config differences, in a browser."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backtester
from tests.conftest import run_cli as _run
from tests.test_report import NARROW_CHECK, find_chromium

PERIOD = ["--start", "2017-01-01", "--end", "2020-12-31"]


def _written(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Path:
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    return Path(out.strip().splitlines()[-1])


@pytest.fixture
def runs(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, list[Path]]:
    base = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    first = _written([*base, *PERIOD, "--label", "with crypto"], capsys)
    second = _written(
        [*base, *PERIOD, "--label", "no crypto", "--set", "strategy.tech_share=1"], capsys
    )
    return tmp_path, [first, second]


def test_a_label_names_the_run_everywhere(runs: tuple[Path, list[Path]]) -> None:
    out, (first, _) = runs
    assert json.loads((first / "metrics.json").read_text())["run"]["label"] == "with crypto"
    assert json.loads((first / "manifest.json").read_text())["label"] == "with crypto"
    assert "<td>with crypto</td>" in (out / "index.html").read_text()
    assert (
        '<p id="label" class="lead"><b>with crypto</b></p>' in (first / "report.html").read_text()
    )


def test_compare_writes_pairs_from_the_common_dates(
    runs: tuple[Path, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    out, folders = runs
    folder = _written(["--compare", *map(str, folders), "--out", str(out)], capsys)
    facts = json.loads((folder / "comparison.json").read_text())
    assert [run["name"] for run in facts["runs"]] == ["with crypto", "no crypto"]
    assert facts["config_differences"] == {"strategy.tech_share": ["0.5", "1.0"]}
    curves = [pd.read_csv(f / "equity.csv", index_col="date")["strategy"] for f in folders]
    rate = pd.read_csv(folders[0] / "cash_rate.csv", index_col="date")["cash_rate"]
    common = curves[0].index.intersection(curves[1].index)
    sharpes = []
    for curve in curves:  # plain pandas: excess of the first run's cash rate, annualised
        excess = curve.loc[common].pct_change().iloc[1:] - rate.loc[common].iloc[1:]
        sharpes.append(excess.mean() / excess.std(ddof=1) * np.sqrt(252))
    pair = facts["pairs"][0]
    assert pair["sharpe_diff"] == pytest.approx(sharpes[0] - sharpes[1], rel=1e-9)
    assert pair["sharpe_diff_low"] <= pair["sharpe_diff"] <= pair["sharpe_diff_high"]
    page = (folder / "report.html").read_text()
    for text in ("with crypto minus no crypto", "strategy.tech_share", "Metrics side by side"):
        assert text in page
    assert (folder / "equity.png").read_bytes().startswith(b"\x89PNG")


def test_the_compare_report_opens_in_a_browser_at_390_px(
    runs: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    _, folders = runs
    folder = backtester.compare(*folders, out=tmp_path / "cmp", label="crypto or not")
    chromium = find_chromium()
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.on("request", lambda sent: requests.append(sent.url))
            page.goto((folder / "report.html").as_uri(), wait_until="load")
            widths = page.evaluate("Array.from(document.images, image => image.naturalWidth)")
            found = page.evaluate(NARROW_CHECK)
            title = page.title()
        finally:
            browser.close()
    assert title == "crypto or not"
    assert len(widths) == 1
    assert widths[0] > 0
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert found["page"] <= 390
    assert found["cut"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--compare", "ONE"], "--compare needs at least two run folders"),
        (["--compare", "ONE", "NOT_A_RUN"], "--compare {tmp}/NOT_A_RUN: not a run folder"),
        (["--label", "two\nlines", "--data", "demo"], r"--label 'two\nlines': a label is one"),
    ],
)
def test_bad_compare_or_label_exits_2_naming_it(
    argv: list[str],
    message: str,
    runs: tuple[Path, list[Path]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "NOT_A_RUN").mkdir()
    argv = [
        str(runs[1][0]) if a == "ONE" else str(tmp_path / a) if a == "NOT_A_RUN" else a
        for a in argv
    ]
    status, _, err = _run([*argv, "--out", str(tmp_path / "out")], capsys)
    assert status == 2
    assert message.format(tmp=tmp_path) in err
    assert not (tmp_path / "out").exists()
