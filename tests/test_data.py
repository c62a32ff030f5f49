"""Data: reading CSV files, aligning on a calendar, partial legs, and the demo market."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError, DataError
from data import MarketRequest, Universe, load_market
from data.csv_source import csv_path
from tests.conftest import read_close

ALL_ROLES = ("small_caps", "international", "tech", "crypto", "stocks", "bonds")


def _market(source: str, roles: tuple = ALL_ROLES, **request: object):
    return load_market(source, MarketRequest(universe=Universe(), roles=roles, **request))


def test_crypto_is_sampled_at_its_close_on_each_stock_trading_day(shared_data: Path) -> None:
    market = _market(f"csv:{shared_data}", start=date(2015, 1, 1), end=date(2016, 1, 1))
    btc = read_close(shared_data, "BTC-USD")
    mondays = market.prices.index[market.prices.index.day_of_week == 0]
    assert len(mondays) > 40
    assert (market.prices.loc[mondays, "BTC-USD"] == btc.loc[mondays]).all()
    assert (market.prices.index.day_of_week < 5).all()  # weekends never on the calendar
    spy = read_close(shared_data, "SPY").loc["2015-01-01":"2016-01-01"]
    assert market.prices.index.equals(spy.index)
    assert market.periods_per_year == 252


def test_seven_day_calendar_carries_equities_over_weekends(shared_data: Path) -> None:
    market = _market(
        f"csv:{shared_data}", start=date(2015, 1, 1), end=date(2015, 12, 31), calendar="7d"
    )
    assert market.periods_per_year == 365
    assert market.prices.index.equals(pd.date_range("2015-01-01", "2015-12-31", freq="D"))
    spy, btc = read_close(shared_data, "SPY"), read_close(shared_data, "BTC-USD")
    saturday = pd.Timestamp("2015-03-07")
    assert market.prices.loc[saturday, "SPY"] == spy.loc["2015-03-06"]  # Friday's close
    assert market.prices.loc[saturday, "BTC-USD"] == btc.loc[saturday]
    assert market.carried["SPY"] == 0  # weekends are not gaps


def test_start_is_clipped_to_the_latest_first_price_and_said(shared_data: Path) -> None:
    market = _market(f"csv:{shared_data}", start=date(2010, 1, 1))
    assert market.prices.index[0] == pd.Timestamp("2014-09-17")
    assert any(
        "start moved from 2010-01-01 to 2014-09-17" in note and "BTC-USD" in note
        for note in market.notes
    )
    assert not market.prices.isna().any().any()


def test_partial_legs_start_with_the_benchmark(shared_data: Path) -> None:
    market = _market(f"csv:{shared_data}", start=date(2010, 1, 1), allow_partial=True)
    assert market.prices.index[0] == pd.Timestamp("2010-01-04")
    btc = market.prices["BTC-USD"]
    assert btc.loc[:"2014-09-16"].isna().all()
    assert btc.loc["2014-09-17":].notna().all()
    assert any("BTC-USD has no price before 2014-09-17" in note for note in market.notes)


def _write(folder: Path, ticker: str, text: str) -> Path:
    path = folder / f"{ticker}.csv"
    path.write_text(text)
    return path


def test_alignment_carries_short_gaps_and_cuts_an_early_end(tmp_path: Path) -> None:
    spy = "".join(f"2024-01-{day:02d},{day}\n" for day in (2, 3, 4, 5, 8))
    _write(tmp_path, "SPY", "Date,Adj Close\n" + spy)
    _write(tmp_path, "AGG", "Date,Adj Close\n2024-01-02,10\n2024-01-04,30\n2024-01-05,40\n")
    market = _market(f"csv:{tmp_path}", roles=("stocks", "bonds"))
    assert market.prices["AGG"].tolist() == [10.0, 10.0, 30.0, 40.0]  # 01-03 carried, 01-08 cut
    assert market.carried == {"SPY": 0, "AGG": 1}
    assert any("AGG: 1 date(s) without a close carried" in note for note in market.notes)
    assert any("end moved to 2024-01-05: AGG" in note for note in market.notes)


def test_index_symbols_map_to_files_without_caret(shared_data: Path) -> None:
    assert csv_path(shared_data, "^VIX").name == "VIX.csv"
    assert csv_path(shared_data, "SPY").name == "SPY.csv"


def test_unknown_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown source"):
        _market("yahooo", roles=("stocks",))


def test_demo_is_deterministic_and_labelled() -> None:
    first = _market("demo")
    second = _market("demo", roles=("stocks", "crypto"))
    assert first.synthetic
    assert "SYNTHETIC" in first.notes[0]
    pd.testing.assert_series_equal(first.prices["BTC-USD"], second.prices["BTC-USD"])
    assert np.isfinite(first.prices.to_numpy()).all()


def test_demo_refuses_tickers_it_does_not_have() -> None:
    with pytest.raises(DataError, match="demo market has no ticker NOPE"):
        load_market("demo", MarketRequest(universe=Universe(tech="NOPE"), roles=("tech", "stocks")))
