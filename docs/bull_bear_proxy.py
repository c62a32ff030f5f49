"""The Bull & Bear proxy against BofA's published readings: the table and figure of the doc.

Computes `analytics.proxy_agreement` figures for the strategy's default proxy and for every variant
tried (docs/bull_bear_proxy.md lists them), prints the markdown tables and writes
``docs/bull_bear_proxy.png``. Run from the project root (real history, about 5 s)::

    .venv/bin/python docs/bull_bear_proxy.py
    .venv/bin/python docs/bull_bear_proxy.py --data csv:../shared/data --no-figure
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project is not installed

from analytics.proxy_agreement import (  # noqa: E402
    Agreement,
    agreement,
    is_firm,
    pearson,
    read_published,
)
from analytics.proxy_calibration import LinearFit, filled_ranks, fit_before  # noqa: E402
from backtester import load_config  # noqa: E402
from data.market import Market, MarketRequest  # noqa: E402
from data.sources import load_market  # noqa: E402
from pipeline.run import BENCHMARK, prepare  # noqa: E402
from signals.bull_bear import BullBearProxy  # noqa: E402
from signals.readings import ExternalIndicator  # noqa: E402

PUBLISHED = ROOT / "data" / "published" / "bull_bear.csv"
FIGURE = ROOT / "docs" / "bull_bear_proxy.png"
REVAMP = pd.Timestamp("2025-10-01")
"""The first published reading explicitly of BofA's revamped indicator (the Oct 2025 sell)."""
CUT = pd.Timestamp("2020-01-01")
"""The calibration's split: fitted on readings dated before it, scored on those from it on."""
WIDE_11 = ("SPY", "IWM", "EFA", "XLK", "QQQ", "EEM", "VTI", "IJR", "SMH", "EWY", "FXI")
WIDE_9 = ("SPY", "IWM", "EFA", "XLK", "EEM", "EWY", "FXI", "VEU", "ACWX")
FILES = {
    "aaii": ("AAII_sentiment.csv", "Bull_Bear_Spread"),
    "cnn": ("CNN_fear_greed.csv", "Fear Greed"),
}

Reading = Callable[[Market], pd.Series]


@dataclass(frozen=True)
class Variant:
    """One proxy tried: a short name, what it changes, and how to compute it."""

    name: str
    change: str
    reading: Reading


def _market(folder: Path) -> tuple[Market, BullBearProxy]:
    """The real market with every ticker and file a variant reads, and the default proxy."""
    config = load_config("hartnett_switch", data=f"csv:{folder}", start="2003-01-01")
    proxy = config.strategy._signals(config.universe)["bull_bear"]
    assert isinstance(proxy, BullBearProxy)
    tickers, files = config.strategy.inputs(config.universe)
    request = MarketRequest(
        universe=config.universe,
        roles=tuple(dict.fromkeys((*config.strategy.roles(), *BENCHMARK.roles()))),
        start=config.start,
        calendar=config.calendar,
        signal_tickers=tuple(dict.fromkeys((*tickers, "BTC-USD", *WIDE_11, *WIDE_9))),
        external={**files, **{n: (str(folder / f), c) for n, (f, c) in FILES.items()}},
    )
    market = load_market(config.data, request)
    plain = prepare(config)[0]  # the default proxy reads the same closes in the wider market
    pd.testing.assert_series_equal(proxy.evaluate(market), proxy.evaluate(plain))
    return market, proxy


def _mean_of(ranks: pd.DataFrame, min_components: int = 3) -> pd.Series:
    return (10.0 * ranks.mean(axis=1)).where(ranks.notna().sum(axis=1) >= min_components)


def _ties_at_top(proxy: BullBearProxy) -> Reading:
    """Breadth ranked with ties counted as at or below (so 'all above' ranks 1.0)."""

    def reading(market: Market) -> pd.Series:
        ranks = proxy.components(market)
        breadth = proxy.raw_components(market)["breadth"]
        window = proxy.window_days
        ranks["breadth"] = breadth.rolling(window, min_periods=window).apply(
            lambda x: (x <= x[-1]).mean(), raw=True
        )
        return _mean_of(ranks)

    return reading


