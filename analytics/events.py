"""Event study of entry triggers and performance by regime, as pure functions over pandas.

This module owns what each trigger was worth (`event_study`: the mean forward return and hit rate
after a trigger's events, beside the same figures over all dates) and how a strategy did in each
regime it held (`regime_table`, `regime_spells`).

Look-forward caveat: `forward_returns` and `spread_returns` use prices *after* each date, on
purpose. They measure the outcome that followed a date for a report; nothing here may feed a
signal, a weight or any other decision.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.metrics import masked, na_reasons, sharpe

HORIZONS: tuple[int, ...] = (21, 42, 63)
EVENT_COLUMNS = (
    "trigger",
    "series",
    "horizon_days",
    "events_total",
    "events",
    "independent_events",
    "mean",
    "hit_rate",
    "all_dates",
    "all_mean",
    "all_hit_rate",
    "difference",
)
REGIME_COLUMNS = (
    "days",
    "share",
    "mean_annual",
    "compounded_annual",
    "volatility",
    "sharpe",
    "worst_day",
    "spells",
    "na_reason",
)
SPELL_COLUMNS = ("regime", "start", "end", "bars")


def forward_returns(prices: pd.Series, horizons: tuple[int, ...] = HORIZONS) -> pd.DataFrame:
    """Forward returns ``prices[t + h] / prices[t] - 1`` for each horizon ``h`` in bars.

    Looks forward by design: the value dated t is the outcome of holding from the close of t to
    the close of t + h. It measures what followed t and must never feed a decision at t.

    Returns
    -------
    pd.DataFrame
        The prices' index by one column per horizon (the int ``h``; columns named
        ``horizon_days``). NaN where ``t + h`` is past the last bar or a price is missing. Bars are
        positions in the index as given (drop missing prices first to count traded bars only).
    """
    _check_horizons(horizons)
    frame = pd.DataFrame({h: prices.shift(-h) / prices - 1.0 for h in horizons}, index=prices.index)
    frame.columns.name = "horizon_days"
    return frame


def spread_returns(
    prices: pd.DataFrame,
    long: Mapping[str, float],
    short: Mapping[str, float],
    horizons: tuple[int, ...] = HORIZONS,
) -> pd.DataFrame:
    """Forward return of the ``long`` basket minus that of ``short`` (ticker -> share).

    For "tech minus small caps" pass ``{"XLK": 1}`` and ``{"IWM": 1}``. A basket's forward
    return is ``sum(share * fwd[ticker])``, its buy-and-hold from the close of ``t`` at its shares.
    Computed on the dates where every ticker of both has a price, so ``h`` counts their common
    bars. It is the difference of two buy-and-hold returns over the same window, not the return
    of a rebalanced long/short book. Looks forward, as `forward_returns` does; same shape of
    result.
    """
    both = prices[list(dict.fromkeys([*long, *short]))].dropna()

    def basket(shares: Mapping[str, float]) -> pd.DataFrame:
        parts = [
            share * forward_returns(both[ticker], horizons) for ticker, share in shares.items()
        ]
        return sum(parts[1:], parts[0])

    return basket(long) - basket(short)


def event_study(
    events: Mapping[str, pd.DatetimeIndex],
    series: Mapping[str, pd.Series | pd.DataFrame],
    horizons: tuple[int, ...] = HORIZONS,
) -> pd.DataFrame:
    """What followed each trigger's events, beside what followed any date; one row per case.

    ``series`` maps a name to prices or to forward returns, told apart by type: a Series is
    prices (its missing values dropped, then `forward_returns`); a DataFrame is precomputed
    forward returns with a column per horizon, as `forward_returns` and `spread_returns` give.

    For each trigger, series and horizon ``h``, with ``fwd`` the forward returns:

    - ``events_total``: events dated from the series' first to its last date; an event between
      two bars (a weekend) is measured from the next bar, the first one tradable after it;
    - ``events``: those with a full horizon (``fwd`` not NaN); only they enter the averages;
    - ``independent_events``: of those, each at least ``h`` bars after the previous one
      counted (greedy from the first), the number of non-overlapping observations. Overlapping
      events all count in ``events``, ``mean`` and ``hit_rate``;
    - ``mean = mean(fwd[e])``, ``hit_rate = share of fwd[e] > 0`` (exactly 0 is a miss); NaN
      without events;
    - ``all_dates``, ``all_mean``, ``all_hit_rate``: the same over every date of the series with
      a full horizon (the unconditional baseline of the same period);
    - ``difference = mean - all_mean``.

    Timing: outcomes are measured from the close of the event date, before the engine's fill
    lag; shift the events by the lag to measure from the fill. Looks forward (module docstring).
    """
    _check_horizons(horizons)
    frames = {name: _as_forward(name, data, horizons) for name, data in series.items()}
    rows = []
    for trigger, dates in events.items():
        for name, frame in frames.items():
            positions = _event_positions(pd.DatetimeIndex(dates), frame.index)
            for h in horizons:
                fwd = frame[h].to_numpy(dtype=float)
                rows.append((trigger, name, h, *_study_row(fwd, positions, h)))
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def regime_table(
    returns: pd.Series,
    regimes: pd.Series,
    periods_per_year: int,
    risk_free: float | pd.Series = 0.0,
    min_days: int | None = None,
) -> pd.DataFrame:
    """Performance in each regime held, one row per regime (index ``regime``, first seen first).

    Timing: ``regimes[t]`` is the regime *held* over the period whose return is ``returns[t]``,
    already on the returns' index. The caller shifts the regime as decided (dated at the decision
    close) by the execution lag + 1: filled at the close of t + lag, it first earns the return
    dated t + lag + 1. A date with a missing regime (before the first one takes effect) is in
    no row and not in the share's denominator.

    For the ``n`` returns ``r`` of a regime, ``N`` dates with a regime and ``ppy`` periods a year:
    ``days = n``, ``share = n / N``, ``mean_annual = mean(r) * ppy``, ``compounded_annual =
    prod(1 + r) ** (ppy / n) - 1``, ``volatility = std(r, ddof=1) * sqrt(ppy)``, ``sharpe`` as
    `analytics.metrics.sharpe` on ``r - risk_free`` (a float or a Series of rates by date),
    ``worst_day = min(r)`` and ``spells`` (separate runs, see `regime_spells`). A figure
    `analytics.metrics.na_reasons` judges meaningless is NaN and ``na_reason`` says why ("" when
    none is): all four annualised ones with fewer days than a quarter of a year (or than
    ``min_days`` when given, never fewer than 2), Sharpe when the excess returns do not vary (a
    regime held in cash).
    """
    if not regimes.index.equals(returns.index):
        raise ValueError(
            "regimes must be on the returns' index (the regime held over each return's period); "
            f"got {len(regimes)} regime dates for {len(returns)} return dates. Shift the decided "
            "regime by the execution lag + 1 and reindex it to the returns"
        )
    held = regimes.notna()
    if returns[held].isna().any():
        raise ValueError("returns are missing on dates with a regime; pass finite returns")
    spells = regime_spells(regimes)["regime"].value_counts()
    rows = {}
    for label in pd.unique(regimes[held]):
        r = returns[regimes == label]
        n = len(r)
        annual, reason = _annualised(r, periods_per_year, risk_free, min_days)
        rows[label] = (n, n / int(held.sum()), *annual, float(r.min()), int(spells[label]), reason)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(REGIME_COLUMNS))
    table.index.name = "regime"
    return table


def _annualised(
    r: pd.Series, periods_per_year: int, risk_free: float | pd.Series, min_days: int | None
) -> tuple[tuple[float, ...], str]:
    """Mean, compounded, volatility and Sharpe of one regime's returns, and why any is NaN."""
    reasons = na_reasons(r, periods_per_year, risk_free, min_days)
    values = {
        "mean_annual": float(r.mean() * periods_per_year),
        "compounded_annual": float(np.prod(1.0 + r.to_numpy()) ** (periods_per_year / len(r)) - 1),
        "volatility": float(r.std(ddof=1) * np.sqrt(periods_per_year)),
        "sharpe": sharpe(r, periods_per_year, risk_free),
    }
    why = "; ".join(dict.fromkeys(reasons[key] for key in values if key in reasons))
    return tuple(masked(values, reasons).values()), why


