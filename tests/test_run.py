"""The run pipeline: annualisation follows the calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import build_config
from pipeline.run import run

ALL_BITCOIN = ["universe.bonds=BTC-USD", "strategy.stocks_weight=0"]


@pytest.mark.parametrize(("calendar", "periods"), [("7d", 365), ("equity", 252)])
def test_sharpe_of_all_bitcoin_uses_the_calendar(
    calendar: str, periods: int, shared_data: Path
) -> None:
    config = build_config(
        "sixty_forty",
        ALL_BITCOIN,
        data=f"csv:{shared_data}",
        start=date(2018, 1, 1),
        end=date(2019, 12, 31),
        calendar=calendar,
    )
    result = run(config)
    equity = result.strategy.equity.to_numpy()
    returns = equity[1:] / equity[:-1] - 1
    expected = returns.mean() / returns.std(ddof=1) * np.sqrt(periods)
    assert result.metrics["strategy"]["sharpe"] == pytest.approx(expected, rel=1e-12)
    assert result.metrics["strategy"]["volatility"] == pytest.approx(
        returns.std(ddof=1) * np.sqrt(periods), rel=1e-12
    )
    weekend_days = (result.strategy.equity.index.day_of_week >= 5).sum()
    assert (weekend_days > 200) == (calendar == "7d")


def test_the_equity_calendar_needs_a_stock_that_keeps_market_hours() -> None:
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="use --calendar 7d"):
        run(build_config("sixty_forty", ["universe.stocks=BTC-USD"]))
