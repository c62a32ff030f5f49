"""bt, an independent backtesting library, as a peer on the 60/40 portfolio."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import bt
import pandas as pd
import pytest

from pipeline.config import build_config
from pipeline.run import run
from tests.conftest import read_close


def test_sixty_forty_total_return_matches_bt(shared_data: Path) -> None:
    config = build_config(
        "sixty_forty",
        ["costs.preset=zero"],  # bt charges nothing and earns nothing on cash
        data=f"csv:{shared_data}",
        start=date(2004, 1, 1),
        end=date(2026, 5, 4),
    )
    equity = run(config).strategy.equity

    calendar = read_close(shared_data, "SPY").loc["2004-01-01":"2026-05-04"].index
    prices = pd.DataFrame(
        {t: read_close(shared_data, t).reindex(calendar, method="ffill") for t in ("SPY", "AGG")}
    )
    # bt rebalances at the close of the first trading day of each month, which is where our
    # month-end decisions fill. Our first fill is at the second bar, so bt starts there.
    strategy = bt.Strategy(
        "sixty_forty",
        [
            bt.algos.RunMonthly(run_on_first_date=True),
            bt.algos.SelectAll(),
            bt.algos.WeighSpecified(SPY=0.6, AGG=0.4),
            bt.algos.Rebalance(),
        ],
    )
    backtest = bt.Backtest(
        strategy,
        prices.iloc[1:],
        initial_capital=100_000.0,
        integer_positions=False,
        commissions=lambda quantity, price: 0.0,
        progress_bar=False,
    )
    peer = bt.run(backtest).prices["sixty_forty"]
    peer_total = peer.iloc[-1] / peer.iloc[0] - 1
    ours_total = equity.iloc[-1] / equity.iloc[0] - 1
    assert ours_total == pytest.approx(peer_total, rel=1e-9, abs=0)
