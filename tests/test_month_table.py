"""The report's monthly tables: months and years of a constructed curve, colours, escaping."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from reporting.month_table import (
    GAIN,
    LOSS,
    MIN_BOUND,
    cell_colour,
    colour_bound,
    text_colour,
)
from reporting.period_sections import monthly_section

HOSTILE = "<script>alert(1)</script>"


class _Tables(HTMLParser):
    """Each table's caption and its body rows as (text, style) cells, headers included."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, object]] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "figcaption":
            self._in_caption = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1]["rows"].append([])  # type: ignore[union-attr]
        elif tag in ("td", "th") and self._in_body:
            self._cell = ["", dict(attrs).get("style") or ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "figcaption":
            self._in_caption = False
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(tuple(self._cell))  # type: ignore[index]
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data  # type: ignore[operator]
        elif self._cell is not None:
            self._cell[0] += data


def _curve(seed: int, dates: pd.DatetimeIndex) -> pd.Series:
    returns = np.random.default_rng(seed).normal(0.0004, 0.012, len(dates))
    return pd.Series(100 * np.cumprod(1 + returns), index=dates)


def _monthly_by_hand(equity: pd.Series) -> pd.Series:
    """Month-end values over the previous month-end with data (the first from the first point)."""
    ends = equity.resample("ME").last().dropna()
    previous = ends.shift(1)
    previous.iloc[0] = equity.iloc[0]
    return ends / previous - 1


@pytest.fixture(scope="module")
def section() -> tuple[str, pd.Series, pd.Series]:
    dates = pd.bdate_range("2020-03-16", "2021-04-13")
    dates = dates[~((dates.month == 6) & (dates.year == 2020))]  # no data in June 2020
    ours, theirs = _curve(1, dates), _curve(2, dates)
    page = SimpleNamespace(
        equity=pd.DataFrame({HOSTILE: ours, "60/40": theirs}), name=HOSTILE, bench="60/40"
    )
    return monthly_section(page), _monthly_by_hand(ours), _monthly_by_hand(theirs)  # type: ignore[arg-type]


def _parse(text: str) -> list[dict[str, object]]:
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def _number(text: str) -> float:
    return float(text.removesuffix("%").removesuffix("pp"))


def _check(table: dict[str, object], months: pd.Series, unit: str) -> None:
    rows = {int(row[0][0]): row[1:] for row in table["rows"]}  # type: ignore[union-attr]
    assert sorted(rows) == [2020, 2021]
    for year, cells in rows.items():
        assert len(cells) == 13
        for month in range(1, 13):
            text, style = cells[month - 1]
            stamp = pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)
            if stamp not in months.index:
                assert (text, style) == ("", ""), (year, month)
                continue
            assert text.endswith(unit)
            assert _number(text) == pytest.approx(100 * months[stamp], abs=0.05 + 1e-9)
        in_year = months[months.index.year == year]
        year_total = (1 + in_year).prod() - 1
        assert cells[12][0].endswith(unit)
        assert _number(cells[12][0]) == pytest.approx(100 * year_total, abs=0.05 + 1e-9)


def test_the_tables_hold_the_months_and_years_computed_by_hand(section) -> None:
    text, ours, theirs = section
    strategy, benchmark, difference = _parse(text)
    _check(strategy, ours, "%")
    _check(benchmark, theirs, "%")
    rows = {int(row[0][0]): row[1:] for row in difference["rows"]}  # type: ignore[union-attr]
    for stamp in ours.index:
        cell = rows[stamp.year][stamp.month - 1][0]
        assert cell.endswith("pp")
        assert _number(cell) == pytest.approx(100 * (ours[stamp] - theirs[stamp]), abs=0.05 + 1e-9)
    assert rows[2020][5] == ("", "")  # June 2020: no data
    for year, cells in rows.items():
        total = ((1 + ours[ours.index.year == year]).prod() - 1) - (
            (1 + theirs[theirs.index.year == year]).prod() - 1
        )
        assert _number(cells[12][0]) == pytest.approx(100 * total, abs=0.05 + 1e-9)


def test_captions_say_whose_months_partial_ends_and_colours(section) -> None:
    captions = [table["caption"] for table in _parse(section[0])]
    assert captions[0].startswith(f"{HOSTILE}: monthly returns [%]")
    assert captions[1].startswith("60/40: monthly returns [%]")
    assert captions[2].startswith(f"{HOSTILE} minus 60/40: monthly difference [pp]")
    for caption in captions:
        assert "may be partial" in caption
        assert "Red for a loss, green for a gain" in caption


def test_a_hostile_strategy_name_is_escaped(section) -> None:
    text = section[0]
    assert "<script" not in text
    assert "&lt;script&gt;" in text


def test_the_scale_is_white_at_zero_and_saturates_at_the_bound() -> None:
    assert cell_colour(0.0, 0.04) == (255, 255, 255)
    assert cell_colour(-0.04, 0.04) == LOSS
    assert cell_colour(-0.5, 0.04) == LOSS
    assert cell_colour(0.07, 0.04) == GAIN
    half = cell_colour(0.02, 0.04)
    assert half == tuple(round((255 + g) / 2) for g in GAIN)
    sizes = np.append(-np.arange(1, 101) / 1000, np.nan)  # -0.1% .. -10%, one missing month
    assert colour_bound(sizes) == pytest.approx((1 + 0.95 * 99) / 1000)  # linear between ranks
    assert colour_bound(np.zeros(12)) == MIN_BOUND


def _contrast(rgb: tuple[int, int, int], text: str) -> float:
    """WCAG contrast ratio of black or white text on ``rgb``."""

    def luminance(colour: tuple[int, ...]) -> float:
        channels = [c / 255 for c in colour]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    ink = (0, 0, 0) if text == "#000" else (255, 255, 255)
    light, dark = sorted((luminance(rgb), luminance(ink)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("share", np.linspace(-1, 1, 41))
def test_the_text_on_every_shade_is_readable(share: float) -> None:
    background = cell_colour(share, 1.0)
    assert _contrast(background, text_colour(background)) >= 4.5
