"""Fuzzing the command line: generated price files and ``--set`` values of every type.

Each example writes a folder of sound price files (every ticker the strategies read, a year of
made-up closes), replaces up to two of them with generated ones (encodings, separators, dates,
numbers, headers, sizes), draws a strategy and a few ``--set`` texts (keys from
`pipeline.discovery`, values of every type: numbers, text, paths, lists, dates, nulls), runs the
command line in this process and asserts that it ends in one of two ways:

- exit status 0, every number in ``metrics.json`` finite (or null);
- exit status 2, stderr exactly one line starting ``error: `` (or a config's problems listed
  under it, `_one_error`);

never a traceback, never a file written outside ``--out`` (the sandbox and the project are
compared before and after), never more than `TIME_BOUND_S` CPU seconds (`HANG_BOUND_S` wall
clock) or `MEMORY_BOUND_MB` of growth in the process's peak memory.

CI runs `EXAMPLES` examples (``FUZZ_EXAMPLES``, 25 by default, about 20 s) from a fixed seed
(``derandomize``); run longer with ``FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest
tests/test_fuzz.py``, and other examples with ``FUZZ_SEED=N`` besides.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import resource
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, seed, settings
from hypothesis import strategies as st

from core.places import PROJECT_ROOT
from data.demo import demo_tickers
from pipeline.config import SECTIONS, RunConfig
from pipeline.discovery import Parameter, parameters
from signals.support import SupportBreak
from strategies import STRATEGIES
from tests.conftest import run_cli

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
"""Examples a run tries; 25 in CI (about 20 s), thousands to hunt."""
SEED = os.environ.get("FUZZ_SEED")
"""Unset: the same examples every run (``derandomize``); a number: other examples, repeatable."""
TIME_BOUND_S = 20
"""CPU seconds one example may take: a sound run takes under one (after `peak_before`'s)."""
HANG_BOUND_S = 180
"""Wall-clock seconds one example may take however loaded the machine (a hang, not a slow run)."""
MEMORY_BOUND_MB = 1500
"""Growth of the process's peak memory over the examples (after `peak_before`'s runs)."""

DAYS = pd.bdate_range("2023-01-02", periods=300)
"""The sound files' dates: 2023-01-02 to 2024-02-23."""
RUN = ["--start", "2023-06-01", "--end", "2023-12-29", "--no-report"]
"""Seven months: the signals of hartnett_switch have a few months of history before them."""
HOSTILE: dict[str, tuple[str, ...]] = {
    "sixty_forty": ("SPY", "AGG"),
    "main_street": ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD"),
    "hartnett_switch": ("SPY", "AGG", "XLK", "BTC-USD", "^VIX", "HYG", "DX-Y.NYB", "^TNX"),
}
"""The tickers each strategy reads that may be replaced by a generated file."""
SKIPPED = {".git", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".mypy_cache"}
"""Folders of the project whose changes are the tools', not the run's."""


def _parameters(strategy: str) -> list[Parameter]:
    """Every settable key of ``strategy``'s config, as `pipeline.discovery` lists them."""
    found = parameters(STRATEGIES[strategy], "strategy")
    found += [item for name, cls in SECTIONS.items() for item in parameters(cls, name)]
    return found + parameters(RunConfig, "run")


def _sound_values(item: Parameter) -> tuple[str, ...]:
    """Values ``item`` accepts: its closed vocabulary, or its default and numbers near it."""
    if " | " in item.type and item.type not in ("str | null", "date | null"):
        return tuple(word for word in item.type.split(" | ") if word not in ("float", "null"))
    if isinstance(item.default, bool) or item.type == "bool":
        return ("true", "false")
    if isinstance(item.default, int | float):
        near = [item.default * factor for factor in (0.5, 0.9, 1.1, 2)]
        kind = int if item.type == "int" else float
        return (str(item.default), *(str(kind(value)) for value in near))
    return (str(item.default),) if isinstance(item.default, str) and item.default else ()


SUPPORT_FIELDS = tuple(item.key for item in parameters(SupportBreak, ""))
ENTRIES = ("etf", "crypto", "BTC-USD", "SPY", "BRK.B", "", "../x", "a b")
"""Entries of mapping keys (``costs.fees_bps.ENTRY``, ``strategy.supports.ENTRY.FIELD``)."""

ODD_NUMBERS = ["0", "-0", "1", "-1", "0.5", "nan", "NaN", "inf", "-inf", "1e400", "-1e400"]
ODD_NUMBERS += ["1e-400", "0x10", "1_000", "+3", "1,5", "1.5.2", "٣", "2**64", "1e3y", "5d", " 2 "]
PATH_TEXTS = ["../x", "../../x", "/etc/passwd", "/dev/zero", "/", ".", "~", "prices", "out"]
PATH_TEXTS += ["prices/SPY.csv", "prices/HOSTILE.csv", "csv:prices", "csv:../x", "csv:/dev/zero"]
PATH_TEXTS += ["csv:", "demo", "yahoo", "auto", "C:\\x", "file:///x", "csv:" + "x" * 300, "a\x00b"]
SHAPE_TEXTS = ["", " ", "[]", "[1, 2]", "[SPY, AGG]", "[[1]]", "{}", "{a: 1}", "- x", "[", "]"]
SHAPE_TEXTS += ["null", "~", "None", "true", "false", "yes", "off", "on", "&a [*a]", "*a"]
SHAPE_TEXTS += ["!!python/object/apply:os.system [ls]", "2024-01-02", "2023-02-30", "0001-01-01"]
SHAPE_TEXTS += ["99999-01-01", "{a: [1, {b: 2}]}"]
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-2, 12).map(lambda x: f"{x:.3g}"),
    st.sampled_from([*ODD_NUMBERS, "9" * 400]),
)
WORDS = st.one_of(
    st.text(max_size=24),
    st.text(st.characters(codec="ascii"), max_size=12),
    st.sampled_from(["SPY", "QQQ", "ETH-USD", "^VIX", "spy", "SPY:0.5,AGG:0.5", "IWM:0.6,IJR:0.4"]),
)
PATHS = st.sampled_from(PATH_TEXTS)
SHAPES = st.sampled_from(SHAPE_TEXTS)