def regime_spells(regimes: pd.Series) -> pd.DataFrame:
    """Each unbroken run of one regime, in date order: ``regime``, ``start``, ``end``, ``bars``.

    ``start`` and ``end`` are the first and last dates of the run (``end`` inclusive) and
    ``bars`` its number of dates. A missing regime ends a spell and belongs to none.
    """
    values = regimes.to_numpy(dtype=object)
    if len(values) == 0:
        return pd.DataFrame(columns=list(SPELL_COLUMNS))
    missing = pd.isna(values)
    new = np.ones(len(values), dtype=bool)
    new[1:] = (values[1:] != values[:-1]) | missing[1:] | missing[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(values)) - 1
    keep = ~missing[starts]
    starts, ends = starts[keep], ends[keep]
    return pd.DataFrame(
        {
            "regime": values[starts],
            "start": regimes.index[starts],
            "end": regimes.index[ends],
            "bars": ends - starts + 1,
        }
    )


def _check_horizons(horizons: tuple[int, ...]) -> None:
    bad = [
        h for h in horizons if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1
    ]
    if bad or not horizons:
        raise ValueError(f"horizons must be whole numbers of bars, at least 1; got {horizons}")


def _as_forward(
    name: str, data: pd.Series | pd.DataFrame, horizons: tuple[int, ...]
) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        missing = [h for h in horizons if h not in data.columns]
        if missing:
            raise ValueError(
                f"series {name!r} is a forward-return frame without horizon(s) {missing} "
                f"(its columns: {list(data.columns)}); build it with forward_returns or "
                "spread_returns and the same horizons, or pass prices as a Series"
            )
        frame = data
    else:
        frame = forward_returns(data.dropna(), horizons)
    if not frame.index.is_monotonic_increasing:
        raise ValueError(f"series {name!r} has dates out of order; sort its index")
    return frame


