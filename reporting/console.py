"""What a run prints: the "Signals now" panel of a switching strategy and the summary table."""

from __future__ import annotations

import textwrap
from typing import Any

from data.sources import SYNTHETIC_BANNER
from pipeline.run import RunResult
from reporting.answer import answer
from reporting.html import num

_ROWS = (
    ("Total return [%]", "total_return", 100.0),
    ("CAGR [%]", "cagr", 100.0),
    ("Volatility [%]", "volatility", 100.0),
    ("Sharpe", "sharpe", 1.0),
    ("Sortino", "sortino", 1.0),
    ("Max drawdown [%]", "max_drawdown", 100.0),
    ("Calmar", "calmar", 1.0),
)


def summary_table(result: RunResult) -> str:
    """Return the demo mark, the ruin, the answer, the signals now, the run, the metrics.

    The demo mark first on a run on the synthetic demo market; the ruin line only when the run
    was ruined, the signals now only for a switching run; the answer says in words whether the
    strategy beat its benchmark and why (`reporting.answer`); the table has strategy, benchmark
    and their difference.
    """
    dates, bench = result.strategy.equity.index, result.benchmark_name
    lines = [synthetic_line()] if result.market.synthetic else []
    lines += [result.ruin_headline] if result.ruin_headline else []
    lines += textwrap.wrap(answer(result), 100)
    if result.switching is not None:
        lines.append(signals_now_text(result.switching.explanation.now, mark=False))
    lines += [
        f"{result.config.strategy.title} vs {bench}, {dates[0].date()} to {dates[-1].date()}, "
        f"data {result.market.source}",
        result.costs,
        result.cash,
        f"{'':18}{'strategy':>11}{bench[:10]:>11}{'difference':>12}",
    ]
    for label, key, scale in _ROWS:
        parts = ("strategy", "benchmark")
        cells = (num(result.metrics[part][key], scale, width=11) for part in parts)
        diff = num(result.metrics["difference"][key], scale, width=12)
        lines.append(f"{label:18}" + "".join(cells) + diff)
    lines += na_lines(result.metrics, bench)
    lines.append(bootstrap_line(result.metrics, bench))
    if result.switching is not None and result.switching.explanation.reading_sources:
        lines.append(f"Bull & Bear reading: {result.switching.explanation.reading_sources}")
    costs = result.metrics["attribution"]["strategy"]
    lines.append(
        "Strategy costs and financing [$]: "
        + ", ".join(
            f"{line} {num(costs[line], digits=0)}"
            for line in ("fees", "slippage", "borrow", "interest")
        )
    )
    return "\n".join(lines)


def na_lines(metrics: dict[str, Any], bench: str = "60/40") -> list[str]:
    """One line per reason a figure of the table is n/a, naming the figures and whose they are."""
    reasons = metrics.get("na_reasons", {})
    names = {key: label.split(" [")[0] for label, key, _ in _ROWS}
    sides: dict[tuple[str, str], list[str]] = {}  # (reason, figure) -> whose
    for part, word in (("strategy", "strategy"), ("benchmark", bench)):
        for key, why in reasons.get(part, {}).items():
            if key in names:
                sides.setdefault((why, names[key]), []).append(word)
    grouped: dict[tuple[str, str], list[str]] = {}  # (reason, whose) -> figures
    for (why, figure), whose in sides.items():
        grouped.setdefault((why, " and ".join(whose)), []).append(figure)
    return [f"n/a: {', '.join(figs)} ({whose}): {why}" for (why, whose), figs in grouped.items()]


def bootstrap_line(metrics: dict[str, Any], bench: str = "60/40") -> str:
    """The Sharpe difference with its interval and share of wins, or n/a and why."""
    boot = metrics["uncertainty"]
    why = metrics.get("na_reasons", {}).get("uncertainty", {}).get("sharpe_diff")
    if why:
        return f"Sharpe difference n/a: {why}"
    return (
        f"Sharpe difference {num(boot['sharpe_diff'])}, {num(boot['confidence'], 100, 0)}% "
        f"interval {num(boot['sharpe_diff_low'])} to {num(boot['sharpe_diff_high'])}; "
        f"strategy's Sharpe above {bench}'s in {num(boot['prob_sharpe_better'], 100, 0)}% of "
        f"{boot['n_resamples']} block-bootstrap resamples"
    )


def synthetic_line() -> str:
    """The line that opens every console output of a run on the demo market."""
    return f"*** {SYNTHETIC_BANNER} ***"


def signals_now_text(now: dict[str, Any], *, mark: bool = True) -> str:
    """The "Signals now" panel: the reading, each support level, the dollar guard, the regime.

    Opened by the demo mark when the signals were read on the synthetic demo market (unless
    ``mark`` is false: the summary that holds the panel opens with it already).
    """
    if now.get("kind") == "call":
        return call_now_text(now, mark=mark)
    regime, reading = now["regime"], now["reading"]
    since = f"since {regime['since']}" + (
        " (the start of the history)" if regime["since_history_start"] else ""
    )
    lines = [synthetic_line()] if mark and now.get("synthetic") else []
    lines.append(f"Signals now, as of the close of {as_of_text(now)}")
    lines += [
        f"  {'lagging':<17}{lag['ticker']} last close {lag['last_close']}" for lag in now["lagging"]
    ]
    lines += [
        f"  regime held      {regime['held']} {since}, {regime['bars']} bars",
        f"  Bull & Bear      {_reading(reading)}",
    ]
    if reading["value"] is not None and published_text(reading):
        lines.append(f"  {'':17}{published_text(reading)}")
    for level in now["supports"]:
        lines.append(f"  {'support ' + level['name']:<17}{_support(level)}")
    guard = now["dollar_guard"]
    if guard is not None:
        lines.append(f"  {'dollar guard':<17}{_guard(guard)}")
    lines.append("  what would change it:")
    lines += [f"    - {line}" for line in now["would_change"]]
    return "\n".join(lines)


