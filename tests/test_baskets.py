"""Baskets per role: a role's weight split over tickers, each its own position, one leg."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError
from data.market import Universe
from pipeline.combinations import with_value
from pipeline.config import build_config
from pipeline.run import legs, run
from pipeline.sweep import parse_axis, sweep
from strategies import MainStreet
from tests.conftest import read_close
from tests.conftest import run_cli as _main
from tests.test_engine_reference import Costs, reference_equity

BASKET = "EFA:0.5,EEM:0.3,MCHI:0.2"


def _config(folder: Path, strategy: str = "main_street", *overrides: str):
    return build_config(
        strategy,
        [f"universe.international={BASKET}", *overrides],
        data=f"csv:{folder}",
        start=date(2015, 1, 2),
        end=date(2026, 5, 1),
    )


def test_a_basket_splits_its_roles_weight_and_names_the_canonical_text() -> None:
    universe = Universe(international="EFA:0.5, EEM:0.3 ,MCHI:0.2", small_caps="IWM:1")
    assert universe.international == BASKET
    assert universe.small_caps == "IWM"  # a lone ticker of weight 1 is the ticker
    weights = MainStreet(long_weight=1.0, small_caps_share=0.5).weights_by_ticker(universe)
    assert weights == pytest.approx(
        {"IWM": 0.5, "EFA": 0.25, "EEM": 0.15, "MCHI": 0.10, "XLK": -0.25, "BTC-USD": -0.25},
        abs=1e-15,
    )
    # decimal weights that add up to 1 only within rounding are a basket
    assert Universe(tech="A:0.1,B:0.2,C:0.7").basket("tech") == {"A": 0.1, "B": 0.2, "C": 0.7}
    with pytest.raises(ConfigError, match=re.escape("universe.tech: {'XLK': 1.0} is not a")):
        Universe(tech={"XLK": 1.0})  # a Python mapping goes through the config (load_config)


def test_a_basket_run_is_the_reference_loop_on_the_split_weights(shared_data: Path) -> None:
    # the independent plain loop of test_engine_reference, on the six tickers' own files
    costs = Costs(fees_bps=2.0, slippage_bps=3.0, borrow_bps={"XLK": 30.0, "BTC-USD": 500.0})
    config = _config(shared_data, "main_street", *costs.overrides(shared_data))
    ours = run(config).strategy.equity
    weights = {"SPY": 0.0, "AGG": 0.0, "IWM": 0.5, "EFA": 0.25, "EEM": 0.15, "MCHI": 0.10}
    weights |= {"XLK": -0.25, "BTC-USD": -0.25}
    theirs = reference_equity(shared_data, weights, "2015-01-02", "2026-05-01", costs)
    assert ours.index.equals(theirs.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9)


def test_a_basket_is_one_leg_whose_pnl_is_its_tickers_moves(shared_data: Path) -> None:
    result = run(
        _config(shared_data, "main_street", "costs.fees_bps.etf=0", "costs.slippage_bps.etf=0")
    )
    leg = "long international (EFA+EEM+MCHI)"
    assert result.legs == {
        "IWM": "long small_caps (IWM)",
        **dict.fromkeys(["EFA", "EEM", "MCHI"], leg),
        "XLK": "short tech (XLK)",
        "BTC-USD": "short crypto (BTC-USD)",
    }
    table = result.attribution["strategy"]
    assert list(table.columns[:4]) == [
        "long small_caps (IWM)",
        leg,
        "short tech (XLK)",
        "short crypto (BTC-USD)",
    ]
    # the leg's P&L by a plain loop: units held at each close (cumulated fills) times the moves
    trades = result.strategy.trades
    dates = result.strategy.equity.index
    expected = pd.Series(0.0, index=dates)
    for ticker in ("EFA", "EEM", "MCHI"):
        close = read_close(shared_data, ticker).reindex(dates, method="ffill")
        fills = trades[trades["ticker"] == ticker].groupby("date")["units"].sum()
        held = fills.reindex(dates, fill_value=0.0).cumsum()
        expected += held.shift(1, fill_value=0.0) * close.diff().fillna(0.0)
    np.testing.assert_allclose(table[leg].to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-6)


def test_a_ticker_two_roles_hold_is_a_leg_of_its_own() -> None:
    universe = Universe(small_caps="IWM:0.5,QQQ:0.5", tech="QQQ")
    strategy = MainStreet()
    weights = pd.DataFrame([strategy.weights_by_ticker(universe)])
    names = legs(strategy, weights, universe)
    assert names["IWM"] == "long small_caps (IWM)"
    # QQQ: +0.25 as a small cap, -0.25 as tech: net zero, counted long
    assert names["QQQ"] == "long small_caps+tech (QQQ)"


def test_the_yaml_mapping_and_the_set_text_are_one_basket(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset = tmp_path / "basket.yaml"
    preset.write_text(
        "strategy: {name: main_street}\n"
        "universe:\n  international: {EFA: 0.5, EEM: 0.3, MCHI: 0.2}\n"
        "start: 2015-01-02\nend: 2026-05-01\n"
    )
    common = ["--data", f"csv:{shared_data}", "--no-report", "-qq"]
    from_file = [*common, "--config", str(preset), "--out", str(tmp_path / "a")]
    from_set = [*common, "--strategy", "main_street", "--start", "2015-01-02"]
    from_set += ["--end", "2026-05-01", "--set", f"universe.international={BASKET}"]
    from_set += ["--out", str(tmp_path / "b")]
    metrics = []
    for argv in (from_file, from_set):
        status, out, err = _main(argv, capsys)
        assert status == 0, err
        metrics.append(
            json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
        )
    assert metrics[0]["strategy"] == metrics[1]["strategy"]
    assert metrics[0]["run"]["config"]["universe"]["international"] == BASKET
    # --print-config writes the basket back as text that reads into the same config
    status, out, _ = _main([*common, "--config", str(preset), "--print-config"], capsys)
    assert status == 0
    assert f"international: {BASKET}" in out


def test_the_api_takes_a_basket_as_a_mapping_or_a_text() -> None:
    import backtester

    shares = {"EFA": 0.5, "EEM": 0.3, "MCHI": 0.2}
    configs = [
        backtester.load_config("main_street", overrides={"universe.international": shares}),
        backtester.load_config("main_street", universe__international=shares),
        backtester.load_config({"strategy": "main_street", "universe": {"international": shares}}),
        backtester.load_config("main_street", overrides=[f"universe.international={BASKET}"]),
    ]
    assert [config.universe.international for config in configs] == [BASKET] * 4


def test_a_sweeps_rows_equal_single_runs_with_a_basket(shared_data: Path) -> None:
    config = _config(shared_data, "main_street", "costs.fees_bps.etf=2")
    axes = [parse_axis("strategy.tech_share=0.25,0.75")]
    table = sweep(config, axes).table
    for _, row in table.iterrows():
        single = run(with_value(config, axes[0].key, float(row[axes[0].key]))).metrics
        assert row["sharpe"] == pytest.approx(single["strategy"]["sharpe"], rel=1e-9)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "universe.international=EFA:0.5,EEM:0.3",
            "universe.international = EFA:0.5,EEM:0.3: the basket's weights add up to 0.8, not 1",
        ),
        (
            "universe.international=EFA:0.5,EEM:x",
            "universe.international = EFA:0.5,EEM:x: the weight of EEM must be a finite number",
        ),
        ("universe.tech=XLK:1.5,QQQ:-0.5", "the weight of QQQ must be a finite number above 0"),
        ("universe.tech=XLK:0.5,XLK:0.5", "XLK appears twice in the basket"),
        ("universe.tech=XLK:0.5,Q Q:0.5", "universe.tech: 'Q Q' is not a ticker symbol"),
        ("universe.bonds=AGG:0.5,TLT:0.5", "universe.bonds = AGG:0.5,TLT:0.5: bonds takes one"),
        (
            "universe.international=EFA:0.5,NOSUCH:0.5",
            "NOSUCH: no price file",
        ),
    ],
)
def test_a_bad_basket_is_one_error_and_nothing_written(
    setting: str,
    message: str,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--strategy", "main_street", "--data", f"csv:{shared_data}", "--set", setting]
    status, out, err = _main([*argv, "--out", str(tmp_path / "out")], capsys)
    assert status == 2, err
    assert err.startswith("error: "), err
    assert len(err.strip().splitlines()) == 1, err
    assert message in err
    if "NOSUCH" in setting:
        assert "--set universe.international=TICKER" in err  # the role that trades it
    assert not (tmp_path / "out").exists()
    assert out == ""


def test_a_level_on_a_basket_role_asks_for_one_ticker(shared_data: Path) -> None:
    config = _config(shared_data, "hartnett_switch", "universe.tech=XLK:0.5,QQQ:0.5")
    with pytest.raises(ConfigError) as caught:
        run(config)
    assert str(caught.value) == (
        "strategy.supports.tech.ticker = tech reads the role's ticker, but universe.tech is a "
        "basket (XLK:0.5,QQQ:0.5); give it one ticker, for example "
        "--set strategy.supports.tech.ticker=XLK"
    )
    # once pointed at a ticker, the run trades the basket
    fixed = _config(
        shared_data,
        "hartnett_switch",
        "universe.tech=XLK:0.5,QQQ:0.5",
        "strategy.supports.tech.ticker=XLK",
    )
    held = run(fixed).strategy.weights
    assert (held["QQQ"] < 0).any()
    assert (held["XLK"] < 0).any()
