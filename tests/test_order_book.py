"""The order book (`simulation.simulate.order_book`) against a plain loop over every bar.

The compiled book walks from one decision to the next; the loop here reads the semantics as
`simulation.kernel.order_book` states them, bar by bar: targets decided on the first bar, period
ends and changes (an unpriced asset's target counting as zero), filled ``lag`` bars later at
the first close the asset's own market printed, dropped while unpriced, replaced by a later
decision.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.simulate import order_book


def book_by_every_bar(
    rows: np.ndarray,
    codes: np.ndarray,
    priced: np.ndarray,
    own: np.ndarray,
    ends: np.ndarray,
    lag: int,
) -> tuple[np.ndarray, np.ndarray]:
    n, m = len(codes), rows.shape[1]

    def target(t: int) -> list[float]:
        return [float(rows[codes[t], j]) if priced[t, j] else 0.0 for j in range(m)]

    decided = [t == 0 or bool(ends[t]) or target(t) != target(t - 1) for t in range(n)]
    waiting: list[float | None] = [None] * m
    bars, orders = [], []
    for u in range(n):
        if u >= lag and decided[u - lag]:
            waiting = list(target(u - lag))
        row, placed = [np.nan] * m, False
        for j in range(m):
            if waiting[j] is None:
                continue
            if not priced[u, j]:
                waiting[j] = None
            elif own[u, j]:
                row[j], waiting[j], placed = waiting[j], None, True
        if placed:
            bars.append(u)
            orders.append(row)
    return np.array(bars, dtype=np.int64), np.array(orders, dtype=float).reshape(len(bars), m)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(1, 30), m=st.integers(1, 4), lag=st.integers(0, 3))
def test_the_book_is_the_one_a_loop_over_every_bar_finds(
    data: st.DataObject, n: int, m: int, lag: int
) -> None:
    def flags(chance: float) -> np.ndarray:
        draws = data.draw(st.lists(st.floats(0, 1), min_size=n * m, max_size=n * m))
        return (np.array(draws) < chance).reshape(n, m)

    distinct = data.draw(st.integers(1, 3))
    values = st.sampled_from([0.0, 0.5, -0.25, 1.0])
    rows = np.array(data.draw(st.lists(values, min_size=distinct * m, max_size=distinct * m)))
    rows = rows.reshape(distinct, m)
    codes = np.array(data.draw(st.lists(st.integers(0, distinct - 1), min_size=n, max_size=n)))
    priced = flags(0.85)
    own = priced & flags(0.7)  # a carried close is priced, not the asset's own
    ends = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    ends[-1] = True
    bars, orders = order_book((rows, codes), priced, ends, lag, own)
    want_bars, want_orders = book_by_every_bar(rows, codes, priced, own, ends, lag)
    np.testing.assert_array_equal(bars, want_bars)
    np.testing.assert_array_equal(orders, want_orders)  # NaN where the loop has NaN
