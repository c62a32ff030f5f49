"""Data: reading CSV files, aligning on the stock calendar, and the demo market."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data import Universe, load_market
from data.csv_source import csv_path, read_price_csv
from data.demo import demo_prices
from engine.errors import ConfigError, DataError
from tests.conftest import read_close

ALL_ROLES = ("small_caps", "international", "tech", "crypto", "stocks", "bonds")


def test_crypto_is_sampled_at_its_close_on_each_stock_trading_day(shared_data: Path) -> None:
    market = load_market(
        f"csv:{shared_data}", Universe(), ALL_ROLES, date(2015, 1, 1), date(2016, 1, 1)
    )
    btc = read_close(shared_data, "BTC-USD")
    mondays = market.prices.index[market.prices.index.day_of_week == 0]
    assert len(mondays) > 40
    assert (market.prices.loc[mondays, "BTC-USD"] == btc.loc[mondays]).all()
    assert (market.prices.index.day_of_week < 5).all()  # weekends never on the calendar
    spy = read_close(shared_data, "SPY").loc["2015-01-01":"2016-01-01"]
    assert market.prices.index.equals(spy.index)


def test_start_is_clipped_to_the_latest_first_price_and_said(shared_data: Path) -> None:
    market = load_market(f"csv:{shared_data}", Universe(), ALL_ROLES, date(2010, 1, 1), None)
    assert market.prices.index[0] == pd.Timestamp("2014-09-17")
    assert any(
        "start moved from 2010-01-01 to 2014-09-17" in note and "BTC-USD" in note
        for note in market.notes
    )
    assert not market.prices.isna().any().any()


def _write(folder: Path, ticker: str, text: str) -> Path:
    path = folder / f"{ticker}.csv"
    path.write_text(text)
    return path


def test_alignment_carries_gaps_and_cuts_an_early_end(tmp_path: Path) -> None:
    _write(
        tmp_path, "SPY", "Date,Adj Close\n2024-01-02,1\n2024-01-03,2\n2024-01-04,3\n2024-01-05,4\n"
    )
    _write(tmp_path, "AGG", "Date,Adj Close\n2024-01-02,10\n2024-01-04,30\n")
    market = load_market(f"csv:{tmp_path}", Universe(), ("stocks", "bonds"))
    assert market.prices["AGG"].tolist() == [10.0, 10.0, 30.0]  # 01-03 carried, 01-05 cut
    assert any("AGG: 1 calendar date(s) had no close" in note for note in market.notes)
    assert any("end moved to 2024-01-04: AGG" in note for note in market.notes)


def test_reader_accepts_close_only_unsorted_and_repeated_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, "X", "Date,Close\n2024-01-03,2\n2024-01-02,1\n2024-01-03,2\n")
    series, notes = read_price_csv(path, "X")
    assert series.tolist() == [1.0, 2.0]
    assert any("no 'Adj Close'" in note for note in notes)
    assert any("sorted" in note for note in notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Date,Adj Close\n2024-01-02,1\n2024-13-40,2\n", "X.csv, line 3: an unparsable date"),
        ("Date,Adj Close\n2024-01-02,1\n2024-01-03,abc\n", "X.csv, line 3: an unparsable number"),
        ("Date,Adj Close\n2024-01-02,1\n2024-01-03,\n", "X.csv, line 3: an unparsable number"),
        ("Date,Adj Close\n2024-01-02,0\n", "X.csv, line 2: a non-positive price"),
        ("Day,Adj Close\n2024-01-02,1\n", "needs a 'Date' column"),
        ("Date,Open\n2024-01-02,1\n", "needs a 'Date' column and an 'Adj Close' or 'Close'"),
        ("Date,Adj Close\n2024-01-02,1\n2024-01-02,2\n", "2024-01-02 appears more than once"),
        ("", "not a readable CSV"),
    ],
)
def test_reader_refuses_bad_files_naming_the_place(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        read_price_csv(_write(tmp_path, "X", text), "X")


def test_missing_file_names_ticker_and_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"NOPE: no price file .*NOPE\.csv"):
        read_price_csv(tmp_path / "NOPE.csv", "NOPE")


def test_index_symbols_map_to_files_without_caret(shared_data: Path) -> None:
    assert csv_path(shared_data, "^VIX").name == "VIX.csv"
    assert csv_path(shared_data, "SPY").name == "SPY.csv"


def test_unknown_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown source"):
        load_market("yahooo", Universe(), ("stocks",))


def test_demo_is_deterministic_and_labelled() -> None:
    first = load_market("demo", Universe(), ALL_ROLES)
    second = load_market("demo", Universe(), ("stocks", "crypto"))
    assert first.synthetic
    assert "SYNTHETIC" in first.notes[0]
    pd.testing.assert_series_equal(first.prices["BTC-USD"], second.prices["BTC-USD"])
    assert np.isfinite(first.prices.to_numpy()).all()
    assert (first.prices > 0).all().all()


def test_demo_refuses_tickers_it_does_not_have() -> None:
    with pytest.raises(DataError, match="demo market has no ticker NOPE"):
        demo_prices(["SPY", "NOPE"])
