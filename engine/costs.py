"""Trading costs and financing: the settings, and the cash rate for each bar of a run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from engine.errors import ConfigError

RateUnit = Literal["percent_per_day", "percent_per_year", "fraction_per_year"]
BORROW_DEFAULTS = {"etf": 30.0, "crypto": 500.0}
_BORROW_KEY = re.compile(r"^(etf|crypto|[A-Za-z0-9^=.\-]{1,20})$")


@dataclass(frozen=True, kw_only=True)
class Costs:
    """What trading and financing cost; every line is charged inside the simulation."""

    fees_bps: float = 0.0
    """Fees on the traded notional at the fill price, in basis points."""
    slippage_bps: float = 0.0
    """Fill price worse than the close by this much: buys pay more, sells get less."""
    borrow_bps: dict[str, float] = field(default_factory=lambda: dict(BORROW_DEFAULTS))
    """Annual fee on the market value of a short, accrued per calendar day: keys ``etf`` (any
    non-crypto asset), ``crypto``, or a ticker for one asset (``costs.borrow_bps.BTC-USD=800``).
    A file or ``--set`` changes entries of the default table; a table given whole to `Costs`
    that leaves out ``etf`` or ``crypto`` charges that kind nothing (written as 0)."""
    cash_rate: float = 0.0
    """Annual rate (0.04 is 4%) earned on positive cash, short proceeds included."""
    cash_rate_file: str | None = None
    """A CSV of dated rates used instead of ``cash_rate`` (for example ``FF3_daily.csv``)."""
    cash_rate_column: str = "RF"
    """The column of ``cash_rate_file`` holding the rate."""
    cash_rate_unit: RateUnit = "percent_per_day"
    """``percent_per_day``: each row is that trading day's rate in percent (the Fama-French
    ``RF``); ``percent_per_year`` or ``fraction_per_year``: an annual rate, held until the next
    row."""
    margin_spread_bps: float = 50.0
    """Paid over the cash rate on negative cash (leverage, or fees on a fully invested book)."""

    def __post_init__(self) -> None:
        kinds = dict.fromkeys(BORROW_DEFAULTS, 0.0)  # so that a written config reads back
        object.__setattr__(self, "borrow_bps", {**kinds, **self.borrow_bps})
        for name in ("fees_bps", "slippage_bps", "margin_spread_bps"):
            _check(f"costs.{name}", getattr(self, name), 0.0, 1000.0)
        for key, bps in self.borrow_bps.items():
            if not _BORROW_KEY.match(key):
                raise ConfigError(f"costs.borrow_bps.{key}: expected etf, crypto or a ticker")
            _check(f"costs.borrow_bps.{key}", bps, 0.0, 10_000.0)
        _check("costs.cash_rate", self.cash_rate, -0.05, 0.5)
        if self.cash_rate_file and self.cash_rate:
            raise ConfigError("give costs.cash_rate or costs.cash_rate_file, not both")

    def borrow_rate(self, ticker: str, crypto: bool) -> float:
        """The annual borrow fee of ``ticker`` as a fraction: its own, else its kind's."""
        default = self.borrow_bps["crypto" if crypto else "etf"]
        return self.borrow_bps.get(ticker, default) / 1e4


def _check(key: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{key} = {value} is out of range; expected {low} to {high}")


def days_between(index: pd.DatetimeIndex) -> np.ndarray:
    """Calendar days from each bar's previous bar (0 for the first): a weekend counts 3."""
    days = np.zeros(len(index))
    days[1:] = np.diff(index.to_numpy().astype("datetime64[D]").astype(np.int64))
    return days


def cash_rates(
    index: pd.DatetimeIndex, costs: Costs, series: pd.Series | None = None
) -> tuple[pd.Series, list[str]]:
    """The rate earned by positive cash over the period ending at each bar, and notes.

    Timing: the rate of bar ``t`` applies to cash held from the close of ``t-1`` to the close
    of ``t``, so it is known at ``t-1``. A constant annual rate ``R`` gives
    ``(1 + R) ** (days / 365) - 1``. A ``percent_per_day`` series gives its value on the bar's
    date (zero on a date it does not list, such as a weekend on the 7-day calendar); an annual
    series its last value at or before the previous bar, compounded over the days. Past the
    series' end the last value carries on, and a note says so.
    """
    days = days_between(index)
    if series is None:
        return pd.Series((1.0 + costs.cash_rate) ** (days / 365.0) - 1.0, index=index), []
    if series.index[0] > index[0]:
        raise ConfigError(
            f"costs.cash_rate_file starts {series.index[0].date()}, after the run's first date "
            f"{index[0].date()}; use a longer rate series or a later --start"
        )
    notes = []
    if series.index[-1] < index[-1]:
        notes.append(
            f"the cash rate series ends {series.index[-1].date()}; its last value is used "
            f"through {index[-1].date()}"
        )
    if costs.cash_rate_unit == "percent_per_day":
        listed = series.reindex(index).fillna(0.0) / 100.0
        after = (index > series.index[-1]) & (index.day_of_week < 5)
        rates = listed.where(~after, series.iloc[-1] / 100.0).to_numpy(copy=True)
    else:
        scale = 100.0 if costs.cash_rate_unit == "percent_per_year" else 1.0
        level = series.reindex(index, method="ffill").shift(1).fillna(0.0) / scale
        rates = (1.0 + level.to_numpy()) ** (days / 365.0) - 1.0
    rates[0] = 0.0
    return pd.Series(rates, index=index), notes


def margin_rates(cash_rate: pd.Series, costs: Costs) -> pd.Series:
    """The rate paid by negative cash: the cash rate plus the spread, per calendar day."""
    days = days_between(pd.DatetimeIndex(cash_rate.index))
    return cash_rate + costs.margin_spread_bps / 1e4 * days / 365.0
