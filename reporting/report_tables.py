"""The report's tables: metric labels with units, and each table as HTML from the run's frames.

Values are fractions in the engine (0.05 is 5%); the labels here carry the unit and the scale
that turns a fraction into what the label says, so no table guesses at units.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd

from analytics.metrics import METRICS
from reporting.html import NA, bullet_list, esc, missing, num, table

# key -> (label with unit, scale from the engine's fraction, digits)
LABELS: dict[str, tuple[str, float, int]] = {
    "total_return": ("Total return [%]", 100.0, 2),
    "cagr": ("CAGR [%]", 100.0, 2),
    "volatility": ("Volatility [% a year]", 100.0, 2),
    "sharpe": ("Sharpe ratio (excess of cash)", 1.0, 2),
    "sortino": ("Sortino ratio (excess of cash)", 1.0, 2),
    "max_drawdown": ("Max drawdown [%]", 100.0, 2),
    "calmar": ("Calmar ratio", 1.0, 2),
    "max_drawdown_peak": ("Max drawdown: peak [date]", 1.0, 0),
    "max_drawdown_trough": ("Max drawdown: trough [date]", 1.0, 0),
    "max_drawdown_recovery": ("Max drawdown: recovery [date]", 1.0, 0),
    "longest_under_water_days": ("Longest under water [calendar days]", 1.0, 0),
    "fraction_under_water": ("Time under water [% of days]", 100.0, 1),
    "best_month": ("Best month [%]", 100.0, 2),
    "best_month_period": ("Best month [month]", 1.0, 0),
    "worst_month": ("Worst month [%]", 100.0, 2),
    "worst_month_period": ("Worst month [month]", 1.0, 0),
    "best_year": ("Best year [%]", 100.0, 2),
    "best_year_period": ("Best year [year]", 1.0, 0),
    "worst_year": ("Worst year [%]", 100.0, 2),
    "worst_year_period": ("Worst year [year]", 1.0, 0),
    "turnover": ("Turnover [% a year, one-sided]", 100.0, 1),
    "var_95": ("Value at risk, 95%, historical [% a day]", 100.0, 2),
    "cvar_95": ("Expected shortfall (CVaR), 95% [% a day]", 100.0, 2),
    "skew": ("Skew of daily returns", 1.0, 2),
    "kurtosis": ("Excess kurtosis of daily returns", 1.0, 2),
    "win_rate_days": ("Win rate [% of days that moved]", 100.0, 1),
    "win_rate_months": ("Win rate [% of months that moved]", 100.0, 1),
    "best_day": ("Best day [%]", 100.0, 2),
    "best_day_date": ("Best day [date]", 1.0, 0),
    "worst_day": ("Worst day [%]", 100.0, 2),
    "worst_day_date": ("Worst day [date]", 1.0, 0),
    "longest_drawdown_days": ("Longest drawdown [calendar days, from the peak]", 1.0, 0),
    "longest_drawdown_peak": ("Longest drawdown: peak", 1.0, 0),
    "longest_drawdown_trough": ("Longest drawdown: trough", 1.0, 0),
    "longest_drawdown_recovery": ("Longest drawdown: recovery", 1.0, 0),
    "beta": ("Beta to 60/40", 1.0, 2),
    "alpha": ("Alpha [% a year]", 100.0, 2),
    "tracking_error": ("Tracking error [% a year]", 100.0, 2),
    "information_ratio": ("Information ratio", 1.0, 2),
    "up_capture": ("Up capture [% of 60/40's up days]", 100.0, 1),
    "down_capture": ("Down capture [% of 60/40's down days]", 100.0, 1),
    "hit_rate": ("Hit rate [% of months beating 60/40]", 100.0, 1),
    "sharpe_vs_6040": ("Sharpe minus 60/40's", 1.0, 2),
    "cagr_vs_6040": ("CAGR minus 60/40's [pp]", 100.0, 2),
}
for _side in ("gross", "net", "long", "short"):
    for _stat, _word in (("mean", "average"), ("max", "maximum")):
        LABELS[f"{_side}_{_stat}"] = (f"{_side.capitalize()} exposure, {_word} [%]", 100.0, 1)


def label(key: str) -> str:
    """The readable label of a metric key (the key itself, spaced, when it is new)."""
    return LABELS.get(key, (key.replace("_", " "), 1.0, 4))[0]


def value(key: str, raw: Any, signed: bool = False) -> str:
    """A metric's value in its label's unit; dates and periods as they are; "n/a" when missing."""
    _, scale, digits = LABELS.get(key, ("", 1.0, 4))
    if isinstance(raw, str):
        return NA if missing(raw) else raw
    return num(raw, scale, digits, signed=signed)


def na_notes(
    metrics: dict[str, dict[str, Any]],
    keys: Collection[str],
    parts: tuple[str, ...],
    bench: str = "60/40",
) -> str:
    """Why each n/a figure of a table is n/a: one note per figure of ``keys`` in ``parts``.

    ``parts`` name sections of ``metrics["na_reasons"]`` (``strategy``, ``benchmark``,
    ``relative``, ``uncertainty``); nothing when no figure is n/a.
    """
    reasons = metrics.get("na_reasons", {})
    words = {"strategy": "strategy", "benchmark": bench, "relative": "", "uncertainty": ""}
    notes = {}
    for part in parts:
        for key, why in reasons.get(part, {}).items():
            if key in keys:
                notes.setdefault(why, []).append(f"{words[part]} {label(key)}".strip())
    return bullet_list(f"n/a: {', '.join(figures)}: {why}" for why, figures in notes.items())


def headline_table(metrics: dict[str, dict[str, Any]], bench: str = "60/40") -> str:
    """Strategy, benchmark and difference of the headline metrics, with bootstrap intervals."""
    boot = metrics.get("uncertainty", {})
    level = num(boot.get("confidence"), 100.0, 0)
    intervals = {
        "sharpe": ("sharpe_diff_low", "sharpe_diff_high", 1.0),
        "cagr": ("cagr_diff_low", "cagr_diff_high", 100.0),
    }
    rows = []
    for key in METRICS:
        cells = [label(key), *(value(key, metrics[p].get(key)) for p in ("strategy", "benchmark"))]
        cells.append(value(key, metrics["difference"].get(key), signed=True))
        low, high, scale = intervals.get(key, ("", "", 1.0))
        if low in boot and not missing(boot[low]):
            cells.append(f"{num(boot[low], scale, 2, True)} to {num(boot[high], scale, 2, True)}")
        else:
            cells.append("")
        rows.append(cells)
    header = ["Metric", "Strategy", bench, "Difference", f"{level}% interval of difference"]
    notes = na_notes(metrics, METRICS, ("strategy", "benchmark"), bench)
    return table(header, rows, table_id="headline-table") + notes


def full_metrics_table(metrics: dict[str, dict[str, Any]], bench: str = "60/40") -> str:
    """Every single-portfolio metric, strategy against the benchmark and their difference."""
    rows = []
    for key, raw in metrics["strategy"].items():
        ours, theirs = value(key, raw), value(key, metrics["benchmark"].get(key))
        if key.endswith("drawdown_recovery"):
            spell = key.removesuffix("_recovery")
            ours, theirs = (_recovery(metrics[p], spell) for p in ("strategy", "benchmark"))
        diff = metrics["difference"].get(key)
        rows.append([label(key), ours, theirs, "" if diff is None else value(key, diff, True)])
    notes = na_notes(metrics, list(metrics["strategy"]), ("strategy", "benchmark"), bench)
    return table(["Metric", "Strategy", bench, "Difference"], rows) + notes


def _recovery(summary: dict[str, Any], spell: str) -> str:
    """The recovery date, or "not recovered" when a drawdown never got back to its peak."""
    if summary.get(f"{spell}_recovery"):
        return str(summary[f"{spell}_recovery"])
    return "not recovered" if summary.get(f"{spell}_peak") else NA


def relative_table(metrics: dict[str, dict[str, Any]], bench: str = "60/40") -> str:
    """Beta, alpha, tracking error, information ratio, captures and hit rate against ``bench``."""
    relative = metrics.get("relative", {})
    rows = [[label(key).replace("60/40", bench), value(key, raw)] for key, raw in relative.items()]
    notes = na_notes(metrics, list(relative), ("relative",))
    return table([f"Against {bench}", "Strategy"], rows) + notes


def spells_table(spells: pd.DataFrame, count: int = 5) -> str:
    """The ``count`` deepest drawdowns of one curve: start, recovery, days, depth."""
    deepest = spells.sort_values("depth").head(count)
    rows = [
        [
            row.start.date().isoformat(),
            row.end.date().isoformat() if row.recovered else "not recovered",
            num(row.days, 1.0, 0),
            num(row.depth, 100.0, 2),
        ]
        for row in deepest.itertuples()
    ]
    return table(["Start", "Recovered", "Calendar days", "Depth [%]"], rows)


def event_study_table(study: pd.DataFrame) -> str:
    """The event study, one row per trigger, series and horizon, in percent."""
    header = [
        "Trigger",
        "Series",
        "Horizon [bars]",
        "Events",
        "Independent events",
        "Mean [%]",
        "Hit rate [%]",
        "All-days mean [%]",
        "All-days hit rate [%]",
        "Difference [pp]",
    ]
    rows = [
        [
            row.trigger,
            row.series,
            num(row.horizon_days, 1.0, 0),
            num(row.events, 1.0, 0),
            num(row.independent_events, 1.0, 0),
            num(row.mean, 100.0, 2),
            num(row.hit_rate, 100.0, 1),
            num(row.all_mean, 100.0, 2),
            num(row.all_hit_rate, 100.0, 1),
            num(row.difference, 100.0, 2, signed=True),
        ]
        for row in study.itertuples()
    ]
    return table(header, rows, left=2)


def regimes_table(regimes: pd.DataFrame) -> str:
    """Performance of the strategy in each regime it held."""
    header = [
        "Regime",
        "Days held",
        "Share [%]",
        "Mean [% a year]",
        "Compounded [% a year]",
        "Volatility [% a year]",
        "Sharpe",
        "Worst day [%]",
        "Spells",
        "Why n/a",
    ]
    rows = [
        [
            name,
            num(row["days"], 1.0, 0),
            num(row["share"], 100.0, 1),
            num(row["mean_annual"], 100.0, 2),
            num(row["compounded_annual"], 100.0, 2),
            num(row["volatility"], 100.0, 2),
            num(row["sharpe"], 1.0, 2),
            num(row["worst_day"], 100.0, 2),
            num(row["spells"], 1.0, 0),
            row.get("na_reason", ""),
        ]
        for name, row in regimes.iterrows()
    ]
    return table(header, rows)


def events_table(events: pd.DataFrame, edge: int = 10) -> str:
    """The regime changes; when there are many, the first and last ``edge`` with a count."""
    shown = events if len(events) <= 3 * edge else pd.concat([events.head(edge), events.tail(edge)])
    rows = []
    for position, row in enumerate(shown.itertuples(index=False)):
        if len(shown) < len(events) and position == edge:
            rows.append([f"... {len(events) - 2 * edge} more changes ...", "", "", ""])
        fields = row._asdict()
        day = fields.get("date")
        rows.append(
            [
                day.date().isoformat() if isinstance(day, pd.Timestamp) else str(day),
                str(fields.get("regime", "")),
                str(fields.get("cause", "")),
                num(fields.get("reading"), 1.0, 2),
            ]
        )
    note = f"<p>{esc(len(events))} regime changes.</p>"
    return note + table(["Decided at close of", "New regime", "Cause", "Reading"], rows, left=3)


def attribution_table(totals: dict[str, dict[str, float]], bench: str = "60/40") -> str:
    """Dollar P&L of every leg and cost line, strategy beside the benchmark, the total last."""
    strategy, benchmark = totals.get("strategy", {}), totals.get("benchmark", {})
    lines = [key for key in dict.fromkeys([*strategy, *benchmark]) if key != "total"]
    rows = [
        [
            line,
            *(num(part[line], 1.0, 0) if line in part else "-" for part in (strategy, benchmark)),
        ]
        for line in [*lines, "total"]
    ]
    return table(["Leg or line", "Strategy [$]", f"{bench} [$]"], rows)


def fills_table(trades: pd.DataFrame, legs: dict[str, str], count: int = 20) -> str:
    """The last ``count`` fills: date, ticker, leg, signed units, price, notional and fee."""
    rows = [
        [
            pd.Timestamp(row.date).date().isoformat(),
            row.ticker,
            legs.get(row.ticker, row.ticker),
            num(row.units, 1.0, 4, signed=True),
            num(row.price, 1.0, 2),
            num(row.units * row.price, 1.0, 0, signed=True),
            num(row.fee, 1.0, 2),
        ]
        for row in trades.tail(count).itertuples()
    ]
    header = ["Date", "Ticker", "Leg", "Units", "Price [$]", "Notional [$]", "Fee [$]"]
    return table(header, rows, left=3)


# the top-combinations table's columns, with labels short enough for a row of many keys
SWEEP_COLUMNS = {
    "sharpe": "Sharpe",
    "sharpe_vs_6040": "Sharpe vs 60/40",
    "cagr": "CAGR [%]",
    "cagr_vs_6040": "CAGR vs 60/40 [pp]",
    "volatility": "Volatility [%]",
    "max_drawdown": "Max drawdown [%]",
}


def sweep_facts_table(facts: dict[str, Any]) -> str:
    """A sweep's size, its best values, and how far luck alone explains the best Sharpe."""
    ruined = facts.get("ruined", 0)
    size = f"{facts['combinations']:,}" + (f" ({ruined} ruined)" if ruined else "")
    rows = [["Combinations", size]]
    rows += [[f"Best {key}", f"{raw:g}"] for key, raw in facts["best"].items()]
    rows.append(["Best Sharpe", num(facts.get("best_sharpe"))])
    if "deflated_sharpe" in facts:
        deflated = facts["deflated_sharpe"]
        verdict = "below 0.95: not convincing" if deflated < 0.95 else "at least 0.95"
        rows += [
            ["Deflated Sharpe", f"{num(deflated)} ({verdict})"],
            ["Expected max Sharpe from luck", num(facts.get("expected_max_sharpe"))],
            ["Trials' Sharpe std", num(facts.get("trial_sharpe_std"))],
        ]
    if "pbo" in facts:
        verdict = "above 0.5: worse than a coin flip" if facts["pbo"] > 0.5 else "at most 0.5"
        pbo = f"{num(facts['pbo'])} ({verdict})"
        if facts.get("pbo_standard_error"):
            pbo += (
                f", ± {facts['pbo_standard_error']:.3f} (standard error): from "
                f"{facts['pbo_combinations']:,} of the {facts['pbo_of_combinations']:,} "
                "train/test splits, drawn at random"
            )
        rows.append(["Probability of backtest overfitting (PBO)", pbo])
    return table(["Sweep", "Value"], rows, table_id="sweep-facts")


def sweep_top_table(
    sweep: pd.DataFrame, keys: list[str], count: int = 10, bench: str = "60/40"
) -> str:
    """The ``count`` combinations with the highest Sharpe (ruined ones never), the best first.

    The differences are to ``bench``, the run's benchmark.
    """
    top = sweep.sort_values("sharpe", ascending=False, kind="stable", na_position="last")
    alive = top["ruined_on"].fillna("").astype(str) == "" if "ruined_on" in top else True
    top = top.loc[top["sharpe"].notna() & alive].head(count)
    rows = [
        [
            "1 (best)" if rank == 1 else str(rank),
            *(f"{row[key]:g}" for key in keys),
            *(value(key, row[key], signed=key.endswith("_vs_6040")) for key in SWEEP_COLUMNS),
        ]
        for rank, (_, row) in enumerate(top.iterrows(), start=1)
    ]
    header = ["Rank", *keys, *(name.replace("60/40", bench) for name in SWEEP_COLUMNS.values())]
    return table(header, rows, table_id="sweep-top")
