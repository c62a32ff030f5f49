"""Every key ``--set`` accepts survives the way back: print-config, manifest, mapping.

Each way back must give the config the ``--set`` texts gave (equal objects) and, for a sample
run on the demo market, the same metrics. The values tried are in `VALUES`; a key added to a
strategy or section without values there fails `test_every_settable_key_has_values_to_try`.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import backtester
import run_backtest
from pipeline.config import SECTIONS, ConfigProblems, RunConfig, build_config
from pipeline.discovery import parameters
from reporting.rerun import read_manifest
from signals.support import SupportBreak
from simulation.costs import Costs
from strategies import STRATEGIES
from tests.conftest import run_cli

VALUES: dict[str, tuple[str, ...]] = {
    "strategy.stocks_weight": ("0.7", "0"),
    "strategy.file": ("configs/calls/main_street.yaml",),
    "strategy.params.stocks_weight": ("0.7", "0.55"),
    "strategy.long_weight": ("0.8",),
    "strategy.small_caps_share": ("0.25",),
    "strategy.short_weight": ("0", "0.3"),
    "strategy.tech_share": ("1",),
    "strategy.defensive_bonds": ("0.5",),
    "strategy.sell_above": ("9.5", "7"),
    "strategy.buy_below": ("0", "1.5"),
    "strategy.reading_source": ("published", "published_then_proxy"),
    "strategy.published_vintage": ("live",),
    "strategy.reading_file": ("my readings.csv",),
    "strategy.reading_column": ("level",),
    "strategy.reading_scale": ("100",),
    "strategy.reading_delay_days": ("0", "5"),
    "strategy.reading_max_age_days": ("0",),
    "strategy.reading_window_days": ("252",),
    "strategy.reading_min_components": ("2",),
    "strategy.reading_breadth": ("[SPY, international]", "QQQ"),
    "strategy.reading_trend": ("stocks", "VTI"),
    "strategy.reading_crypto": ("true",),
    "strategy.reading_crypto_ticker": ("ETH-USD",),
    "strategy.aaii_file": ("aaii.csv",),
    "strategy.aaii_column": ("spread",),
    "strategy.aaii_delay_days": ("3",),
    "strategy.supports.tech": ("off",),
    "strategy.supports.crypto": ("off", "null", "false"),
    "strategy.supports.tech.ticker": ("QQQ",),
    "strategy.supports.tech.mode": ("below_average",),
    "strategy.supports.crypto.level": ("0.5",),
    "strategy.supports.crypto.window": ("100",),
    "strategy.supports.tech.confirm_days": ("5",),
    "strategy.supports.crypto.rearm_bars": ("10",),
    "strategy.supports.gold.level": ("4550", "4000.5"),
    "strategy.max_hold": ("0", "21"),
    "strategy.min_hold": ("5",),
    "strategy.cooldown": ("10",),
    "strategy.break_wins_bars": ("3",),
    "strategy.dollar_guard": ("false",),
    "strategy.dollar_ticker": ("UUP",),
    "strategy.dollar_level": ("28.5",),
    "strategy.yields_ticker": ("TLT",),
    "strategy.yields_fall_bps": ("0",),
    "strategy.yields_days": ("63",),
    "strategy.dollar_mode": ("level",),
    "universe.small_caps": ("IJR", "IWM:0.6,IJR:0.4"),
    "universe.international": ("VEU", "EFA:0.5,EEM:0.5"),
    "universe.tech": ("QQQ", "XLK:0.5,SMH:0.5"),
    "universe.crypto": ("ETH-USD",),
    "universe.stocks": ("VTI",),
    "universe.bonds": ("BND",),
    "costs.preset": ("zero",),
    "costs.fees_bps.etf": ("2.5",),
    "costs.fees_bps.crypto": ("25",),
    "costs.fees_bps.BTC-USD": ("30",),
    "costs.slippage_bps.etf": ("1",),
    "costs.slippage_bps.crypto": ("0",),
    "costs.borrow_bps.etf": ("10",),
    "costs.borrow_bps.crypto": ("0",),
    "costs.borrow_bps.BTC-USD": ("800",),
    "costs.borrow_bps.BRK.B": ("120",),
    "costs.cash_rate": ("0.03", "-0.01", "0"),
    "costs.cash_rate_file": ("rates.csv",),
    "costs.cash_rate_column": ("RATE",),
    "costs.cash_rate_unit": ("percent_per_year", "fraction_per_year"),
    "costs.margin_spread_bps": ("0", "120"),
    "execution.lag": ("2",),
    "execution.rebalance": ("daily", "weekly", "quarterly", "yearly"),
    "execution.initial_value": ("2500.25",),
    "execution.maintenance_margin": ("0", "0.3"),
    "data": ("demo", "csv:some folder", "yahoo"),
    "start": ("2021-03-01",),
    "end": ("2024-06-28",),
    "calendar": ("7d",),
    "allow_partial": ("true",),
    "benchmark": ("cash", "SPY", "IWM:0.5,EFA:0.5"),
}
"""Each settable key (a mapping's with an entry) and valid values other than its default."""
NEEDS = {
    "strategy.reading_file": ("strategy.reading_source=published",),
    "strategy.supports.gold.level": (
        "strategy.supports.gold.ticker=GC=F",
        "strategy.supports.gold.mode=absolute",
    ),
    # a support level reads one ticker's price, and the tech level reads the role's by default
    "universe.tech=XLK:0.5,SMH:0.5": ("strategy.supports.tech.ticker=XLK",),
}
"""What a key (any value) or a ``key=value`` needs beside it to be valid, where the strategy has
the needed key; a drawn value of the same key comes later and wins."""


def _keys(strategy: str) -> list[str]:
    """The keys of ``VALUES`` that ``strategy``'s config has."""
    own = {item.key for item in parameters(STRATEGIES[strategy], "strategy")}
    return [key for key in VALUES if not key.startswith("strategy.") or _field(key) in own]


def _field(key: str) -> str:
    return ".".join(key.split(".")[:2])


def _texts(chosen: dict[str, str], strategy: str) -> list[str]:
    needs = (NEEDS.get(key, ()) + NEEDS.get(f"{key}={value}", ()) for key, value in chosen.items())
    own = {item.key for item in parameters(STRATEGIES[strategy], "strategy")}
    needed = [
        text
        for texts in needs
        for text in texts
        if not text.startswith("strategy.") or _field(text.split("=")[0]) in own
    ]
    return [*needed, *(f"{key}={value}" for key, value in chosen.items())]


def _printed(strategy: str, texts: list[str]) -> str:
    """What ``--print-config`` prints for the strategy and ``--set`` texts."""
    argv = ["--strategy", strategy, *(arg for text in texts for arg in ("--set", text))]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run_backtest.main([*argv, "--print-config"]) == 0
    return out.getvalue()


def _round_trips(strategy: str, texts: list[str], folder: Path) -> dict[str, RunConfig]:
    """The config the texts give, and what each way back gives from it."""
    config = build_config(strategy, texts)
    printed = folder / "printed.yaml"
    printed.write_text(_printed(strategy, texts))
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({"config": config.as_dict()}, indent=2))
    source, _ = read_manifest(manifest)
    return {
        "set": config,
        "print-config -> --config": backtester.load_config(printed),
        "manifest -> --rerun": backtester.resolve(source, []),
        "mapping -> API": backtester.load_config(config.as_dict()),
        "RunConfig + override -> API": backtester.load_config(config, data=config.data),
    }


