"""report.html: its sections, its honesty about synthetic data, and that it stays self-contained."""

from __future__ import annotations

import base64
import math
import re
import warnings
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.config import build_config
from pipeline.run import RunResult, run
from reporting.html import num
from reporting.report import write_report
from reporting.report_tables import value
from tests.test_screenshots import screenshot_script

SCRIPT = screenshot_script()
"""docs/make_screenshots.py: its Chromium lookup and launch flags serve the browser tests too."""
SECTIONS = (
    "header",
    "signals-now",
    "headline",
    "run-details",
    "equity",
    "drawdowns",
    "rolling",
    "exposures",
    "signals",
    "event-study",
    "annual",
    "monthly",
    "attribution",
    "trades",
    "metrics",
    "manifest",
)
REGIME_SECTIONS = ("signals-now", "signals", "event-study")
FIGURES = (
    "equity",
    "equity_linear",
    "drawdowns",
    "rolling",
    "exposures",
    "annual",
    "attribution",
)
"""The PNG files of a run (the monthly returns are HTML tables, `tests/test_month_table.py`)."""
MANIFEST = {"command_line": "run_backtest.py --strategy x", "seeds": {"bootstrap": 0}}
DEMO = {"data": "demo", "start": date(2016, 1, 1), "end": date(2019, 12, 31)}


