"""The published calls in configs/calls/ against plain-pandas implementations of their rules.

Each reference reads the price files itself (`tests.conftest.read_close`), computes the rule as
its author states it, and must give the regime the call file gives on every day of the run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import build_config
from pipeline.run import run
from tests.conftest import read_close

CALLS = Path(__file__).resolve().parents[1] / "configs" / "calls"


def _regime_of_call(name: str, folder: Path) -> pd.Series:
    config = build_config("call", [f"strategy.file={CALLS / name}"], data=f"csv:{folder}")
    result = run(config)
    assert result.switching is not None
    return result.switching.explanation.regime


def _month_ends(index: pd.DatetimeIndex) -> pd.Series:
    """True on each month's last trading day; the data's last day is no known month-end."""
    month = pd.Series(index.to_period("M"), index=index)
    ends = month.ne(month.shift(-1))
    ends.iloc[-1] = False
    return ends


def _held(decisions: pd.Series, index: pd.DatetimeIndex, start: str) -> pd.Series:
    """Each month-end's decision (None: keep) held until the next one."""
    return decisions.dropna().reindex(index).ffill().fillna(start)


def test_faber_timing_matches_a_pandas_reading_of_the_paper(shared_data: Path) -> None:
    """Faber (2007): invested while the month-end close is above its 10-month average."""
    spy = read_close(shared_data, "SPY")
    closes = spy[_month_ends(spy.index)]
    average = closes.rolling(10).mean()
    decisions = pd.Series(
        np.select([closes > average, closes < average], ["invested", "out"], None),
        index=closes.index,
    )
    expected = _held(decisions, spy.index, "out")
    regime = _regime_of_call("faber.yaml", shared_data)
    pd.testing.assert_series_equal(
        regime, expected.reindex(regime.index), check_names=False, check_dtype=False
    )
    assert regime.ne(regime.shift()).sum() > 10  # it does switch


def test_dual_momentum_matches_a_pandas_reading_of_the_book(shared_data: Path) -> None:
    """Antonacci (2014), GEM: bonds unless US stocks' 12-month return is positive; then the
    better of US and international stocks by 12-month return; decided at month-ends."""
    spy = read_close(shared_data, "SPY")
    efa = read_close(shared_data, "EFA").reindex(spy.index).ffill()
    us = spy / spy.shift(252) - 1
    lead = us - (efa / efa.shift(252) - 1)
    ends = _month_ends(spy.index)
    us, lead = us[ends], lead[ends]
    decisions = pd.Series(
        np.select(
            [us <= 0, (us > 0) & (lead >= 0), (us > 0) & (lead < 0)],
            ["bonds", "us", "international"],
            None,
        ),
        index=us.index,
    )
    expected = _held(decisions, spy.index, "bonds")
    regime = _regime_of_call("dual_momentum.yaml", shared_data)
    pd.testing.assert_series_equal(
        regime, expected.reindex(regime.index), check_names=False, check_dtype=False
    )
    assert set(regime) == {"us", "international", "bonds"}