def _event_positions(dates: pd.DatetimeIndex, index: pd.Index) -> np.ndarray:
    """Bar of each event within the index's span: the event's date, or the next bar after it."""
    if len(index) == 0:
        return np.array([], dtype=int)
    dates = dates.sort_values()
    inside = dates[(dates >= index[0]) & (dates <= index[-1])]
    return np.asarray(index.searchsorted(inside, side="left"), dtype=int)


def _independent(positions: np.ndarray, horizon: int) -> int:
    """Events counted greedily, each at least ``horizon`` bars after the previous counted one."""
    count, last = 0, None
    for position in positions:
        if last is None or position - last >= horizon:
            count, last = count + 1, position
    return count


def _study_row(fwd: np.ndarray, positions: np.ndarray, horizon: int) -> tuple[float, ...]:
    """The figures of one `event_study` row after its trigger, series and horizon."""
    full = positions[~np.isnan(fwd[positions])]
    mean, hit_rate = _mean_and_hits(fwd[full])
    everything = fwd[~np.isnan(fwd)]
    all_mean, all_hit_rate = _mean_and_hits(everything)
    counts = (len(positions), len(full), _independent(full, horizon))
    return (*counts, mean, hit_rate, len(everything), all_mean, all_hit_rate, mean - all_mean)


def _mean_and_hits(values: np.ndarray) -> tuple[float, float]:
    if len(values) == 0:
        return float("nan"), float("nan")
    return float(values.mean()), float((values > 0).mean())


def pnl_by_regime(equity: pd.Series, held: pd.Series) -> dict[str, float]:
    """Dollar P&L earned while each regime was held, first seen first; the parts add to the total.

    Timing: ``held`` is on the returns' dates (``equity.index[1:]``), the regime held over the
    period ending at each date, as for `regime_table`; a date with no regime counts in none.
    """
    change = equity.diff().iloc[1:]
    if not held.index.equals(change.index):
        raise ValueError("held must be on the returns' dates (equity.index[1:])")
    grouped = change.groupby(held, sort=False).sum()
    return {str(regime): float(pnl) for regime, pnl in grouped.items()}
