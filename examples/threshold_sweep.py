"""A loop over three sell thresholds of hartnett_switch (7, 8, 9), comparing Sharpe ratios.

Run from anywhere (offline, the synthetic demo market, a few seconds)::

    .venv/bin/python examples/threshold_sweep.py
    .venv/bin/python examples/threshold_sweep.py --data csv:../shared/data --start 2010-01-01

Choosing the best of several thresholds flatters it: with three trials, read the best Sharpe
as an upper bound, not an estimate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (7.0, 8.0, 9.0)


def main(argv: list[str] | None = None) -> None:
    """Run hartnett_switch once per threshold and print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="demo", help="demo (default), auto, yahoo or csv:DIR")
    parser.add_argument("--start", default="2019-01-01", help="first date (default 2019-01-01)")
    parser.add_argument("--end", default="2024-12-31", help="last date (default 2024-12-31)")
    parser.add_argument("--out", type=Path, help="write each run's numbers here (default: none)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # the project is not installed: make `backtester` importable
    from backtester import run

    print(f"{'sell_above':>10} {'entries':>8} {'Sharpe':>7} {'60/40':>7} {'CAGR [%]':>9}")
    for threshold in THRESHOLDS:
        result = run(
            "hartnett_switch",
            overrides={"strategy.sell_above": threshold},
            data=args.data,
            start=args.start,
            end=args.end,
        )
        ours, theirs = result.metrics["strategy"], result.metrics["benchmark"]
        entries = result.metrics["switching"]["regime_entries"]["main_street"]
        print(
            f"{threshold:>10.1f} {entries:>8d} {ours['sharpe']:>7.2f} {theirs['sharpe']:>7.2f} "
            f"{ours['cagr'] * 100:>9.2f}"
        )
        if args.out:
            result.report(args.out, figures=False)  # numbers only: fast, for loops
    print(f"{len(THRESHOLDS)} trials: the best Sharpe of a sweep is biased upwards.")


if __name__ == "__main__":
    main()
