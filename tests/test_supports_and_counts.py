"""Support levels as a named list (gold included) and honest counts of entries and whipsaws."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.events import regime_spells
from data.market import Market, Universe
from pipeline.switching import WHIPSAW_BARS, whipsaws
from reporting.figures import signals_figure
from strategies import HartnettSwitch
from tests.conftest import read_close
from tests.conftest import run_cli as _main

ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "configs" / "hartnett.yaml"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Path:
    status, out, err = _main([*argv, "--no-report"], capsys)
    assert status == 0, err
    return Path(out.strip().splitlines()[-1])


def test_the_notes_three_levels_reach_every_output(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    run_dir = _run([*argv, "--start", "2024-06-03"], capsys)
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    for name in ("tech", "crypto", "gold"):
        assert {f"support_{name}", f"entry_support_{name}"} <= set(signals)
    # Gold (GC=F, read straight from its file) crossing below 4,550: three closes below in a
    # row after a close at or above it, held until the next close at or above it. On SPY's
    # trading days, the days before the run's start (the warm-up) included.
    gold = pd.read_csv(shared_data / "GC=F.csv", index_col="Date", parse_dates=True)["Close"]
    days = read_close(shared_data, "SPY").index
    closes = gold.reindex(days[days >= gold.index[0]], method="ffill")
    broken, seen_above, run, state = [], False, 0, False
    for close in closes:
        run = run + 1 if close < 4550 else 0
        if close >= 4550:
            seen_above, state = True, False
        elif not state and seen_above and run >= 3:
            seen_above, state = False, True
        broken.append(state)
    expected = pd.Series(broken, index=closes.index).loc[signals.index]
    assert expected.any()  # gold crossed its level in the run: the case is not vacuous
    pd.testing.assert_series_equal(signals["support_gold"], expected, check_names=False)
    events = pd.read_csv(run_dir / "events.csv")
    assert events["cause"].str.contains("support_gold").any()
    study = pd.read_csv(run_dir / "event_study.csv")
    assert {"support_tech", "support_crypto", "support_gold"} <= set(study["trigger"])
    figure = signals_figure(signals, signals["regime"], (8.0, 2.0), synthetic=False)
    labels = [label.get_text() for label in figure.axes[1].get_yticklabels()]
    assert labels == ["bull_bear_above_8", "support_tech", "support_crypto", "support_gold"]


def test_set_and_sweep_reach_a_levels_fields(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    run_dir = _run([*argv, "--set", "strategy.supports.gold.level=4000"], capsys)
    config = json.loads((run_dir / "metrics.json").read_text())["run"]["config"]
    assert config["strategy"]["supports"]["gold"] == {
        "ticker": "GC=F", "mode": "absolute", "level": 4000.0, "window": 200, "confirm_days": 3,
        "rearm_bars": 0,
    }  # fmt: skip
    run_dir = _run([*argv, "--sweep", "strategy.supports.gold.level=4000,4550"], capsys)
    sweep = pd.read_csv(run_dir / "sweep.csv")
    assert sweep["strategy.supports.gold.level"].tolist() == [4000.0, 4550.0]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("strategy.supports.gold.level=-4550", "strategy.supports.gold.level = -4550.0 is out of"),
        ("strategy.supports.gold.mode=sideways", "strategy.supports.gold.mode=sideways: Input"),
        ("strategy.supports.gold.levle=1", "unknown key strategy.supports.gold.levle; did you"),
        ("strategy.supports.silver.level=30", "strategy.supports.silver: a new support level"),
        ("strategy.supports.gold.ticker=GOLDX", "GOLDX: no price file"),
    ],
)
def test_a_bad_level_is_one_error_and_nothing_written(
    override: str,
    message: str,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    status, out, err = _main([*argv, "--set", override], capsys)
    assert status == 2
    assert out == ""
    assert err.startswith(f"error: {message}"), err
    assert err.count("\n") == 1, err
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_a_level_on_a_hand_made_series_enters_on_the_confirming_close() -> None:
    days = pd.bdate_range("2024-01-01", periods=12)
    gold = [110.0, 105.0, 99.0, 101.0, 99.0, 98.0, 97.0, 96.0, 120.0, 120.0, 120.0, 120.0]
    flat = {t: np.full(len(days), 100.0) for t in ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD")}
    prices = pd.DataFrame({**flat, "GC=F": gold}, index=days)
    market = Market(
        prices=prices,
        universe=Universe(),
        source="test",
        synthetic=True,
        external={"bull_bear": pd.Series([5.0], index=[days[0]])},
    )
    switch = HartnettSwitch(
        reading_source="published",
        reading_file="readings.csv",
        reading_delay_days=0,
        supports={"gold": {"ticker": "GC=F", "mode": "absolute", "level": 100.0}},
        dollar_guard=False,
        max_hold=3,
    )
    explained = switch.explain(market)
    # Closes below 100 on bars 2, 4, 5, 6: the third in a row is bar 6; max_hold 3 ends it.
    assert explained.regime.tolist() == ["neutral"] * 6 + ["main_street"] * 3 + ["neutral"] * 3
    assert explained.events[["regime", "cause"]].values.tolist() == [
        ["main_street", "support_gold"],
        ["neutral", "max_hold reached"],
    ]
    assert list(explained.entries["support_gold"]) == [days[6]]


def test_whipsaws_are_short_spells_entered_and_left_inside_the_run() -> None:
    days = pd.bdate_range("2024-01-01", periods=20)
    held = ["main_street"] * 2 + ["neutral"] * 6 + ["main_street"] * 2 + ["neutral"]
    held += ["defensive"] * 5 + ["neutral"] * 3 + ["main_street"]
    regime = pd.Series(held, index=days)
    changes = days[1:][regime.to_numpy()[1:] != regime.to_numpy()[:-1]]
    events = pd.DataFrame({"date": changes, "regime": regime[changes].to_numpy()})
    events["cause"] = [f"cause {i}" for i in range(len(events))]
    found = whipsaws(regime_spells(regime), events)
    # The first spell was carried in (no event), the last is still open; the defensive spell
    # lasts 5 bars, not fewer than WHIPSAW_BARS; the 1-bar neutral spell and 2-bar and 3-bar
    # spells entered inside the run are whipsaws.
    assert WHIPSAW_BARS == 5
    assert found[["regime", "bars", "cause_in", "cause_out"]].values.tolist() == [
        ["main_street", 2, "cause 1", "cause 2"],
        ["neutral", 1, "cause 2", "cause 3"],
        ["neutral", 3, "cause 4", "cause 5"],
    ]


def test_entries_firings_and_whipsaws_agree_with_the_daily_outputs(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}", "--out", str(tmp_path)]
    run_dir = _run(
        [*argv, "--start", "2006-01-01", "--end", "2026-05-04", "--allow-partial"], capsys
    )
    switching = json.loads((run_dir / "metrics.json").read_text())["switching"]
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    events = pd.read_csv(run_dir / "events.csv", parse_dates=["date"])
    firings = {c.removeprefix("entry_"): int(signals[c].sum()) for c in signals if "entry_" in c}
    assert switching["trigger_firings"] == firings
    assert switching["regime_entries"]["main_street"] == int((events.regime == "main_street").sum())
    assert sum(firings.values()) > switching["regime_entries"]["main_street"] > 0
    # Whipsaws by a plain loop over the daily regime column.
    regime, found, start = signals["regime"].tolist(), [], None
    for i in range(1, len(regime)):
        if regime[i] != regime[i - 1]:
            if start is not None and i - start < WHIPSAW_BARS:
                found.append((signals.index[start].date().isoformat(), regime[start], i - start))
            start = i
    listed = [(s["start"][:10], s["regime"], s["bars"]) for s in switching["whipsaws"]["spells"]]
    assert listed == found
    assert switching["whipsaws"]["count"] == len(found) > 0