def _smoothed(proxy: BullBearProxy, days: int) -> Reading:
    return lambda market: proxy.evaluate(market).rolling(days, min_periods=days).mean()


def _with_file(proxy: BullBearProxy, name: str) -> BullBearProxy:
    """The proxy with a file's series as its extra (``aaii``) component."""
    return replace(proxy, aaii=ExternalIndicator(name=name, path=name, column=FILES[name][1]))


def variants(default: BullBearProxy) -> list[Variant]:
    """Every proxy tried, the default first, then the previous default and changes to it."""
    old = replace(default, crypto="BTC-USD")

    def of(proxy: BullBearProxy) -> Reading:
        return proxy.evaluate

    tried = [
        Variant("**default**", "no crypto component (BofA's indicator has none)", of(default)),
        Variant(
            "previous default", "with crypto froth (BTC-USD over its 200-day average)", of(old)
        ),
    ]
    tried += [
        Variant(
            f"window {w}",
            f"previous default, ranked over {w} bars",
            of(replace(old, window_days=w)),
        )
        for w in (252, 504, 1260, 2520, 5000)
    ]
    tried += [
        Variant("+ AAII", "previous default + AAII bull-bear spread", of(_with_file(old, "aaii"))),
        Variant(
            "+ CNN", "previous default + CNN fear & greed (from 2011)", of(_with_file(old, "cnn"))
        ),
        Variant("smooth 5", "previous default, 5-day average", _smoothed(old, 5)),
        Variant("smooth 10", "previous default, 10-day average", _smoothed(old, 10)),
        Variant(
            "breadth 11",
            "previous default, breadth of 11 equity ETFs",
            of(replace(old, breadth=WIDE_11)),
        ),
        Variant(
            "breadth 9",
            "previous default, breadth of 9 (more countries)",
            of(replace(old, breadth=WIDE_9)),
        ),
        Variant(
            "no crypto, window 1260",
            "default ranked over 1260 bars",
            of(replace(default, window_days=1260)),
        ),
        Variant(
            "no crypto + AAII", "default + AAII bull-bear spread", of(_with_file(default, "aaii"))
        ),
        Variant("no crypto + CNN", "default + CNN fear & greed", of(_with_file(default, "cnn"))),
        Variant(
            "no crypto, breadth ties top",
            "default, all-above breadth ranks 1.0",
            _ties_at_top(default),
        ),
        Variant(
            "no crypto, breadth 11",
            "default, breadth of 11 equity ETFs",
            of(replace(default, breadth=WIDE_11)),
        ),
        Variant(
            "no crypto, breadth 9",
            "default, breadth of 9 (more countries)",
            of(replace(default, breadth=WIDE_9)),
        ),
    ]
    return tried


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%" if value == value else "-"


def _signals(agreed: Agreement, kind: str) -> str:
    episodes = agreed.sells if kind == "sell" else agreed.buys
    return f"{int(episodes['agreed'].sum())}/{len(episodes)}"


def _cells(agreed: Agreement) -> list[str]:
    n = len(agreed.pairs)
    return [
        f"{agreed.correlation:.2f} ({n})",
        f"{agreed.mad:.2f}",
        _signals(agreed, "sell"),
        _signals(agreed, "buy"),
    ]


def tables(results: dict[str, dict[str, Agreement]]) -> str:
    """The markdown tables: all rows and firm dates, then the rows before the 2025 revamp."""
    head = (
        "| variant | r all (n) | MAD all | sell all | buy all | r firm (n) | MAD firm | sell firm "
        "| buy firm | days > 8 | days < 2 | chance sell / buy |\n" + "|---" * 12 + "|\n"
    )
    lines = [head]
    for name, by in results.items():
        a = by["all"]
        cells = [name, *_cells(a), *_cells(by["firm"]), _pct(a.share_above), _pct(a.share_below)]
        lines.append(
            "| " + " | ".join([*cells, f"{_pct(a.chance_sell)} / {_pct(a.chance_buy)}"]) + " |\n"
        )
    lines.append("\nRows dated before the 2025 revamp (the old indicator):\n\n")
    lines.append("| variant | r (n) | MAD | sell | buy |\n" + "|---" * 5 + "|\n")
    for name, by in results.items():
        lines.append("| " + " | ".join([name, *_cells(by["old"])]) + " |\n")
    return "".join(lines)


