"""Pure rules on dated series: hysteresis, confirmation, crossings, a holding state machine.

Every function takes pandas Series on one index and returns a bool Series on that index; the
value at bar ``t`` depends on the inputs at bars ``<= t`` only. In a flag input, NaN is False.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit


def as_flags(flag: pd.Series) -> np.ndarray:
    """Return ``flag`` as a numpy bool array, NaN and None as False.

    Timing: element-wise; no bar depends on another.
    """
    values = flag.to_numpy()
    if values.dtype == bool:
        return values.copy()
    as_float = flag.astype(float).to_numpy()
    return np.nan_to_num(as_float, nan=0.0) != 0.0


def hysteresis(x: pd.Series, enter_above: float, exit_below: float) -> pd.Series:
    """On once ``x > enter_above``, off once ``x < exit_below``; otherwise the state is kept.

    The state starts off; a NaN ``x`` keeps the state of the bar before.

    Timing: the state at ``t`` depends on ``x`` up to ``t``; it is True on the bar ``x`` first
    exceeds ``enter_above`` and False on the bar ``x`` first falls below ``exit_below``.

    Raises
    ------
    ValueError
        If ``exit_below > enter_above`` (the two bands would overlap).
    """
    if exit_below > enter_above:
        raise ValueError(
            f"hysteresis: exit_below {exit_below} is above enter_above {enter_above}; "
            "expected exit_below <= enter_above"
        )
    values = x.to_numpy(dtype=float)
    out = np.zeros(len(values), dtype=bool)
    on = False
    for i, value in enumerate(values):  # NaN compares False both ways: the state is kept
        if on and value < exit_below:
            on = False
        elif not on and value > enter_above:
            on = True
        out[i] = on
    return pd.Series(out, index=x.index, name=x.name)


def confirmed(flag: pd.Series, days: int) -> pd.Series:
    """True where ``flag`` held on ``days`` consecutive bars, up to and including this one.

    Timing: a condition that starts at bar ``t`` is confirmed at bar ``t + days - 1`` (``days=1``
    returns the flag itself); a False or NaN bar restarts the count.
    """
    if days < 1:
        raise ValueError(f"confirmed: days = {days}; expected at least 1")
    flags = as_flags(flag)
    out = np.zeros(len(flags), dtype=bool)
    run = 0
    for i, on in enumerate(flags):
        run = run + 1 if on else 0
        out[i] = run >= days
    return pd.Series(out, index=flag.index, name=flag.name)


def crossed_above(x: pd.Series, level: float) -> pd.Series:
    """True on each bar where ``x`` goes from ``<= level`` (or NaN) to ``> level``.

    Timing: uses ``x`` at ``t`` and ``t - 1``; the first bar counts as coming from NaN, so it is
    True when ``x`` starts above the level.
    """
    above = as_flags(x > level)
    before = np.concatenate(([False], above[:-1]))
    return pd.Series(above & ~before, index=x.index, name=x.name)


def holding(
    entries: pd.Series,
    exits: pd.Series,
    *,
    min_hold: int = 0,
    max_hold: int | None = None,
    cooldown: int = 0,
) -> pd.Series:
    """A position state machine: True on the bars a position is held.

    - Out, not cooling down, and ``entries[t]``: the position is held from bar ``t``. **The entry
      bar is day 1 of the hold**: the result is True on it.
    - In, with ``h`` bars held before bar ``t`` (the entry bar counted): the position leaves at
      ``t`` (False at ``t``) if ``exits[t]`` and ``h >= min_hold``, or if ``h >= max_hold``. So
      a hold spans at least ``max(min_hold, 1)`` and at most ``max_hold`` True bars. An exit
      flag during the minimum hold is ignored, not remembered; an entry flag while in is ignored.
    - Entries on the exit bar and on the ``cooldown`` bars after it are ignored; with
      ``cooldown=0`` the earliest re-entry is the bar after the exit.

    Timing: the state at ``t`` depends on ``entries`` and ``exits`` up to ``t`` only.
    """
    if not entries.index.equals(exits.index):
        raise ValueError("holding: entries and exits must share one index")
    if min_hold < 0 or cooldown < 0:
        raise ValueError(f"holding: min_hold {min_hold}, cooldown {cooldown}; expected >= 0")
    if max_hold is not None and (max_hold < 1 or max_hold < min_hold):
        raise ValueError(
            f"holding: max_hold {max_hold}; expected at least 1 and at least min_hold {min_hold}"
        )
    enter, leave = as_flags(entries), as_flags(exits)
    limit = len(enter) + 1 if max_hold is None else max_hold
    out = held_bars(enter, leave, min_hold, limit, cooldown)
    return pd.Series(out, index=entries.index, name="holding")


def armed(condition: pd.Series, rearm: pd.Series, confirm: int = 1, pause: int = 0) -> pd.Series:
    """A trigger that fires once per crossing, and re-arms only on the other side.

    On when ``condition`` has held ``confirm`` bars in a row after a ``rearm`` bar, on while it
    holds, then off until the next ``rearm`` bar.

    This is a break as a strategist means it: "XLK breaks 133" is a close crossing from above
    (``condition`` close < 133, ``rearm`` close >= 133), not a close that merely is below.
    ``pause`` bars must pass after a firing before the next may fire (0: none). The state
    starts disarmed, so a condition true from the first bar never fires.

    Timing: the state at ``t`` depends on both inputs up to ``t``.
    """
    if not condition.index.equals(rearm.index):
        raise ValueError("armed: condition and rearm must share one index")
    if confirm < 1 or pause < 0:
        raise ValueError(f"armed: confirm {confirm}, pause {pause}; expected >= 1 and >= 0")
    out = armed_bars(as_flags(condition), as_flags(rearm), confirm, pause)
    return pd.Series(out, index=condition.index, name=condition.name)


@njit(cache=True)
def armed_bars(condition: np.ndarray, rearm: np.ndarray, confirm: int, pause: int) -> np.ndarray:
    """`armed` on bool arrays, compiled."""
    out = np.zeros(len(condition), dtype=np.bool_)
    ready = False  # a rearm bar seen since the last firing
    on = False
    run = 0  # bars in a row the condition has held
    last = -(2**62)  # the bar of the last firing
    for i in range(len(condition)):
        if rearm[i]:
            ready = True
        run = run + 1 if condition[i] else 0
        if on:
            on = condition[i]
        elif ready and run >= confirm and i - last >= pause:
            on, ready, last = True, False, i
        out[i] = on
    return out


@njit(cache=True)
def held_bars(
    enter: np.ndarray, leave: np.ndarray, min_hold: int, limit: int, cooldown: int
) -> np.ndarray:
    """`holding` on bool arrays, compiled: ``limit`` is ``max_hold`` (``len + 1`` for none)."""
    return hold_counts(enter, leave, min_hold, limit, cooldown)[0] > 0


@njit(cache=True)
def hold_counts(
    enter: np.ndarray, leave: np.ndarray, min_hold: int, limit: int, cooldown: int
) -> tuple[np.ndarray, np.ndarray]:
    """`held_bars`' counters after each bar: the bars held and the cooldown bars still to pass.

    The first is 0 when out, else the bars held, the entry bar counted (the ``h`` that
    `holding` compares with ``min_hold`` and ``max_hold`` on the next bar); the second the
    coming bars on which an entry is ignored. Timing: bar ``t`` uses the inputs up to ``t``.
    """
    n = len(enter)
    bars, waits = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    held = 0  # bars held so far, the entry bar counted; 0 when out
    wait = 0  # bars of cooldown still to pass
    for i in range(n):
        if held:
            if held >= limit or (leave[i] and held >= min_hold):
                held, wait = 0, cooldown
            else:
                held += 1
        elif wait:
            wait -= 1
        elif enter[i]:
            held = 1
        bars[i], waits[i] = held, wait
    return bars, waits


@njit(cache=True)
def switch_regimes(
    reading: np.ndarray,
    other_entries: np.ndarray,
    guard: np.ndarray,
    sell_above: float,
    buy_below: float,
    min_hold: int,
    limit: int,
    cooldown: int,
    break_wins: int,
) -> np.ndarray:
    """The regime codes of a sentiment switch, compiled: 0 out, 1 in, 2 guarded.

    Entries and exits are `switch_signals`'; the position follows `held_bars` (``limit`` is
    ``max_hold``); where ``guard`` is True the code is 2 whatever the position. Timing: bar
    ``t`` uses bars ``<= t``.
    """
    entries, exits, _ = switch_signals(reading, other_entries, sell_above, buy_below, break_wins)
    held = held_bars(entries, exits, min_hold, limit, cooldown)
    codes = np.zeros(len(reading), dtype=np.int8)
    for i in range(len(reading)):
        codes[i] = 2 if guard[i] else (1 if held[i] else 0)
    return codes


@njit(cache=True)
def switch_signals(
    reading: np.ndarray,
    other_entries: np.ndarray,
    sell_above: float,
    buy_below: float,
    break_wins: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`switch_regimes`' entries and exits, and its conflicts, compiled.

    Entries: the reading crossing above ``sell_above`` (from at or below it, or NaN; the first
    bar counts as coming from NaN) or ``other_entries``; exits: the reading below ``buy_below``
    (NaN is neither). A conflict is an ``other_entries`` bar on which the reading is below
    ``buy_below``: an entry and the exit condition at once. With ``break_wins`` 0 the exit
    condition wins and the entry is ignored; with ``break_wins`` N the entry counts and the
    reading below ``buy_below`` is no exit on it and the ``N - 1`` bars after it, so a hold it
    starts lasts at least N bars (``max_hold`` still ends it). Timing: bar ``t`` uses bars
    ``<= t``.
    """
    n = len(reading)
    entries, exits = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
    conflicts = np.empty(n, dtype=np.bool_)
    above_before = False
    counts_from = 0  # the first bar on which the reading below buy_below is an exit again
    for i in range(n):
        above = reading[i] > sell_above  # NaN is never above
        below = reading[i] < buy_below
        conflicts[i] = other_entries[i] and below
        if conflicts[i] and break_wins:
            counts_from = i + break_wins
        entries[i] = (above and not above_before) or (
            other_entries[i] and (break_wins > 0 or not below)
        )
        exits[i] = below and i >= counts_from
        above_before = above
    return entries, exits, conflicts
