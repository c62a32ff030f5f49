"""Building a run's configuration from ``--set KEY=VALUE`` overrides."""

from __future__ import annotations

from datetime import date

import pytest

from engine.config import build_config
from engine.errors import ConfigError


def test_overrides_are_typed_by_their_field() -> None:
    config = build_config(
        "main_street",
        [
            "strategy.short_weight=0.3",
            "costs.fees_bps=5",
            "universe.tech=QQQ",
            "execution.lag=2",
            "execution.rebalance=quarterly",
        ],
    )
    assert config.strategy.short_weight == 0.3
    assert config.costs.fees_bps == 5.0
    assert config.universe.tech == "QQQ"
    assert config.execution.lag == 2
    assert config.execution.rebalance == "quarterly"


def test_defaults() -> None:
    config = build_config("sixty_forty")
    assert config.strategy.stocks_weight == 0.6
    assert config.costs.fees_bps == 0.0
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
        (["execution.lag=0"], "execution.lag = 0: must be at least 1"),
        (["execution.rebalance=hourly"], "execution.rebalance=hourly: Input should be"),
        (["strategy.tech_share=1.5"], "strategy.tech_share = 1.5 is out of range"),
        (["costs.fees_bps=-1"], "costs.fees_bps = -1.0 is out of range"),
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
