"""Report sections of a switching run: "Signals now" at the top, and its whipsaws."""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting import html as h
from reporting.console import as_of_text, call_value, guard_state, published_text, support_state


def signals_now_section(now: dict[str, Any], synthetic: bool) -> str:
    """The reading, the support levels and the dollar guard at the last date, and the regime."""
    if now.get("kind") == "call":
        return _call_now_section(now, synthetic)
    regime, reading = now["regime"], now["reading"]
    lead = (
        f"As of the close of {as_of_text(now)}"
        + (" (SYNTHETIC demo data)" if synthetic else "")
        + f": the regime decided there is {regime['held']}, held since {regime['since']} "
        f"({regime['bars']} bars). Distances are the close over its support minus 1."
        + "".join(
            f" Lagging: {lag['ticker']}, last close {lag['last_close']}." for lag in now["lagging"]
        )
    )
    rows = [
        [
            f"Bull & Bear ({reading['source']})",
            h.num(reading["value"]),
            f"sell_above {reading['sell_above']:g} / buy_below {reading['buy_below']:g}",
            f"{h.num(reading['minus_sell_above'], signed=True)} / "
            f"{h.num(reading['minus_buy_below'], signed=True)} points",
            published_text(reading),
        ]
    ]
    for level in now["supports"]:
        rows.append(
            [
                f"support {level['name']}: {level['label']}",
                h.num(level["close"]),
                h.num(level["support"]),
                f"{h.num(level['distance_pct'], 1, 1, True)}%",
                support_state(level),
            ]
        )
    guard = now["dollar_guard"]
    if guard is not None:
        state = guard_state(guard)
        yields = guard["yields"]
        if yields is not None:
            state += (
                f"; {yields['ticker']} {h.num(yields['change_bps'], 1, 0, True)} bp over "
                f"{yields['days']} bars (needs {yields['needs_bps']:+g})"
            )
        rows.append(
            [
                f"dollar guard: {guard['label']}",
                h.num(guard["close"]),
                h.num(guard["level"]),
                f"{h.num(guard['distance_pct'], 1, 1, True)}%",
                state,
            ]
        )
    header = ["Signal", "Last value", "Level", "Distance", "State"]
    body = h.table(header, rows) + "<h3>What would change the regime</h3>"
    body += h.bullet_list(now["would_change"], css="changes")
    return h.section("signals-now", "Signals now", body, lead)


def _call_now_section(now: dict[str, Any], synthetic: bool) -> str:
    """A call's signals at the last date, and what each rule that could fire needs."""
    regime = now["regime"]
    lead = (
        f"As of the close of {as_of_text(now)}"
        + (" (SYNTHETIC demo data)" if synthetic else "")
        + f": the call {now['call']} holds {regime['held']}, since {regime['since']} "
        f"({regime['bars']} bars)."
    )
    rows = [[s["name"], s["label"], call_value(s["value"])] for s in now["signals"]]
    body = h.table(["Signal", "What it is", "Last value"], rows, left=2)
    body += "<h3>What would change the regime</h3>"
    body += h.bullet_list(now["would_change"], css="changes")
    return h.section("signals-now", "Signals now", body, lead)


def whipsaws_table(whipsaws: pd.DataFrame, shorter_than: int) -> str:
    """Every spell entered and left inside the run in fewer than ``shorter_than`` bars."""
    lead = (
        f"<p>{len(whipsaws)} whipsaw(s): spells entered and left inside the run in fewer than "
        f"{shorter_than} bars, each paying two rebalances.</p>"
    )
    if whipsaws.empty:
        return lead
    rows = [
        [
            str(row.regime),
            pd.Timestamp(row.start).date().isoformat(),
            pd.Timestamp(row.end).date().isoformat(),
            h.num(row.bars, 1, 0),
            str(row.cause_in),
            str(row.cause_out),
        ]
        for row in whipsaws.itertuples(index=False)
    ]
    header = ["Regime", "From", "To", "Bars", "Entered on", "Left on"]
    return lead + h.table(header, rows, left=3)
