"""The switching strategy: identities with the static strategies, no look-ahead, its outputs."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import run_backtest
from data.market import Market, Universe
from pipeline.config import build_config
from pipeline.run import run
from signals.warmup import threshold_warnings
from strategies import HartnettSwitch

NEVER = [
    "strategy.sell_above=10",
    "strategy.supports.tech=off",
    "strategy.supports.crypto=off",
    "strategy.dollar_guard=false",
]
# XLK always closes below 1e9: the break is confirmed on the first bar and nothing exits.
ALWAYS = [
    "strategy.supports.tech.mode=absolute",
    "strategy.supports.tech.level=1e9",
    "strategy.supports.tech.confirm_days=1",
    "strategy.supports.crypto=off",
    "strategy.buy_below=0",
    "strategy.max_hold=0",
    "strategy.dollar_guard=false",
]


def _equity(strategy: str, overrides: list[str], folder: Path) -> pd.Series:
    config = build_config(
        strategy,
        ["costs.fees_bps.etf=2", "costs.cash_rate=0.02", *overrides],
        data=f"csv:{folder}",
        start=date(2015, 1, 1),
        end=date(2020, 12, 31),
    )
    return run(config).strategy.equity


def test_rules_that_never_fire_give_sixty_forty_exactly(shared_data: Path) -> None:
    switch = _equity("hartnett_switch", NEVER, shared_data)
    pd.testing.assert_series_equal(switch, _equity("sixty_forty", [], shared_data))


def test_a_rule_that_always_fires_gives_main_street_exactly(shared_data: Path) -> None:
    switch = _equity("hartnett_switch", ALWAYS, shared_data)
    pd.testing.assert_series_equal(switch, _equity("main_street", [], shared_data))


TICKERS = ["SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD", "HYG", "IEF", "^VIX", "DX-Y.NYB", "^TNX"]
DAYS = 160
FAST = HartnettSwitch(
    reading_window_days=20,
    reading_min_components=2,
    supports={
        "tech": {"ticker": "tech", "level": 0.03, "window": 10, "confirm_days": 2},
        "crypto": {"ticker": "crypto", "level": 0.05, "window": 10, "confirm_days": 2},
    },
    max_hold=15,
    sell_above=7,
    buy_below=3,
    dollar_level=99.0,
    yields_fall_bps=5,
    yields_days=5,
)


def _market(seed: int) -> Market:
    moves = np.random.default_rng(seed).normal(0.0, 0.02, (DAYS, len(TICKERS)))
    levels = 100 * np.exp(np.cumsum(moves, axis=0))
    index = pd.bdate_range("2021-01-04", periods=DAYS)
    prices = pd.DataFrame(levels, index=index, columns=TICKERS)
    prices["^TNX"] = prices["^TNX"] / 25  # a yield in percent
    return Market(prices=prices, universe=Universe(), source="test", synthetic=True)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, DAYS - 2), shock=st.floats(0.5, 1.5))
def test_future_prices_change_no_signal_regime_or_weight_before(
    seed: int, cut: int, shock: float
) -> None:
    market = _market(seed)
    prices = market.prices.copy()
    prices.iloc[cut + 1 :] *= shock * np.linspace(0.8, 1.2, len(TICKERS))
    altered = Market(prices=prices, universe=Universe(), source="test", synthetic=True)
    upto = slice(None, cut + 1)
    first, second = FAST.explain(market), FAST.explain(altered)
    pd.testing.assert_frame_equal(first.signals.iloc[upto], second.signals.iloc[upto])
    pd.testing.assert_frame_equal(
        FAST.target_weights(market).iloc[upto], FAST.target_weights(altered).iloc[upto]
    )


def test_regimes_switch_and_every_change_has_a_cause() -> None:
    market = _market(7)
    # A systemic episode on bars 100-109: the dollar at 101, yields down 1 bp a day.
    market.prices["DX-Y.NYB"] = 95.0
    market.prices.iloc[100:110, TICKERS.index("DX-Y.NYB")] = 101.0
    market.prices["^TNX"] = 4.0 - 0.01 * np.arange(DAYS)
    explained = FAST.explain(market)
    assert set(explained.regime) == {"neutral", "main_street", "defensive"}
    assert len(explained.events) > 3
    assert explained.events["cause"].str.len().gt(0).all()
    changes = explained.regime.ne(explained.regime.shift(1)).iloc[1:].sum()
    assert len(explained.events) == changes


def test_thresholds_are_checked() -> None:
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"strategy\.buy_below"):
        HartnettSwitch(sell_above=5, buy_below=6)
    with pytest.raises(ConfigError, match=r"strategy\.supports\.tech\.level"):
        HartnettSwitch(supports={"tech": {"level": 1.5}})


def test_the_cli_writes_the_switching_outputs(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    argv += ["--start", "2006-01-01", "--end", "2026-05-04", "--allow-partial"]
    assert run_backtest.main(argv) == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    assert {"bull_bear", "regime", "support_tech", "support_crypto", "dollar_guard"} <= set(signals)
    assert any(column.startswith("component_") for column in signals)
    assert signals.index[0] == pd.Timestamp("2006-01-03")
    events = pd.read_csv(run_dir / "events.csv")
    assert list(events.columns) == ["date", "regime", "cause", "reading"]
    assert len(events) > 5
    study = pd.read_csv(run_dir / "event_study.csv")
    assert set(study["horizon_days"]) == {21, 42, 63}
    assert {"mean", "hit_rate", "all_mean", "all_hit_rate"} <= set(study.columns)
    switching = json.loads((run_dir / "metrics.json").read_text())["switching"]
    shares = sum(row["share"] for row in switching["per_regime"].values())
    assert shares == pytest.approx(1.0)
    assert switching["regime_changes"] == len(events)


def test_real_readings_from_a_file_drive_the_same_rules() -> None:
    # Weekly readings dated Thursdays, usable one calendar day later (Fridays).
    readings = pd.Series(
        [5.0, 9.0, 9.0, 1.0],
        index=pd.to_datetime(["2021-01-07", "2021-02-04", "2021-02-11", "2021-03-04"]),
    )
    base = _market(3)
    market = Market(
        prices=base.prices, universe=Universe(), source="test", synthetic=True,
        external={"bull_bear": readings},
    )  # fmt: skip
    switch = HartnettSwitch(
        reading_source="published",
        reading_file="readings.csv",
        supports={},
        dollar_guard=False,
        max_hold=0,
    )
    assert switch.inputs(Universe())[1] == {"bull_bear": ("readings.csv", "reading")}
    regime = switch.explain(market).regime
    assert (regime[:"2021-02-04"] == "neutral").all()
    assert (regime["2021-02-05":"2021-03-04"] == "main_street").all()
    assert (regime["2021-03-05":] == "neutral").all()


def test_a_readings_file_goes_through_the_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "bofa.csv"
    path.write_text("Date,reading\n2019-12-05,\n2020-01-02,4.5\n2020-02-06,8.6\n2020-03-05,1.5\n")
    overrides = [f"strategy.reading_file={path}", "strategy.reading_source=published"]
    overrides += ["strategy.supports.tech=off"]
    overrides += ["strategy.supports.crypto=off", "strategy.max_hold=0"]
    config = build_config(
        "hartnett_switch", overrides, data="demo", start=date(2019, 12, 2), end=date(2020, 6, 30)
    )
    result = run(config)
    signals = result.switching.explanation.signals
    assert signals.loc["2020-02-07", "bull_bear"] == 8.6
    assert signals.loc["2020-02-07", "regime"] == "main_street"
    assert result.metrics["switching"]["trigger_firings"]["bull_bear_above_8"] == 1
    assert result.metrics["switching"]["regime_entries"]["main_street"] == 1


def test_every_parameter_is_either_a_signals_or_a_rules_and_books() -> None:
    """The signals are cached by `SIGNAL_FIELDS`: a new field must say which side it is on."""
    from dataclasses import fields

    from signals.assembly import SIGNAL_FIELDS

    rules_and_books = {
        *("stocks_weight", "long_weight", "small_caps_share", "short_weight", "tech_share"),
        *("defensive_bonds", "sell_above", "buy_below", "max_hold", "min_hold", "cooldown"),
        "break_wins_bars",
    }
    assert {f.name for f in fields(HartnettSwitch)} == set(SIGNAL_FIELDS) | rules_and_books
    assert not set(SIGNAL_FIELDS) & rules_and_books
    # A signal parameter changes the signals; a threshold does not.
    base = HartnettSwitch()._signals(Universe())
    assert HartnettSwitch(sell_above=9)._signals(Universe()) == base
    assert HartnettSwitch(dollar_level=95)._signals(Universe()) != base


def _warned(
    sell_above: float, buy_below: float, readings: list[float], before: float = 5.0, **fields
) -> list[str]:
    """`threshold_warnings` on hand-made run readings, the entries found by hand from them.

    ``before`` is the reading on the warm-up's last day (NaN: none).
    """
    days = pd.bdate_range("2024-01-01", periods=len(readings))
    reading = pd.Series(readings, index=days)
    above = [value > sell_above for value in [before, *readings]]  # NaN is never above
    crossed = [now and not then for then, now in itertools.pairwise(above)]
    entered = pd.Series(crossed, index=days)
    strategy = HartnettSwitch(sell_above=sell_above, buy_below=buy_below, **fields)
    return threshold_warnings(strategy, reading, entered)


def test_a_threshold_the_rules_keep_from_acting_is_a_warning() -> None:
    # Above sell_above on every day: no crossing, whatever the level.
    warning, below = _warned(0.0, 0.0, [0.4, 3.0, 0.2, 9.0])  # buy_below <= sell_above
    assert below.startswith("strategy.buy_below=0 is the bottom")
    assert warning == (
        "strategy.sell_above=0: the reading was above it on every day of the run (lowest 0.20) "
        "and an entry is a crossing from at or below sell_above to above it, so the reading "
        "started no Main Street trade (support breaks still can); raise sell_above to at least "
        "the lowest reading for it to act"
    )
    # A first value after none counts as a crossing (from no value): that entry acted.
    assert _warned(0.0, 0.0, [np.nan, 0.4, 3.0], before=np.nan) == [below]
    # Above 8 all along (the note's early 2026) is the same story.
    assert len(_warned(8.0, 2.0, [9.6, 9.1, 8.5], before=9.0)) == 1
    # 10 is the top of the scale: a number never exceeds it...
    (warning,) = _warned(10.0, 2.0, [9.9, 10.0, 1.0], supports={})
    assert warning == (
        "strategy.sell_above=10 is the top of the reading's 0-10 scale: the reading never rose "
        "above it, so it started no Main Street trade (nothing else does); lower sell_above"
    )
    # ... but a published sell without a number (+inf) does, so nothing is said then.
    assert _warned(10.0, 2.0, [9.9, np.inf, 1.0]) == []
    # buy_below 0: nothing is below it, the trade ends at max_hold or never.
    assert _warned(8.0, 0.0, [0.0, 9.0, 0.0], max_hold=0) == [
        "strategy.buy_below=0 is the bottom of the reading's 0-10 scale: the reading never fell "
        "below it, so a Main Street trade never ends (max_hold 0: no limit); raise buy_below"
    ]
    assert _warned(8.0, 0.0, [0.0, 9.0, -np.inf]) == []  # a published buy without a number
    # Thresholds the reading crossed say nothing.
    assert _warned(8.0, 2.0, [5.0, 9.0, 1.0]) == []


def test_sell_above_zero_on_the_proxy_is_a_warning_on_real_data(shared_data: Path) -> None:
    config = build_config(
        "hartnett_switch",
        ["strategy.sell_above=0", "strategy.buy_below=0"],
        data=f"csv:{shared_data}",
        start=date(2016, 1, 1),
        end=date(2020, 12, 31),
    )
    explanation = run(config).switching.explanation
    reading = explanation.signals["bull_bear"]
    assert (reading > 0).all()  # the proxy's percentiles are above 0: never at or below 0
    assert explanation.entries["bull_bear_above_0"].empty
    lowest = f"(lowest {reading.min():.2f})"
    assert sum(lowest in w and "sell_above=0" in w for w in explanation.warnings) == 1
    assert sum("buy_below=0" in w for w in explanation.warnings) == 1
