"""Draw ``docs/report.png``, the README's screenshot, from a real run: never by hand.

Runs the note's preset on real history (the README's "note's trade" command: ``../shared/data``
from 2025-12-19) into a temporary folder, opens its ``report.html`` in headless Chromium (found on
PATH as the report's browser test finds it, offline) and saves the top of the page::

    .venv/bin/python docs/make_screenshots.py

A run on the synthetic demo market is refused: the README shows history, not made-up figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""The names a Chromium goes by on PATH (Debian, Ubuntu's snap, Google's build)."""
VIEWPORT = {"width": 1366, "height": 900}
"""The window the screenshot shows: a laptop's, the top of the report."""
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str:
    """The first Chromium on PATH; a `SystemExit` that says how to get one when there is none."""
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        raise SystemExit(
            f"error: no Chromium on PATH (looked for {', '.join(BROWSERS)}): install one, e.g. "
            "apt-get install chromium"
        )
    return found


def real_report(data: str, folder: Path) -> Path:
    """The report of the note's preset on ``data`` from 2025-12-19, written under ``folder``."""
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout
    import backtester

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", backtester.SyntheticDataWarning)  # refused just below
        result = backtester.run(ROOT / "configs" / "hartnett.yaml", data=data, start="2025-12-19")
    if result.synthetic:
        raise SystemExit(f"error: --data {data} gave the synthetic demo market; give real data")
    return result.report(folder) / "report.html"


def screenshot(page: Path, png: Path, chromium: str) -> None:
    """Save the top of ``page`` (a local HTML file) as ``png``, through headless Chromium."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as driver:
        browser = driver.chromium.launch_persistent_context(
            profile, executable_path=chromium, args=ARGS, headless=True, viewport=VIEWPORT
        )
        try:
            tab = browser.new_page()
            tab.goto(page.as_uri(), wait_until="load")
            tab.screenshot(path=str(png))
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> Path:
    """Write the screenshot; return its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=f"csv:{ROOT.parent / 'shared' / 'data'}", help="real data (csv:DIR)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    with tempfile.TemporaryDirectory() as folder:
        screenshot(real_report(args.data, Path(folder)), args.out, chromium)
    print(args.out)
    return args.out


if __name__ == "__main__":
    main()
