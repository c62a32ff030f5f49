"""Trading costs and financing: the settings, and the cash rate for each bar of a run.

The ``typical`` preset is what a careful quant would charge a US investor trading the default
universe at the close (docs/costs.md cites each figure); ``zero`` charges
nothing and earns nothing, the frictionless run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_ranges
from data.market import check_ticker

RateUnit = Literal["percent_per_day", "percent_per_year", "fraction_per_year"]
Preset = Literal["typical", "zero"]
CASH_RATE_TICKER = "^IRX"
"""The 13-week US Treasury bill yield, in percent a year, read like any other ticker."""
PRESETS: dict[Preset, dict[str, Any]] = {
    "typical": {
        "fees_bps": {"etf": 1.0, "crypto": 40.0},
        "slippage_bps": {"etf": 2.0, "crypto": 10.0},
        "borrow_bps": {"etf": 30.0, "crypto": 500.0},
        "cash_rate": "auto",
        "margin_spread_bps": 50.0,
    },
    "zero": {
        "fees_bps": {"etf": 0.0, "crypto": 0.0},
        "slippage_bps": {"etf": 0.0, "crypto": 0.0},
        "borrow_bps": {"etf": 0.0, "crypto": 0.0},
        "cash_rate": 0.0,
        "margin_spread_bps": 0.0,
    },
}
"""The values of each preset; a key given explicitly wins over its preset's value."""
FROM_PRESET: Any = None
"""The default of a preset's keys: the value comes from ``Costs.preset``."""
ASSET_KINDS = ("etf", "crypto")
"""What a per-asset cost may name instead of a ticker: every ETF, or every crypto asset."""
_PER_ASSET = ("fees_bps", "slippage_bps", "borrow_bps")


