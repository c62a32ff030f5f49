"""BofA's published readings: the bundled file, the three reading sources, vintage, the preset.

Every expected date and value below is worked out by hand from the rules in
docs/bull_bear_published.md (in force from the first trading day after a row's date; a month-only
date at the month's last day; a bare sell above any threshold), never read off the product.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ConfigError, DataError
from data.csv_source import PUBLISHED_READINGS, read_indicator_csv
from data.market import Market, Universe
from strategies import HartnettSwitch
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "configs" / "hartnett.yaml"


def _file(folder: Path, *rows: str, header: str = "date,reading,signal,vintage") -> Path:
    path = folder / "readings.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


# --- the file ----------------------------------------------------------------------------------


def test_the_bundled_file_loads_in_any_header_case(tmp_path: Path) -> None:
    bundled = read_indicator_csv(PUBLISHED_READINGS, "reading", "bull_bear")
    text = PUBLISHED_READINGS.read_text().splitlines()
    for case in (str.upper, str.title):
        copy = tmp_path / f"{case.__name__}.csv"
        copy.write_text("\n".join([case(text[0]), *text[1:]]) + "\n")
        loaded = read_indicator_csv(copy, "reading", "bull_bear")
        pd.testing.assert_series_equal(loaded, bundled)
        pd.testing.assert_frame_equal(loaded.attrs["rows"], bundled.attrs["rows"])
    raw = pd.read_csv(PUBLISHED_READINGS, dtype=str, keep_default_na=False)
    assert len(raw) == 70
    assert len(bundled) == raw["date"].nunique()  # one reading a date
    assert set(raw["vintage"]) == {"live", "reconstructed"}


def test_bare_signals_month_dates_and_repeats(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "2021-01,,sell,reconstructed",  # month only: taken at 2021-01-31
        "2021-02-05,7.5,,live",
        "2021-02-05,7.5,,live",  # the same report twice: one reading
        "2021-02-12,9.1,sell,live",
        "2021-02-12,,sell,live",  # a bare repeat of a numbered sell: the number stays
        "2021-03-04,,buy,",  # no vintage: live
        "2021-03-11,,,live",  # neither a number nor a signal: skipped
    )
    readings = read_indicator_csv(path, "reading", "bull_bear")
    expected = pd.Series(
        [np.inf, 7.5, 9.1, -np.inf],
        index=pd.to_datetime(["2021-01-31", "2021-02-05", "2021-02-12", "2021-03-04"]),
        name="bull_bear",
    )
    pd.testing.assert_series_equal(readings, expected)
    rows = readings.attrs["rows"]
    assert list(rows["precision"]) == ["month", "day", "day", "day"]
    assert list(rows["vintage"]) == ["reconstructed", "live", "live", "live"]
    assert list(rows["signal"]) == ["sell", "", "sell", "buy"]
    assert readings.attrs["lines"] == (2, 3, 5, 7)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["2021-02-05,7.5,,live", "2021-02-06,8,,live", "2021-02-05,7.6,,live"],
            "line 4: 2021-02-05 is also on line 2 with another reading (7.6 against 7.5)",
        ),
        (
            ["2021-02-05,,sell,live", "2021-02-05,,buy,live"],
            "line 3: 2021-02-05 is also on line 2 with another signal (buy against sell)",
        ),
        (["2021-02-05,,hold,live"], "line 2: a signal that is not sell, buy or blank, got 'hold'"),
        (["2021-02-05,5,,old"], "line 2: a vintage that is not live, reconstructed or blank"),
        (["2021-13,5,,live"], "line 2: an unparsable date (expected YYYY-MM-DD or YYYY-MM)"),
    ],
)
def test_rows_that_disagree_or_do_not_parse_name_their_lines(
    rows: list[str], message: str, tmp_path: Path
) -> None:
    path = _file(tmp_path, *rows)
    with pytest.raises(DataError, match="^" + re.escape(f"{path}, {message}")):
        read_indicator_csv(path, "reading", "bull_bear")


# --- a hand-made market ------------------------------------------------------------------------

TICKERS = ["SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD", "HYG", "IEF", "^VIX"]


def _market(readings: pd.Series, days: int = 120, seed: int = 1) -> Market:
    moves = np.random.default_rng(seed).normal(0.0, 0.02, (days, len(TICKERS)))
    index = pd.bdate_range("2021-01-04", periods=days)
    prices = pd.DataFrame(100 * np.exp(np.cumsum(moves, axis=0)), index=index, columns=TICKERS)
    return Market(
        prices=prices,
        universe=Universe(),
        source="test",
        synthetic=True,
        external={"bull_bear": readings},
    )


def _switch(source: str = "published", **fields: object) -> HartnettSwitch:
    defaults: dict[str, object] = {
        "reading_source": source,
        "reading_file": "readings.csv",
        "reading_window_days": 20,
        "reading_min_components": 2,
        "supports": {},
        "dollar_guard": False,
        "max_hold": 0,
    }
    return HartnettSwitch(**{**defaults, **fields})  # type: ignore[arg-type]


def test_a_reading_is_in_force_from_the_first_trading_day_after_its_date(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "2021-01-08,9.0,sell,live",  # a Friday: in force from Monday 2021-01-11
        "2021-02",  # a month-only row with nothing in it is skipped, not an error
        "2021-02,,buy,live",  # month only: 2021-02-28, in force from Monday 2021-03-01
    )
    market = _market(read_indicator_csv(path, "reading", "bull_bear"))
    explained = _switch(reading_max_age_days=0).explain(market)  # 0: no age limit
    signals = explained.signals
    assert signals.loc[:"2021-01-08", "reading_source"].eq("none").all()
    assert signals.loc["2021-01-11", "bull_bear"] == 9.0
    assert signals.loc["2021-01-11", "reading_date"] == pd.Timestamp("2021-01-08")
    assert signals.loc["2021-02-26", "bull_bear"] == 9.0  # the month's buy not before its end
    assert np.isnan(signals.loc["2021-03-01", "bull_bear"])  # a bare buy has no number
    assert signals.loc["2021-03-01", "published_signal"] == "buy"
    assert signals.loc["2021-03-01", "reading_date_precision"] == "month"
    regime = explained.regime
    assert (regime[:"2021-01-08"] == "neutral").all()
    assert (regime["2021-01-11":"2021-02-26"] == "main_street").all()
    assert (regime["2021-03-01":] == "neutral").all()


@pytest.mark.parametrize("sell_above", [5.0, 8.0, 9.5, 10.0])
def test_a_bare_sell_crosses_any_threshold_and_a_number_only_its_own(
    sell_above: float, tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        "2021-01-07,4.0,,live",
        "2021-01-14,,sell,live",  # in force from Friday 2021-01-15
        "2021-02-04,4.0,,live",
        "2021-02-11,8.5,sell,live",  # in force from Friday 2021-02-12
    )
    market = _market(read_indicator_csv(path, "reading", "bull_bear"))
    switch = _switch(sell_above=sell_above, buy_below=min(2.0, sell_above), max_hold=3)
    entries = switch.explain(market).events.query("regime == 'main_street'")["date"]
    expected = ["2021-01-15"] + (["2021-02-12"] if sell_above < 8.5 else [])
    assert list(entries) == list(pd.to_datetime(expected))


def test_stale_readings_give_way_to_the_proxy_and_vintage_live_drops_reconstructed(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, "2021-01-07,6.0,,reconstructed", "2021-03-04,3.0,,live")
    readings = read_indicator_csv(path, "reading", "bull_bear")
    market = _market(readings)
    both = _switch("published_then_proxy", reading_max_age_days=14).explain(market).signals
    proxy = _switch("proxy", reading_file=None).explain(market).signals["bull_bear"]
    # an independent day-by-day choice: a row is in force for 14 calendar days after its date
    expected, origin = [], []
    for day in market.prices.index:
        dated = [d for d in readings.index if d < day and (day - d).days <= 14]
        if dated:
            expected.append(readings[dated[-1]])
            origin.append("published")
        else:
            expected.append(proxy[day])
            origin.append("proxy" if not np.isnan(proxy[day]) else "none")
    np.testing.assert_array_equal(both["bull_bear"].to_numpy(), np.array(expected))
    assert list(both["reading_source"]) == origin
    assert (both["bull_bear_proxy"].dropna() == proxy.dropna()).all()
    rebuilt = both["reading_vintage"] == "reconstructed"
    assert list(both.index[rebuilt]) == list(pd.bdate_range("2021-01-08", "2021-01-21"))
    live = _switch("published", published_vintage="live").explain(market).signals
    assert live.loc[:"2021-03-04", "reading_source"].eq("none").all()
    assert live.loc["2021-03-05", "bull_bear"] == 3.0


@settings(max_examples=25, deadline=None)
@given(cut=st.integers(30, 110), shock=st.floats(0.5, 1.5), late=st.floats(0.0, 10.0))
def test_future_prices_and_readings_change_nothing_before(
    cut: int, shock: float, late: float, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("readings")
    rows = ["2021-01-07,9.0,sell,live", "2021-02-18,,buy,live", "2021-04-01,8.6,,live"]
    first = _market(read_indicator_csv(_file(folder, *rows), "reading", "bull_bear"))
    day = first.prices.index[cut]
    dated = {row[:10] for row in rows}
    after = next(
        d for d in (day + pd.Timedelta(days=n) for n in (1, 2)) if f"{d.date()}" not in dated
    )
    later = [*rows, f"{after.date()},{late},,live"]
    prices = first.prices.copy()
    prices.iloc[cut + 1 :] *= shock
    second = Market(
        prices=prices, universe=Universe(), source="test", synthetic=True,
        external={"bull_bear": read_indicator_csv(_file(folder, *later), "reading", "bull_bear")},
    )  # fmt: skip
    switch = _switch("published_then_proxy", max_hold=10)
    before = slice(None, cut + 1)
    pd.testing.assert_frame_equal(
        switch.explain(first).signals.iloc[before], switch.explain(second).signals.iloc[before]
    )


def test_a_readings_file_needs_a_published_source() -> None:
    with pytest.raises(ConfigError, match=r"strategy\.reading_file is read only with a published"):
        HartnettSwitch(reading_file="readings.csv")
    with pytest.raises(ConfigError, match=r"strategy\.reading_source = 'bofa'"):
        HartnettSwitch(reading_source="bofa")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"strategy\.published_vintage = 'old'"):
        HartnettSwitch(reading_source="published", published_vintage="old")  # type: ignore[arg-type]


# --- the note's preset on real history ---------------------------------------------------------


@pytest.fixture(scope="module")
def preset_2012(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import run_backtest

    out = tmp_path_factory.mktemp("runs")
    argv = ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--out", str(out)]
    argv += ["--start", "2012-01-01", "--allow-partial", "--no-report", "-qq"]
    assert run_backtest.main(argv) == 0
    return next(path for path in out.iterdir() if path.is_dir())


def test_the_preset_reads_at_least_8_after_each_published_sell_and_trades_on_it(
    preset_2012: Path,
) -> None:
    signals = pd.read_csv(preset_2012 / "signals.csv", index_col="date", parse_dates=True)
    raw = pd.read_csv(PUBLISHED_READINGS, dtype=str, keep_default_na=False)
    sells = pd.to_datetime(raw.loc[raw["signal"] == "sell", "date"], format="ISO8601")
    sells = sells[(sells >= "2012-01-01") & (sells < signals.index[-1])].unique()
    assert len(sells) >= 10
    for day in sells:
        window = signals.loc[day + pd.Timedelta(days=1) : day + pd.Timedelta(days=28)]
        told = (window["bull_bear"] >= 8) | (window["published_signal"] == "sell")
        assert told.any(), day
        assert (window["regime"] == "main_street").any(), day
    # BofA's sell of Friday 2025-12-19 is in force on Monday 2025-12-22; filled a bar later
    events = pd.read_csv(preset_2012 / "events.csv", parse_dates=["date"])
    entry = events[events["date"] == "2025-12-22"]
    assert list(entry["regime"]) == ["main_street"]
    assert list(entry["cause"]) == ["bull_bear_above_8"]
    trades = pd.read_csv(preset_2012 / "trades.csv", parse_dates=["date"])
    assert {"IWM", "EFA", "XLK"} <= set(trades.loc[trades["date"] == "2025-12-23", "ticker"])
    assert set(signals["reading_source"]) == {"published", "proxy"}


def test_signals_csv_marks_the_reconstructed_and_month_only_spans(preset_2012: Path) -> None:
    signals = pd.read_csv(
        preset_2012 / "signals.csv", index_col="date", parse_dates=True, keep_default_na=False
    )
    # the month-only, reconstructed sell of 2013-01: in force from 2013-02-01 until the live
    # 9.6 dated Monday 2013-02-11 takes over on Tuesday 2013-02-12
    span = signals.loc["2013-02-01":"2013-02-11"]
    assert span["reading_vintage"].eq("reconstructed").all()
    assert span["reading_date_precision"].eq("month").all()
    assert signals.loc["2013-02-12", "reading_vintage"] == "live"
    assert signals.loc["2013-01-31", "reading_source"] == "proxy"
    manifest = json.loads((preset_2012 / "manifest.json").read_text())
    assert manifest["config"]["strategy"]["reading_source"] == "published_then_proxy"


def test_describe_explains_the_three_sources(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(["--describe", "hartnett_switch"], capsys)
    assert status == 0
    for word in ("reading_source", "published_then_proxy", "published_vintage", "reconstructed"):
        assert word in out, word


def test_the_readme_shows_the_notes_trade_as_the_product_prints_it(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("<!-- the note's trade:", 1)[1].split("```text\n")[1].split("```")[0]
    shown = shown.strip("\n")
    command = readme.split("## The note's trade", 1)[1].split("run_backtest.py", 1)[1]
    argv = command.splitlines()[0].split()
    expected = "--config configs/hartnett.yaml --data csv:../shared/data --start 2025-12-19"
    assert argv == expected.split()
    argv[1], argv[3] = str(PRESET), f"csv:{shared_data}"
    status, out, err = run_cli([*argv, "--out", str(tmp_path), "--no-report"], capsys)
    assert status == 0, err
    printed = out.split("hartnett_switch vs 60/40", 1)[1].rsplit("\n", 2)[0]
    assert "hartnett_switch vs 60/40" + printed == shown.replace("csv:../shared/data", argv[3])


@pytest.mark.parametrize("source", ["published", "published_then_proxy"])
def test_signals_now_names_the_published_reading_in_force_and_when_it_is_stale(
    source: str, tmp_path: Path
) -> None:
    from reporting.console import signals_now_text

    header = "date,reading,signal,vintage,source_title"
    path = _file(tmp_path, "2021-12-03,9.0,sell,live,Flow Show A", header=header)
    readings = read_indicator_csv(path, "reading", "bull_bear")
    switch = _switch(source)
    # 28 days after the reading it is in force; 56 days after, past 42, it is stale
    for age, stale in ((28, False), (56, True)):
        end = pd.Timestamp("2021-12-03") + pd.Timedelta(days=age)
        market = _market(readings, days=len(pd.bdate_range("2021-01-04", end)))
        assert market.prices.index[-1] == end  # a proxy with its 200-day average by then
        now = switch.signals_now(market)
        json.dumps(now, allow_nan=False)  # valid JSON, whatever the reading
        told = now["reading"]["published"]
        assert (told["date"], told["value"], told["signal"]) == ("2021-12-03", 9.0, "sell")
        assert (told["source"], told["vintage"], told["age_days"]) == ("Flow Show A", "live", age)
        assert told["stale"] is stale
        text = signals_now_text(now)
        if stale:
            assert "BofA's last reading, of 2021-12-03: 9, sell (Flow Show A; live), is 56 " in text
            assert "days old, over reading_max_age_days 42: stale" in text
        else:
            assert "BofA's reading of 2021-12-03: 9, sell (Flow Show A; live), 28 days old" in text
        if not stale:
            assert now["reading"]["value"] == 9.0
        elif source == "published":
            assert now["reading"]["value"] is None
            assert "stale, no reading" in text
        else:
            proxy = _switch("proxy", reading_file=None).explain(market).signals["bull_bear"]
            assert not np.isnan(proxy.iloc[-1])
            assert now["reading"]["value"] == proxy.iloc[-1]
            assert now["reading"]["origin"] == "proxy"
            assert "stale, the proxy stands in" in text


def test_signals_now_with_a_bare_sell_in_force_treats_it_as_above(tmp_path: Path) -> None:
    from reporting.console import signals_now_text

    path = _file(tmp_path, "2021-01-08,,sell,live")
    market = _market(read_indicator_csv(path, "reading", "bull_bear"), days=25)
    now = _switch(max_hold=3).signals_now(market)  # in main_street from 01-11, out after 3 bars
    json.dumps(now, allow_nan=False)
    assert now["regime"]["held"] == "neutral"
    assert now["reading"]["value"] is None
    assert now["reading"]["published"]["signal"] == "sell"
    text = signals_now_text(now)
    assert "BofA's reading of 2021-01-08: no number, sell" in text
    assert "main_street if the reading closes at or below 8 and later rises above 8 again" in text
