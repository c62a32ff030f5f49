"""The simulation loop: daily financing accrual, then fills executed by vectorbt's order kernel.

vectorbt's own loops (``from_orders``) cannot accrue interest or borrow fees, and its callback
loop (``from_order_func``) is recompiled in every process. So the day-by-day loop is ours and
cached, and every order goes through vectorbt's ``execute_order_nb``, which fills it at the
slipped price, charges its fees and updates cash, position and short debt. vectorbt never lets
cash go below zero; the loop hands it a cash buffer that covers the buys and takes it back
afterwards, so fees and leverage are paid from (possibly negative) cash.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation.vectorbt_orders import (
    Direction,
    OrderStatus,
    ProcessOrderState,
    SizeType,
    execute_order_nb,
    order_nb,
)

NO_RUIN = -1
CASH_TOLERANCE = 1e-9
"""Cash within this fraction of the portfolio's value of zero is rounding residue, not a balance:
a fully invested book without fees ends a rebalance with cash of about 1e-12 dollars either side
of zero (1e-17 of its value), and a margin charge on that printed "interest -0". Such cash earns
and pays nothing. 1e-9 of the value is a hundredth of a cent on $100,000, below any real balance
(a 0.01 bp fee on a 1% trade leaves 1e-8 of the value in debt)."""


@njit(cache=True)
def priced_changes(priced: np.ndarray) -> np.ndarray:
    """True on the bars where any asset's priced flag differs from the bar before (listings).

    A market's, shared by every combination of a sweep: `decided_bars` skips a bar with the
    same row of targets and no such change without reading its assets.
    """
    n, m = priced.shape
    changes = np.zeros(n, dtype=np.bool_)
    for t in range(1, n):
        for j in range(m):
            if priced[t, j] != priced[t - 1, j]:
                changes[t] = True
                break
    return changes


@njit(cache=True)
def decided_bars(
    rows: np.ndarray, codes: np.ndarray, priced: np.ndarray, changes: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """True where targets are decided: the first bar, period ends, and bars whose targets changed.

    The targets of bar ``t`` are ``rows[codes[t]]`` (a table of distinct rows and a row a bar;
    plain targets are their own table, ``codes = 0..n-1``). An unpriced asset's target counts
    as zero, so its listing is a change. ``changes`` is `priced_changes` of ``priced``.
    """
    n, m = len(codes), rows.shape[1]
    decided = ends.copy()
    decided[0] = True
    for t in range(1, n):
        if decided[t] or (codes[t] == codes[t - 1] and not changes[t]):
            continue  # the same targets, priced as before
        for j in range(m):
            now = rows[codes[t], j] if priced[t, j] else 0.0
            before = rows[codes[t - 1], j] if priced[t - 1, j] else 0.0
            if now != before:
                decided[t] = True
                break
    return decided


@njit(cache=True)
def order_book(
    rows: np.ndarray,
    codes: np.ndarray,
    priced: np.ndarray,
    changes: np.ndarray,
    own: np.ndarray,
    ends: np.ndarray,
    lag: int,
) -> tuple:
    """The bars with an order and their orders: the targets decided ``lag`` or more bars before.

    Targets as in `decided_bars` (``rows[codes[t]]``; ``changes`` are `priced_changes`). An
    unpriced asset's target counts as zero and it gets no order while unpriced. ``own`` is True
    where a close is the asset's own, not one carried forward from an earlier day: an order is
    filled at the first such close on or after its fill bar, so a carried close never prices a
    trade (an ETF's order due on a Saturday of the 7-day calendar fills at Monday's close); a
    later decision replaces an order still waiting. Timing: decided at the close of ``t``,
    filled at ``t + lag`` or later.

    Returns ``bars`` (increasing) and ``orders`` (one row per bar, NaN for an asset without an
    order): a few hundred rows where the dense bars x assets table has thousands, so the loops
    skip the bars without trades instead of reading them.
    """
    n, m = len(codes), rows.shape[1]
    decisions = np.flatnonzero(decided_bars(rows, codes, priced, changes, ends))
    room = min(n, len(decisions) * m)  # each decision fills on at most one bar per asset
    bars, orders = np.empty(room, dtype=np.int64), np.empty((room, m))
    count = 0  # bars with orders
    waiting = np.empty(m)  # each asset's order waiting for its own close
    for k in range(len(decisions)):
        t = decisions[k]
        # filled from t + lag until all are placed, or the next decision replaces what waits
        stop = min(n, decisions[k + 1] + lag) if k + 1 < len(decisions) else n
        for j in range(m):
            waiting[j] = rows[codes[t], j] if priced[t, j] else 0.0
        pending = m
        for u in range(t + lag, stop):
            placed = False
            for j in range(m):
                orders[count, j] = np.nan
                if np.isnan(waiting[j]):
                    continue
                if not priced[u, j]:
                    waiting[j], pending = np.nan, pending - 1  # never traded while unpriced
                elif own[u, j]:
                    orders[count, j], waiting[j] = waiting[j], np.nan
                    placed, pending = True, pending - 1
            if placed:
                bars[count] = u
                count += 1
            if pending == 0:
                break  # nothing to fill until the next decision: most bars are skipped
    return bars[:count].copy(), orders[:count].copy()


@njit(cache=True)
def simulate(
    close: np.ndarray,
    bars: np.ndarray,
    orders: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    borrow: np.ndarray,
    days: np.ndarray,
    cash_rate: np.ndarray,
    margin_rate: np.ndarray,
    initial_cash: float,
    maintenance: float,
) -> tuple:
    """Run the portfolio over ``close`` (bars x assets), filling the `order_book` ``bars, orders``.

    Each bar ``t``: first accrue, on the state left at the close of ``t-1``, interest
    ``cash * cash_rate[t]`` (``margin_rate[t]`` when cash is negative, nothing when it is
    within `CASH_TOLERANCE` of the value of zero, see `_financing_rate`) and a borrow fee
    ``units * price[t-1] * borrow * days[t] / 365`` on each short; then check the margin rule
    (`margin_call`) on the holdings marked at this close: if it fails, the portfolio is ruined,
    every position is closed at this close (with fees and slippage) and the equity stays at that
    liquidation value to the end, with no more trading or financing; else, on a fill bar, value
    the portfolio at the close before fees and trade each asset to ``weight * value / price``,
    sells first. Returns units, cash and equity at each close, the cost lines (interest, borrow,
    fees, slippage), the fills (bar, asset, signed units, fill price, fee, count), the ruin bar
    (``NO_RUIN`` if none) and each asset's P&L from the last fill bar's close to the ruin bar's
    (zeros if none).
    """
    n, m = close.shape
    units, cash = np.zeros((n, m)), np.zeros(n)
    equity, interest = np.zeros(n), np.zeros(n)
    borrowed, fee_paid, slipped = np.zeros((n, m)), np.zeros((n, m)), np.zeros((n, m))
    fills = np.zeros((n * m, 5))
    losses = np.zeros(m)
    count, ruin, last_fill = 0, NO_RUIN, 0
    held, debt, balance, trades = np.zeros(m), np.zeros(m), initial_cash, np.zeros(m)
    following, next_bar = 0, bars[0] if len(bars) else n
    for t in range(n):
        if t > 0:
            rate = _financing_rate(balance, equity[t - 1], cash_rate[t], margin_rate[t])
            balance, interest[t] = _accrue(
                held, close[t - 1], borrow, days[t], rate, balance, borrowed[t]
            )
        holdings, gross = _marked(held, close[t])
        value = balance + holdings
        if margin_call(value, gross, maintenance):
            ruin = t
            balance, count = _liquidate(
                t, close, last_fill, value, fees, slippage, held, debt, balance,
                fee_paid[t], slipped[t], fills, count, losses, trades,
            )  # fmt: skip
            cash[t:], equity[t:] = balance, balance
            break
        if t == next_bar:
            balance, count = _rebalance(
                t, close[t], orders[following], value, fees, slippage, held, debt, balance,
                fee_paid[t], slipped[t], fills, count, trades,
            )  # fmt: skip
            last_fill, following = t, following + 1
            next_bar = bars[following] if following < len(bars) else n
        units[t], cash[t] = held, balance
        equity[t] = balance + _marked(held, close[t])[0]
    return units, cash, equity, interest, borrowed, fee_paid, slipped, fills[:count], ruin, losses


@njit(cache=True)
def equity_paths(
    close: np.ndarray,
    starts: np.ndarray,
    bars: np.ndarray,
    orders: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    borrow: np.ndarray,
    days: np.ndarray,
    cash_rate: np.ndarray,
    margin_rate: np.ndarray,
    rates: np.ndarray,
    initial_cash: float,
    maintenance: np.ndarray,
) -> tuple:
    """`simulate` for many portfolios at once, keeping only each one's equity at every close.

    Portfolio ``k``'s `order_book` is ``bars[starts[k]:starts[k + 1]]`` and the same rows of
    ``orders`` (the books one after another); ``fees``, ``slippage`` and ``borrow`` are
    portfolios x assets; ``cash_rate`` and ``margin_rate`` are tables of distinct rate paths
    (paths x bars) and ``rates`` names each portfolio's row; ``maintenance`` is each portfolio's
    margin fraction. The arithmetic is `simulate`'s, step for step, so each path equals a single
    run's equity exactly. Returns the equity (portfolios x bars), each portfolio's ruin bar and
    its assets' P&L since the last fill at that bar (portfolios x assets, zeros if none).

    One thread: a sweep runs its chunks on every core in worker processes
    (`pipeline.executors.LocalExecutor`), which must not start numba's OpenMP threads after a
    fork from a process that used them.
    """
    p, (n, m) = len(starts) - 1, close.shape
    equity = np.zeros((p, n))
    ruin = np.full(p, NO_RUIN)
    losses = np.zeros((p, m))
    for k in range(p):
        book = slice(starts[k], starts[k + 1])
        ruin[k] = _equity_path(
            close, bars[book], orders[book], fees[k], slippage[k], borrow[k], days,
            cash_rate[rates[k]], margin_rate[rates[k]], initial_cash, maintenance[k], equity[k],
            losses[k],
        )  # fmt: skip
    return equity, ruin, losses


@njit(cache=True)
def _equity_path(
    close: np.ndarray,
    bars: np.ndarray,
    orders: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    borrow: np.ndarray,
    days: np.ndarray,
    cash_rate: np.ndarray,
    margin_rate: np.ndarray,
    initial_cash: float,
    maintenance: float,
    equity: np.ndarray,
    losses: np.ndarray,
) -> int:
    n, m = close.shape
    borrowed, fee_paid, slipped, fills = np.zeros(m), np.zeros(m), np.zeros(m), np.zeros((m, 5))
    held, debt, balance, last_fill = np.zeros(m), np.zeros(m), initial_cash, 0
    trades = np.zeros(m)  # each asset's trade on a fill bar (`_rebalance`'s room)
    following, next_bar = 0, bars[0] if len(bars) else n
    for t in range(n):
        if t > 0:
            rate = _financing_rate(balance, equity[t - 1], cash_rate[t], margin_rate[t])
            balance, _ = _accrue(held, close[t - 1], borrow, days[t], rate, balance, borrowed)
        holdings, gross = _marked(held, close[t])
        value = balance + holdings
        if margin_call(value, gross, maintenance):
            fee_paid[:], slipped[:] = 0.0, 0.0
            balance, _ = _liquidate(
                t, close, last_fill, value, fees, slippage, held, debt, balance,
                fee_paid, slipped, fills, 0, losses, trades,
            )  # fmt: skip
            equity[t:] = balance
            return t
        if t == next_bar:  # fee_paid and slipped are room only: a path keeps no cost lines
            balance, _ = _rebalance(
                t, close[t], orders[following], value, fees, slippage, held, debt, balance,
                fee_paid, slipped, fills, 0, trades,
            )  # fmt: skip
            value = balance + _marked(held, close[t])[0]
            last_fill, following = t, following + 1
            next_bar = bars[following] if following < len(bars) else n
        equity[t] = value
    return NO_RUIN


@njit(cache=True)
def margin_call(value: float, gross: float, maintenance: float) -> bool:
    """The ruin rule: equity at or below ``maintenance`` times the gross exposure.

    ``gross`` is the market value of the longs plus that of the shorts (absolute). With no
    positions the rule is equity at or below zero, so a portfolio worth nothing is always ruined.
    """
    return value <= maintenance * gross


@njit(cache=True)
def _liquidate(
    t: int,
    close: np.ndarray,
    last_fill: int,
    value: float,
    fees: np.ndarray,
    slippage: np.ndarray,
    held: np.ndarray,
    debt: np.ndarray,
    balance: float,
    fee_paid: np.ndarray,
    slipped: np.ndarray,
    fills: np.ndarray,
    count: int,
    losses: np.ndarray,
    trades: np.ndarray,
) -> tuple:
    """Close every position at the close of ``t``, sells then buys, as a rebalance to zero.

    ``losses`` gets each position's P&L since the last fill bar: units times the close's change.
    """
    for j in range(len(held)):
        if held[j] != 0:
            losses[j] = held[j] * (close[t, j] - close[last_fill, j])
    return _rebalance(
        t, close[t], np.zeros(len(held)), value, fees, slippage, held, debt, balance,
        fee_paid, slipped, fills, count, trades,
    )  # fmt: skip


@njit(cache=True)
def _financing_rate(balance: float, value: float, cash_rate: float, margin_rate: float) -> float:
    """The rate on cash held over a bar: none on rounding residue (`CASH_TOLERANCE`)."""
    if abs(balance) <= CASH_TOLERANCE * abs(value):
        return 0.0
    return cash_rate if balance >= 0 else margin_rate


@njit(cache=True)
def _accrue(
    held: np.ndarray,
    previous_close: np.ndarray,
    borrow: np.ndarray,
    days: float,
    rate: float,
    balance: float,
    borrowed: np.ndarray,
) -> tuple:
    """Interest on ``balance`` at ``rate``, and each short's borrow fee, since the last close.

    ``borrowed`` gets each short's fee (other entries are left as they are); their total is
    the sum of every asset's fee, a long's being zero.
    """
    interest, fee = balance * rate + 0.0, 0.0  # + 0.0: no "-0" from residue at a zero rate
    for j in range(len(held)):
        if held[j] < 0:
            borrowed[j] = -held[j] * previous_close[j] * borrow[j] * days / 365.0
            fee += borrowed[j]
    return balance + (interest - fee), interest


@njit(cache=True)
def _marked(held: np.ndarray, price: np.ndarray) -> tuple:
    """The holdings' value at ``price`` (cash aside) and their gross exposure."""
    total, gross = 0.0, 0.0
    for j in range(len(held)):
        if held[j] != 0:
            position = held[j] * price[j]
            total += position
            gross += abs(position)
    return total, gross