@dataclass(frozen=True, kw_only=True)
class Costs:
    """What trading and financing cost; every line is charged inside the simulation."""

    preset: Preset = "typical"
    """``typical``: the cited costs of the default ETFs and crypto, cash earning the 13-week
    T-bill yield where the data have it; ``zero``: no costs and no interest (the frictionless
    run). Keys given explicitly win over the preset's values."""
    fees_bps: dict[str, float] = FROM_PRESET
    """Fees on the traded notional at the fill price, in basis points: keys ``etf`` (any
    non-crypto asset; typical 1), ``crypto`` (typical 40, a large exchange's taker fee), or a
    ticker for one asset (``costs.fees_bps.BTC-USD=25``)."""
    slippage_bps: dict[str, float] = FROM_PRESET
    """Fill price worse than the close by this many basis points (buys pay more, sells get
    less), keyed as ``fees_bps``: typical etf 2, crypto 10."""
    borrow_bps: dict[str, float] = FROM_PRESET
    """Annual fee on the market value of a short, accrued per calendar day, keyed as
    ``fees_bps``: typical etf 30, crypto 500."""
    cash_rate: Literal["auto"] | float = FROM_PRESET
    """Rate earned on positive cash, short proceeds included: ``auto`` (typical) is the 13-week
    T-bill yield (``^IRX``) from the run's data source, 0 when the source has none (the summary
    says so); a number is a constant annual rate (0.04 is 4%)."""
    cash_rate_file: str | None = None
    """A CSV of dated rates used instead of ``cash_rate`` (for example ``FF3_daily.csv``)."""
    cash_rate_column: str = "RF"
    """The column of ``cash_rate_file`` holding the rate."""
    cash_rate_unit: RateUnit = "percent_per_day"
    """``percent_per_day``: each row is that trading day's rate in percent (the Fama-French
    ``RF``); ``percent_per_year`` or ``fraction_per_year``: an annual rate, held until the next
    row."""
    margin_spread_bps: float = FROM_PRESET
    """Paid over the cash rate on negative cash (leverage, or fees on a fully invested book):
    typical 50."""

    RANGES: ClassVar[dict[str, Range]] = {
        "fees_bps": Range(0.0, 1000.0),
        "slippage_bps": Range(0.0, 1000.0),
        "borrow_bps": Range(0.0, 10_000.0),
        "cash_rate": Range(-0.05, 0.5),  # a number; auto is the T-bill yield
        "margin_spread_bps": Range(0.0, 1000.0),
    }

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise ConfigError(f"costs.preset = {self.preset!r}: expected one of {list(PRESETS)}")
        for name, value in PRESETS[self.preset].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, copy.deepcopy(value))
        for name in _PER_ASSET:  # a table given whole names both kinds, so a written one reads back
            kinds = dict.fromkeys(ASSET_KINDS, 0.0)
            object.__setattr__(self, name, {**kinds, **getattr(self, name)})
        for name in _PER_ASSET:
            for key in getattr(self, name):
                if key not in ASSET_KINDS:
                    check_ticker(f"costs.{name}.{key}", key, also="; or etf, crypto")
        check_ranges(self, "costs")
        if self.cash_rate != "auto" and self.cash_rate_file and self.cash_rate:
            raise ConfigError("give costs.cash_rate or costs.cash_rate_file, not both")

    def asset_rate(self, name: str, ticker: str, crypto: bool) -> float:
        """``fees_bps``, ``slippage_bps`` or ``borrow_bps`` of ``ticker`` as a fraction.

        The ticker's own entry, else its kind's (``crypto`` or ``etf``), else 0.
        """
        table = getattr(self, name)
        return table.get(ticker, table.get("crypto" if crypto else "etf", 0.0)) / 1e4

    def borrow_rate(self, ticker: str, crypto: bool) -> float:
        """The annual borrow fee of ``ticker`` as a fraction: its own, else its kind's."""
        return self.asset_rate("borrow_bps", ticker, crypto)

    def asset_rates(
        self, tickers: Sequence[str], is_crypto: Callable[[str], bool]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fees, slippage and yearly borrow of each ticker, as fractions (the kernel's arrays)."""
        return tuple(  # type: ignore[return-value]
            np.array([self.asset_rate(name, t, is_crypto(t)) for t in tickers], dtype=float)
            for name in _PER_ASSET
        )

    def annual_cash_rate(self) -> float:
        """The constant annual cash rate: ``auto`` without a rate series counts as 0."""
        return 0.0 if self.cash_rate == "auto" else float(self.cash_rate)


def describe(costs: Costs) -> str:
    """One line stating the trading and financing costs in force (cash: `pipeline.run`)."""

    def entries(name: str) -> str:
        table = getattr(costs, name)
        return ", ".join(f"{key} {bps:g}" for key, bps in table.items()) or "none"

    return (
        f"Costs ({costs.preset}): fees {entries('fees_bps')} bp; slippage "
        f"{entries('slippage_bps')} bp; borrow {entries('borrow_bps')} bp a year; margin spread "
        f"{costs.margin_spread_bps:g} bp a year"
    )


def days_between(index: pd.DatetimeIndex) -> np.ndarray:
    """Calendar days from each bar's previous bar (0 for the first): a weekend counts 3."""
    days = np.zeros(len(index))
    days[1:] = np.diff(index.to_numpy().astype("datetime64[D]").astype(np.int64))
    return days


def cash_rates(
    index: pd.DatetimeIndex,
    costs: Costs,
    series: pd.Series | None = None,
    unit: RateUnit | None = None,
) -> tuple[pd.Series, list[str]]:
    """The rate earned by positive cash over the period ending at each bar, and notes.

    Timing: the rate of bar ``t`` applies to cash held from the close of ``t-1`` to the close
    of ``t``, so it is known at ``t-1``. A constant annual rate ``R`` gives
    ``(1 + R) ** (days / 365) - 1``. A ``percent_per_day`` series gives its value on the bar's
    date (zero on a date it does not list, such as a weekend on the 7-day calendar); an annual
    series its last value at or before the previous bar, compounded over the days. Past the
    series' end the last value carries on, and a note says so. ``unit`` is the series' unit
    (default ``costs.cash_rate_unit``); without a series, ``auto`` counts as 0.
    """
    days = days_between(index)
    if series is None:
        annual = costs.annual_cash_rate()
        return pd.Series((1.0 + annual) ** (days / 365.0) - 1.0, index=index), []
    unit = unit or costs.cash_rate_unit
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
    if unit == "percent_per_day":
        listed = series.reindex(index).fillna(0.0) / 100.0
        after = (index > series.index[-1]) & (index.day_of_week < 5)
        rates = listed.where(~after, series.iloc[-1] / 100.0).to_numpy(copy=True)
    else:
        scale = 100.0 if unit == "percent_per_year" else 1.0
        level = series.reindex(index, method="ffill").shift(1).fillna(0.0) / scale
        rates = (1.0 + level.to_numpy()) ** (days / 365.0) - 1.0
    rates[0] = 0.0
    return pd.Series(rates, index=index), notes


def margin_rates(cash_rate: pd.Series, costs: Costs) -> pd.Series:
    """The rate paid by negative cash: the cash rate plus the spread, per calendar day."""
    days = days_between(pd.DatetimeIndex(cash_rate.index))
    return cash_rate + costs.margin_spread_bps / 1e4 * days / 365.0
