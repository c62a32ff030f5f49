"""Figures rendered together: the same PNG bytes from the cache, from workers, and in place."""

from __future__ import annotations

import contextlib
import io

import matplotlib
import matplotlib.image as mpimg
import pandas as pd
import pytest

from reporting import drawing, figures, render
from reporting.drawing import Drawing, later
from reporting.figures import DPI, drawdown_figure, equity_figure, png_bytes


@pytest.fixture
def equity() -> pd.DataFrame:
    dates = pd.bdate_range("2020-01-01", periods=300)
    growth = pd.Series(range(300), index=dates, dtype=float)
    return pd.DataFrame({"ours": 100 + growth * 0.1, "60/40": 100 + growth * 0.05})


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "figure_cache", lambda: tmp_path / "figures")
    return tmp_path / "figures"


def _drawings(equity: pd.DataFrame) -> list[Drawing]:
    """Two figures to make: each is built afresh wherever it is made."""
    return [later(equity_figure, equity, "t", False), later(drawdown_figure, equity, False)]


def test_rendered_bytes_are_the_in_place_render_whatever_the_workers(equity, cache):
    expected = [
        png_bytes(equity_figure(equity, "t", False)),
        png_bytes(drawdown_figure(equity, False)),
    ]
    assert render.render_all(_drawings(equity), workers=1) == expected
    for file in cache.glob("*.png"):
        file.unlink()
    assert render.render_all(_drawings(equity), workers=2) == expected
    for file in cache.glob("*.png"):
        file.unlink()
    with render.drawing_ahead():  # started ahead: the drawings go to it pickled
        assert render.render_all(_drawings(equity)) == expected


def test_the_process_started_ahead_draws_the_report(equity, cache, monkeypatch):
    monkeypatch.setattr(render, "usable_cores", lambda: 2)
    with render.drawing_ahead():
        (line,) = render._AHEAD
        monkeypatch.setattr(figures, "png_bytes", _never_here)  # here, not in that process
        assert len(render.render_all(_drawings(equity))) == 2
    assert render._AHEAD == []
    assert line.closed


def test_a_failed_drawing_ahead_is_raised_here(equity, cache):
    with render.drawing_ahead(), pytest.raises(ZeroDivisionError):
        render.render_all([later(_failing, equity), later(drawdown_figure, equity, False)])


def _failing(equity: pd.DataFrame) -> None:
    raise ZeroDivisionError("a figure that cannot be drawn")


def _never_here(figure: object) -> bytes:
    raise AssertionError("drawn in the calling process")


def test_a_render_is_the_size_savefig_gives_at_the_reports_dpi(equity):
    """The plain matplotlib way as the independent reference for the image's size."""
    drawing = later(drawdown_figure, equity, False)
    ours = mpimg.imread(io.BytesIO(render.render_all([drawing], workers=1)[0]))
    buffer = io.BytesIO()
    drawdown_figure(equity, False).savefig(buffer, format="png", dpi=DPI)
    buffer.seek(0)
    assert ours.shape == mpimg.imread(buffer).shape


def test_a_figure_of_the_same_inputs_comes_from_the_cache_unbuilt(equity, cache, monkeypatch):
    first = render.render_all([later(drawdown_figure, equity, False)])
    assert len(list(cache.glob("*.png"))) == 1

    def no_building(self):
        raise AssertionError("a cached figure was built again")

    monkeypatch.setattr(Drawing, "build", no_building)
    assert render.render_all([later(drawdown_figure, equity.copy(), False)]) == first


def test_other_data_or_flags_are_another_key(equity):
    base = later(drawdown_figure, equity, False).key
    changed = equity.copy()
    changed.iloc[-1, 0] += 1e-9
    assert later(drawdown_figure, changed, False).key != base
    assert later(drawdown_figure, equity, True).key != base
    assert later(equity_figure, equity, False).key != base
    assert later(drawdown_figure, equity.copy(), False).key == base


def test_the_sessions_matplotlib_settings_are_no_part_of_a_key(equity, monkeypatch):
    """The figures are drawn under matplotlib's defaults whatever the session set (a test in
    test_sweep_figures.py compares the PNGs), so a figure drawn before a seaborn theme is the
    same key after it; another matplotlib version is another key."""
    base = later(drawdown_figure, equity, False).key
    with matplotlib.rc_context({"font.size": 13.2, "lines.linewidth": 3.0}):
        assert later(drawdown_figure, equity, False).key == base
    monkeypatch.setattr(drawing, "_settings", lambda: b"0.0.1")
    assert later(drawdown_figure, equity, False).key != base


def test_an_unwritable_cache_only_draws_again(equity, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(render, "figure_cache", lambda: blocker / "figures")
    assert render.render_all([later(drawdown_figure, equity, False)]) == [
        png_bytes(drawdown_figure(equity, False))
    ]


@pytest.mark.parametrize("how", ["here", "forked", "ahead", "cached"])
def test_the_runs_tables_are_written_once_while_the_figures_are_drawn(equity, cache, how):
    calls = []
    expected = render.render_all(_drawings(equity), workers=1)
    if how != "cached":
        for file in cache.glob("*.png"):
            file.unlink()
    workers = {"here": 1, "forked": 2}.get(how)
    with render.drawing_ahead() if how == "ahead" else contextlib.nullcontext():
        made = render.render_all(_drawings(equity), workers, meanwhile=lambda: calls.append(1))
    assert made == expected
    assert calls == [1]
