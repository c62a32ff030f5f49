#!/usr/bin/env python3
"""Command line: run one strategy against 60/40 and write the run's directory under results/.

Example: python run_backtest.py --strategy main_street --data csv:../shared/data --start 2014-10-01
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import signal
import sys
import time
import warnings
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from core.errors import ConfigError, InputError
from core.places import PACKAGES, results_root
from reporting.terminal import escaped_output, terminal_text, unescaped

if TYPE_CHECKING:
    from backtester import Result
    from pipeline.config import RunConfig
    from pipeline.config_file import Source

INTERRUPTED = 128 + signal.SIGINT
"""The exit status after Ctrl-C (130), as shells report a command the signal ended."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2, like every bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see --help)\n")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def _whole_number(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = _Parser(
        description="Backtest a strategy against a benchmark (60/40 by default).",
        epilog="Discover what can be set: --list, --describe NAME; every key: configs/*.yaml.",
    )
    _add_settings(parser)
    _add_outputs(parser)
    return parser.parse_args(argv)


def _add_settings(parser: argparse.ArgumentParser) -> None:
    """Flags that decide the run's config (each is also a key of a config file)."""
    parser.add_argument(
        "--strategy", help="strategy name (default: the config file's, else main_street)"
    )
    parser.add_argument(
        "--config", type=Path, help="a YAML file of settings (see configs/); flags override it"
    )
    parser.add_argument(
        "--rerun",
        type=Path,
        metavar="MANIFEST",
        help="repeat the run of results/RUN/manifest.json; say if its metrics are identical",
    )
    parser.add_argument(
        "--data",
        help="'auto' (cached or downloaded Yahoo prices; offline with nothing cached, the "
        "synthetic demo), 'yahoo', 'demo', or 'csv:DIR' (a folder of <TICKER>.csv files); "
        "default: $MAINSTREET_DATA if set, else auto",
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
    parser.add_argument("--start", type=_day, help="first date, YYYY-MM-DD")
    parser.add_argument("--end", type=_day, help="last date, YYYY-MM-DD")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any key: strategy.short_weight=0.3, costs.borrow_bps.BTC-USD=800, "
        "universe.tech=QQQ, start=2020-01-02 (see --describe NAME)",
    )


def _add_outputs(parser: argparse.ArgumentParser) -> None:
    """Flags that decide what is written and said, and the discovery commands."""
    parser.add_argument(
        "--out",
        type=Path,
        default=results_root(),
        help="results folder (default: results/ in the project, or in this folder when installed)",
    )
    parser.add_argument(
        "--no-report", action="store_true", help="write the numbers only: no report.html or figures"
    )
    parser.add_argument(
        "--label",
        default="",
        metavar="TEXT",
        help="name the run (its report, metrics.json, manifest and the runs index show it)",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        type=Path,
        metavar="RUN_DIR",
        help="compare finished runs: one report with their equity overlaid, metrics side by "
        "side, each pair's Sharpe difference with its bootstrap interval, and their config "
        "differences; written under --out; nothing is run",
    )
    parser.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="KEY=SPEC",
        help="sweep a numeric parameter over a list (7,7.5,8) or a range (0.1:0.5:0.1); "
        "repeat for a grid; the best combination by Sharpe gets the run's report",
    )
    parser.add_argument(
        "--executor",
        default="local",
        metavar="WHERE",
        help="with --sweep: where its chunks run: 'local' (default, this process), 'dask' (a "
        "Dask cluster on this machine) or 'dask://HOST:PORT' (a running Dask scheduler); "
        "Dask: pip install -r requirements-dask.txt",
    )
    parser.add_argument(
        "--workers",
        type=_whole_number,
        metavar="N",
        help="with --sweep: processes its chunks run on, on this machine (default: every core; "
        "1: this process alone); the table is the same whatever N",
    )
    parser.add_argument(
        "--walk-forward",
        metavar="TRAIN:TEST",
        help="with --sweep: choose the best on each TRAIN window (e.g. 5y), apply it on the next "
        "TEST window (e.g. 1y), and report the stitched out-of-sample result",
    )
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument(
        "-v", "--verbose", action="store_true", help="debug messages of the project's modules"
    )
    loud.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=0,
        help="-q: print only the summary table and the run path (and errors); "
        "-qq: only the run path (and errors)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="list strategies, signals, settings sections and presets, and exit",
    )
    parser.add_argument(
        "--describe",
        metavar="NAME",
        help="every parameter of a strategy, costs, execution, universe or run, and exit",
    )
    parser.add_argument(
        "--signals-now",
        action="store_true",
        help="print what a switching strategy's signals say at the data's last date, and exit "
        "(no backtest, no report)",
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print the resolved config as YAML (feed it back with --config) and exit",
    )