@st.composite
def overrides(draw: st.DrawFn, strategy: str) -> list[str]:
    """A few ``--set KEY=VALUE`` texts: real keys (now and then a mangled one), any values.

    Half the draws are tame: sound values of real keys, so that runs get through too.
    """
    known = {item.key: _sound_values(item) for item in _parameters(strategy)}
    if not draw(st.booleans()):
        tame = sorted(key for key, values in known.items() if values)
        keys = draw(st.lists(st.sampled_from(tame), max_size=3, unique=True))
        return [f"{key}={draw(st.sampled_from(known[key]))}" for key in keys]
    texts = []
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(sorted(known)))
        values = [NUMBERS, WORDS, PATHS, SHAPES]
        if known[key]:  # as often as all the others together
            values = [st.sampled_from(known[key]), st.one_of(values)]
        if key.startswith(("costs.fees_bps", "costs.slippage_bps", "costs.borrow_bps")):
            key += "." + draw(st.sampled_from(ENTRIES))
            values = [st.sampled_from(["0", "1.5", "10", "300"]), NUMBERS, WORDS]
        elif key == "strategy.supports":
            key += "." + draw(st.sampled_from(("tech", "crypto", "gold", "x")))
            key += draw(st.sampled_from(("", *(f".{name}" for name in SUPPORT_FIELDS))))
        key = draw(st.sampled_from((key, key, key, key, key.upper(), key + "x", key + ".y", "")))
        text = draw(st.one_of(values))
        texts.append(f"{key}={text}")
    return texts


SPECIAL_CELLS = ["", "nan", "inf", "-inf", "1e400", "null", "-", "N/A", "0", "-5", "1e-320"]
SPECIAL_CELLS += ["99999999999999999999999", "abc", " ", '"', "1,5", "0x1p3", "1e308", "-0"]
SPECIAL_DATES = ["", "0001-01-01", "1677-09-21", "1677-09-22", "2262-04-11", "2262-04-12"]
SPECIAL_DATES += ["9999-12-31", "10000-01-01", "2023-02-30", "2023-13-01", "garbage", "2099-01-02"]
SHAPES_OF_FILES: dict[str, list[Any]] = {
    "rows": [300, 0, 1, 2, 9, 10, 11, 50, 400, 5000],
    "first date": [0, -300, -100, 50, 120, 250],
    "dates": ["iso", "shuffled", "daily", "us", "dotted", "time", "zone", "epoch"],
    "special cells": [0.0, 0.01, 0.2, 1.0],
    "special dates": [0.0, 0.01, 0.3],
    "numbers": ["{:.4f}", "{:.6g}", "{:e}", "{!r}", "{:.0f}", '"{:.2f}"', "{:,.2f}"],
    "scale": [1.0, 1e-6, 1e6, 1e300, -1.0],
    "header": [
        "Date,Adj Close",
        "Date,Close",
        "Date,Adj Close,Close",
        "Date,Open,Adj Close",
        "date,adj close",
        "Date,Adj Close,Adj Close",
        "Date,Date",
        "When,Adj Close",
        "Adj Close,Date",
        "Date",
        "",
        ",",
        "Date,Adj Close\xe9",
    ],
    "separator": [",", ";", "\t", "|", " "],
    "line ends": ["\n", "\r\n", "\r"],
    "last line end": [True, False],
    "encoding": ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"],
}
"""Each way a price file is drawn, its sound option first."""


