"""Building a run's configuration from ``KEY=VALUE`` overrides: types, ranges, every problem."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ConfigError
from pipeline.config import ConfigProblems, build_config, parse_value
from simulation.costs import Costs


def test_overrides_are_typed_by_their_field() -> None:
    config = build_config(
        "main_street",
        [
            "strategy.short_weight=0.3",
            "costs.fees_bps.etf=5",
            "universe.tech=QQQ",
            "execution.lag=2",
            "execution.rebalance=quarterly",
        ],
    )
    assert config.strategy.short_weight == 0.3
    assert config.costs.fees_bps == {"etf": 5.0, "crypto": Costs().fees_bps["crypto"]}
    assert config.universe.tech == "QQQ"
    assert config.execution.lag == 2
    assert config.execution.rebalance == "quarterly"


def test_defaults() -> None:
    config = build_config("sixty_forty")
    assert config.strategy.stocks_weight == 0.6
    # the typical preset, each figure cited in docs/costs.md
    assert config.costs.preset == "typical"
    assert config.costs.fees_bps == {"etf": 1.0, "crypto": 40.0}
    assert config.costs.slippage_bps == {"etf": 2.0, "crypto": 10.0}
    assert config.costs.borrow_bps == {"etf": 30.0, "crypto": 500.0}
    assert (config.costs.cash_rate, config.costs.margin_spread_bps) == ("auto", 50.0)
    assert config.execution.lag == 1
    assert config.execution.initial_value == 100_000
    assert config.data == "auto"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["strategy.short_weigth=0.3"],
            "unknown key strategy.short_weigth; did you mean strategy.short_weight?",
        ),
        (["costs.fee_bps=5"], "did you mean costs.fees_bps?"),
        (
            ["strategy.short_weight=abc"],
            "strategy.short_weight=abc: Input should be a valid number",
        ),
        (["strategy.short_weight"], "expected KEY=VALUE"),
        (["execution.lag=0"], "execution.lag = 0 is out of range; expected 1 to 250"),
        (["execution.rebalance=hourly"], "execution.rebalance=hourly: Input should be"),
        (["strategy.tech_share=1.5"], "strategy.tech_share = 1.5 is out of range"),
        (["costs.fees_bps.etf=-1"], "costs.fees_bps.etf = -1.0 is out of range"),
        (["costs.fees_bps=1"], "costs.fees_bps: expected costs.fees_bps.KEY=VALUE"),
        (["costs.preset=none"], "costs.preset=none: Input should be 'typical' or 'zero'"),
        (["universe.tech=../etc"], "universe.tech: '../etc' is not a ticker symbol"),
    ],
)
def test_bad_overrides_name_the_key(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        build_config("main_street", overrides)
    assert message in str(error.value)


def test_unknown_strategy_suggests_the_closest() -> None:
    with pytest.raises(ConfigError, match="did you mean main_street"):
        build_config("main_stret")


def test_dates_must_be_in_order() -> None:
    with pytest.raises(ConfigError, match="must be before"):
        build_config("sixty_forty", start=date(2020, 1, 1), end=date(2019, 1, 1))


def test_dates_booleans_maps_and_nulls_parse_from_text() -> None:
    config = build_config(
        "hartnett_switch",
        [
            "start=2020-01-02",
            "end=2021-06-30",
            "allow_partial=true",
            "calendar=7d",
            "strategy.dollar_guard=false",
            "strategy.reading_file=readings.csv",
            "strategy.reading_file=null",
            "costs.borrow_bps.BTC-USD=800",
            "costs.borrow_bps.etf=10",
        ],
    )
    assert (config.start, config.end) == (date(2020, 1, 2), date(2021, 6, 30))
    assert config.allow_partial is True
    assert config.calendar == "7d"
    assert config.strategy.dollar_guard is False
    assert config.strategy.reading_file is None
    assert config.costs.borrow_bps == {"etf": 10.0, "crypto": 500.0, "BTC-USD": 800.0}


def test_an_override_of_a_run_wide_key_wins_over_the_setting() -> None:
    config = build_config("sixty_forty", ["start=2021-01-04"], start=date(2020, 1, 1))
    assert config.start == date(2021, 1, 4)


@pytest.mark.parametrize(
    ("raw", "expected"), [("[QQQ, SMH]", ("QQQ", "SMH")), ("QQQ,SMH", ("QQQ", "SMH"))]
)
def test_lists_parse_as_yaml_or_comma_separated(raw: str, expected: tuple[str, ...]) -> None:
    assert parse_value(tuple[str, ...], "x.tickers", raw) == expected


def test_a_null_is_refused_where_a_value_is_required() -> None:
    with pytest.raises(ConfigError, match=r"execution.lag=null: .*\(expected int\)"):
        build_config("sixty_forty", ["execution.lag=null"])


def test_every_problem_is_reported_at_once() -> None:
    overrides = [
        "strategy.sell_abov=7",  # a typo
        "strategy.max_hold=lots",  # a wrong type
        "costs.fees_bps.etf=-1",  # out of range
        "execution.lag=0",  # below its minimum
        "universe.tech=a/b",  # not a ticker
        "start=2021-01-01",
        "end=2020-01-01",  # dates out of order
    ]
    with pytest.raises(ConfigProblems) as error:
        build_config("hartnett_switch", overrides)
    assert len(error.value.problems) == 6
    lines = str(error.value).splitlines()
    assert lines[0] == "6 problems in the configuration:"
    assert lines[1:] == [f"  {problem}" for problem in error.value.problems]
    for text in (
        "sell_abov; did you mean strategy.sell_above",
        "max_hold=lots",
        "fees_bps.etf = -1",
    ):
        assert text in str(error.value)
    assert "start 2021-01-01 must be before end 2020-01-01" in str(error.value)


def test_inverted_thresholds_name_the_range() -> None:
    overrides = ["strategy.sell_above=3", "strategy.buy_below=5"]
    with pytest.raises(
        ConfigError, match=r"strategy.buy_below = 5.0 is out of range; expected 0.0 to 3.0"
    ):
        build_config("hartnett_switch", overrides)


def test_an_unknown_strategy_still_checks_the_other_sections() -> None:
    with pytest.raises(ConfigProblems) as error:
        build_config("main_stret", ["strategy.short_weight=0.3", "costs.fees_bps=x"])
    assert len(error.value.problems) == 2
    assert "did you mean main_street" in error.value.problems[0]
