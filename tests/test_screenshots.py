"""docs/make_screenshots.py draws the README's screenshot from a real run, in headless Chromium."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def screenshot_script():  # docs/ is no package: load the script by its path
    spec = importlib.util.spec_from_file_location(
        "make_screenshots", ROOT / "docs" / "make_screenshots.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, read by hand."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def test_the_screenshot_is_drawn_from_a_real_run(shared_data: Path, tmp_path: Path) -> None:
    png = screenshot_script().main(
        ["--data", f"csv:{shared_data}", "--out", str(tmp_path / "report.png")]
    )
    assert png == tmp_path / "report.png"
    assert _png_size(png) == (1366, 900)
    assert _png_size(ROOT / "docs" / "report.png") == (1366, 900)  # the README's, drawn by it


def test_without_a_chromium_it_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit, match=r"no Chromium on PATH .*apt-get install chromium"):
        screenshot_script().find_chromium()