def _panel(ax: Axes, readings: dict[str, pd.Series], published: pd.DataFrame, start: str) -> None:
    """One panel from ``start``: the readings, the published points and the signal dates."""
    for (label, reading), style in zip(
        readings.items(),
        ({"color": "0.7", "lw": 0.8}, {"color": "tab:blue", "lw": 1.0}),
        strict=True,
    ):
        ax.plot(reading[start:], label=label, **style)
    rows = published[published["date"] >= start]
    firm = is_firm(rows["note"]) & rows["reading"].notna()
    weak = ~is_firm(rows["note"]) & rows["reading"].notna()
    for mask, face, label in (
        (firm, "k", "published, firm date"),
        (weak, "none", "published, weak date"),
    ):
        ax.scatter(
            rows.loc[mask, "date"],
            rows.loc[mask, "reading"],
            s=22,
            facecolors=face,
            edgecolors="k",
            zorder=3,
            label=label,
        )
    for kind, y, marker, colour in (
        ("sell", 10.3, "v", "tab:red"),
        ("buy", -0.3, "^", "tab:green"),
    ):
        days = rows.loc[rows["signal"] == kind, "date"]
        ax.scatter(
            days,
            [y] * len(days),
            marker=marker,
            color=colour,
            s=30,
            label=f"published {kind} signal",
        )
    ax.axhline(8, color="tab:red", lw=0.6, ls="--")
    ax.axhline(2, color="tab:green", lw=0.6, ls="--")
    last = max(published["date"].max(), *(r.index[-1] for r in readings.values()))
    ax.axvspan(REVAMP, last, color="0.9", zorder=0, label="revamped indicator")
    ax.set_ylim(-0.8, 10.8)
    ax.set_ylabel("reading [0-10]")