def test_every_settable_key_has_values_to_try() -> None:
    keys = {item.key for cls in STRATEGIES.values() for item in parameters(cls, "strategy")}
    keys |= {item.key for name, cls in SECTIONS.items() for item in parameters(cls, name)}
    keys |= {item.key for item in parameters(RunConfig, "run")}
    assert keys == {_field(key) if key.count(".") > 1 else key for key in VALUES}
    support_fields = {key.split(".")[-1] for key in VALUES if key.count(".") == 3}
    assert support_fields >= {spec.name for spec in fields(SupportBreak)}


@pytest.mark.parametrize(
    ("key", "value"), [(key, value) for key, values in VALUES.items() for value in values]
)
def test_each_value_alone_round_trips(key: str, value: str, tmp_path: Path) -> None:
    strategy = next(name for name in reversed(STRATEGIES) if key in _keys(name))
    texts = _texts({key: value}, strategy)
    trips = _round_trips(strategy, texts, tmp_path)
    assert trips["set"] != build_config(strategy)
    for way, config in trips.items():
        assert config == trips["set"], way


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(strategy=st.sampled_from(list(STRATEGIES)), data=st.data())
def test_any_settable_keys_together_round_trip(
    strategy: str, data: st.DataObject, tmp_path: Path
) -> None:
    keys = data.draw(st.lists(st.sampled_from(_keys(strategy)), unique=True, max_size=12))
    chosen = {key: data.draw(st.sampled_from(VALUES[key]), label=key) for key in keys}
    try:
        build_config(strategy, _texts(chosen, strategy))
    except ConfigProblems:  # an invalid combination, such as cash_rate with cash_rate_file
        assume(False)
    trips = _round_trips(strategy, _texts(chosen, strategy), tmp_path)
    for way, config in trips.items():
        assert config == trips["set"], way


NEED_FILES = ("strategy.reading_file", "strategy.aaii_file", "costs.cash_rate_file", "data")
DEMO = ["--data", "demo", "--start", "2024-01-02", "--no-report", "-qq"]
"""A short run on the demo market: every way back runs in well under a second."""


def _cli(argv: list[str]) -> str:
    """Run the command line in this process; its last line of output (the run's folder)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert run_backtest.main(argv) == 0
    return out.getvalue().splitlines()[-1]


def _metrics(folder: str | Path) -> dict[str, object]:
    """A run's metrics.json without its ``run`` facts (folder, time), as ``--rerun`` compares."""
    numbers = json.loads((Path(folder) / "metrics.json").read_text())
    numbers.pop("run", None)
    return numbers


