"""The "what would change it" sentences of the Signals now panel, true to the switch's rules.

Each sentence says what ends the regime held, as `signals.rules.switch_regimes` decides it:
an entry is the reading crossing above ``sell_above`` or a support level's firing, ignored
during a cooldown; an exit is the reading below ``buy_below`` once ``min_hold`` bars are held,
or ``max_hold``; the dollar guard overrides both while it holds. A support level firing while
the reading is below ``buy_below`` is ignored (the buy signal wins), unless ``break_wins_bars``
lets it enter and hold off the buy signal for that many bars. "The next bar" is the first close
after the as-of date; "the 3rd bar from now" the third.
"""

from __future__ import annotations

import math
from typing import Any

from signals.switch import SwitchRules


def would_change(now: dict[str, Any], strategy: SwitchRules) -> list[str]:
    """What would move the regime from the one held, in words, with the distances."""
    held, guard = now["regime"]["held"], now["dollar_guard"]
    lines = []
    if held == "neutral":
        lines += _entries(now, strategy)
    elif held == "main_street":
        lines += _exits(now, strategy)
    if guard is not None:
        lines.append(_guard_line(guard, now["regime"], strategy))
    return lines


def bar_from_now(bars: int) -> str:
    """``the next bar`` for 1, ``the 3rd bar from now`` for 3."""
    if bars == 1:
        return "the next bar"
    suffix = "th" if 10 <= bars % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(bars % 10, "th")
    return f"the {bars}{suffix} bar from now"


def _compared(reading: dict[str, Any]) -> tuple[float | None, str]:
    """The reading as the rules compare it, and as a sentence shows it.

    A signal BofA published without a number is beyond any threshold: above for a sell, below
    for a buy.
    """
    value, published = reading["value"], reading.get("published") or {}
    bare = published.get("signal") if reading.get("origin") == "published" else None
    if value is None and bare:
        return (math.inf if bare == "sell" else -math.inf), f"now BofA's {bare} signal, no number"
    return value, "no reading now" if value is None else f"now {value:.2f}"


def _entries(now: dict[str, Any], strategy: SwitchRules) -> list[str]:
    """Held neutral: the reading's crossing, each support level, and any cooldown left."""
    (value, shown), above = _compared(now["reading"]), strategy.sell_above
    lines = []
    wait = now["regime"].get("cooldown_bars_left", 0)
    if wait:
        lines.append(
            f"no entry before {bar_from_now(wait + 1)}: cooldown {strategy.cooldown} bars after "
            f"leaving main_street, so a crossing or a break on the next {wait} bar(s) is ignored"
        )
    if value is not None and value > above:
        lines.append(
            f"main_street if the reading closes at or below {above:g} and later rises above "
            f"{above:g} again ({shown}: it is above already, and only a crossing counts)"
        )
    else:
        lines.append(f"main_street if the reading rises above {above:g} ({shown})")
    breaks = [_break_line(level) for level in now["supports"]]
    below = value is not None and value < strategy.buy_below
    if below and not strategy.break_wins_bars:
        breaks = [
            f"{line}; but a break is ignored while the reading is below "
            f"{strategy.buy_below:g} ({shown}): the buy signal wins (break_wins_bars 0)"
            for line in breaks
        ]
    return lines + breaks


def _exits(now: dict[str, Any], strategy: SwitchRules) -> list[str]:
    """Held main_street: the reading below buy_below (after min_hold) and max_hold."""
    regime, (_, shown) = now["regime"], _compared(now["reading"])
    bars, ignored = regime["hold_bars"], regime.get("buy_ignored_bars_left", 0)
    line = f"neutral if the reading closes below {strategy.buy_below:g} ({shown})"
    by_min_hold = max(1, strategy.min_hold - bars + 1)
    first = max(by_min_hold, ignored + 1)
    if first > 1 and first == by_min_hold:
        line += (
            f"; a close below it counts from {bar_from_now(first)} on (min_hold "
            f"{strategy.min_hold} bars, held {bars})"
        )
    elif first > 1:
        line += (
            f"; a close below it counts from {bar_from_now(first)} on (a support break fired "
            f"with the reading below it, and break_wins_bars {strategy.break_wins_bars} lets "
            "the break win that long)"
        )
    lines = [line]
    if "bars_to_max_hold" in regime:
        lines.append(
            f"neutral on {bar_from_now(regime['bars_to_max_hold'] + 1)}: max_hold "
            f"{strategy.max_hold} bars (held {bars})"
        )
    return lines