@st.composite
def price_files(draw: st.DrawFn) -> bytes:
    """A price file's bytes: a header, dates and numbers in many shapes, encoded many ways.

    Half the files are sound but for at most one way (`SHAPES_OF_FILES`), the others wholly
    drawn.
    """
    gentle = draw(st.booleans())
    if not gentle and draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    varied = draw(st.sampled_from(["none", *SHAPES_OF_FILES]))

    def pick(name: str) -> Any:
        options = SHAPES_OF_FILES[name]
        return options[0] if gentle and name != varied else draw(st.sampled_from(options))

    rows = pick("rows") if gentle else draw(st.one_of(st.integers(0, 400), st.just(pick("rows"))))
    style, header, sep, decimals = pick("dates"), pick("header"), pick("separator"), pick("numbers")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    days = pd.bdate_range(DAYS[0] + pd.Timedelta(days=pick("first date")), periods=rows)
    if style == "daily":
        days = pd.date_range(days[0] if rows else DAYS[0], periods=rows)
    closes = pick("scale") * 100 * np.exp(np.cumsum(rng.normal(0, 0.02, rows)))
    special, bad_dates = pick("special cells"), pick("special dates")
    width = max(1, header.count(",")) if header else 1
    lines = [header.replace(",", sep)] if header or draw(st.booleans()) else []
    for i in rng.permutation(rows) if style == "shuffled" else range(rows):
        day = _date(days[i], style, rng, bad_dates)
        cell = str(rng.choice(SPECIAL_CELLS)) if rng.random() < special else None
        lines.append(sep.join([day, *[cell or decimals.format(float(closes[i]))] * width]))
    newline = pick("line ends")
    text = newline.join(lines) + (newline if pick("last line end") else "")
    return text.encode(pick("encoding"), errors="replace")


def _date(day: pd.Timestamp, style: str, rng: np.random.Generator, bad: float) -> str:
    """One date cell in ``style``, or now and then (``bad``) one of `SPECIAL_DATES`."""
    if rng.random() < bad:
        return str(rng.choice(SPECIAL_DATES))
    return {
        "us": day.strftime("%m/%d/%Y"),
        "dotted": day.strftime("%d.%m.%Y"),
        "time": day.strftime("%Y-%m-%d 16:00:00"),
        "zone": day.strftime("%Y-%m-%dT00:00:00+02:00"),
        "epoch": str(int(day.timestamp())),
    }.get(style, day.strftime("%Y-%m-%d"))


@contextmanager
def _time_bound(cpu: float, wall: float) -> Iterator[None]:
    """Raise `TooSlowError` in this (the main) thread after ``cpu`` CPU or ``wall`` seconds.

    CPU time bounds the work whatever else the machine runs; wall time catches a wait.
    """

    def alarm(signum: int, frame: Any) -> None:
        kind = "CPU" if signum == signal.SIGPROF else "wall-clock"
        raise TooSlowError(f"the example took more than {cpu if kind == 'CPU' else wall} {kind} s")

    timers = ((signal.SIGPROF, signal.ITIMER_PROF, cpu), (signal.SIGALRM, signal.ITIMER_REAL, wall))
    previous = {number: signal.signal(number, alarm) for number, _, _ in timers}
    for _, timer, seconds in timers:
        signal.setitimer(timer, seconds)
    try:
        yield
    finally:
        for number, timer, _ in timers:
            signal.setitimer(timer, 0)
            signal.signal(number, previous[number])


class TooSlowError(BaseException):
    """An example ran past `TIME_BOUND_S` (a BaseException, so no ``except Exception`` eats it)."""


def _tree(root: Path, skip: set[Path]) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (but not under ``skip``) with its size and modification time."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED and Path(folder, d) not in skip]
        for name in names:
            path = Path(folder, name)
            stat = path.lstat()
            found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


