"""Figures rendered together: the same PNG bytes from the cache, from workers, and in place."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
import pandas as pd
import pytest

from reporting import render
from reporting.figures import DPI, DRAWN_FROM, drawdown_figure, equity_figure, png_bytes


@pytest.fixture
def equity() -> pd.DataFrame:
    dates = pd.bdate_range("2020-01-01", periods=300)
    growth = pd.Series(range(300), index=dates, dtype=float)
    return pd.DataFrame({"ours": 100 + growth * 0.1, "60/40": 100 + growth * 0.05})


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "figure_cache", lambda: tmp_path / "figures")
    return tmp_path / "figures"


def _built(equity: pd.DataFrame) -> list:
    """The same two figures, freshly built: each render starts from a figure never drawn."""
    return [equity_figure(equity, "t", False), drawdown_figure(equity, False)]


def test_rendered_bytes_are_the_in_place_render_whatever_the_workers(equity, cache):
    expected = [png_bytes(figure) for figure in _built(equity)]
    assert render.render_all(_built(equity), workers=1) == expected
    for file in cache.glob("*.png"):
        file.unlink()
    assert render.render_all(_built(equity), workers=2) == expected


def test_a_render_is_the_size_savefig_gives_at_the_reports_dpi(equity):
    """The plain matplotlib way as the independent reference for the image's size."""
    figure = drawdown_figure(equity, False)
    ours = mpimg.imread(io.BytesIO(render.render_all([figure], workers=1)[0]))
    buffer = io.BytesIO()
    drawdown_figure(equity, False).savefig(buffer, format="png", dpi=DPI)
    buffer.seek(0)
    assert ours.shape == mpimg.imread(buffer).shape


def test_a_figure_of_the_same_inputs_comes_from_the_cache(equity, cache, monkeypatch):
    first = render.render_all([drawdown_figure(equity, False)])
    assert len(list(cache.glob("*.png"))) == 1

    def no_drawing(figures, workers):
        raise AssertionError(f"{len(figures)} figures drawn again")

    again = drawdown_figure(equity.copy(), False)
    monkeypatch.setattr(render, "_render_many", no_drawing)
    assert render.render_all([again]) == first


def test_other_data_or_flags_are_another_key(equity):
    base = DRAWN_FROM[drawdown_figure(equity, False)]
    changed = equity.copy()
    changed.iloc[-1, 0] += 1e-9
    assert DRAWN_FROM[drawdown_figure(changed, False)] != base
    assert DRAWN_FROM[drawdown_figure(equity, True)] != base
    assert DRAWN_FROM[drawdown_figure(equity, False)] == base


def test_an_unwritable_cache_only_draws_again(equity, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(render, "figure_cache", lambda: blocker / "figures")
    assert render.render_all([drawdown_figure(equity, False)]) == [
        png_bytes(drawdown_figure(equity, False))
    ]
