"""A sweep's combination configs: the cheap path builds what a config built anew would be."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from core.errors import ConfigError
from pipeline.combinations import combination_configs
from pipeline.config import build_config

AXES = [
    ("strategy.sell_above", (6.0, 8.5)),
    ("strategy.buy_below", (1.0, 2.5)),
    ("strategy.max_hold", (0.0, 63.0)),
    ("strategy.tech_share", (0.25, 1.0)),
]


def test_each_combination_equals_the_strategy_built_anew() -> None:
    config = build_config("hartnett_switch", data="demo")
    configs = combination_configs(config, AXES)
    assert len(configs) == 16
    first = configs[0].strategy
    anew = replace(config.strategy, sell_above=6.0, buy_below=1.0, max_hold=0, tech_share=0.25)
    assert first == anew
    assert configs[0].as_dict() == replace(config, strategy=anew).as_dict()
    assert type(first.max_hold) is int
    assert config.strategy.sell_above == 8.0  # the base is untouched


def test_a_copy_pickles_without_its_memo() -> None:
    config = build_config("hartnett_switch", data="demo")
    copy = combination_configs(config, AXES[:1])[0].strategy
    assert pickle.loads(pickle.dumps(copy)) == copy


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        ([("strategy.sell_above", (8.0, 11.0))], r"strategy.sell_above = 11.0 is out of range"),
        (  # the first combination fails on the bound, as a strategy built anew would
            [("strategy.sell_above", (1.0, 8.0)), ("strategy.buy_below", (3.0,))],
            r"strategy.buy_below = 3.0 is out of range; expected 0.0 to 1.0",
        ),
        ([("strategy.max_hold", (1.5,))], r"strategy.max_hold: 1.5 is not a whole number"),
    ],
)
def test_an_invalid_combination_gets_the_error_of_a_config_built_anew(
    axes: list[tuple[str, tuple[float, ...]]], message: str
) -> None:
    config = build_config("hartnett_switch", data="demo")
    with pytest.raises(ConfigError, match=message):
        combination_configs(config, axes)


STATIC_AXES = [
    ("strategy.long_weight", (0.6, 1.5)),
    ("strategy.small_caps_share", (0.0, 1.0)),
    ("strategy.short_weight", (0.1, 2.0)),
]


def test_a_static_combination_equals_the_strategy_built_anew() -> None:
    config = build_config("main_street", data="demo")
    configs = combination_configs(config, STATIC_AXES)
    assert len(configs) == 8
    last = configs[-1].strategy
    anew = replace(config.strategy, long_weight=1.5, small_caps_share=1.0, short_weight=2.0)
    assert last == anew
    assert type(last) is type(anew)
    assert last.legs() == {"small_caps": 1.5, "international": 0.0, "tech": -1.0, "crypto": -1.0}
    assert configs[-1].as_dict() == replace(config, strategy=anew).as_dict()
    assert config.strategy.long_weight == 1.0  # the base is untouched


@pytest.mark.parametrize(
    ("name", "axes", "message"),
    [
        (  # the first field in RANGES' order refuses first, as __post_init__ would
            "main_street",
            [("strategy.short_weight", (2.5,)), ("strategy.long_weight", (-1.0,))],
            r"strategy.long_weight = -1.0 is out of range; expected 0.0 to 2.0",
        ),
        ("main_street", [("strategy.tech_share", (0.5, 1.01))], r"tech_share = 1.01 is out"),
        ("sixty_forty", [("strategy.stocks_weight", (float("nan"),))], r"stocks_weight = nan"),
    ],
)
def test_a_static_combination_out_of_range_gets_the_error_of_one_built_anew(
    name: str, axes: list[tuple[str, tuple[float, ...]]], message: str
) -> None:
    config = build_config(name, data="demo")
    with pytest.raises(ConfigError, match=message):
        replace(config.strategy, **{key.partition(".")[2]: v[-1] for key, v in axes})
    with pytest.raises(ConfigError, match=message):
        combination_configs(config, axes)
