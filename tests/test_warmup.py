"""Warm-up: signals read the history before the start; the portfolio still starts there."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.align import align
from data.market import Market, MarketRequest, Universe
from pipeline.config import build_config
from pipeline.run import run
from signals.support import SupportBreak
from strategies import HartnettSwitch
from tests.conftest import read_close
from tests.conftest import run_cli as _main

ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "configs" / "hartnett.yaml"


def _series(days: pd.DatetimeIndex, start: float) -> pd.Series:
    return pd.Series(start + np.arange(len(days), dtype=float), index=days)


def test_align_keeps_the_history_before_the_start_as_warm_up() -> None:
    days = pd.bdate_range("2024-01-01", periods=12)
    gappy = _series(days, 50.0).drop(days[2:9])  # no close for 9 calendar days in the warm-up
    series = {"SPY": _series(days, 100.0), "AGG": _series(days, 10.0), "HYG": gappy}
    request = MarketRequest(
        universe=Universe(), roles=(), start=days[10].date(), signal_tickers=("HYG",)
    )
    prices, warmup, _, _ = align(series, request)
    assert list(prices.index) == list(days[10:])
    assert list(warmup.index) == list(days[:10])
    assert warmup["SPY"].tolist() == list(100.0 + np.arange(10))
    # HYG's last close before the gap (day 1) is carried up to 5 calendar days, then NaN.
    assert warmup["HYG"].iloc[:2].tolist() == [50.0, 51.0]
    carried = (warmup.index[2:9] - days[1]).days <= 5
    assert warmup["HYG"].iloc[2:9].notna().tolist() == carried.tolist()
    assert warmup["HYG"].iloc[9] == 59.0


def test_a_signal_on_the_first_day_uses_the_closes_before_it(shared_data: Path) -> None:
    config = build_config(
        "hartnett_switch",
        ["strategy.supports.tech.mode=below_average", "strategy.supports.tech.level=0.1"],
        data=f"csv:{shared_data}",
        start=date(2025, 1, 1),
    )
    market = run(config).market
    first = market.prices.index[0]
    xlk = read_close(shared_data, "XLK")
    window = xlk[xlk.index <= first].to_numpy()[-200:]  # a plain average of the last 200 closes
    level = SupportBreak(ticker="XLK", mode="below_average", level=0.1)
    support = market.in_run(market.evaluate(level, "support"))
    assert support.iloc[0] == pytest.approx(np.mean(window) * 0.9, rel=1e-12)
    assert len(market.warmup) > 5000  # SPY's history from 1993


def test_the_notes_preset_has_a_reading_on_every_day_of_its_run(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    status, out, err = _main([*argv, "--no-report"], capsys)
    assert status == 0, err
    run_dir = Path(out.strip().splitlines()[-1])
    signals = pd.read_csv(
        run_dir / "signals.csv", index_col="date", parse_dates=True, keep_default_na=False
    )
    assert signals.index[0] == pd.Timestamp("2025-01-02")
    assert signals["reading_source"].isin(["published", "proxy"]).all()
    bare = signals["published_signal"].ne("") & signals["bull_bear"].eq("")  # a sell, no number
    assert set(signals.loc[bare, "reading_source"]) == {"published"}
    assert pd.to_numeric(signals.loc[~bare, "bull_bear"]).notna().all()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert not [w for w in metrics["run"]["warnings"] if w.startswith("trigger")]
    warmups = [note for note in metrics["run"]["notes"] if note.startswith("warm-up: ")]
    names = {note.split()[1] for note in warmups}
    assert names == {"bull_bear", "support_tech", "support_crypto", "support_gold", "dollar_guard"}
    assert "it needs 955 bars" in next(n for n in warmups if n.startswith("warm-up: bull_bear"))


def test_a_reading_does_not_depend_on_where_the_run_starts(shared_data: Path) -> None:
    """The 2025 run's readings, from its warm-up, equal the same dates of a run from 2010."""
    readings = []
    for start in (date(2010, 1, 1), date(2025, 1, 1)):
        config = build_config("hartnett_switch", [], data=f"csv:{shared_data}", start=start)
        readings.append(run(config).switching.explanation.signals["bull_bear"])
    early, late = readings
    pd.testing.assert_series_equal(early.loc[late.index], late, rtol=0, atol=0)


def test_a_trigger_without_history_is_a_warning_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The demo's stocks start in 1993: a 5,000-bar ranking window has no value until 2013.
    argv = ["--strategy", "hartnett_switch", "--data", "demo", "--out", str(tmp_path)]
    argv += ["--allow-partial", "--end", "2015-12-31", "--set", "strategy.reading_window_days=5000"]
    status, out, err = _main(argv, capsys)
    assert status == 0, err
    warning = next(line for line in err.splitlines() if line.startswith("warning: trigger"))
    assert "bull_bear (bull_bear_proxy) has no value on " in warning
    assert "it needs 5,199 bars" in warning
    run_dir = Path(out.strip().splitlines()[-1])
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert warning.removeprefix("warning: ") in metrics["run"]["warnings"]
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    missing = signals.index[signals["bull_bear"].isna()]
    assert f"{missing[0].date()}..{missing[-1].date()}" in warning  # one span, named by dates
    assert f"on {len(missing):,} of the run's {len(signals):,} days" in warning
    page = (run_dir / "report.html").read_text()
    assert "has no value on" in page.split('<section id="signals-now"')[0]  # in the header