@njit(cache=True)
def _rebalance(
    t: int,
    price: np.ndarray,
    weight: np.ndarray,
    value: float,
    fees: np.ndarray,
    slippage: np.ndarray,
    held: np.ndarray,
    debt: np.ndarray,
    balance: float,
    fee_paid: np.ndarray,
    slipped: np.ndarray,
    fills: np.ndarray,
    count: int,
    delta: np.ndarray,
) -> tuple:
    """Trade every asset with a target to ``weight * value / price``; sells, then buys.

    ``delta`` is room for each asset's trade, allocated once by the caller, not on every bar.
    """
    m = len(price)
    delta[:] = 0.0
    buffer = 1.0 + max(0.0, -balance)
    for j in range(m):
        if not np.isnan(weight[j]) and not np.isnan(price[j]):
            delta[j] = weight[j] * value / price[j] - held[j]
            if delta[j] > 0:
                buffer += delta[j] * price[j] * (1.0 + slippage[j]) * (1.0 + fees[j])
    for selling in (True, False):
        for j in range(m):
            if delta[j] == 0 or (delta[j] < 0) != selling:
                continue
            state = ProcessOrderState(
                cash=balance + buffer,
                position=held[j],
                debt=debt[j],
                free_cash=balance + buffer,
                val_price=price[j],
                value=value,
                oidx=0,
                lidx=0,
            )
            order = order_nb(
                size=delta[j],
                price=price[j],
                size_type=SizeType.Amount,
                direction=Direction.Both,
                fees=fees[j],
                slippage=slippage[j],
                allow_partial=False,
                raise_reject=True,
            )
            after, result = execute_order_nb(state, order)
            if result.status == OrderStatus.Rejected:
                raise RuntimeError("vectorbt rejected an order the loop had funded")
            if result.status != OrderStatus.Filled:
                continue
            traded = after.position - held[j]
            balance, held[j], debt[j] = after.cash - buffer, after.position, after.debt
            fee_paid[j] += result.fees
            slipped[j] += abs(traded) * abs(result.price - price[j])
            fills[count, 0], fills[count, 1], fills[count, 2] = t, j, traded
            fills[count, 3], fills[count, 4] = result.price, result.fees
            count += 1
    return balance, count
