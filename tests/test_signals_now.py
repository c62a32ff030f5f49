"""Signals now: the last date's reading, support levels, dollar guard and regime, everywhere."""

from __future__ import annotations

import json
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backtester
import run_backtest
from core.errors import ConfigError
from data.market import Market, Universe
from reporting.console import signals_now_text
from strategies import HartnettSwitch
from tests.conftest import run_cli as _main

ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "configs" / "hartnett.yaml"


@pytest.fixture(scope="module")
def preset_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The note's preset on real history, run once through the CLI: its folder and stdout."""
    out = tmp_path_factory.mktemp("runs")
    argv = ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--out", str(out)]
    printed = StringIO()
    with redirect_stdout(printed):
        assert run_backtest.main(argv) == 0
    text = printed.getvalue()
    return Path(text.strip().splitlines()[-1]), text


def _raw_close(folder: Path, ticker: str, day: str) -> float:
    """The last close on or before ``day`` straight from the file (index levels: Close)."""
    table = pd.read_csv(folder / f"{ticker.removeprefix('^')}.csv", index_col="Date")
    table.index = pd.to_datetime(table.index)
    column = "Adj Close" if "Adj Close" in table else "Close"
    return float(table.loc[:day, column].dropna().iloc[-1])


def test_signals_now_json_matches_the_data_and_the_other_outputs(
    preset_run: tuple[Path, str], shared_data: Path
) -> None:
    run_dir, _ = preset_run
    now = json.loads((run_dir / "signals_now.json").read_text())
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    equity = pd.read_csv(run_dir / "equity.csv", index_col="date", parse_dates=True)
    assert now["as_of"] == equity.index[-1].date().isoformat() == "2026-07-31"
    assert now["reading"]["value"] == pytest.approx(signals["bull_bear"].iloc[-1], abs=1e-12)
    assert now["reading"]["minus_sell_above"] == pytest.approx(now["reading"]["value"] - 8)
    assert now["regime"]["held"] == signals["regime"].iloc[-1]
    changes = signals.index[signals["regime"].ne(signals["regime"].shift(1))]
    assert now["regime"]["since"] == changes[-1].date().isoformat()
    assert now["regime"]["bars"] == int((signals.index >= changes[-1]).sum())
    levels = {level["name"]: level for level in now["supports"]}
    assert set(levels) == {"tech", "crypto", "gold"}
    for name, ticker, level in (("tech", "XLK", 133), ("crypto", "BTC-USD", 58000)):
        close = _raw_close(shared_data, ticker, now["as_of"])
        assert levels[name]["close"] == pytest.approx(close, rel=1e-12)
        assert levels[name]["distance_pct"] == pytest.approx(100 * (close / level - 1), rel=1e-9)
    gold = _raw_close(shared_data, "GC=F", now["as_of"])
    assert levels["gold"]["close"] == pytest.approx(gold, rel=1e-12)
    assert levels["gold"]["broken"] == bool(signals["support_gold"].iloc[-1])
    guard = now["dollar_guard"]
    assert guard["close"] == pytest.approx(_raw_close(shared_data, "DX-Y.NYB", now["as_of"]))
    tnx = pd.read_csv(shared_data / "TNX.csv", index_col="Date", parse_dates=True)["Close"]
    on_days = tnx.reindex(signals.index, method="ffill")  # ^TNX sampled on the run's days
    change = 100 * (on_days.iloc[-1] - on_days.iloc[-22])
    assert guard["yields"]["change_bps"] == pytest.approx(change, abs=1e-9)
    assert guard["on"] == bool(signals["dollar_guard"].iloc[-1])
    assert (now["data_end"], now["lagging"]) == (now["as_of"], [])  # every file has 2026-07-31


def test_gold_below_4550_since_its_break_is_not_armed(
    preset_run: tuple[Path, str], shared_data: Path
) -> None:
    run_dir, _ = preset_run
    now = json.loads((run_dir / "signals_now.json").read_text())
    gold = next(level for level in now["supports"] if level["name"] == "gold")
    # From the file on the run's days (SPY's): the last close at or above 4550, then the third
    # close below it is the break; no close back above since, so the level is not armed.
    days = pd.read_csv(shared_data / "SPY.csv", index_col="Date", parse_dates=True).index
    table = pd.read_csv(shared_data / "GC=F.csv", index_col="Date", parse_dates=True)
    closes = table["Close"].reindex(days[days <= now["as_of"]], method="ffill")
    above = closes.index[closes >= 4550][-1]
    assert gold["last_break"] == closes[above:].index[3].date().isoformat()
    assert (gold["armed"], gold["rearm"]) == (False, "GC=F closes at or above 4,550.00")
    assert not any("main_street if GC=F" in line for line in now["would_change"])
    dollar = _raw_close(shared_data, "DX-Y.NYB", now["as_of"])
    assert dollar < 100  # a close below 100 re-arms the guard
    assert now["dollar_guard"]["armed"]