def _metrics_by_way(strategy: str, texts: list[str], out: Path) -> dict[str, dict[str, object]]:
    """The metrics of a run, and of its repeats from print-config, the manifest and the API."""
    given = ["--strategy", strategy, *(arg for text in texts for arg in ("--set", text)), *DEMO]
    first = _cli([*given, "--out", str(out)])
    printed = out / "printed.yaml"
    printed.write_text(_printed(strategy, [*texts, "data=demo", "start=2024-01-02"]))
    manifest = json.loads((Path(first) / "manifest.json").read_text())
    api = backtester.run(manifest["config"]).report(out / "api", figures=False)
    return {
        "run": _metrics(first),
        "print-config -> --config": _metrics(_cli(["--config", str(printed), *DEMO[-2:]])),
        "manifest -> --rerun": _metrics(
            _cli(["--rerun", str(Path(first) / "manifest.json"), "--out", str(out), *DEMO[-2:]])
        ),
        "mapping -> API": _metrics(api),
    }


@pytest.mark.filterwarnings("ignore::backtester.SyntheticDataWarning")
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(strategy=st.sampled_from(list(STRATEGIES)), data=st.data())
def test_a_sample_of_settings_gives_identical_metrics_every_way_back(
    strategy: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    runnable = [key for key in _keys(strategy) if key not in (*NEED_FILES, "start", "end")]
    keys = data.draw(st.lists(st.sampled_from(runnable), unique=True, min_size=1, max_size=6))
    chosen = {key: data.draw(st.sampled_from(VALUES[key]), label=key) for key in keys}
    try:
        build_config(strategy, _texts(chosen, strategy))
    except ConfigProblems:
        assume(False)
    found = _metrics_by_way(strategy, _texts(chosen, strategy), tmp_path_factory.mktemp("runs"))
    for way, numbers in found.items():
        assert numbers == found["run"], way


def test_crypto_support_off_reruns_to_the_same_sharpe_on_real_history(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}", "--no-report"]
    argv += ["--out", str(tmp_path)]
    status, out, _ = run_cli([*argv, "--set", "strategy.supports.crypto=off"], capsys)
    assert status == 0
    first = Path(out.splitlines()[-1])
    status, out, _ = run_cli([*argv[:-2], "--rerun", str(first / "manifest.json")], capsys)
    assert status == 0
    assert f"rerun: metrics identical to {first.name}" in out
    again = Path(out.splitlines()[-1])
    status, out, _ = run_cli(argv, capsys)  # the default: crypto's support level on
    with_crypto = Path(out.splitlines()[-1])
    sharpe = {run: _metrics(run)["strategy"]["sharpe"] for run in (first, again, with_crypto)}
    assert sharpe[again] == sharpe[first]
    assert sharpe[with_crypto] != sharpe[first]  # the level matters: losing it shows
    assert (
        json.loads((again / "manifest.json").read_text())["config"]["strategy"]["supports"][
            "crypto"
        ]
        == "off"
    )


def test_a_null_in_a_file_or_mapping_means_what_set_null_means() -> None:
    preset = {"strategy": {"name": "hartnett_switch", "reading_source": "published"}}
    preset["strategy"]["reading_file"] = "readings.csv"
    cleared = backtester.load_config(preset, overrides={"strategy": {"reading_file": None}})
    assert cleared.strategy.reading_file is None
    for removed in ({"supports": {"crypto": None}}, {"supports.crypto": None}):
        config = backtester.load_config("hartnett_switch", overrides={"strategy": removed})
        assert list(config.strategy.supports) == ["tech"]
    with pytest.raises(ConfigProblems, match=r"universe.tech=null: a value is required"):
        backtester.load_config({"universe": {"tech": None}})


def test_a_borrow_table_given_whole_keeps_its_missing_kinds_at_zero() -> None:
    given = RunConfig(strategy=STRATEGIES["main_street"](), costs=Costs(borrow_bps={"QQQ": 40}))
    assert given.costs.borrow_rate("XLK", crypto=False) == 0.0
    assert given.costs.borrow_rate("BTC-USD", crypto=True) == 0.0
    assert given.costs.borrow_rate("QQQ", crypto=False) == 0.004
    assert backtester.load_config(given, data="demo").costs == given.costs


GOLD = ["strategy.supports.gold.ticker=GC=F", "strategy.supports.gold.mode=absolute"]


@pytest.mark.parametrize(
    "texts",
    [
        ["strategy.dollar_level=inf"],
        ["execution.initial_value=inf"],
        [*GOLD, "strategy.supports.gold.level=1e400"],
    ],
)
def test_an_infinite_number_a_manifest_could_not_hold_is_refused(texts: list[str]) -> None:
    with pytest.raises(ConfigProblems, match=r"inf.*(out of range|finite)"):
        build_config("hartnett_switch", texts)