TICKERS = ["SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD", "HYG", "IEF", "^VIX", "DX-Y.NYB", "^TNX"]
DAYS, WARMUP = 160, 60
FAST = HartnettSwitch(
    reading_window_days=20,
    reading_min_components=2,
    supports={
        "tech": {"ticker": "tech", "level": 0.03, "window": 10, "confirm_days": 2},
        "gold": {"ticker": "GC=F", "mode": "absolute", "level": 100.0, "confirm_days": 2},
    },
    max_hold=15,
    sell_above=7,
    buy_below=3,
    dollar_level=99.0,
    yields_fall_bps=5,
    yields_days=5,
)


def _split(prices: pd.DataFrame) -> Market:
    """A market whose first `WARMUP` rows are warm-up, the rest the run."""
    return Market(
        prices=prices.iloc[WARMUP:],
        warmup=prices.iloc[:WARMUP],
        universe=Universe(),
        source="test",
        synthetic=True,
    )


def _prices(seed: int) -> pd.DataFrame:
    columns = [*TICKERS, "GC=F"]
    moves = np.random.default_rng(seed).normal(0.0, 0.02, (DAYS, len(columns)))
    prices = pd.DataFrame(
        100 * np.exp(np.cumsum(moves, axis=0)),
        index=pd.bdate_range("2021-01-04", periods=DAYS),
        columns=columns,
    )
    prices["^TNX"] = prices["^TNX"] / 25  # a yield in percent
    return prices


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, DAYS - 2), shock=st.floats(0.5, 1.5))
def test_future_prices_change_nothing_before_them_warm_up_included(
    seed: int, cut: int, shock: float
) -> None:
    prices = _prices(seed)
    altered = prices.copy()
    altered.iloc[cut + 1 :] *= shock * np.linspace(0.8, 1.2, prices.shape[1])
    markets = _split(prices), _split(altered)
    signals = FAST._signals(Universe())
    for signal in signals.values():
        first, second = (market.evaluate(signal) for market in markets)
        pd.testing.assert_series_equal(first.iloc[: cut + 1], second.iloc[: cut + 1])
    upto = slice(None, max(cut + 1 - WARMUP, 0))  # the run's dates up to the cut
    weights = [FAST.target_weights(market) for market in markets]
    pd.testing.assert_frame_equal(weights[0].iloc[upto], weights[1].iloc[upto])
    explained = [FAST.explain(market).signals for market in markets]
    pd.testing.assert_frame_equal(explained[0].iloc[upto], explained[1].iloc[upto])


def test_a_run_with_warm_up_is_the_tail_of_the_longer_run() -> None:
    """Regimes and signals on the run's dates are those of a market with no warm-up at all."""
    prices = _prices(11)
    whole = Market(prices=prices, universe=Universe(), source="test", synthetic=True)
    split = _split(prices)
    pd.testing.assert_series_equal(
        FAST.explain(split).regime, FAST.explain(whole).regime.iloc[WARMUP:]
    )
    pd.testing.assert_frame_equal(
        FAST.explain(split).signals, FAST.explain(whole).signals.iloc[WARMUP:]
    )


@pytest.mark.parametrize("start", [date(2010, 1, 1), date(2015, 1, 1)])
def test_the_warm_up_warning_counts_the_tickers_own_history(shared_data: Path, start: date) -> None:
    """Bitcoin's closes before the start are counted, not the calendar's days before it."""
    config = build_config(
        "hartnett_switch", [], data=f"csv:{shared_data}", start=start, allow_partial=True
    )
    warning = next(
        w
        for w in run(config).switching.explanation.warnings
        if w.startswith("trigger support_crypto")
    )
    spy, btc = read_close(shared_data, "SPY"), read_close(shared_data, "BTC-USD")
    first_run_day = spy.index[spy.index >= pd.Timestamp(start)][0]
    on_spy_days = spy.index[spy.index >= btc.index[0]]  # the calendar samples bitcoin there
    first_value = on_spy_days[200 - 1]  # the default 200-close drawdown window is full
    if btc.index[0] > first_run_day:
        assert (
            f"the data of BTC-USD start on {btc.index[0].date()}, after the run's start "
            f"{first_run_day.date()}, so no earlier history exists: start the run on or after "
            f"{first_value.date()} or use a shorter window"
        ) in warning
    else:
        before = int((on_spy_days < first_run_day).sum())
        assert (
            f"the data hold {before:,} closes of BTC-USD before the start: give an earlier "
            f"history of BTC-USD, start the run on or after {first_value.date()} or use a "
            "shorter window"
        ) in warning