def test_the_console_report_and_signals_now_flag_say_the_same(
    preset_run: tuple[Path, str],
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_dir, printed = preset_run
    now = json.loads((run_dir / "signals_now.json").read_text())
    panel = signals_now_text(now)
    assert panel in printed  # near the top of the console summary: after the answer
    assert printed.index(panel) < printed.index("hartnett_switch vs 60/40, ")
    page = (run_dir / "report.html").read_text()
    assert page.index('id="signals-now"') < page.index('id="headline"')
    for line in now["would_change"]:
        assert line.replace("'", "&#x27;") in page
    argv = ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--signals-now"]
    status, out, err = _main([*argv, "--out", str(tmp_path)], capsys)
    assert status == 0, err
    assert out.strip() == panel
    assert list(tmp_path.iterdir()) == []  # no run written
    api = backtester.signals_now(PRESET, data=f"csv:{shared_data}")
    assert json.loads(json.dumps(api)) == {**now, "data_source": f"csv:{shared_data}"}


def test_signals_now_refuses_a_static_strategy_in_each_front_ends_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = _main(["--strategy", "main_street", "--data", "demo", "--signals-now"], capsys)
    assert status == 2
    assert err.strip() == (
        "error: --signals-now needs a switching strategy such as hartnett_switch; main_street "
        "has no signals"
    )
    with pytest.raises(ConfigError) as refused:
        backtester.signals_now("main_street", data="demo")
    assert str(refused.value) == (
        "signals_now() needs a switching strategy such as hartnett_switch; main_street has no "
        "signals"
    )


def _market(gold: list[float]) -> Market:
    days = pd.bdate_range("2024-01-01", periods=len(gold))
    flat = {t: np.full(len(days), 100.0) for t in ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD")}
    prices = pd.DataFrame({**flat, "GC=F": gold, "DX-Y.NYB": 95.0}, index=days)
    return Market(prices=prices, universe=Universe(), source="test", synthetic=True)


SWITCH = HartnettSwitch(
    reading_source="published",
    reading_file="readings.csv",
    supports={"gold": {"ticker": "GC=F", "mode": "absolute", "level": 100.0, "confirm_days": 3}},
    dollar_guard=True,
    yields_fall_bps=0,
    max_hold=10,
)


def _with_readings(market: Market, value: float) -> Market:
    readings = pd.Series([value], index=[market.prices.index[0] - pd.Timedelta(days=7)])
    return Market(
        prices=market.prices,
        universe=Universe(),
        source="test",
        synthetic=True,
        external={"bull_bear": readings},
    )


def test_a_hand_made_break_in_progress_is_counted_and_named() -> None:
    # Gold above 100, then two closes below it: one more confirms the break.
    market = _with_readings(_market([110.0] * 8 + [99.0, 98.0]), 5.0)
    now = SWITCH.signals_now(market)
    gold = now["supports"][0]
    assert (gold["closes_below"], gold["broken"], gold["support"]) == (2, False, 100.0)
    assert gold["distance_pct"] == pytest.approx(-2.0)
    assert now["regime"] == {"held": "neutral", "since": "2024-01-01", "bars": 10,
                             "since_history_start": True}  # fmt: skip
    assert now["reading"]["value"] == 5.0
    assert now["would_change"][0] == "main_street if the reading rises above 8 (now 5.00)"
    assert "GC=F closes below 100.00 (gold) 3 days in a row" in now["would_change"][1]
    assert "(now 98.00, -2.0% from it; 2 so far)" in now["would_change"][1]
    assert now["would_change"][2] == "defensive if DX-Y.NYB at or above 100 (now 95.00)"


def test_in_main_street_the_panel_counts_down_to_max_hold() -> None:
    market = _with_readings(_market([110.0] * 5 + [99.0] * 6), 5.0)
    now = SWITCH.signals_now(market)
    # Confirmed on the third close below (the 8th bar), held on the last 4 of a 10-bar maximum.
    assert now["regime"]["held"] == "main_street"
    assert now["regime"]["since"] == market.prices.index[7].date().isoformat()
    assert (now["regime"]["bars"], now["regime"]["bars_to_max_hold"]) == (4, 6)
    assert now["supports"][0]["broken"] is True
    # Held 4 bars of 10: main_street on 6 more, neutral on the 7th bar from now.
    assert now["would_change"][:2] == [
        "neutral if the reading closes below 2 (now 5.00)",
        "neutral on the 7th bar from now: max_hold 10 bars (held 4)",
    ]
