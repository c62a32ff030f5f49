"""Walk-forward evaluation of a sweep: pick on each train window, trade the pick on the next.

Windows are cut on calendar dates from an anchor ``a`` (the config's start, or the market's
first bar when no start is set or the data begin later): train ``[a, a + train)``, test
``[a + train, a + train + test)``, then ``a`` advances by ``test`` until a test window would
start after the last bar. The last test window may be shorter; one with fewer than
`MIN_TEST_BARS` bars is dropped. Offsets are multiplied, not chained (``a + 3 * 1m``), so month
ends do not drift. On each train window the sweep's best combination by Sharpe is chosen
(`pipeline.sweep_facts.best_config`) from data up to the train window's last bar only.

All three curves are built the same way, so that their gaps measure only the choice: on each
test window, three fresh accounts (all cash on its first bar, positions bought with the engine's
lag and costs) run the window's pick ("out of sample"), the combination chosen on the whole
period ("in-sample best", what full hindsight would have shown) and 60/40 with the pick's
costs. Each curve compounds its accounts' daily returns over the test windows; the bar a window
opens on is a zero return (the previous account closed at its last close, without exit costs).
With one combination the out-of-sample and in-sample best curves are the same runs.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date

import pandas as pd

from analytics.metrics import summary
from core.errors import ConfigError
from pipeline.config import RunConfig
from pipeline.run import run
from pipeline.sweep import Axis, sweep, sweep_market
from pipeline.sweep_facts import best_config
from simulation.simulate import BacktestResult

MIN_TEST_BARS = 20
"""A test window with fewer bars (the tail of the data) is dropped: its Sharpe means nothing."""

CURVES = ("out_of_sample", "benchmark", "in_sample_best")
"""The stitched curves: the picks out of sample, 60/40, and the whole period's pick."""

_UNITS = {"y": "years", "m": "months", "d": "days"}
_SPAN = re.compile(r"^\s*(\d{1,9})\s*([ymd])\s*$")
_PER_YEAR = {"y": 1.0, "m": 12.0, "d": 366.0}
MAX_YEARS = 100
"""The longest train or test window; the shared history spans 33 years."""


@dataclass(frozen=True)
class Window:
    """One train window and its test window, as their first and last bars (inclusive dates)."""

    train_start: date
    train_end: date
    test_start: date
    test_end: date


@dataclass(frozen=True)
class WalkForwardResult:
    """The windows with their picks, the three stitched curves and their metrics.

    ``windows``: one row per window: its number (from 1), bounds, each swept key's chosen value,
    ``train_sharpe`` (the pick's Sharpe on its train window) and ``test_sharpe`` (on its test
    window, as a fresh account). ``equity``: the `CURVES` on the test windows' bars, each
    stitched from fresh accounts on the test windows and starting at ``execution.initial_value``.
    ``metrics``: `analytics.metrics.summary` of each curve, Sharpe and Sortino net of the cash rate
    each curve's runs earned (their config's rate on those dates). ``in_sample_choice``: the
    swept values chosen on the whole period.
    """

    windows: pd.DataFrame
    equity: pd.DataFrame
    metrics: dict[str, dict[str, float]]
    in_sample_choice: dict[str, float]


def parse_windows(text: str) -> tuple[pd.DateOffset, pd.DateOffset]:
    """``TRAIN:TEST`` such as ``5y:1y`` or ``18m:3m`` -> two calendar offsets (train, test).

    Units: ``y`` years, ``m`` months, ``d`` calendar days (not trading days, so every window is
    aligned on calendar dates whatever the market's calendar). Raises `ConfigError` otherwise.
    """
    parts = text.split(":")
    matches = [_SPAN.match(part) for part in parts]
    spans = [int(m[1]) / _PER_YEAR[m[2]] for m in matches if m]
    if len(parts) != 2 or not all(matches) or not all(0 < span <= MAX_YEARS for span in spans):
        raise ConfigError(
            f"{text!r}: expected TRAIN:TEST, each a positive whole number and a "
            "unit y (years), m (months) or d (calendar days), for example 5y:1y or 24m:6m, "
            f"at most {MAX_YEARS} years ({MAX_YEARS}y, {MAX_YEARS * 12}m, "
            f"{MAX_YEARS * _PER_YEAR['d']:.0f}d)",
            option="walk_forward",
        )
    train, test = (pd.DateOffset(**{_UNITS[m[2]]: int(m[1])}) for m in matches if m)
    return train, test


def plan(
    bars: pd.DatetimeIndex, anchor: pd.Timestamp, train: pd.DateOffset, test: pd.DateOffset
) -> list[Window]:
    """The windows over ``bars`` from ``anchor``, as described in the module docstring.

    Timing: a window's bounds are calendar dates; its bars are those of ``bars`` within them.
    """
    windows, k = [], 0
    while (middle := anchor + test * k + train) <= bars[-1]:
        trained = bars[(bars >= anchor + test * k) & (bars < middle)]
        tested = bars[(bars >= middle) & (bars < middle + test)]
        if len(tested) >= MIN_TEST_BARS and len(trained) >= 2:
            ends = (trained[0], trained[-1], tested[0], tested[-1])
            windows.append(Window(*(stamp.date() for stamp in ends)))
        k += 1
    return windows


