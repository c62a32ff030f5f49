"""Agreement of a daily 0-10 sentiment reading with published Bull & Bear readings and signals.

The published table (``data/published/bull_bear.csv``) has one row per report: ``date``, an
optional ``reading`` (0-10), an optional ``signal`` (``sell`` or ``buy``) and a ``note`` that
flags weak dates (`is_firm`). Every function here is pure except `read_published`, the one
reader; to judge a subset (firm dates only), filter the rows before calling `agreement`.

Repeated rows are handled so that one episode counts once:

- readings: rows giving the same value less than ``repeat_days`` (5) calendar days apart are
  one report told twice (a note and the articles about it) and count once, at the earliest
  date; two weekly notes are normally 6 or more days apart, so they do not merge;
- signals: rows of the same kind are chained into an episode while each is at most
  ``episode_days`` (28) calendar days after the previous one; an episode counts once.

Timing: the proxy's value "on" a published date is its last value on or before that date, and
none when that value is more than ``max_stale_days`` old (a date past the end of the prices).
Signal agreement looks ``window_days`` both ways of an episode on purpose: it compares two
records after the fact and is never a trading signal. Readings are Series on sorted dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

Side = Literal["above", "below"]
SignalKind = Literal["sell", "buy"]
MonthAt = Literal["start", "end"]

WEAK_DATE_MARKERS: tuple[str, ...] = (
    "month only",
    "inferred",
    "approx",
    "historical",
    "second-hand",
)
"""A row whose note mentions any of these (case-insensitive) has a weak date."""


@dataclass(frozen=True)
class Agreement:
    """How a reading agrees with a published table; NaN (or 0 counts) where nothing to compare.

    ``pairs`` are the matched readings (date, published, proxy); ``sells`` and ``buys`` the
    signal episodes with an ``agreed`` column. ``share_above`` / ``share_below`` are the shares
    of the reading's days beyond the thresholds, and ``chance_sell`` / ``chance_buy`` the share
    of its days whose window holds at least one such day: what a date picked at random scores.
    """

    pairs: pd.DataFrame
    correlation: float
    mad: float
    sells: pd.DataFrame
    buys: pd.DataFrame
    share_above: float
    share_below: float
    chance_sell: float
    chance_buy: float

    @property
    def sell_share(self) -> float:
        """The share of sell episodes that agree; NaN without any."""
        return _share(self.sells)

    @property
    def buy_share(self) -> float:
        """The share of buy episodes that agree; NaN without any."""
        return _share(self.buys)


def read_published(path: str | Path, month_at: MonthAt = "end") -> pd.DataFrame:
    """Read the published table: dates parsed, ``reading`` as floats, blanks as NaN or ``""``.

    Parameters
    ----------
    path
        The CSV file (``date``, ``reading``, ``signal``, ``note``; other columns kept as read).
    month_at
        Where a month-only date (``YYYY-MM``) falls: ``"end"``, the month's last day, the only
        safe choice for anything that acts on the row (never before it could be known);
        ``"start"``, the month's first day, the convention of the agreement tables in
        docs/bull_bear_proxy.md.

    Returns
    -------
    pandas.DataFrame
        The rows sorted by date (stable, so same-date rows keep their order), with a boolean
        ``month_only`` column.
    """
    table = pd.read_csv(path, dtype={"date": str, "signal": str, "note": str})
    text = table["date"].str.strip()
    table["month_only"] = text.str.fullmatch(r"\d{4}-\d{2}")
    table["date"] = pd.to_datetime(text, format="ISO8601")
    if month_at == "end":
        table.loc[table["month_only"], "date"] += pd.offsets.MonthEnd(0)
    table["reading"] = pd.to_numeric(table["reading"], errors="coerce")
    table["signal"] = table["signal"].fillna("").str.strip().str.lower()
    table["note"] = table["note"].fillna("")
    return table.sort_values("date", kind="stable").reset_index(drop=True)


def is_firm(notes: pd.Series) -> pd.Series:
    """True where a note mentions none of `WEAK_DATE_MARKERS` (case-insensitive)."""
    lowered = notes.fillna("").str.lower()
    weak = pd.Series(False, index=notes.index)
    for marker in WEAK_DATE_MARKERS:
        weak |= lowered.str.contains(marker, regex=False)
    return ~weak


def published_readings(published: pd.DataFrame, repeat_days: int = 5) -> pd.Series:
    """Return the distinct published readings, a float Series indexed by date (sorted).

    A row repeating the value of a kept row less than ``repeat_days`` calendar days after it
    is dropped; rows on one date with different values are averaged.
    """
    rows = published.dropna(subset=["reading"]).sort_values("date", kind="stable")
    kept: list[tuple[pd.Timestamp, float]] = []
    for day, value in zip(rows["date"], rows["reading"], strict=True):
        repeat = any(
            v == value and pd.Timedelta(0) <= day - d < pd.Timedelta(days=repeat_days)
            for d, v in kept
        )
        if not repeat:
            kept.append((day, float(value)))
    if not kept:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([]), name="published")
    series = pd.Series([v for _, v in kept], index=pd.DatetimeIndex([d for d, _ in kept]))
    return series.groupby(level=0).mean().rename("published")


def signal_episodes(
    published: pd.DataFrame, kind: SignalKind, episode_days: int = 28
) -> pd.DataFrame:
    """Return the episodes of one signal: ``start``, ``end`` and ``rows`` (rows chained in).

    Distinct dates of rows with ``signal == kind``, sorted; a date at most ``episode_days``
    after the previous one joins its episode.
    """
    dates = pd.DatetimeIndex(published.loc[published["signal"] == kind, "date"])
    starts: list[pd.Timestamp] = []
    ends: list[pd.Timestamp] = []
    rows: list[int] = []
    for day in dates.unique().sort_values():
        if ends and day - ends[-1] <= pd.Timedelta(days=episode_days):
            ends[-1], rows[-1] = day, rows[-1] + 1
        else:
            starts.append(day)
            ends.append(day)
            rows.append(1)
    return pd.DataFrame({"start": starts, "end": ends, "rows": rows})


def value_on(reading: pd.Series, dates: pd.DatetimeIndex, max_stale_days: int = 7) -> pd.Series:
    """The reading's last value on or before each date, NaN if none or older than the limit.

    NaN values of the reading are skipped (the one before counts).
    """
    known = reading.dropna()
    at = known.index.searchsorted(dates, side="right") - 1
    out = np.full(len(dates), np.nan)
    found = at >= 0
    out[found] = known.to_numpy(dtype=float)[at[found]]
    stale = np.zeros(len(dates), dtype=bool)
    stale[found] = (dates[found] - known.index[at[found]]) > pd.Timedelta(days=max_stale_days)
    out[stale] = np.nan
    return pd.Series(out, index=dates, name="proxy")


def matched_pairs(
    reading: pd.Series, published: pd.DataFrame, repeat_days: int = 5, max_stale_days: int = 7
) -> pd.DataFrame:
    """Each distinct published reading with the proxy's value then: date, published, proxy.

    Dates where the proxy has no value (see `value_on`) are dropped.
    """
    given = published_readings(published, repeat_days)
    proxy = value_on(reading, pd.DatetimeIndex(given.index), max_stale_days)
    pairs = pd.DataFrame(
        {"date": given.index, "published": given.to_numpy(), "proxy": proxy.to_numpy()}
    )
    return pairs.dropna().reset_index(drop=True)


def pearson(x: pd.Series, y: pd.Series) -> float:
    """Pearson's correlation of two equal-length series; NaN with < 3 pairs or no variation."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 3 or not (a.std() > 0 and b.std() > 0):
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def mean_abs_difference(x: pd.Series, y: pd.Series) -> float:
    """Mean of ``|x - y|``; NaN when empty."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.abs(a - b).mean()) if len(a) else float("nan")


def beyond(reading: pd.Series, threshold: float, side: Side) -> pd.Series:
    """True where the reading is strictly above (or below) ``threshold``; NaN is False."""
    return reading > threshold if side == "above" else reading < threshold


def signal_agreement(
    reading: pd.Series,
    episodes: pd.DataFrame,
    threshold: float,
    side: Side,
    window_days: int = 28,
) -> pd.DataFrame:
    """The episodes with ``agreed``: the reading beyond ``threshold`` on a day near one.

    Near means from ``window_days`` calendar days before the episode's start to as many after
    its end (both included). An episode whose span holds no value of the reading is dropped.
    """
    hit = beyond(reading, threshold, side)
    have = reading.notna()
    agreed, covered = [], []
    for start, end in zip(episodes["start"], episodes["end"], strict=True):
        span = slice(start - pd.Timedelta(days=window_days), end + pd.Timedelta(days=window_days))
        covered.append(bool(have.loc[span].any()))
        agreed.append(bool(hit.loc[span].any()))
    out = episodes.assign(agreed=agreed)
    return out[np.asarray(covered, dtype=bool)].reset_index(drop=True)


def time_share(reading: pd.Series, threshold: float, side: Side) -> float:
    """The share of the reading's days (NaN skipped) beyond ``threshold``; NaN when empty."""
    known = reading.dropna()
    return float(beyond(known, threshold, side).mean()) if len(known) else float("nan")


