"""Strategies: defaults, parameters, and the shared output check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError
from data.market import Market, Universe
from strategies import STRATEGIES, Call, HartnettSwitch, MainStreet, SixtyForty, check_weights

DATES = pd.bdate_range("2024-01-01", periods=3)
TICKERS = ["SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD", "QQQ"]
MARKET = Market(
    prices=pd.DataFrame(1.0, index=DATES, columns=TICKERS),
    universe=Universe(),
    source="test",
    synthetic=True,
)


def test_registry_names_each_strategy() -> None:
    assert {
        "sixty_forty": SixtyForty,
        "main_street": MainStreet,
        "hartnett_switch": HartnettSwitch,
        "call": Call,
    } == STRATEGIES


def test_main_street_defaults() -> None:
    row = MainStreet().target_weights(MARKET).iloc[0]
    assert row.to_dict() == {"IWM": 0.5, "EFA": 0.5, "XLK": -0.25, "BTC-USD": -0.25}


def test_main_street_parameters_and_universe() -> None:
    strategy = MainStreet(long_weight=0.8, small_caps_share=0.25, short_weight=0.4, tech_share=1.0)
    market = Market(
        prices=MARKET.prices, universe=Universe(tech="QQQ"), source="test", synthetic=True
    )
    row = strategy.target_weights(market).iloc[-1]
    assert row.to_dict() == pytest.approx({"IWM": 0.2, "EFA": 0.6, "QQQ": -0.4})
    assert "crypto" not in strategy.roles()  # a zero leg needs no data


def test_sixty_forty_weights_on_every_date() -> None:
    weights = SixtyForty().target_weights(MARKET)
    assert weights.index.equals(DATES)
    assert (weights["SPY"] == 0.6).all()
    assert np.allclose(weights["AGG"], 0.4)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MainStreet(small_caps_share=1.5), "strategy.small_caps_share = 1.5"),
        (lambda: MainStreet(short_weight=-0.1), "strategy.short_weight = -0.1"),
        (lambda: SixtyForty(stocks_weight=2.0), "strategy.stocks_weight = 2.0"),
    ],
)
def test_out_of_range_parameters_are_refused(make, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        make()


def test_check_weights_refuses_bad_output() -> None:
    good = SixtyForty().target_weights(MARKET)
    check_weights(good, MARKET, SixtyForty())
    with pytest.raises(ValueError, match="NaN"):
        check_weights(good.replace(0.6, np.nan), MARKET, SixtyForty())
    with pytest.raises(ValueError, match="not on the market's dates"):
        check_weights(good.iloc[1:], MARKET, SixtyForty())
    with pytest.raises(ConfigError, match="gross exposure"):
        check_weights(good * 5, MARKET, SixtyForty())