def choose(
    config: RunConfig, axes: list[Axis], window: Window, workers: int | None = None
) -> tuple[RunConfig, float]:
    """The best combination by Sharpe on ``window``'s train bars, and that Sharpe.

    Timing: the sweep's market ends at ``window.train_end``, so nothing later is seen.
    """
    trained = replace(config, start=window.train_start, end=window.train_end)
    result = sweep(trained, axes, workers=workers)
    return best_config(trained, result), float(result.table["sharpe"].max())


def walk_forward(
    config: RunConfig,
    axes: list[Axis],
    train: pd.DateOffset,
    test: pd.DateOffset,
    workers: int | None = None,
    whole: RunConfig | None = None,
) -> WalkForwardResult:
    """Choose on each train window, run the choice on its test window, stitch the test windows.

    Timing: the choice for a test window uses data up to the end of its train window only; each
    test window is a fresh account from cash, for all three curves. Raises `ConfigError` when
    no window fits the data. Each sweep runs on ``workers`` processes (`pipeline.sweep.sweep`).
    ``whole`` is the grid's best over all the data when a sweep of it has already found it
    (the in-sample best's curve); without it, the whole grid is swept once more to find it.
    """
    windows, periods_per_year = _windows(config, axes, train, test)
    if whole is None:
        whole = best_config(config, sweep(config, axes, workers=workers))
    rows: list[dict[str, object]] = []
    runs: dict[str, list[BacktestResult]] = {name: [] for name in CURVES}
    for number, window in enumerate(windows, start=1):
        chosen, train_sharpe = choose(config, axes, window, workers)
        ours, theirs = (_on_test(pick, window) for pick in (chosen, whole))
        tested = run(ours)
        hindsight = tested if theirs == ours else run(theirs)
        runs["out_of_sample"].append(tested.strategy)
        runs["benchmark"].append(tested.benchmark)
        runs["in_sample_best"].append(hindsight.strategy)
        rows.append(
            {"window": number, **asdict(window), **_values(chosen, axes)}
            | {"train_sharpe": train_sharpe, "test_sharpe": tested.metrics["strategy"]["sharpe"]}
        )
    initial = config.execution.initial_value
    equity = pd.DataFrame(
        {name: stitch([one.equity for one in done], initial) for name, done in runs.items()}
    )
    rates = {name: pd.concat([one.cash_rate for one in done]) for name, done in runs.items()}
    return WalkForwardResult(
        windows=pd.DataFrame(rows),
        equity=equity,
        metrics={name: summary(equity[name], periods_per_year, rates[name]) for name in equity},
        in_sample_choice=_values(whole, axes),
    )


def _on_test(config: RunConfig, window: Window) -> RunConfig:
    """``config`` limited to ``window``'s test dates: run alone, it is a fresh account."""
    return replace(config, start=window.test_start, end=window.test_end)


def check_windows(config: RunConfig, axes: list[Axis], text: str) -> None:
    """Raise `ConfigError` for a ``TRAIN:TEST`` spec that does not parse or fit the data."""
    _windows(config, axes, *parse_windows(text))


def _windows(
    config: RunConfig, axes: list[Axis], train: pd.DateOffset, test: pd.DateOffset
) -> tuple[list[Window], int]:
    """The windows on the bars every combination's sweep sees, and the market's periods a year.

    A grid whose combinations would run on different dates is refused here, as `sweep` would.
    """
    market = sweep_market(config, axes)
    bars = pd.DatetimeIndex(market.prices.index)
    windows = plan(bars, _anchor(config.start, bars), train, test)
    if not windows:
        raise ConfigError(
            f"walk-forward: the data {bars[0].date()}..{bars[-1].date()} hold no train window "
            f"of {_label(train)} followed by a test window of at least {MIN_TEST_BARS} bars; "
            "choose shorter windows or an earlier start"
        )
    return windows, market.periods_per_year


def stitch(curves: list[pd.Series], initial: float) -> pd.Series:
    """Chain equity curves on consecutive dates into one starting at ``initial``.

    Each curve contributes its own daily returns; its first bar is a zero return (the previous
    curve's last value carried over). Timing: ``curves`` in date order, not overlapping.
    """
    pieces, level = [], initial
    for curve in curves:
        piece = curve / curve.iloc[0] * level
        pieces.append(piece)
        level = float(piece.iloc[-1])
    return pd.concat(pieces)


def _anchor(start: date | None, bars: pd.DatetimeIndex) -> pd.Timestamp:
    """The config's start, or the first bar when none is set or the data begin over a week later.

    Within a week the gap is weekends and holidays: windows stay on the dates the user chose.
    """
    if start is None or bars[0] - pd.Timestamp(start) > pd.Timedelta(days=7):
        return bars[0]
    return pd.Timestamp(start)


def _label(offset: pd.DateOffset) -> str:
    """``DateOffset(years=5)`` -> ``5y``, as `parse_windows` reads it."""
    return "".join(
        f"{count}{unit}" for unit, name in _UNITS.items() if (count := offset.kwds.get(name))
    )


def _values(config: RunConfig, axes: list[Axis]) -> dict[str, float]:
    """The swept keys' values in ``config`` (``costs.borrow_bps.BTC-USD`` reads the map)."""
    values = {}
    for axis in axes:
        section, _, rest = axis.key.partition(".")
        name, _, entry = rest.partition(".")
        value = getattr(getattr(config, section), name)
        values[axis.key] = float(value[entry] if entry else value)
    return values