def chance_agreement(
    reading: pd.Series, threshold: float, side: Side, window_days: int = 28
) -> float:
    """The share of the reading's days with a day beyond ``threshold`` within ``window_days``.

    The score a one-day episode on a date drawn at random from the reading's days would get:
    a reading that is often beyond the threshold agrees with anything.
    """
    known = reading.dropna()
    if known.empty:
        return float("nan")
    hits = known.index[beyond(known, threshold, side).to_numpy()]
    if hits.empty:
        return 0.0
    after = hits.searchsorted(known.index - pd.Timedelta(days=window_days), side="left")
    within = (after < len(hits)) & (
        hits[np.minimum(after, len(hits) - 1)] <= known.index + pd.Timedelta(days=window_days)
    )
    return float(within.mean())


def agreement(
    reading: pd.Series,
    published: pd.DataFrame,
    *,
    sell_above: float = 8.0,
    buy_below: float = 2.0,
    window_days: int = 28,
    episode_days: int = 28,
    repeat_days: int = 5,
    max_stale_days: int = 7,
) -> Agreement:
    """Every agreement figure of a reading with a published table (filter the rows first).

    The time shares and chance figures use the reading's days as given: pass the span to judge
    (for example from the table's first date on).
    """
    pairs = matched_pairs(reading, published, repeat_days, max_stale_days)
    sells = signal_episodes(published, "sell", episode_days)
    buys = signal_episodes(published, "buy", episode_days)
    return Agreement(
        pairs=pairs,
        correlation=pearson(pairs["published"], pairs["proxy"]),
        mad=mean_abs_difference(pairs["published"], pairs["proxy"]),
        sells=signal_agreement(reading, sells, sell_above, "above", window_days),
        buys=signal_agreement(reading, buys, buy_below, "below", window_days),
        share_above=time_share(reading, sell_above, "above"),
        share_below=time_share(reading, buy_below, "below"),
        chance_sell=chance_agreement(reading, sell_above, "above", window_days),
        chance_buy=chance_agreement(reading, buy_below, "below", window_days),
    )


def _share(episodes: pd.DataFrame) -> float:
    return float(episodes["agreed"].mean()) if len(episodes) else float("nan")
