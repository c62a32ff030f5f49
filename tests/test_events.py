"""Event study and regime tables: tiny cases checked by hand, and a plain-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics import events

# Ten bars; forward returns at horizon 2, by hand:
#   t0 105/100-1 = 0.05     t1 100/110-1 = -1/11   t2 120/105-1 = 1/7   t3 100/100-1 = 0 (a tie)
#   t4 90/120-1 = -0.25     t5 99/100-1 = -0.01    t6 108/90-1 = 0.2    t7 100/99-1 = 1/99
#   t8, t9: no bar two ahead, NaN.
DATES = pd.bdate_range("2024-01-01", periods=10)  # Mon 1 Jan .. Fri 12 Jan
PRICES = pd.Series([100.0, 110, 105, 100, 120, 100, 90, 99, 108, 100], index=DATES)
FORWARD_2 = [0.05, -1 / 11, 1 / 7, 0.0, -0.25, -0.01, 0.2, 1 / 99, math.nan, math.nan]
ALL_MEAN_2 = sum(FORWARD_2[:8]) / 8
ALL_HIT_RATE_2 = 4 / 8  # 0.05, 1/7, 0.2, 1/99; the tie at t3 is a miss


def _one_row(study: pd.DataFrame, **keys: object) -> pd.Series:
    mask = np.logical_and.reduce([study[k] == v for k, v in keys.items()])
    assert mask.sum() == 1
    return study[mask].iloc[0]


def test_forward_returns_by_hand() -> None:
    fwd = events.forward_returns(PRICES, (1, 2))
    assert list(fwd.columns) == [1, 2]
    assert fwd.columns.name == "horizon_days"
    assert fwd.index.equals(DATES)
    np.testing.assert_allclose(fwd[2].to_numpy(), FORWARD_2, rtol=0, atol=1e-15)
    assert fwd[1].iloc[0] == pytest.approx(0.1)
    assert np.isnan(fwd[1].iloc[-1])


@pytest.mark.parametrize("horizons", [(0,), (-1,), (2.0,), (True,), ()])
def test_forward_returns_rejects_bad_horizons(horizons: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="horizons"):
        events.forward_returns(PRICES, horizons)


def test_event_study_by_hand() -> None:
    # t0, t1 (one bar after t0: inside its horizon), t3 (the tie), t9 (no full horizon).
    triggers = {"bull_bear_above_8": DATES[[0, 1, 3, 9]]}
    study = events.event_study(triggers, {"SPY": PRICES}, horizons=(2,))
    assert list(study.columns) == list(events.EVENT_COLUMNS)
    row = _one_row(study, trigger="bull_bear_above_8", series="SPY", horizon_days=2)
    assert row["events_total"] == 4
    assert row["events"] == 3
    assert row["independent_events"] == 2  # t0 and t3; t1 overlaps t0
    mean = (0.05 - 1 / 11 + 0.0) / 3
    assert row["mean"] == pytest.approx(mean, abs=1e-15)
    assert row["hit_rate"] == pytest.approx(1 / 3)  # only t0; t3 is exactly 0, a miss
    assert row["all_dates"] == 8
    assert row["all_mean"] == pytest.approx(ALL_MEAN_2, abs=1e-15)
    assert row["all_hit_rate"] == pytest.approx(ALL_HIT_RATE_2)
    assert row["difference"] == pytest.approx(mean - ALL_MEAN_2, abs=1e-15)


def test_two_overlapping_events_are_one_independent_observation() -> None:
    study = events.event_study({"tech_break": DATES[[2, 3]]}, {"SPY": PRICES}, horizons=(2,))
    row = study.iloc[0]
    assert (row["events_total"], row["events"], row["independent_events"]) == (2, 2, 1)
    assert row["mean"] == pytest.approx((1 / 7 + 0.0) / 2)
    assert row["hit_rate"] == pytest.approx(0.5)


def test_event_between_bars_uses_next_bar_and_outside_span_is_dropped() -> None:
    saturday, before, after = (pd.Timestamp(d) for d in ("2024-01-06", "2023-12-29", "2024-01-15"))
    study = events.event_study(
        {"crypto_break": pd.DatetimeIndex([before, saturday, after])}, {"SPY": PRICES}, (2,)
    )
    row = study.iloc[0]
    assert row["events_total"] == 1  # only the Saturday, measured from Monday 8 Jan (t5)
    assert row["mean"] == pytest.approx(-0.01)


def test_event_without_any_full_horizon_gives_nan() -> None:
    row = events.event_study({"late": DATES[[9]]}, {"SPY": PRICES}, (2,)).iloc[0]
    assert (row["events_total"], row["events"], row["independent_events"]) == (1, 0, 0)
    assert row[["mean", "hit_rate", "difference"]].isna().all()
    assert row["all_mean"] == pytest.approx(ALL_MEAN_2)


def test_event_study_one_row_per_trigger_series_horizon() -> None:
    triggers = {"a": DATES[[0]], "b": DATES[[1, 2]]}
    study = events.event_study(triggers, {"SPY": PRICES, "other": PRICES * 2}, (1, 2, 3))
    assert len(study) == 2 * 2 * 3
    assert not study.duplicated(["trigger", "series", "horizon_days"]).any()


def test_spread_returns_by_hand() -> None:
    # long 100 -> 110 -> 121, short 100 -> 100 -> 50; the short has no price on the 4th date.
    index = pd.bdate_range("2024-01-01", periods=4)
    long = pd.Series([100.0, 110.0, 121.0, 130.0], index=index)
    short = pd.Series([100.0, 100.0, 50.0, math.nan], index=index)
    spread = events.spread_returns(
        pd.DataFrame({"L": long, "S": short}), {"L": 1}, {"S": 1}, (1, 2)
    )
    assert spread.index.equals(index[:3])
    np.testing.assert_allclose(spread[1].to_numpy(), [0.1 - 0.0, 0.1 - -0.5, math.nan])
    np.testing.assert_allclose(spread[2].to_numpy(), [0.21 - -0.5, math.nan, math.nan])


def test_a_basket_spread_is_its_shares_buy_and_hold() -> None:
    # long basket 0.25 A + 0.75 B against S; A doubles over two bars, B is flat, S falls 20%.
    index = pd.bdate_range("2024-01-01", periods=3)
    prices = pd.DataFrame(
        {"A": [10.0, 15.0, 20.0], "B": [50.0, 50.0, 50.0], "S": [100.0, 90.0, 80.0]}, index=index
    )
    spread = events.spread_returns(prices, {"A": 0.25, "B": 0.75}, {"S": 1.0}, (2,))
    # buy-and-hold $1: 0.25 in A grows to 0.5, 0.75 in B stays: +25%; the short leg -20%
    assert spread[2].iloc[0] == pytest.approx(0.25 - -0.2, abs=1e-15)


def test_event_study_accepts_forward_return_frames() -> None:
    flat = pd.DataFrame({"L": PRICES, "S": PRICES * 0 + 1.0})
    spread = events.spread_returns(flat, {"L": 1}, {"S": 1}, (2,))  # short leg flat: fwd = long's
    study = events.event_study(
        {"t": DATES[[0, 1, 3, 9]]}, {"tech_minus_small_caps": spread, "SPY": PRICES}, (2,)
    )
    from_frame, from_prices = study.iloc[0], study.iloc[1]
    pd.testing.assert_series_equal(
        from_frame.drop("series"), from_prices.drop("series"), check_names=False
    )


def test_event_study_frame_without_horizon_raises() -> None:
    frame = events.forward_returns(PRICES, (2,))
    with pytest.raises(ValueError, match=r"without horizon\(s\) \[3\]"):
        events.event_study({"t": DATES[[0]]}, {"x": frame}, (2, 3))


def test_event_study_matches_plain_python_loop() -> None:
    rng = np.random.default_rng(20260504)
    dates = pd.bdate_range("2015-01-01", periods=400)
    prices = {
        name: pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.012, len(dates))), index=dates)
        for name in ("SPY", "main_street")
    }
    triggers = {
        name: dates[np.sort(rng.choice(len(dates), size=size, replace=False))]
        for name, size in (("bull_bear_above_8", 15), ("tech_break", 40), ("crypto_break", 3))
    }
    horizons = (5, 21, 63)
    study = events.event_study(triggers, prices, horizons)
    for trigger, when in triggers.items():
        for name, series in prices.items():
            p, days = list(series), list(series.index)
            for h in horizons:
                fwd = [p[i + h] / p[i] - 1 for i in range(len(p) - h)]
                picks = [days.index(d) for d in when]
                outcomes = [fwd[i] for i in picks if i < len(fwd)]
                independent, last = 0, -(10**9)
                for i in picks:
                    if i < len(fwd) and i - last >= h:
                        independent, last = independent + 1, i
                row = _one_row(study, trigger=trigger, series=name, horizon_days=h)
                assert row["events"] == len(outcomes)
                assert row["independent_events"] == independent
                assert row["mean"] == pytest.approx(sum(outcomes) / len(outcomes), abs=1e-12)
                hits = sum(1 for x in outcomes if x > 0) / len(outcomes)
                assert row["hit_rate"] == pytest.approx(hits, abs=1e-12)
                assert row["all_mean"] == pytest.approx(sum(fwd) / len(fwd), abs=1e-12)
                all_hits = sum(1 for x in fwd if x > 0) / len(fwd)
                assert row["all_hit_rate"] == pytest.approx(all_hits, abs=1e-12)


# Six returns; neutral holds r = 0.01, -0.02, 0.02 (two spells), main_street 0.03, 0.00 (one),
# defensive -0.01 (one day: too few for annualised figures).
R_DATES = pd.bdate_range("2024-03-04", periods=6)
RETURNS = pd.Series([0.01, -0.02, 0.03, 0.00, 0.02, -0.01], index=R_DATES)
REGIMES = pd.Series(
    ["neutral", "neutral", "main_street", "main_street", "neutral", "defensive"], index=R_DATES
)


def test_regime_table_by_hand() -> None:
    table = events.regime_table(RETURNS, REGIMES, 252, min_days=2)  # the formulas, not the rule
    assert list(table.index) == ["neutral", "main_street", "defensive"]
    assert table.index.name == "regime"
    assert list(table.columns) == list(events.REGIME_COLUMNS)
    assert list(table["days"]) == [3, 2, 1]
    assert list(table["share"]) == pytest.approx([0.5, 1 / 3, 1 / 6])
    assert list(table["spells"]) == [2, 1, 1]
    assert list(table["worst_day"]) == [-0.02, 0.00, -0.01]
    neutral, main = table.loc["neutral"], table.loc["main_street"]
    assert neutral["mean_annual"] == pytest.approx(0.01 / 3 * 252)
    assert neutral["compounded_annual"] == pytest.approx((1.01 * 0.98 * 1.02) ** (252 / 3) - 1)
    assert main["mean_annual"] == pytest.approx(0.015 * 252)
    assert main["compounded_annual"] == pytest.approx(1.03 ** (252 / 2) - 1)
    # Two returns 0.03, 0.00: sample std = 0.03 / sqrt(2).
    assert main["volatility"] == pytest.approx(0.03 / math.sqrt(2) * math.sqrt(252))
    r = np.array([0.01, -0.02, 0.02])
    assert neutral["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * np.sqrt(252))
    assert table.loc["defensive", ["mean_annual", "volatility", "sharpe"]].isna().all()
    assert np.isnan(table.loc["defensive", "compounded_annual"])
    assert list(table["na_reason"]) == ["", "", "1 days, fewer than the 2 needed to annualise"]


def test_regime_table_does_not_annualise_less_than_a_quarter() -> None:
    # By default a regime needs a quarter of a year of returns (63 at 252 a year, 91 at 365):
    # none of these six days is annualised, and each row says why.
    table = events.regime_table(RETURNS, REGIMES, 252)
    annual = ["mean_annual", "compounded_annual", "volatility", "sharpe"]
    assert table[annual].isna().all().all()
    assert table.loc["neutral", "na_reason"] == (
        "3 days, fewer than the 63 (a quarter of a year) needed to annualise"
    )
    assert list(table["worst_day"]) == [-0.02, 0.00, -0.01]  # not annualised: still shown
    long = pd.Series([0.001, -0.001] * 45 + [0.0], index=pd.bdate_range("2024-01-01", periods=91))
    regime = pd.Series("main_street", index=long.index)
    assert events.regime_table(long, regime, 365).loc["main_street", "na_reason"] == ""
    short = events.regime_table(long.iloc[:90], regime.iloc[:90], 365)
    assert "90 days, fewer than the 91" in short.loc["main_street", "na_reason"]


def test_regime_table_risk_free_series_and_min_days() -> None:
    rf = pd.Series([0.001, 0.002, 0.0, 0.001, 0.003, 0.0], index=R_DATES)
    table = events.regime_table(RETURNS, REGIMES, 252, risk_free=rf, min_days=3)
    excess = np.array([0.01 - 0.001, -0.02 - 0.002, 0.02 - 0.003])
    expected = excess.mean() / excess.std(ddof=1) * np.sqrt(252)
    assert table.loc["neutral", "sharpe"] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(table.loc["main_street", "sharpe"])  # 2 days < min_days


def test_regime_table_leaves_out_dates_without_a_regime() -> None:
    regimes = REGIMES.copy()
    regimes.iloc[0] = None  # before the first decision took effect
    table = events.regime_table(RETURNS, regimes, 252)
    assert table["days"].sum() == 5
    assert table.loc["neutral", "share"] == pytest.approx(2 / 5)
    assert table.loc["neutral", "spells"] == 2


def test_regime_table_needs_aligned_regimes() -> None:
    with pytest.raises(ValueError, match="lag \\+ 1"):
        events.regime_table(RETURNS, REGIMES.iloc[1:], 252)


def test_regime_spells() -> None:
    index = pd.bdate_range("2024-01-01", periods=7)
    regimes = pd.Series(["a", "a", "b", None, "b", "b", "a"], index=index)
    spells = events.regime_spells(regimes)
    assert list(spells.columns) == list(events.SPELL_COLUMNS)
    assert list(spells["regime"]) == ["a", "b", "b", "a"]  # the gap splits the two b runs
    assert list(spells["start"]) == list(index[[0, 2, 4, 6]])
    assert list(spells["end"]) == list(index[[1, 2, 5, 6]])
    assert list(spells["bars"]) == [2, 1, 2, 1]


def test_regime_spells_empty() -> None:
    assert events.regime_spells(pd.Series([], dtype=object)).empty