def figure(readings: dict[str, pd.Series], published: pd.DataFrame, path: Path) -> None:
    """The readings over time with the published readings as points and the signal dates marked."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 1)
    for ax, start in zip(axes, ("2002-01-01", "2017-01-01"), strict=True):
        _panel(ax, readings, published, start)
    axes[0].set_title("Bull & Bear proxy against BofA's published readings and signals")
    axes[1].set_title("2017 on")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=7, fontsize=8)
    fig.savefig(path, dpi=110)


def robustness(default: pd.Series, previous: pd.Series, published: pd.DataFrame) -> str:
    """The default against the previous one: other windows, and a bootstrap of the pairs."""
    lines = ["\nDefault against previous default (all rows), by window and episode gap [days]:\n"]
    for window in (14, 28, 42):
        for gap in (14, 28):
            new, old = (
                agreement(r, published, window_days=window, episode_days=gap)
                for r in (default, previous)
            )
            lines.append(
                f"- window {window}, gap {gap}: sell {_signals(old, 'sell')} -> "
                f"{_signals(new, 'sell')}, buy {_signals(old, 'buy')} -> {_signals(new, 'buy')}\n"
            )
    new, old = agreement(default, published).pairs, agreement(previous, published).pairs
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(2000):
        pick = rng.integers(0, len(new), len(new))
        gains.append(
            pearson(new["published"].iloc[pick], new["proxy"].iloc[pick])
            - pearson(old["published"].iloc[pick], old["proxy"].iloc[pick])
        )
    low, mid, high = np.nanpercentile(gains, [5, 50, 95])
    lines.append(
        f"- correlation gain, paired bootstrap of the {len(new)} pairs: {mid:.2f} "
        f"(90%: {low:.2f} to {high:.2f})\n"
    )
    return "".join(lines)


def calibrated_readings(
    market: Market, default: BullBearProxy, published: pd.DataFrame
) -> tuple[dict[str, pd.Series], dict[str, LinearFit]]:
    """The default, its two fits on the readings before `CUT`, and a constant at their mean.

    ``components``: non-negative weights on the default's four percentiles and an intercept;
    ``stretch``: an intercept and a non-negative slope on the default's reading. Both clipped
    to 0-10.
    """
    ranks = filled_ranks(default.components(market), default.min_components)
    proxy = default.evaluate(market)
    columns = ranks.assign(proxy=proxy / 10.0)
    fits = {
        "components": fit_before(columns, published, CUT, list(ranks.columns)),
        "stretch": fit_before(columns, published, CUT, ["proxy"]),
    }
    level = fits["stretch"].mean
    readings = {
        "default (uncalibrated)": proxy,
        "fitted: component weights": fits["components"].predict(columns),
        "fitted: stretch of the default": fits["stretch"].predict(columns),
        f"constant {level:.2f} (in-sample mean)": pd.Series(level, index=proxy.index).where(
            proxy.notna()
        ),
    }
    return readings, fits


def calibration(market: Market, default: BullBearProxy, published: pd.DataFrame) -> str:
    """The calibration experiment's tables: fitted before `CUT`, scored from it on."""
    readings, fits = calibrated_readings(market, default, published)
    first, before, after = (
        published["date"].min(),
        published["date"] < CUT,
        published["date"] >= CUT,
    )
    parameters = [0, 5, 2, 1]
    lines = ["\nCalibration: fitted on readings before 2020, scored from 2020 on:\n\n"]
    for name, fit in fits.items():
        weights = ", ".join(f"{k} {v:.2f}" for k, v in fit.weights.items())
        lines.append(
            f"- {name}: {fit.points} points, intercept {fit.intercept:.2f}, {weights}; "
            f"in-sample RMSE of the unclipped fit {np.sqrt(fit.sse / fit.points):.2f}\n"
        )
    lines.append(
        "\n| reading | parameters fitted | MAE in (n) | r in | MAE out (n) | r out | sell out "
        "| buy out | days > 8 / < 2 out | chance sell / buy out | MAE old out (n) | r old out "
        "| MAE new out (n) |\n" + "|---" * 13 + "|\n"
    )
    for (name, reading), count in zip(readings.items(), parameters, strict=True):
        fitted = agreement(reading[first : CUT - pd.Timedelta(days=1)], published[before])
        out = agreement(reading[CUT:], published[after])
        old = agreement(reading[CUT:], published[after & (published["date"] < REVAMP)])
        new = agreement(reading[CUT:], published[published["date"] >= REVAMP])
        cells = [
            name,
            str(count),
            f"{fitted.mad:.2f} ({len(fitted.pairs)})",
            _r(fitted.correlation),
            f"{out.mad:.2f} ({len(out.pairs)})",
            _r(out.correlation),
            _signals(out, "sell"),
            _signals(out, "buy"),
            f"{_pct(out.share_above)} / {_pct(out.share_below)}",
            f"{_pct(out.chance_sell)} / {_pct(out.chance_buy)}",
            f"{old.mad:.2f} ({len(old.pairs)})",
            _r(old.correlation),
            f"{new.mad:.2f} ({len(new.pairs)})",
        ]
        lines.append("| " + " | ".join(cells) + " |\n")
    return "".join(lines)


def _r(value: float) -> str:
    return f"{value:.2f}" if np.isfinite(value) and abs(value) > 1e-9 else "-"


def main(argv: list[str] | None = None) -> None:
    """Compute every variant's agreement, print the tables and write the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=f"csv:{ROOT.parent / 'shared' / 'data'}")
    parser.add_argument("--no-figure", action="store_true", help="print the tables only")
    parser.add_argument(
        "--month-at",
        choices=("start", "end"),
        default="start",
        help="where a month-only date falls (the tables: start)",
    )
    args = parser.parse_args(argv)
    market, default = _market(Path(args.data.removeprefix("csv:")))
    published = read_published(PUBLISHED, month_at=args.month_at)
    subsets = {
        "all": published,
        "firm": published[is_firm(published["note"])],
        "old": published[published["date"] < REVAMP],
    }
    span = slice(published["date"].min(), None)
    results, readings = {}, {}
    for variant in variants(default):
        readings[variant.name] = variant.reading(market)[span]
        results[variant.name] = {
            k: agreement(readings[variant.name], t) for k, t in subsets.items()
        }
    print(tables(results))
    print(robustness(readings["**default**"], readings["previous default"], published))
    print(calibration(market, default, published))
    if not args.no_figure:
        shown = {"previous default (with crypto)": readings["previous default"]}
        figure({**shown, "default proxy": readings["**default**"]}, published, FIGURE)
        print(f"wrote {FIGURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
