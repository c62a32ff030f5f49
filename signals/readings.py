"""Readings from a file: a dated series (BofA's published Bull & Bear, the AAII survey)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

import numpy as np
import pandas as pd

from core.errors import ConfigError, DataError
from core.ranges import Range, check_ranges
from data.market import Market
from signals.base import Signal

Vintage = Literal["all", "live"]
VINTAGE_CHOICES: tuple[Vintage, ...] = get_args(Vintage)


@dataclass(frozen=True, kw_only=True)
class ExternalIndicator(Signal):
    """A dated series read from a file (e.g. the AAII bull-bear spread), times ``scale``.

    Timing: a reading dated ``d`` is usable from the first calendar date ``>= d + delay_days``
    and is carried forward until the next usable reading, for at most ``max_age_days`` calendar
    days after ``d`` (None: forever); NaN before the first and once too old. Blank readings are
    skipped (the one before carries on); a published signal without a number reads ``+inf``
    (sell) or ``-inf`` (buy), beyond any threshold (`data.csv_source.read_indicator_csv`). With
    ``bounds``, a number outside them (before ``scale``) stops the run naming its line. With
    ``vintage="live"`` the rows a file marks ``reconstructed`` (known only from a later
    publication) are left out.
    """

    name: str
    path: str
    column: str
    delay_days: int = 1
    scale: float = 1.0
    bounds: tuple[float, float] | None = None
    max_age_days: int | None = None
    vintage: Vintage = "all"

    RANGES: ClassVar[dict[str, Range]] = {
        "delay_days": Range(0, 3660),
        "scale": Range(-1000.0, 1000.0),
        "max_age_days": Range(1, 36_600),  # or None: no limit
    }

    def __post_init__(self) -> None:
        if self.vintage not in VINTAGE_CHOICES:
            raise ConfigError(
                f"strategy.published_vintage = {self.vintage!r}; expected one of "
                f"{', '.join(VINTAGE_CHOICES)}"
            )
        if not self.name:
            raise ConfigError("strategy.name: an external indicator needs a name")
        check_ranges(self, "strategy")

    def external(self) -> dict[str, tuple[str, str]]:
        """Return ``{name: (path, column)}``."""
        return {self.name: (self.path, self.column)}

    @property
    def label(self) -> str:
        """The indicator's name."""
        return self.name

    def _readings(self, market: Market) -> pd.Series:
        if self.name not in market.external:
            raise DataError(
                f"signal {self.name} needs the external series {self.name!r} "
                f"({self.path}, column {self.column}); the market does not hold it"
            )
        readings = market.external[self.name]
        if self.bounds is not None:
            low, high = self.bounds
            finite = np.isfinite(readings.to_numpy(dtype=float))  # a bare signal is +-inf
            outside = finite & ((readings < low) | (readings > high)).to_numpy()
            if outside.any():
                at = int(np.argmax(outside))
                lines = readings.attrs.get("lines")
                where = f"line {lines[at]}" if lines else f"{readings.index[at].date()}"
                raise DataError(
                    f"{self.path}, {where}: {self.column} {readings.iloc[at]:g} is outside the "
                    f"readings' scale {low:g} to {high:g}; fix the file or declare its scale"
                )
        rows = readings.attrs.get("rows")  # as the file gave them, one a date
        if self.vintage == "live" and rows is not None:
            readings = readings[(rows["vintage"] == "live").to_numpy()]
        return readings.astype(float).dropna()

    def latest(self, market: Market) -> pd.DataFrame:
        """The latest usable reading at each date, stale or not, and what the file says of it.

        Columns: ``date``, ``value`` (times ``scale``; +-inf for a bare signal), ``signal``,
        ``vintage``, ``precision``, ``title``, ``age_days`` and ``stale``; NaT, NaN or "" where no
        reading has been usable yet.
        """
        readings = self._readings(market)
        rows = market.external[self.name].attrs.get("rows")
        position, age = market.evaluate(self, "_latest")
        known = position >= 0
        at = np.maximum(position, 0)
        table = pd.DataFrame(index=market.history.index)
        table["date"] = pd.Series(readings.index[at], index=table.index).where(known)
        table["value"] = np.where(known, readings.to_numpy()[at] * self.scale, np.nan)
        for column, default in (
            ("signal", ""), ("vintage", "live"), ("precision", "day"), ("title", "")
        ):  # fmt: skip
            values = (
                rows.loc[readings.index, column].to_numpy()[at]
                if rows is not None
                else np.full(len(at), default, dtype=object)
            )
            table[column] = np.where(known, values, "")
        table["age_days"] = np.where(known, age, -1)
        table["stale"] = market.evaluate(self, "stale").to_numpy()
        return table

    def _latest(self, market: Market) -> tuple[np.ndarray, np.ndarray]:
        """For each date, the latest usable reading's position (-1: none) and its age in days."""
        readings = self._readings(market)
        dated = pd.DatetimeIndex(readings.index)
        usable = (dated + pd.Timedelta(days=self.delay_days)).ceil("D")
        order = np.argsort(usable.to_numpy(), kind="stable")
        dates = market.history.index
        latest = usable[order].searchsorted(dates, side="right") - 1  # the last usable one
        position = np.where(latest >= 0, order[np.maximum(latest, 0)], -1)
        age = (dates - dated[np.maximum(position, 0)]).days.to_numpy()
        return position, np.where(position >= 0, age, -1)

    def stale(self, market: Market) -> pd.Series:
        """True where a reading was usable but is older than ``max_age_days``."""
        position, age = market.evaluate(self, "_latest")
        too_old = (position >= 0) & (age > (self.max_age_days or np.iinfo(np.int64).max))
        return pd.Series(too_old, index=market.history.index)

    def evaluate(self, market: Market) -> pd.Series:
        """Return the latest usable reading on each of the market's dates."""
        values = self._readings(market).to_numpy() * self.scale
        position, _ = market.evaluate(self, "_latest")
        out = np.where(position >= 0, values[np.maximum(position, 0)], np.nan)
        out[market.evaluate(self, "stale").to_numpy()] = np.nan
        return pd.Series(out, index=market.history.index, name=self.label)