def call_now_text(now: dict[str, Any], *, mark: bool = True) -> str:
    """A call's "Signals now": the regime held, each signal's last value, the rules' needs."""
    regime = now["regime"]
    lines = [synthetic_line()] if mark and now.get("synthetic") else []
    lines += [
        f"Signals now ({now['call']}), as of the close of {as_of_text(now)}",
        f"  {'regime held':<17}{regime['held']} since {regime['since']}, {regime['bars']} bars",
    ]
    lines += [f"  {s['name']:<17}{call_value(s['value'])}  ({s['label']})" for s in now["signals"]]
    lines.append("  what would change it:")
    lines += [f"    - {line}" for line in now["would_change"]]
    return "\n".join(lines)


def call_value(value: Any) -> str:
    """A signal's last value as the panel prints it: on/off, a number, or n/a."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:.4g}"


def as_of_text(now: dict[str, Any]) -> str:
    """The as-of date, and why when it is before the data's last date."""
    if now["as_of"] == now["data_end"]:
        return now["as_of"]
    return (
        f"{now['as_of']}, the last date every series has a close of its own (the data run to "
        f"{now['data_end']})"
    )


def support_state(level: dict[str, Any]) -> str:
    """``BROKEN``, ``holding`` or ``not armed``, with what re-arms a level that is not."""
    words = ["BROKEN"] if level["broken"] else ["holding"] if level["armed"] else []
    state = ", ".join([*words, *([] if level["armed"] else ["not armed"])])
    state += f" ({level['closes_below']} closes below in a row, {level['confirm_days']} confirm)"
    if not level["armed"]:
        state += f"; re-arms when {level['rearm']}"
    if level["rearm_bars_left"]:
        state += (
            f"; paused {level['rearm_bars_left']} more bar(s) (rearm_bars {level['rearm_bars']})"
        )
    return state


def guard_state(guard: dict[str, Any]) -> str:
    """``ON``, ``off``, or ``off, disarmed`` with what re-arms the guard."""
    if guard["on"]:
        return "ON"
    return "off" if guard["armed"] else f"off, disarmed: fires again only after {guard['rearm']}"


def _reading(reading: dict[str, Any]) -> str:
    value = reading["value"]
    if value is None:
        told = published_text(reading)
        return f"{told or 'no reading'} ({reading['source']})"
    return (
        f"{num(value)} ({reading['source']}): {_points(reading['minus_sell_above'])} sell_above "
        f"{reading['sell_above']:g}, {_points(reading['minus_buy_below'])} buy_below "
        f"{reading['buy_below']:g}"
    )


def published_text(reading: dict[str, Any]) -> str:
    """The published reading in force (or the last one, stale), its date, source and vintage."""
    published = reading.get("published")
    if not published:
        return ""
    if published["date"] is None:
        return "no published reading yet"
    number = "no number" if published["value"] is None else f"{published['value']:g}"
    told = ", ".join([number, published["signal"]] if published["signal"] else [number])
    month = " (month only: from its last day)" if published["month_only"] else ""
    what = f"of {published['date']}{month}: {told} ({published['source']}; {published['vintage']})"
    if published["stale"]:
        stand_in = "the proxy stands in" if reading["origin"] == "proxy" else "no reading"
        return (
            f"BofA's last reading, {what}, is {published['age_days']} days old, over "
            f"reading_max_age_days {published['max_age_days']}: stale, {stand_in}"
        )
    return f"BofA's reading {what}, {published['age_days']} days old"


def _points(difference: float) -> str:
    return f"{abs(difference):.2f} {'above' if difference > 0 else 'below'}"


def _support(level: dict[str, Any]) -> str:
    if level["close"] is None or level["support"] is None:
        return f"{level['label']}: no close or support on this date"
    return (
        f"{level['ticker']} {num(level['close'])} against support {num(level['support'])} "
        f"({level['mode']}): {num(level['distance_pct'], 1, 1, True)}%, {support_state(level)}"
    )


def _guard(guard: dict[str, Any]) -> str:
    if guard["close"] is None:
        return f"{guard['label']}: no close on this date"
    text = (
        f"{guard['ticker']} {num(guard['close'])} against {guard['level']:g}: "
        f"{num(guard['distance_pct'], 1, 1, True)}%"
    )
    yields = guard["yields"]
    if yields is not None and yields["change_bps"] is not None:
        text += (
            f"; {yields['ticker']} {num(yields['change_bps'], 1, 0, True)} bp over "
            f"{yields['days']} bars "
            f"(needs {yields['needs_bps']:+g} bp)"
        )
    return f"{text}; {guard_state(guard)}"