def main(argv: list[str] | None = None) -> int:
    """Run the backtest (or list, describe, print a config); return the exit status.

    The status is 2 for bad input or a results folder that cannot be written, which prints
    ``error:`` and every problem found; `INTERRUPTED` after Ctrl-C, which prints ``interrupted``.
    Whatever it prints has its control characters escaped (`reporting.terminal`): text from a
    user's files is shown on the terminal, never obeyed by it.
    """
    with escaped_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    """`main`, writing to streams that escape."""
    args = parse_args(argv)
    _configure_logging(args)
    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    try:
        if args.list or args.describe:
            from pipeline.discovery import describe, listing

            print(listing() if args.list else describe(args.describe))
            return 0
        if args.compare:
            return _compare(args)
        config = _config(args)
        if args.print_config:
            from pipeline.config_file import dump_config

            print(dump_config(config) + _grid_comment(args), end="")
            return 0
        if args.signals_now:
            return _signals_now(args, config)
        from reporting.run_dir import check_label, check_results_root

        check_results_root(args.out)  # before the run, not after it
        check_label(args.label)
        command = ["run_backtest.py", *(sys.argv[1:] if argv is None else argv)]
        extra: dict[str, Any] = {}
        if args.walk_forward and not args.sweep:
            raise ConfigError("--walk-forward needs --sweep: the grid to choose from")
        if args.executor != "local" and not args.sweep:
            raise ConfigError("--executor runs a sweep's chunks; it needs --sweep")
        if args.workers is not None and not args.sweep:
            raise ConfigError("--workers runs a sweep's chunks; it needs --sweep")
        from reporting.render import drawing_ahead

        # a single run, and a sweep until its chunks start, keep one core: the report's drawing
        # gets ready on another (not when the sweep is limited to one)
        ahead = not args.no_report and (args.workers is None or args.workers > 1)
        with drawing_ahead() if ahead else contextlib.nullcontext():
            if args.sweep:
                best, extra = _sweep(args, config, progress)
                return _run(args, config, command, progress, extra, best)
            return _run(args, config, command, progress, extra)
    except InputError as exc:
        progress.end(failed=True)
        print(f"error: {exc.worded('cli')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: what was being written has been removed on the way out
        progress.end(failed=True)
        print("interrupted", file=sys.stderr)
        return INTERRUPTED


def _compare(args: argparse.Namespace) -> int:
    """Write the comparison of finished runs under ``--out`` and print its folder."""
    from backtester import compare

    folder = compare(*args.compare, out=args.out, label=args.label)
    print(folder)
    return 0


def _grid_comment(args: argparse.Namespace) -> str:
    """``--print-config``'s closing comment on the sweep: a config file holds no grid.

    Comment lines, so the printed config still reads back with ``--config``; they give the
    flags that repeat the sweep on it. Empty without ``--sweep``.
    """
    if not args.sweep:
        return ""
    flags = [f"--sweep {shlex.quote(text)}" for text in args.sweep]
    if args.walk_forward:
        flags.append(f"--walk-forward {shlex.quote(args.walk_forward)}")
    return (
        "# Not in the config above (a config file holds no grid): the sweep asked for. Repeat it\n"
        f"# with --config THIS_FILE {' '.join(flags)}\n"
    )


def _signals_now(args: argparse.Namespace, config: RunConfig) -> int:
    """Print the "Signals now" panel alone: the data are loaded, nothing is simulated."""
    import backtester
    from reporting.console import signals_now_text

    if args.sweep or args.walk_forward:
        raise ConfigError("--signals-now reads the signals of one config; drop --sweep")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", backtester.SyntheticDataWarning)
        now = backtester.signals_now(config, refresh=args.refresh)
    print(signals_now_text(now))  # on the demo market its first line says so, whatever -q
    if not args.quiet:
        print(f"data: {now['data_source']}", file=sys.stderr)
        for warning in caught:
            print(f"*** {warning.message} ***", file=sys.stderr)
    return 0


def _sweep(
    args: argparse.Namespace, config: RunConfig, progress: _Progress
) -> tuple[Result, dict[str, Any]]:
    """Run the grid (`backtester.sweep`); return the best run and the sweep's outputs."""
    import backtester
    from pipeline.executors import check_executor, open_executor
    from pipeline.sweep import parse_axis

    check_executor(args.executor)
    total = 1
    for axis in args.sweep:
        total *= len(parse_axis(axis).values)
    progress.end()
    bar = _SweepProgress(total, terminal=progress.enabled, quiet=bool(args.quiet))

    def walking(message: str) -> None:
        bar.close()
        progress.step(message)

    with open_executor(args.executor, args.workers) as executor, warnings.catch_warnings():
        warnings.simplefilter("ignore", backtester.SyntheticDataWarning)  # our own banner
        swept = backtester.sweep(
            config,
            args.sweep,
            refresh=args.refresh,
            walk_forward=args.walk_forward,
            on_chunk=bar,
            progress=walking,
            executor=executor,
            workers=args.workers,
        )
    bar.close()
    progress.end()
    if not args.quiet:
        print(swept.facts["headline"], file=sys.stderr)
        for warning in swept.facts["warnings"]:
            print(f"warning: sweep: {warning}", file=sys.stderr)
        if swept.walk_forward is not None:
            from reporting.html import num

            sharpe = {name: values["sharpe"] for name, values in swept.walk_forward.metrics.items()}
            print(
                f"walk-forward {args.walk_forward}: out-of-sample Sharpe "
                f"{num(sharpe['out_of_sample'])} against {config.benchmark} "
                f"{num(sharpe['benchmark'])} and the "
                f"in-sample best {num(sharpe['in_sample_best'])}, each a fresh account on every "
                "test window",
                file=sys.stderr,
            )
    return swept.best, swept.outputs()


def _run(
    args: argparse.Namespace,
    config: RunConfig,
    command: list[str],
    progress: _Progress,
    extra: dict[str, Any],
    done: Result | None = None,
) -> int:
    """Run, write the run directory, and print: messages to stderr, the run path to stdout.

    ``done`` is a run already made (a sweep's pick, on the sweep's market): it is written as is.
    """
    import backtester

    result = done
    if result is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", backtester.SyntheticDataWarning)  # our own banner
            result = backtester.run(config, refresh=args.refresh, progress=progress.step)
    progress.end()
    if not args.quiet:
        market = result.raw.market
        for note in (*market.notes, *result.raw.notes):
            print(f"note: {note}", file=sys.stderr)
        for warning in (*market.warnings, *result.raw.warnings):
            print(f"warning: {warning}", file=sys.stderr)
    progress.step(f"writing the run under {args.out}")
    run_dir = result.report(
        args.out, figures=not args.no_report, command=command, extra=extra, label=args.label
    )
    progress.end()
    if args.quiet < 2:
        print(result.summary())
    if not args.quiet:
        if result.synthetic:
            print(f"*** {result.raw.market.notes[0]} ***", file=sys.stderr)
        if args.rerun:
            from reporting.rerun import rerun_verdict

            print(rerun_verdict(args.rerun.parent, run_dir))
    print(run_dir)
    return 0


def _config(args: argparse.Namespace) -> RunConfig:
    """Return the run's config: a manifest or a file, then the flags and ``--set``.

    Built by `backtester.resolve`, exactly as the Python API builds it.
    """
    from backtester import resolve
    from pipeline.config_file import read_config_file
    from reporting.rerun import read_manifest

    source: Source = (None, [], {})
    if args.rerun:
        source, sweep = read_manifest(args.rerun)
        if sweep is not None and not args.sweep:  # a sweep's run is repeated as a sweep
            args.sweep = list(sweep["grid"])
            args.walk_forward = args.walk_forward or sweep.get("walk_forward")
    elif args.config:
        source = read_config_file(args.config)
    flags = {
        "strategy.name": args.strategy,
        "data": args.data,
        "start": args.start.isoformat() if args.start else None,
        "end": args.end.isoformat() if args.end else None,
        "calendar": args.calendar,
        "allow_partial": "true" if args.allow_partial else None,
    }
    texts = [f"{key}={value}" for key, value in flags.items() if value is not None]
    return resolve(source, [*texts, *args.overrides])


def _configure_logging(args: argparse.Namespace) -> None:
    """Warnings by default; ``-v`` debug messages of the project's own modules; ``-q`` errors."""
    level = logging.ERROR if args.quiet else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(_LowerCaseLevel("%(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    if args.verbose:
        for name in (*PACKAGES, "backtester"):
            logging.getLogger(name).setLevel(logging.DEBUG)


class _LowerCaseLevel(logging.Formatter):
    """``warning: ...`` as the command's own warnings and errors are written."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace(record.levelname, record.levelname.lower(), 1)
        return terminal_text(text)  # the handler may hold a stream from before `escaped_output`


class _Progress:
    """Each slow step on stderr as it starts, timed when it ends.

    Only on a terminal (as git and pip do), so that pipes and logs keep the run path and the
    ``error:`` lines alone.
    """

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started: float | None = None

    def step(self, message: str) -> None:
        """Say that ``message``'s step has started."""
        self.end()
        if self.enabled:
            print(f"{message}... ", end="", file=sys.stderr, flush=True)
            self.started = time.monotonic()

    def end(self, *, failed: bool = False) -> None:
        """Close the open step's line with its time (or ``failed``)."""
        if self.started is not None:
            took = "failed" if failed else f"{time.monotonic() - self.started:.1f}s"
            print(took, file=sys.stderr, flush=True)
            self.started = None


class _SweepProgress:
    """A sweep's progress: a tqdm bar (rate, ETA) on a terminal, else a line every `EVERY` s.

    Logs and CI see a line with the count, the rate and the time left now and then, and a last
    one when the sweep ends; ``-q`` silences both.
    """

    EVERY = 5.0

    def __init__(self, total: int, *, terminal: bool, quiet: bool) -> None:
        from tqdm import tqdm

        self.total, self.quiet = total, quiet
        self.started = self.said = time.monotonic()
        self.done = 0
        self.closed = False
        self.bar = None
        if terminal and not quiet:
            self.bar = tqdm(
                total=total, desc="sweep", unit=" combinations", file=unescaped(sys.stderr)
            )

    def __call__(self, done: int, total: int) -> None:
        """Take the count of combinations done so far."""
        if self.bar is not None:
            self.bar.update(done - self.done)
        elif not self.quiet and time.monotonic() - self.said >= self.EVERY:
            self._line(done)
        self.done = done

    def close(self) -> None:
        """End the bar, or say the last line; once (a walk-forward closes it before it starts)."""
        if self.closed:
            return
        self.closed = True
        if self.bar is not None:
            self.bar.close()
        elif not self.quiet:
            self._line(self.done)

    def _line(self, done: int) -> None:
        self.said = time.monotonic()
        rate = done / max(self.said - self.started, 1e-9)
        left = (self.total - done) / rate if rate > 0 else float("nan")
        print(
            f"sweep: {done:,}/{self.total:,} combinations, {rate:,.0f} a second, {left:.0f} s left",
            file=sys.stderr,
            flush=True,
        )


def console() -> None:
    """The installed command (``mainstreet-backtest``): `main`, its status as the exit code.

    A reader that stops early (``--describe NAME | head``) ends the output quietly, with the
    status a command killed by SIGPIPE has (141), as other Unix tools do.
    """
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        sys.exit(128 + signal.SIGPIPE)
    _exit_at_once(status)


def _exit_at_once(status: int) -> NoReturn:
    """End the process without the interpreter's teardown, when nothing is left for it to do.

    Unloading numba's compiled code and the libraries takes 0.3-0.4 s at the end of every
    run, after the last file is written. So once the output is flushed and logging shut down,
    with no child process or thread still running and no profiler or tracer waiting to report
    (``python -m cProfile``, coverage), the process ends there; otherwise as usual.
    """
    import multiprocessing
    import threading

    busy = multiprocessing.active_children() or threading.active_count() > 1
    if busy or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(status)
    sys.stderr.flush()
    logging.shutdown()
    os._exit(status)


if __name__ == "__main__":
    console()