def _numbers(value: Any) -> Iterator[float]:
    """Every number in a JSON value."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield float(value)


def _one_error(err: str) -> None:
    """Assert ``err`` is one ``error:`` line, or the one line of a config's problems listed.

    Several problems in a configuration are said together (`pipeline.config.ConfigProblems`):
    ``error: N problems in the configuration:`` and each problem on a line of its own below.
    """
    first, *rest = err.removesuffix("\n").split("\n")
    assert first.startswith("error: "), err
    listed = re.fullmatch(r"error: (\d+) problems in the configuration:", first)
    if listed is None:
        assert rest == [], err
    else:
        assert len(rest) == int(listed[1]), err
        assert all(line.startswith("  ") and line.strip() for line in rest), err
    assert err.endswith("\n"), err


@functools.cache
def sound() -> dict[str, bytes]:
    """The sound price files by ticker: a year of made-up closes, the same every time."""
    found = {}
    for ticker in demo_tickers():
        rng = np.random.default_rng(sum(ticker.encode()))
        level = {"^VIX": 18.0, "^TNX": 4.0, "DX-Y.NYB": 102.0, "BTC-USD": 3e4}.get(ticker, 100.0)
        closes = np.round(level * np.exp(np.cumsum(rng.normal(0, 0.01, len(DAYS)))), 4)
        table = pd.DataFrame({"Date": DAYS.strftime("%Y-%m-%d"), "Adj Close": closes})
        found[ticker] = table.to_csv(index=False).encode()
    return found


@pytest.fixture
def peak_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """The process's peak memory (kB) once each strategy has run on the sound files.

    These first runs import and compile (numba) what every later run uses, so that the time
    bound is about the example, not about the first one.
    """
    prices = tmp_path / "sound"
    prices.mkdir()
    for ticker, content in sound().items():
        (prices / f"{ticker}.csv").write_bytes(content)
    for strategy in HOSTILE:
        argv = ["--strategy", strategy, "--data", f"csv:{prices}", *RUN]
        assert run_cli([*argv, "--out", str(tmp_path / "out")], capsys)[0] == 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@seed(int(SEED or 0))
@settings(
    max_examples=EXAMPLES,
    derandomize=SEED is None,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    strategy=st.sampled_from(list(HOSTILE)),
    data=st.data(),
)
def test_any_price_files_and_settings_end_in_a_result_or_one_error(
    strategy: str,
    data: st.DataObject,
    tmp_path: Path,
    peak_before: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tickers = data.draw(st.lists(st.sampled_from(HOSTILE[strategy]), unique=True, max_size=2))
    files = {ticker: data.draw(price_files(), label=ticker) for ticker in tickers}
    texts = data.draw(overrides(strategy), label="--set")
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    work = root / "a" / "b" / "work"  # ../x and ../../x land in the sandbox
    prices, out = work / "prices", work / "out"
    prices.mkdir(parents=True)
    for ticker, content in {**sound(), **files}.items():
        (prices / f"{ticker}.csv").write_bytes(content)
    (prices / "HOSTILE.csv").write_bytes(next(iter(files.values()), b""))
    monkeypatch.chdir(work)
    monkeypatch.setattr("data.sources.CACHE_ROOT", root / "cache")
    before = _tree(root, {out}), set(_tree(PROJECT_ROOT, set()))  # paths: edits are not runs
    argv = ["--strategy", strategy, "--data", f"csv:{prices}", "--out", str(out), *RUN]
    argv += [arg for text in texts for arg in ("--set", text)]
    with _time_bound(TIME_BOUND_S, HANG_BOUND_S):
        status, stdout, err = run_cli(argv, capsys)
    event(f"exit status {status}")  # --hypothesis-show-statistics counts them
    assert "Traceback" not in err, err
    assert status in (0, 2), (status, err)
    if status == 2:
        _one_error(err)
        assert stdout == ""
    else:
        run_dir = Path(stdout.splitlines()[-1])
        assert run_dir.parent == out, stdout
        numbers = list(_numbers(json.loads((run_dir / "metrics.json").read_text())))
        assert numbers
        assert all(math.isfinite(x) for x in numbers), numbers
    assert (_tree(root, {out}), set(_tree(PROJECT_ROOT, set()))) == before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak - peak_before < MEMORY_BOUND_MB * 1024, peak - peak_before
    shutil.rmtree(root)