class _Tags(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _write(result: RunResult, folder: Path) -> tuple[Path, str]:
    path = write_report(result, folder, MANIFEST)
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def switching(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    result = run(build_config("hartnett_switch", ["costs.fees_bps.etf=2"], **DEMO))
    return _write(result, tmp_path_factory.mktemp("switching"))


@pytest.fixture(scope="module")
def static(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    result = run(build_config("main_street", [], **DEMO))
    return _write(result, tmp_path_factory.mktemp("static"))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, str]:
    config = build_config(
        "main_street", [], data=f"csv:{shared_data}", start=date(2016, 1, 1), end=date(2017, 12, 31)
    )
    return _write(run(config), tmp_path_factory.mktemp("real"))


def _section_ids(page: str) -> list[str]:
    return [a["id"] or "" for tag, a in _tags(page) if tag in ("header", "section") and "id" in a]


def test_a_switching_report_has_every_section_in_order(switching: tuple[Path, str]) -> None:
    path, page = switching
    assert path.name == "report.html"
    assert _section_ids(page) == list(SECTIONS)


def test_a_static_report_leaves_out_the_regime_sections(static: tuple[Path, str]) -> None:
    path, page = static
    assert _section_ids(page) == [s for s in SECTIONS if s not in REGIME_SECTIONS]
    assert not (path.parent / "signals.png").exists()
    assert "regime: main_street" not in page


def test_the_banner_appears_exactly_when_the_data_are_synthetic(
    switching: tuple[Path, str], static: tuple[Path, str], real: tuple[Path, str]
) -> None:
    for _, page in (switching, static):
        assert page.count('id="synthetic-banner"') == 1
    assert "synthetic-banner" not in real[1]
    assert "SYNTHETIC" not in real[1]


@pytest.mark.parametrize("which", ["switching", "static", "real"])
def test_the_page_refers_to_nothing_outside_itself(which: str, request: pytest.FixtureRequest):
    _, page = request.getfixturevalue(which)
    for tag, attrs in _tags(page):
        assert tag not in ("script", "link", "iframe", "object", "embed"), tag
        for name in ("src", "href", "srcset", "action", "poster"):
            target = attrs.get(name)
            if target is None:
                continue
            assert not re.match(r"(?i)\s*(https?:)?//", target), f"<{tag} {name}={target[:60]}>"
            if tag == "img":
                assert target.startswith("data:image/png;base64,"), target[:60]
            if tag == "a":
                assert target.startswith("#"), target
    assert "http://" not in page
    assert "https://" not in page
    assert "@import" not in page
    assert "url(" not in page


@pytest.mark.parametrize("which", ["switching", "static"])
def test_every_figure_is_written_and_embedded_byte_for_byte(
    which: str, request: pytest.FixtureRequest
) -> None:
    path, page = request.getfixturevalue(which)
    names = [*FIGURES, *(("signals", "regimes") if which == "switching" else ())]
    embedded = [a["src"] for tag, a in _tags(page) if tag == "img"]
    assert len(embedded) == len(names)
    assert sorted(file.stem for file in path.parent.glob("*.png")) == sorted(names)
    for name in names:
        png = (path.parent / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG")
        assert len(png) > 1000
        assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in embedded


def test_the_report_shows_run_facts_metrics_and_the_manifest(switching: tuple[Path, str]) -> None:
    _, page = switching
    for text in (
        "CAGR [%]",
        "Max drawdown [%]",
        "90% interval of difference",
        "sell_above",
        "Beta to 60/40",
        "Turnover [% a year, one-sided]",
        "command_line",
        "bootstrap",
        "long small_caps (IWM)",
        "Regime changes",
        "Independent events",
    ):
        assert text in page, text
    assert "nan" not in re.sub(r"<[^>]+>", " ", page).lower().split()


def test_the_monthly_returns_are_three_coloured_tables(switching: tuple[Path, str]) -> None:
    _, page = switching
    monthly = page[page.index('<section id="monthly">') :]
    monthly = monthly[: monthly.index("</section>")]
    assert monthly.count('<table class="months">') == 3
    assert "<img" not in monthly
    assert "background:#" in monthly


def test_missing_numbers_print_as_n_a() -> None:
    assert num(math.nan) == "n/a"
    assert num(None) == "n/a"
    assert num(math.inf, 100.0) == "n/a"
    assert value("cagr", math.nan) == "n/a"
    assert value("max_drawdown_recovery", "") == "n/a"
    assert value("cagr", 0.1234) == "12.34"
    assert value("sharpe", 0.5, signed=True) == "+0.50"


def find_chromium() -> str:
    """The first Chromium on PATH (the script's lookup); a failure saying how to get one."""
    try:
        return SCRIPT.find_chromium()
    except SystemExit as missing:
        pytest.fail(
            f"{str(missing).removeprefix('error: ')} (Debian), snap install chromium (Ubuntu), "
            "brew install --cask chromium (macOS); the README's test command does it on Debian"
        )


def test_the_browser_is_found_on_path_or_named_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = tmp_path / "chromium-browser"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == str(browser)
    browser.unlink()
    with pytest.raises(pytest.fail.Exception, match=r"no Chromium on PATH .*apt-get install"):
        find_chromium()


def test_the_page_loads_offline_in_a_headless_browser(
    switching: tuple[Path, str], tmp_path: Path
) -> None:
    chromium = find_chromium()
    from playwright.sync_api import sync_playwright

    path, _ = switching
    args = [*SCRIPT.ARGS, "--disable-quic"]
    requests: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            args=args,
            headless=True,
            viewport={"width": 1366, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("request", lambda sent: requests.append(sent.url))
            page.goto(path.as_uri(), wait_until="load")
            widths = page.evaluate("Array.from(document.images, image => image.naturalWidth)")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            context.close()
    assert len(widths) == len(FIGURES) + 2
    assert all(width > 0 for width in widths), widths
    outside = [url for url in requests if url != path.as_uri() and not url.startswith("data:")]
    assert outside == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


NARROW_CHECK = """() => {
  const width = document.documentElement.clientWidth, cut = [];
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  for (const cell of document.querySelectorAll('td, th')) {
    const box = cell.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // a stacked table's hidden header
    let holder = cell.parentElement;
    while (holder && !scrolls(holder)) holder = holder.parentElement;
    const right = holder ? holder.getBoundingClientRect().left + holder.scrollWidth : box.right;
    const inside = box.right <= width + 0.5 || (holder && box.right <= right + 0.5);
    if (!inside) cut.push(`${cell.closest('section, header').id}: ${cell.textContent}`);
  }
  const answer = document.getElementById('answer').getBoundingClientRect();
  return {page: document.documentElement.scrollWidth, width, cut, answer: answer.bottom};
}"""


def test_at_390_px_every_column_shows_and_the_answer_is_on_the_first_screen(
    switching: tuple[Path, str], tmp_path: Path
) -> None:
    """A phone's width: the page never scrolls sideways, each cell is on screen or in a box
    that scrolls to it, and the answer ends within the first screen."""
    chromium = find_chromium()
    from playwright.sync_api import sync_playwright

    path, _ = switching
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(path.as_uri(), wait_until="load")
            found = page.evaluate(NARROW_CHECK)
            stacked = page.evaluate("document.querySelectorAll('table.stack').length")
            state = page.locator("td[data-label='State']").first.bounding_box()
        finally:
            browser.close()
    assert found["width"] == 390
    assert found["page"] <= 390, found["page"]
    assert found["cut"] == []
    assert found["answer"] < 844
    assert stacked > 0
    assert state is not None
    assert 0 <= state["x"] <= state["x"] + state["width"] <= 390


def test_a_book_with_no_legs_draws_its_report_without_a_warning(tmp_path: Path) -> None:
    """No leg is held: the exposure figure says so instead of asking for an empty legend."""
    config = build_config(
        "main_street", ["strategy.long_weight=0", "strategy.short_weight=0"], **DEMO
    )
    result = run(config)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_report(result, tmp_path, MANIFEST)
    assert [str(w.message) for w in caught] == []
    assert "exposures" in (tmp_path / "report.html").read_text()
