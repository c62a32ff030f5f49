#!/usr/bin/env python3
"""Command line: run one strategy against 60/40 and write the run's directory under results/.

Example: python run_backtest.py --strategy main_street --data csv:../shared/data --start 2014-10-01
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

from engine.errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2, like every bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see --help)\n")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = _Parser(description="Backtest a strategy against a 60/40 portfolio.")
    parser.add_argument(
        "--strategy", help="strategy name (default: the config file's, else main_street)"
    )
    parser.add_argument(
        "--config", type=Path, help="a YAML file of settings (see configs/); flags override it"
    )
    parser.add_argument(
        "--data",
        help="'auto' (default: cached or downloaded Yahoo prices; offline with nothing cached, "
        "the synthetic demo), 'yahoo', 'demo', or 'csv:DIR' (a folder of <TICKER>.csv files)",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="download again instead of using cached prices"
    )
    parser.add_argument(
        "--calendar",
        choices=["equity", "7d"],
        help="'equity': the stock ticker's trading days, 252 a year (default); "
        "'7d': every calendar day, 365 a year, equities carried over weekends",
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="start when stocks and bonds have prices; a leg whose asset has not started yet "
        "is held in cash until its first price (default: start when every asset has a price)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="say more about the data")
    parser.add_argument("--start", type=_day, help="first date, YYYY-MM-DD")
    parser.add_argument("--end", type=_day, help="last date, YYYY-MM-DD")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting: strategy.short_weight=0.3, costs.fees_bps=5, universe.tech=QQQ",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_ROOT / "results",
        help="results folder (default results/)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the backtest; return the exit status (2 for bad input)."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s"
    )
    try:
        from engine.config import build_config
        from engine.config_file import read_config_file
        from engine.run import run
        from reporting.console import summary_table
        from reporting.run_dir import write_run

        name, overrides, settings = read_config_file(args.config) if args.config else (None, [], {})
        flags = {"data": args.data, "start": args.start, "end": args.end, "calendar": args.calendar}
        settings |= {key: value for key, value in flags.items() if value is not None}
        if args.allow_partial:
            settings["allow_partial"] = True
        strategy = args.strategy or name or "main_street"
        config = build_config(strategy, [*overrides, *args.overrides], **settings)
        result = run(config, refresh=args.refresh)
        for note in (*result.market.notes, *result.notes):
            print(f"note: {note}", file=sys.stderr)
        for warning in result.market.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        run_dir = write_run(result, args.out)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_table(result))
    if result.market.synthetic:
        print(f"*** {result.market.notes[0]} ***", file=sys.stderr)
    print(run_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