def _break_line(level: dict[str, Any]) -> str:
    """Held neutral: what makes a support level fire, or what it waits for first."""
    where = "no close" if level["close"] is None else f"now {level['close']:,.2f}"
    if level["distance_pct"] is not None:
        where += f", {level['distance_pct']:+.1f}% from it"
    support = "n/a" if level["support"] is None else f"{level['support']:,.2f}"
    rule = "at or below" if level["mode"] == "drawdown" else "below"
    days = level["confirm_days"]
    name, ticker = level["name"], level["ticker"]
    if level["mode"] == "below_level" and level["broken"]:
        text = (
            f"{name} is on already ({level['closes_below']} closes below {support}), so it "
            f"enters main_street again only after {ticker} closes at or above {support} and "
            f"then {days} days in a row below it ({where})"
        )
    elif not level["armed"]:
        since = f"its break on {level['last_break']}" if level["last_break"] else "the start"
        text = (
            f"{name} not armed (no re-arming close since {since}): it fires only after "
            f"{level['rearm']}, then {ticker} closes {rule} its support {days} days in a row "
            f"({where}; {level['closes_below']} closes {rule} it in a row)"
        )
    else:
        text = (
            f"main_street if {ticker} closes {rule} {support} ({name}) {days} days in a row "
            f"({where}; {level['closes_below']} so far)"
        )
    if level["rearm_bars_left"]:
        text += (
            f"; no break of it fires on the next {level['rearm_bars_left']} bar(s) "
            f"(rearm_bars {level['rearm_bars']} after its break on {level['last_break']})"
        )
    return text


def _guard_line(guard: dict[str, Any], regime: dict[str, Any], strategy: SwitchRules) -> str:
    """The dollar guard: what holds it, what fires it, or what it waits for first."""
    ticker, level = guard["ticker"], guard["level"]
    dollar = "no close" if guard["close"] is None else f"now {guard['close']:.2f}"
    text = f"{ticker} at or above {level:g} ({dollar})"
    yields = guard["yields"]
    if yields is not None:
        change = "n/a" if yields["change_bps"] is None else f"{yields['change_bps']:+.0f}"
        text += (
            f" with {yields['ticker']} down {-yields['needs_bps']:g} bp or more over "
            f"{yields['days']} bars (now {change} bp)"
        )
    if guard["on"]:
        lifts = "when either fails" if yields is not None else f"on a close below {level:g}"
        line = f"the defensive guard holds while {text}; it lifts {lifts}"
        if guard["mode"] == "cross" and yields is not None:
            line += f" (then it fires again only after {ticker} closes below {level:g})"
        return line + "; " + _beneath(regime, strategy)
    if not guard["armed"]:
        fired = guard["last_fired"]
        why = f"it fired on {fired}" if fired else f"no close below {level:g} since the start"
        return (
            f"dollar guard disarmed: fires again only after {ticker} closes below {level:g} "
            f"({dollar}; {why})"
        )
    return f"defensive if {text}"


def _beneath(regime: dict[str, Any], strategy: SwitchRules) -> str:
    """Held defensive: the position beneath the guard, which the regime returns to."""
    beneath = regime["beneath"]
    text = f"then the regime is the position beneath it, {beneath} now"
    if beneath == "main_street":
        text += f" (held {regime['hold_bars']} bars"
        if "bars_to_max_hold" in regime:
            text += f", neutral on {bar_from_now(regime['bars_to_max_hold'] + 1)} by max_hold"
        text += ")"
    elif regime.get("cooldown_bars_left"):
        text += f" (cooldown: entries ignored on the next {regime['cooldown_bars_left']} bars)"
    return text
