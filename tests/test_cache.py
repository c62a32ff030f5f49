"""The price cache with a fake source that records what it is asked for."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from data import cache

TODAY = date(2022, 1, 3)
Call = tuple[tuple[str, ...], date | None, date | None]


class FakeSource:
    """Business-day prices for any ticker (from its listing date), answering like `fetch_yahoo`."""

    def __init__(self, listed: dict[str, str] | None = None) -> None:
        self.listed = listed or {}
        self.calls: list[Call] = []
        self.scale = 1.0

    def history(self, ticker: str) -> pd.Series:
        days = pd.bdate_range("2019-01-01", "2021-12-31", name="Date")
        values = (100.0 + len(ticker) + 0.1 * np.arange(len(days))) * self.scale
        series = pd.Series(values, index=days, name=ticker)
        return series[series.index >= pd.Timestamp(self.listed.get(ticker, "1900-01-01"))]

    def __call__(
        self, tickers: list[str], start: date | None, end: date | None
    ) -> tuple[dict[str, pd.Series], list[str]]:
        self.calls.append((tuple(tickers), start, end))
        return {ticker: clip(self.history(ticker), start, end) for ticker in tickers}, []


def clip(series: pd.Series, start: date | None, end: date | None) -> pd.Series:
    low = pd.Timestamp(start) if start else series.index[0]
    high = pd.Timestamp(end) if end else series.index[-1]
    return series[(series.index >= low) & (series.index <= high)]


def load(source: FakeSource, root: Path, start: date | None, end: date | None, **kwargs):
    tickers = kwargs.pop("tickers", ["SPY"])
    return cache.load_prices(tickers, start, end, source, root, today=kwargs.pop("today", TODAY))


def temporary_files(root: Path) -> list[str]:
    return [path.name for path in root.iterdir() if path.name.endswith(".tmp")]


def test_second_call_reads_the_cache_without_fetching(tmp_path):
    source = FakeSource()
    start, end = date(2020, 3, 2), date(2020, 6, 30)
    first, notes = load(source, tmp_path, start, end, tickers=["SPY", "IWM"])
    assert source.calls == [(("SPY", "IWM"), start, end)]
    assert notes == []
    second, _ = load(source, tmp_path, start, end, tickers=["SPY", "IWM"])
    assert len(source.calls) == 1
    assert list(second) == ["SPY", "IWM"]
    for ticker in ("SPY", "IWM"):
        pd.testing.assert_series_equal(second[ticker], first[ticker], check_exact=True)
        expected = clip(source.history(ticker), start, end)
        np.testing.assert_array_equal(second[ticker].to_numpy(), expected.to_numpy())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["IWM.csv", "SPY.csv"]


def test_a_range_inside_the_cached_one_needs_no_fetch(tmp_path):
    source = FakeSource()
    load(source, tmp_path, date(2020, 1, 2), date(2020, 12, 31))
    series, _ = load(source, tmp_path, date(2020, 5, 1), date(2020, 5, 29))
    assert len(source.calls) == 1
    assert series["SPY"].index[0] == pd.Timestamp("2020-05-01")
    assert series["SPY"].index[-1] == pd.Timestamp("2020-05-29")


def test_a_ticker_listed_after_the_start_is_not_refetched_for_the_years_it_lacks(tmp_path):
    source = FakeSource(listed={"BTC-USD": "2020-06-01"})
    start, end = date(2020, 1, 2), date(2020, 12, 31)
    load(source, tmp_path, start, end, tickers=["BTC-USD"])
    series, _ = load(source, tmp_path, start, end, tickers=["BTC-USD"])
    assert len(source.calls) == 1
    assert series["BTC-USD"].index[0] == pd.Timestamp("2020-06-01")


def test_extension_fetches_only_the_missing_stretches(tmp_path):
    source = FakeSource()
    load(source, tmp_path, date(2020, 3, 2), date(2020, 6, 30))
    start, end = date(2020, 1, 2), date(2020, 9, 30)
    series, notes = load(source, tmp_path, start, end)
    # Each stretch overlaps the cached first or last date by one day, to check the adjustment.
    assert source.calls[1:] == [
        (("SPY",), start, date(2020, 3, 2)),
        (("SPY",), date(2020, 6, 30), end),
    ]
    assert notes == []
    expected = clip(source.history("SPY"), start, end)
    np.testing.assert_array_equal(series["SPY"].to_numpy(), expected.to_numpy())
    entry = cache.read_entry(tmp_path / "SPY.csv", "SPY")
    assert entry is not None
    assert (entry.start, entry.end, entry.source) == (start, end, "yahoo")
    load(source, tmp_path, start, end)
    assert len(source.calls) == 3


def test_no_end_means_today_and_a_cache_made_today_is_up_to_date(tmp_path):
    source = FakeSource()
    start = date(2020, 1, 2)
    load(source, tmp_path, start, None, today=date(2020, 6, 30))
    load(source, tmp_path, start, None, today=date(2020, 6, 30))
    series, _ = load(source, tmp_path, start, None, today=date(2020, 7, 2))
    assert source.calls == [
        (("SPY",), start, date(2020, 6, 30)),
        (("SPY",), date(2020, 6, 30), date(2020, 7, 2)),
    ]
    assert series["SPY"].index[-1] == pd.Timestamp("2020-07-02")


def test_an_end_after_today_is_cut_to_today(tmp_path):
    source = FakeSource()
    load(source, tmp_path, date(2020, 1, 2), date(2030, 1, 1), today=date(2020, 6, 30))
    assert source.calls[0][2] == date(2020, 6, 30)


def test_history_readjusted_since_caching_is_refetched_in_full(tmp_path):
    source = FakeSource()
    start = date(2020, 3, 2)
    load(source, tmp_path, start, date(2020, 6, 30))
    source.scale = 0.99  # a dividend: Yahoo rescales every earlier adjusted close
    series, notes = load(source, tmp_path, start, date(2020, 9, 30))
    assert source.calls[1:] == [
        (("SPY",), date(2020, 6, 30), date(2020, 9, 30)),
        (("SPY",), start, date(2020, 9, 30)),
    ]
    assert any("revised prices already cached" in note for note in notes)
    expected = clip(source.history("SPY"), start, date(2020, 9, 30))
    np.testing.assert_array_equal(series["SPY"].to_numpy(), expected.to_numpy())


def test_refresh_refetches_everything(tmp_path):
    source = FakeSource()
    start, end = date(2020, 3, 2), date(2020, 6, 30)
    load(source, tmp_path, start, end)
    cache.load_prices(["SPY"], start, end, source, tmp_path, refresh=True, today=TODAY)
    assert source.calls == [(("SPY",), start, end)] * 2


def truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def garble(data: bytes) -> bytes:
    """Change the first digit of the last price: still a valid CSV, but not what was written."""
    at = data.rindex(b",") + 1
    return data[:at] + (b"8" if data[at : at + 1] == b"9" else b"9") + data[at + 1 :]


@pytest.mark.parametrize(
    "damage",
    [truncate, garble, lambda data: b"", lambda data: b"\x00" * 40, lambda data: data[40:]],
    ids=["truncated", "edited", "empty", "binary", "no-header"],
)
def test_a_corrupt_entry_is_reported_and_refetched(tmp_path, damage):
    source = FakeSource()
    start, end = date(2020, 3, 2), date(2020, 6, 30)
    first, _ = load(source, tmp_path, start, end)
    path = tmp_path / "SPY.csv"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(cache.CorruptEntry):
        cache.read_entry(path, "SPY")
    series, notes = load(source, tmp_path, start, end)
    assert len(source.calls) == 2
    assert len(notes) == 1
    assert notes[0].startswith("cache entry for SPY was corrupt (")
    assert notes[0].endswith("); refetched")
    pd.testing.assert_series_equal(series["SPY"], first["SPY"], check_exact=True)
    assert cache.read_entry(path, "SPY") is not None


def test_an_entry_holding_another_ticker_is_not_used(tmp_path):
    source = FakeSource()
    load(source, tmp_path, date(2020, 3, 2), date(2020, 6, 30), tickers=["^VIX"])
    with pytest.raises(cache.CorruptEntry, match=r"holds \^VIX"):
        cache.read_entry(tmp_path / "_VIX.csv", "_VIX")


REAL_FDOPEN = os.fdopen


class HalfWriter:
    """An ``os.fdopen`` whose file takes half of what is written, then fails (a full disk)."""

    def __init__(self, fd: int, mode: str) -> None:
        self.file = REAL_FDOPEN(fd, mode)

    def __enter__(self) -> HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def write(self, data: bytes) -> int:
        self.file.write(data[: len(data) // 2])
        self.file.flush()
        raise OSError(28, "No space left on device")


def test_a_write_failing_midway_keeps_the_previous_entry(tmp_path, monkeypatch):
    source = FakeSource()
    start = date(2020, 3, 2)
    before, _ = load(source, tmp_path, start, date(2020, 6, 30))
    saved = (tmp_path / "SPY.csv").read_bytes()
    monkeypatch.setattr(cache.os, "fdopen", HalfWriter)
    series, notes = load(source, tmp_path, start, date(2020, 9, 30))
    monkeypatch.undo()
    assert series["SPY"].index[-1] == pd.Timestamp("2020-09-30")
    assert any("could not write the cache entry" in note for note in notes)
    assert (tmp_path / "SPY.csv").read_bytes() == saved
    assert temporary_files(tmp_path) == []
    again, _ = load(source, tmp_path, start, date(2020, 6, 30))
    assert len(source.calls) == 2
    pd.testing.assert_series_equal(again["SPY"], before["SPY"], check_exact=True)


def test_an_interrupted_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    source = FakeSource()
    load(source, tmp_path, date(2020, 3, 2), date(2020, 6, 30))
    saved = (tmp_path / "SPY.csv").read_bytes()

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        load(source, tmp_path, date(2020, 3, 2), date(2020, 9, 30))
    assert (tmp_path / "SPY.csv").read_bytes() == saved
    assert temporary_files(tmp_path) == []


def test_a_write_removes_the_temporaries_a_killed_write_left_once_they_are_old(tmp_path):
    # a SIGKILL between writing the temporary and renaming it leaves the temporary behind
    load(FakeSource(), tmp_path, date(2020, 3, 2), date(2020, 6, 30))
    abandoned, in_progress = tmp_path / ".SPY.csv.abc123.tmp", tmp_path / ".SPY.csv.def456.tmp"
    for temporary in (abandoned, in_progress):
        temporary.write_bytes(b"half a cache ent")
    hours_ago = os.stat(in_progress).st_mtime - 2 * cache.ABANDONED_AFTER
    os.utime(abandoned, (hours_ago, hours_ago))
    load(FakeSource(), tmp_path, date(2020, 3, 2), date(2020, 9, 30))  # extends: a write
    assert temporary_files(tmp_path) == [in_progress.name]  # another run's write, perhaps


@pytest.mark.parametrize(
    ("ticker", "name"),
    [
        ("SPY", "SPY.csv"),
        ("^VIX", "_VIX.csv"),
        ("DX-Y.NYB", "DX-Y.NYB.csv"),
        ("GC=F", "GC=F.csv"),
        ("../x", ".._x.csv"),
        ("A/B C", "A_B_C.csv"),
    ],
)
def test_cache_path_is_one_portable_name_inside_the_root(tmp_path, ticker, name):
    path = cache.cache_path(tmp_path, ticker)
    assert path == tmp_path / name


def test_a_start_after_the_end_is_an_error(tmp_path):
    with pytest.raises(DataError, match="start 2020-07-01 is after end 2020-06-30"):
        load(FakeSource(), tmp_path, date(2020, 7, 1), date(2020, 6, 30))


def test_a_range_without_prices_is_an_error_naming_the_ticker(tmp_path):
    source = FakeSource(listed={"BTC-USD": "2020-06-01"})
    with pytest.raises(DataError, match="BTC-USD: yahoo has no prices between 2020-01-02"):
        load(source, tmp_path, date(2020, 1, 2), date(2020, 3, 31), tickers=["BTC-USD"])
    load(source, tmp_path, date(2020, 1, 2), date(2020, 12, 31), tickers=["BTC-USD"])
    with pytest.raises(DataError, match="BTC-USD: yahoo has no prices"):
        load(source, tmp_path, date(2020, 1, 2), date(2020, 3, 31), tickers=["BTC-USD"])
