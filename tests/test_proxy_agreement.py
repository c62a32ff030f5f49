"""Agreement of the Bull & Bear proxy with published readings: hand cases and the real table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.proxy_agreement import (
    agreement,
    chance_agreement,
    is_firm,
    matched_pairs,
    mean_abs_difference,
    pearson,
    published_readings,
    read_published,
    signal_agreement,
    signal_episodes,
    time_share,
    value_on,
)
from backtester import load_config
from data.market import Universe
from pipeline.run import prepare
from signals.bull_bear import BullBearProxy
from strategies.hartnett_switch import HartnettSwitch

ROOT = Path(__file__).resolve().parents[1]
NAN = np.nan


def _table(rows: list[tuple[str, float, str]]) -> pd.DataFrame:
    """A published table of (date, reading, signal) rows, notes blank."""
    frame = pd.DataFrame(rows, columns=["date", "reading", "signal"])
    return frame.assign(date=pd.to_datetime(frame["date"]), note="")


def _daily(values: dict[str, float], start: str, end: str, fill: float) -> pd.Series:
    """A reading on every calendar day from start to end: ``fill``, except the given days."""
    reading = pd.Series(fill, index=pd.date_range(start, end))
    for day, value in values.items():
        reading[pd.Timestamp(day)] = value
    return reading


# --- the table --------------------------------------------------------------------------------


def test_weak_dates_are_the_notes_that_say_so() -> None:
    notes = pd.Series(
        [
            "historical list in X; month only, day unknown",
            "DATE INFERRED: page undated",
            "DATE APPROX: article undated",
            "Historical mention: last time",
            "second-hand summary",
            "primary Flow Show",
            "",
            NAN,
        ]
    )
    assert is_firm(notes).tolist() == [False] * 5 + [True] * 3


def test_the_reader_parses_dates_readings_and_blank_signals(tmp_path: Path) -> None:
    path = tmp_path / "published.csv"
    path.write_text(
        "date,reading,signal,source_title,source_url,note\n"
        '2024-01-05,8.5,sell,"A title, with a comma",https://x,"primary; rose from 7.9"\n'
        "2024-01-02,,,Another,,\n"
    )
    table = read_published(path)
    assert table["date"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-05")]
    assert math.isnan(table["reading"].iloc[0])
    assert table["reading"].iloc[1] == 8.5
    assert table["signal"].tolist() == ["", "sell"]
    assert table["note"].tolist() == ["", "primary; rose from 7.9"]


def test_a_month_only_date_falls_at_the_month_end_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "published.csv"
    path.write_text(
        "date,reading,signal,note\n"
        "2024-02,,sell,month only\n"
        "2023-12-31,0.5,buy,\n"
        "2024-02-10,8.5,sell,\n"
        "2023-12,1.0,,month only\n"
    )
    end = read_published(path)
    # a leap-year February ends on the 29th; a December on the 31st, sorted after the 31st's row
    assert end["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-12-31",
        "2023-12-31",
        "2024-02-10",
        "2024-02-29",
    ]
    assert end["month_only"].tolist() == [False, True, False, True]
    assert end["reading"].iloc[1] == 1.0
    start = read_published(path, month_at="start")
    assert start["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-12-01",
        "2023-12-31",
        "2024-02-01",
        "2024-02-10",
    ]
    assert start["month_only"].tolist() == [True, False, True, False]


def test_a_value_repeated_within_five_days_counts_once() -> None:
    table = _table(
        [
            ("2024-01-01", 5.0, ""),
            ("2024-01-03", 5.0, ""),  # the same report again: dropped
            ("2024-01-05", 5.0, "sell"),  # 4 days after the kept row: dropped
            ("2024-01-06", 5.0, ""),  # 5 days after: a new weekly reading
            ("2024-01-06", 7.0, ""),  # another value on that date: averaged with it
            ("2024-01-10", NAN, "sell"),  # no reading
            ("2024-01-20", 3.0, ""),
        ]
    )
    expected = pd.Series(
        [5.0, 6.0, 3.0], index=pd.to_datetime(["2024-01-01", "2024-01-06", "2024-01-20"])
    )
    pd.testing.assert_series_equal(published_readings(table), expected, check_names=False)


def test_signal_rows_at_most_28_days_apart_are_one_episode() -> None:
    table = _table(
        [
            ("2024-01-01", NAN, "sell"),
            ("2024-01-01", 8.1, "sell"),  # a repost on the same date
            ("2024-01-29", NAN, "sell"),  # 28 days later: the same episode
            ("2024-02-01", 1.0, "buy"),
            ("2024-02-27", NAN, "sell"),  # 29 days later: a new one
            ("2024-03-20", NAN, "sell"),
        ]
    )
    sells = signal_episodes(table, "sell")
    assert sells.values.tolist() == [
        [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-29"), 2],
        [pd.Timestamp("2024-02-27"), pd.Timestamp("2024-03-20"), 2],
    ]
    assert signal_episodes(table, "buy")["start"].tolist() == [pd.Timestamp("2024-02-01")]
    none = signal_episodes(table.iloc[:0], "buy")
    assert none.empty
    assert list(none.columns) == ["start", "end", "rows"]


# --- matched readings -------------------------------------------------------------------------


def test_the_value_on_a_date_is_the_last_before_it_unless_stale() -> None:
    reading = pd.Series(
        [1.0, NAN, 3.0, 4.0],
        index=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-10"]),
    )
    days = pd.to_datetime(
        ["2023-12-31", "2024-01-02", "2024-01-03", "2024-01-09", "2024-01-17", "2024-01-18"]
    )
    # none before; the NaN is skipped; 6 and 7 days old count; 8 days old is stale
    np.testing.assert_array_equal(value_on(reading, days), [NAN, 1.0, 3.0, 3.0, 4.0, NAN])


def test_matched_pairs_correlation_and_mad_by_hand() -> None:
    reading = pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10))
    table = _table(
        [
            ("2023-12-01", 4.0, ""),  # before the reading: dropped
            ("2024-01-03", 2.0, ""),  # the proxy is 3 that Wednesday
            ("2024-01-06", 6.0, ""),  # a Saturday: Friday's 5
            ("2024-01-12", 9.0, ""),  # the last day, 10
            ("2024-01-30", 1.0, ""),  # 18 days after the last value: stale, dropped
        ]
    )
    pairs = matched_pairs(reading, table)
    assert pairs["published"].tolist() == [2.0, 6.0, 9.0]
    assert pairs["proxy"].tolist() == [3.0, 5.0, 10.0]
    # Pearson by the textbook sums: x mean 17/3, y mean 6
    x, y = [2.0, 6.0, 9.0], [3.0, 5.0, 10.0]
    mx, my = sum(x) / 3, sum(y) / 3
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx, syy = sum((a - mx) ** 2 for a in x), sum((b - my) ** 2 for b in y)
    assert sxy == pytest.approx(24.0)
    assert pearson(pairs["published"], pairs["proxy"]) == pytest.approx(sxy / math.sqrt(sxx * syy))
    assert mean_abs_difference(pairs["published"], pairs["proxy"]) == pytest.approx(1.0)


def test_correlation_needs_three_pairs_that_vary() -> None:
    assert math.isnan(pearson(pd.Series([1.0, 2.0]), pd.Series([1.0, 3.0])))
    assert math.isnan(pearson(pd.Series([1.0, 2.0, 3.0]), pd.Series([4.0, 4.0, 4.0])))
    assert math.isnan(mean_abs_difference(pd.Series([], dtype=float), pd.Series([], dtype=float)))


# --- signals ----------------------------------------------------------------------------------


def test_a_signal_agrees_when_the_reading_is_beyond_within_28_days() -> None:
    reading = _daily(
        {"2024-01-20": 8.5, "2024-03-01": 8.0, "2024-03-25": 1.0}, "2024-01-01", "2024-03-31", 5.0
    )
    episodes = pd.DataFrame(
        {
            "start": pd.to_datetime(["2024-02-17", "2024-02-18", "2024-06-01", "2023-12-01"]),
            "end": pd.to_datetime(["2024-02-17", "2024-02-18", "2024-06-01", "2023-12-23"]),
            "rows": [1, 1, 1, 2],
        }
    )
    sells = signal_agreement(reading, episodes, 8.0, "above")
    # Feb 17 is 28 days after Jan 20 (included); Feb 18 sees only 8.0, which is not above 8;
    # June has no reading within its window (dropped); Dec 1-23 reaches Jan 20 from its end.
    assert sells["start"].dt.strftime("%m-%d").tolist() == ["02-17", "02-18", "12-01"]
    assert sells["agreed"].tolist() == [True, False, True]
    buys = pd.DataFrame(
        {"start": [pd.Timestamp("2024-04-22")], "end": [pd.Timestamp("2024-04-22")], "rows": [1]}
    )
    assert signal_agreement(reading, buys, 2.0, "below")["agreed"].tolist() == [True]
    assert not signal_agreement(reading, buys, 2.0, "below", window_days=27)["agreed"].any()


def _loop_agrees(reading: pd.Series, start: pd.Timestamp, end: pd.Timestamp, days: int) -> bool:
    return any(
        start - pd.Timedelta(days=days) <= day <= end + pd.Timedelta(days=days) and value > 9.7
        for day, value in reading.items()
    )


def test_signal_agreement_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2020-01-01", periods=400)
    reading = pd.Series(rng.uniform(0, 10, len(dates)), index=dates)
    reading[rng.random(len(dates)) < 0.1] = NAN
    starts = pd.DatetimeIndex(sorted(rng.choice(dates, 30, replace=False)))
    ends = starts + pd.to_timedelta(rng.integers(0, 40, 30), unit="D")
    episodes = pd.DataFrame({"start": starts, "end": ends, "rows": 1})
    found = signal_agreement(reading, episodes, 9.7, "above", window_days=10)
    assert len(found) == 30
    expected = [_loop_agrees(reading, s, e, 10) for s, e in zip(starts, ends, strict=True)]
    assert found["agreed"].tolist() == expected
    assert 0 < sum(expected) < 30


def test_time_share_and_chance_by_hand() -> None:
    reading = pd.Series([9.0, *[5.0] * 8, NAN], index=pd.date_range("2024-01-01", periods=10))
    assert time_share(reading, 8.0, "above") == pytest.approx(1 / 9)
    assert time_share(reading, 2.0, "below") == 0.0
    # Jan 1 is the only day above 8: Jan 1-4 are within 3 days of it, 4 of the 9 known days
    assert chance_agreement(reading, 8.0, "above", window_days=3) == pytest.approx(4 / 9)
    assert chance_agreement(reading, 2.0, "below") == 0.0
    assert math.isnan(chance_agreement(reading.iloc[9:], 8.0, "above"))


def test_chance_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2021-01-01", periods=300)
    reading = pd.Series(rng.uniform(0, 10, len(dates)), index=dates)
    reading[rng.random(len(dates)) < 0.2] = NAN
    known = reading.dropna()
    hits = known.index[known.to_numpy() < 0.5]
    near = [any(abs((h - d).days) <= 5 for h in hits) for d in known.index]
    assert chance_agreement(reading, 0.5, "below", window_days=5) == pytest.approx(np.mean(near))


def test_agreement_puts_the_figures_together() -> None:
    reading = _daily({"2024-01-20": 8.5, "2024-03-25": 1.0}, "2024-01-01", "2024-03-31", 5.0)
    table = _table(
        [
            ("2024-01-19", 9.0, "sell"),
            ("2024-02-01", 6.0, ""),
            ("2024-03-01", 2.0, "buy"),
            ("2024-03-30", 0.0, ""),
        ]
    )
    found = agreement(reading, table)
    assert found.pairs["proxy"].tolist() == [5.0, 5.0, 5.0, 5.0]
    assert found.mad == pytest.approx((4 + 1 + 3 + 5) / 4)
    assert math.isnan(found.correlation)  # the proxy does not vary at those dates
    assert (found.sell_share, found.buy_share) == (1.0, 1.0)
    assert found.share_above == pytest.approx(1 / 91)
    assert found.share_below == pytest.approx(1 / 91)
    # Jan 20 is within 28 days of Jan 1 to Feb 17 (48 days), Mar 25 of Feb 26 to Mar 31 (35)
    assert found.chance_sell == pytest.approx(48 / 91)
    assert found.chance_buy == pytest.approx(35 / 91)


# --- the default proxy ------------------------------------------------------------------------


def test_the_default_proxy_leaves_crypto_out() -> None:
    assert "crypto" not in BullBearProxy(crypto=None).component_names()
    assert "BTC-USD" not in BullBearProxy(crypto=None).tickers()
    assert BullBearProxy().component_names()[-1] == "crypto"  # the class keeps it by default
    default = HartnettSwitch()._signals(Universe())["bull_bear"]
    assert isinstance(default, BullBearProxy)
    assert default.crypto is None
    with_crypto = HartnettSwitch(reading_crypto=True)._signals(Universe())["bull_bear"]
    assert isinstance(with_crypto, BullBearProxy)
    assert with_crypto.crypto == "BTC-USD"


PINNED = {
    # The default's row of docs/bull_bear_proxy.md, printed by docs/bull_bear_proxy.py on the
    # real history (to 2026-07-31) and data/published/bull_bear.csv (70 rows, month-only dates
    # at the month's first day as in the doc's tables): matched readings, correlation, mean
    # absolute difference, sell and buy episodes (agreed, of).
    "all rows": (39, 0.64, 2.81, (9, 16), (7, 8)),
    "firm dates": (27, 0.60, 3.10, (2, 6), (5, 6)),
}


def test_the_default_proxy_agrees_with_the_published_table_as_documented(
    shared_data: Path,
) -> None:
    config = load_config("hartnett_switch", data=f"csv:{shared_data}", start="2003-01-01")
    market = prepare(config)[0]
    reading = market.evaluate(config.strategy._signals(market.universe)["bull_bear"])
    published = read_published(ROOT / "data" / "published" / "bull_bear.csv", month_at="start")
    reading = reading[published["date"].min() :]
    tables = {"all rows": published, "firm dates": published[is_firm(published["note"])]}
    for name, table in tables.items():
        found = agreement(reading, table)
        count, correlation, mad, sells, buys = PINNED[name]
        counts = (len(found.pairs), len(found.sells), len(found.buys))
        assert counts == (count, sells[1], buys[1]), f"{name}: the table changed; rerun the doc"
        assert found.correlation >= correlation - 0.01, name
        assert found.mad <= mad + 0.01, name
        assert int(found.sells["agreed"].sum()) >= sells[0], name
        assert int(found.buys["agreed"].sum()) >= buys[0], name
    assert 0.1 < found.share_above < 0.2  # 13% of the days since 2002 above 8, 18% below 2
    assert 0.1 < found.share_below < 0.25
