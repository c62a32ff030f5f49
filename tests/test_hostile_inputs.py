"""Hostile input, case by case: one `error:` line naming the file and line, the key or the
flag, exit status 2, no traceback, and nothing left in the results folder; or, where a careful
tool accepts the input, a run whose outcome says what it did.

The price files are built here, a few weeks of made-up closes: AGG is the hostile one, SPY is
sound, and the strategy is ``sixty_forty`` (SPY and AGG only).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import get_args, get_origin, get_type_hints

import pandas as pd
import pytest

from pipeline.config import SECTIONS
from pipeline.discovery import describe, signal_classes
from strategies import STRATEGIES
from tests.conftest import run_cli

DAYS = pd.bdate_range("2024-01-02", periods=60)


def _closes(base: float) -> list[str]:
    return [f"{day.date()},{base + 0.1 * i:.2f}" for i, day in enumerate(DAYS)]


GOOD = ["Date,Adj Close", *_closes(95.0)]


def _with_cell(cell: str) -> bytes:
    rows = list(GOOD)
    rows[31] = f"{DAYS[30].date()},{cell}"  # line 32 of the file
    return ("\n".join(rows) + "\n").encode()


def _text(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


SPLIT = _text([GOOD[0], *[f"{d.date()},{95 if i < 30 else 23.75}" for i, d in enumerate(DAYS)]])


REFUSED: dict[str, tuple[bytes, str]] = {
    "UTF-16": ("\n".join(GOOD).encode("utf-16"), "not a readable CSV file"),
    "Latin-1": (
        _text(["Date,Adj Close \xe9", *GOOD[1:]]).replace(b"\xc3\xa9", b"\xe9"),
        "not a readable CSV file",
    ),
    "semicolons": (_text([row.replace(",", ";") for row in GOOD]), "it looks semicolon-separated"),
    "tabs": (_text([row.replace(",", "\t") for row in GOOD]), "it looks tab-separated"),
    "decimal commas": (
        _text(["Date;Adj Close", *[row.replace(",", ";").replace(".", ",") for row in GOOD[1:]]]),
        "it looks semicolon-separated",
    ),
    "thousands separators": (
        _text(
            ["Date,Adj Close", *[f'{day.date()},"1,{100 + i}.50"' for i, day in enumerate(DAYS)]]
        ),
        "line 2: an unparsable or infinite number in 'Adj Close', got '1,100.50'",
    ),
    "header only": (b"Date,Adj Close\n", "has a header but no rows"),
    "one row": (
        _text(GOOD[:2]),
        "only 1 date(s), 2024-01-02 to 2024-01-02, on which every required ticker has a price",
    ),
    "nine rows": (_text(GOOD[:10]), "only 9 date(s), 2024-01-02 to 2024-01-12, on which"),
    "empty file": (b"", "not a readable CSV file (No columns to parse from file)"),
    "no Date column": (_text(["When,Adj Close", *GOOD[1:]]), "needs a 'Date' column"),
    "a row with too many fields": (
        _text([*GOOD, "2024-03-26,1,2"]),
        "line 62: 3 field(s) where the header has 2",
    ),
    "a garbage line": (_text([*GOOD, "garbage"]), "line 62: 1 field(s) where the header has 2"),
    "semicolon rows under a comma header": (
        _text([GOOD[0], *[row.replace(",", ";") for row in GOOD[1:]]]),
        "line 2: 1 field(s) where the header has 2; it looks semicolon-separated",
    ),
    "semicolons and decimal commas under a comma header": (
        _text([GOOD[0], *[row.replace(",", ";").replace(".", ",") for row in GOOD[1:]]]),
        "line 2: an unparsable date (expected YYYY-MM-DD), got '2024-01-02;95'; it looks "
        "semicolon-separated",
    ),
    "a header naming a column twice": (
        _text(["Date,Adj Close,Adj Close", *[f"{row},1" for row in GOOD[1:]]]),
        "line 1: the header names column 'Adj Close' twice",
    ),
    "a time of day": (
        _text([GOOD[0], *[row.replace(",", " 16:00:00,") for row in GOOD[1:]]]),
        "line 2: a date with a time of day (a daily close has none",
    ),
    "cell 1e300": (_with_cell("1e300"), "line 32: a number in 'Adj Close' beyond 10,000,000,000"),
    "time zones": (
        _text(["Date,Adj Close", *[f"{day.date()}T00:00:00+02:00,95" for day in DAYS]]),
        "line 2: a date with a time zone",
    ),
    "US dates in an ISO file": (
        _text([*GOOD[:31], f"{DAYS[30].strftime('%m/%d/%Y')},99", *GOOD[32:]]),
        "line 32: an unparsable date (expected YYYY-MM-DD), got '02/13/2024'",
    ),
    "a date in the future": (_text([*GOOD, "2099-01-02,100"]), "line 62: a date in the future"),
    "two prices for one date": (
        _text([*GOOD[:31], f"{DAYS[29].date()},12", *GOOD[31:]]),
        "date 2024-02-12 appears more than once with different prices",
    ),
    "a long gap": (_text([*GOOD[:11], *GOOD[51:]]), "56 calendar days without a close"),
    "random bytes": (bytes(range(256)) * 20, "not a readable CSV file"),
    **{
        f"cell {cell or 'empty'}": (
            _with_cell(cell),
            f"line 32: an unparsable or infinite number in 'Adj Close', got '{cell}'",
        )
        for cell in ("inf", "-inf", "1e400", "NaN", "nan", "", "null", "-", "N/A", "n/a", "abc")
    },
    "cell -5": (_with_cell("-5"), "price -5.0 on 2024-02-13 is missing or not positive"),
    "cell 0": (_with_cell("0"), "price 0.0 on 2024-02-13 is missing or not positive"),
}


def _folder(tmp_path: Path, agg: Callable[[Path], None]) -> str:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "SPY.csv").write_text("\n".join(["Date,Adj Close", *_closes(470.0)]) + "\n")
    agg(folder / "AGG.csv")
    return f"csv:{folder}"


def _run(tmp_path: Path, data: str, capsys: pytest.CaptureFixture[str], *extra: str):
    results = tmp_path / "results"
    argv = ["--strategy", "sixty_forty", "--data", data, "--out", str(results), "--no-report"]
    status, out, err = run_cli([*argv, *extra], capsys)
    left = sorted(results.iterdir()) if results.exists() else []
    return status, out, err, left


def _refused(status: int, out: str, err: str, left: list[Path], message: str) -> None:
    assert status == 2, err
    assert out == ""
    assert err.startswith("error: "), err
    assert message in err, err
    assert err.count("\n") == 1, err  # one line
    assert "Traceback" not in err
    assert left == []


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_hostile_price_file_is_one_error_naming_it(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, message = REFUSED[case]
    data = _folder(tmp_path, lambda path: path.write_bytes(content))
    status, out, err, left = _run(tmp_path, data, capsys)
    _refused(status, out, err, left, message)
    assert "AGG.csv" in err or "AGG" in err


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("a directory", lambda path: path.mkdir()),
        ("/dev/zero", lambda path: path.symlink_to("/dev/zero")),
        ("/dev/urandom", lambda path: path.symlink_to("/dev/urandom")),
    ],
)
def test_no_file_where_a_file_should_be(
    case: str,
    make: Callable[[Path], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err, left = _run(tmp_path, _folder(tmp_path, make), capsys)
    _refused(status, out, err, left, "AGG.csv: not a regular file (a directory or a device?)")


def test_a_file_of_hundreds_of_megabytes_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def huge(path: Path) -> None:  # sparse: 300 MB on paper, nothing on disk
        with path.open("wb") as file:
            file.truncate(300_000_000)

    status, out, err, left = _run(tmp_path, _folder(tmp_path, huge), capsys)
    _refused(status, out, err, left, "AGG.csv: 300 MB, more than the 200 MB")


@pytest.mark.parametrize(
    ("case", "content", "said"),
    [
        ("a UTF-8 byte-order mark", ("\ufeff" + "\n".join(GOOD) + "\n").encode(), None),
        (
            "quoted numbers",
            _text([GOOD[0], *['"' + r.replace(",", '","') + '"' for r in GOOD[1:]]]),
            None,
        ),
        ("a repeated identical row", _text([*GOOD[:31], GOOD[30], *GOOD[31:]]), None),
        ("rows out of order", _text([GOOD[0], *GOOD[:0:-1]]), None),
        ("midnight", _text([GOOD[0], *[r.replace(",", " 00:00:00,") for r in GOOD[1:]]]), None),
        (
            "extra columns",
            _text(["Date,Open,Adj Close", *[r.replace(",", ",1,") for r in GOOD[1:]]]),
            None,
        ),
        ("an unadjusted 4:1 split", SPLIT, "likely unadjusted split"),
        ("only Close", _text(["Date,Close", *GOOD[1:]]), "no 'Adj Close' column; using 'Close'"),
    ],
)
def test_what_a_careful_tool_accepts_runs_and_says_so(
    case: str,
    content: bytes,
    said: str | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _folder(tmp_path, lambda path: path.write_bytes(content))
    status, _, err, left = _run(tmp_path, data, capsys)
    assert status == 0, err
    assert "Traceback" not in err
    assert len(left) == 3  # the run directory, index.html and its lock file, .index.lock
    if said:
        assert said in err


SETTINGS_REFUSED = [
    (["--set", "costs.fees_bps.etf=nan"], "costs.fees_bps.etf = nan is out of range"),
    (["--set", "costs.fees_bps.crypto=inf"], "costs.fees_bps.crypto = inf is out of range"),
    (["--set", "costs.fees_bps.etf=-1"], "costs.fees_bps.etf = -1.0 is out of range"),
    (
        ["--set", "costs.slippage_bps.etf=abc"],
        "costs.slippage_bps.etf=abc: Input should be a valid number",
    ),
    (["--set", "costs.borrow_bps.BTC-USD=nan"], "costs.borrow_bps.BTC-USD = nan is out of range"),
    (["--set", "costs.cash_rate=nan"], "costs.cash_rate = nan is out of range"),
    (["--set", "costs.fee_bps=1"], "did you mean costs.fees_bps?"),
    (["--start", "2024-13-45"], "argument --start: '2024-13-45' is not a date"),
    (["--start", "2024-03-01", "--end", "2024-01-02"], "start 2024-03-01 must be before end"),
    (["--calendar", "lunar"], "--calendar"),
    (["--out", "/etc/passwd"], "--out /etc/passwd: /etc/passwd is a file, not a folder"),
]
SETTINGS_REFUSED += [  # every numeric key has a range (core.ranges); beyond it, one error
    (
        ["--set", "execution.lag=1000000000000"],
        "execution.lag = 1000000000000 is out of range; expected 1 to 250",
    ),
    (["--set", "execution.lag=0"], "execution.lag = 0 is out of range; expected 1 to 250"),
    (
        ["--set", "execution.initial_value=1e300"],
        "execution.initial_value = 1e+300 is out of range; expected 1.0 to 1,000,000,000,000",
    ),
    (["--set", "execution.initial_value=-inf"], "execution.initial_value = -inf is out of range"),
    (["--set", "costs.margin_spread_bps=1e9"], "costs.margin_spread_bps = 1000000000.0 is out of"),
    (["--set", "costs.borrow_bps.etf=10001"], "expected 0.0 to 10000.0"),
    (
        ["--set", "costs.cash_rate=2"],
        "costs.cash_rate = 2.0 is out of range; expected -0.05 to 0.5",
    ),
    (["--set", "strategy.stocks_weight=1e308"], "expected 0.0 to 1.0"),
]
SWITCH_REFUSED = [
    ("strategy.max_hold=99999999", "strategy.max_hold = 99999999 is out of range; expected 0 to"),
    ("strategy.reading_delay_days=100000", "reading_delay_days = 100000 is out of range"),
    ("strategy.yields_days=1e9", "strategy.yields_days=1e9: Input should be a valid integer"),
    ("strategy.yields_days=100000", "strategy.yields_days = 100000 is out of range"),
    ("strategy.dollar_level=1e300", "expected above 0.0 to 10,000,000,000"),
    ("strategy.supports.tech.confirm_days=5000", "supports.tech.confirm_days = 5000 is out of"),
    ("strategy.reading_scale=1e300", "strategy.reading_scale = 1e+300 is out of range"),
    ("strategy.sell_above=nan", "strategy.sell_above = nan is out of range"),
    ("strategy.buy_below=9", "strategy.buy_below = 9.0 is out of range; expected 0.0 to 8.0"),
    ("strategy.supports.tech.level=inf", "strategy.supports.tech.level = inf is out of range"),
    ("strategy.supports.tech.window=-3", "strategy.supports.tech.window = -3 is out of range"),
    ("strategy.supports.tech.window=2.5", "strategy.supports.tech.window=2.5: Input should be"),
    ("strategy.max_hold=nan", "strategy.max_hold=nan: Input should be a valid integer"),
    ("strategy.yields_fall_bps=inf", "strategy.yields_fall_bps = inf is out of range"),
    ("strategy.reading_scale=0", "strategy.reading_scale = 0.0 is out of range"),
    (
        "strategy.dollar_mode=often",
        "strategy.dollar_mode=often: Input should be 'cross' or 'level'",
    ),
]


@pytest.mark.parametrize(("extra", "message"), SETTINGS_REFUSED)
def test_a_bad_setting_or_flag_is_one_error(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _folder(tmp_path, lambda path: path.write_text("\n".join(GOOD) + "\n"))
    _refused(*_run(tmp_path, data, capsys, *extra), message)


@pytest.mark.parametrize(("override", "message"), SWITCH_REFUSED)
def test_a_bad_switch_setting_is_one_error(
    override: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--set", override, "--out", str(tmp_path / "r")]
    status, out, err = run_cli(argv, capsys)
    _refused(status, out, err, [], message)
    assert not (tmp_path / "r").exists()


def _numeric_fields(cls: type) -> list[str]:
    """The fields of ``cls`` holding a number (or None, or ``auto``), or a mapping to numbers.

    A tuple of numbers (a signal's ``bounds``) is built from other keys, never set itself.
    """
    hints = get_type_hints(cls)
    found = []
    for spec in fields(cls):
        kinds = {hints[spec.name], *get_args(hints[spec.name])}  # float | None, int | None
        values = {get_args(kind)[1] for kind in kinds if get_origin(kind) is dict}
        if (kinds | values) & {int, float}:
            found.append(spec.name)
    return found


SETTINGS_CLASSES = {
    **{f"strategy {name}": cls for name, cls in STRATEGIES.items()},
    **SECTIONS,
    **signal_classes(),
}


@pytest.mark.parametrize("name", sorted(SETTINGS_CLASSES))
def test_every_numeric_key_has_a_range_that_describe_shows(name: str) -> None:
    cls = SETTINGS_CLASSES[name]
    numeric = _numeric_fields(cls)
    ranges = getattr(cls, "RANGES", {})
    assert sorted(ranges) == sorted(numeric), name
    if not name.startswith("strategy "):
        return
    shown = describe(name.removeprefix("strategy "))
    for key, allowed in ranges.items():
        assert f"Range: {allowed}." in " ".join(shown.split(f"strategy.{key}:")[1].split()), key


def _alias_bomb(leaf: str, node: str) -> bytes:
    """A few hundred bytes of YAML whose aliases expand to 10**9 values (billion laughs)."""
    lines = [f"a0: &a0 {leaf}"]
    for level in range(1, 9):
        refs = ", ".join(
            f"k{i}: *a{level - 1}" if "{" in node else f"*a{level - 1}" for i in range(10)
        )
        lines.append(f"a{level}: &a{level} {node.format(refs=refs)}")
    return ("\n".join([*lines, "costs: *a8"]) + "\n").encode()


def _manifest(sweep: dict[str, object]) -> bytes:
    """A sweep's manifest edited by hand: its base config sound, its ``sweep`` not."""
    config = {"strategy": {"name": "sixty_forty"}}
    return json.dumps({"config": config, "sweep": {"base_config": config, **sweep}}).encode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tag.yaml", b"strategy: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
        (
            "latin.yaml",
            "strategy:\n  name: sixty_forty # caf\xe9\n".encode("latin-1"),
            "not valid YAML",
        ),
        ("list.yaml", b"- a\n- b\n", "expected a mapping of sections at the top"),
        (
            "huge.yaml",
            b"# " + b"x" * 1_100_000 + b"\n",
            "more than the 1,000,000 a config file may be",
        ),
        ("bomb.yaml", _alias_bomb("[x, x, x, x, x, x, x, x, x, x]", "[{refs}]"), "alias bomb"),
        ("bomb2.yaml", _alias_bomb("{a: 1, b: 2}", "{{{refs}}}"), "more than 100,000 values"),
        (
            "twice.yaml",
            b"strategy: sixty_forty\ncosts:\n  fees_bps: {etf: 1}\n  fees_bps: {etf: 5}\n",
            "line 4: key 'fees_bps' given twice (first on line 3)",
        ),
        ("empty.yaml", b"", "holds no settings (empty, or only comments)"),
        ("comments.yaml", b"# strategy: main_street\n", "holds no settings"),
        (
            "deep.yaml",
            b"strategy: " + b"[" * 5000 + b"]" * 5000 + b"\n",
            "line 1: nested more than 50 levels deep",
        ),
        ("trunc.json", b'{"config": {"strategy": ', "not a readable manifest.json"),
        ("foreign.json", b'{"hello": 1}', "no 'config' in it"),
        ("tampered.json", _manifest({"grid": "strategy.x=1"}), "sweep.grid = 'strategy.x=1'"),
        ("tampered2.json", _manifest({"grid": [5]}), "sweep.grid = [5] is not a list"),
        (
            "tampered3.json",
            _manifest({"grid": ["strategy.stocks_weight=0.5,0.6"], "walk_forward": 3}),
            "sweep.walk_forward = 3 is not TRAIN:TEST or null",
        ),
    ],
)
def test_a_bad_config_file_or_manifest_is_one_error(
    name: str, content: bytes, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    flag = "--rerun" if name.endswith(".json") else "--config"
    status, out, err = run_cli([flag, str(path), "--out", str(tmp_path / "r")], capsys)
    _refused(status, out, err, [], f"error: {flag} {path}: ")
    assert message in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("where", ["/dev/zero", "."])
def test_a_config_that_is_no_file_is_refused_unread(
    where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(["--config", where], capsys)
    _refused(status, out, err, [], f"--config {where}: not a regular file")


def test_a_sweep_too_large_for_memory_is_refused_before_any_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--out", str(tmp_path / "r"), "--data", "csv:/nope"]
    argv += [
        "--sweep",
        "strategy.sell_above=5:9.99:0.01",
        "--sweep",
        "strategy.buy_below=0:4.99:0.01",
    ]
    argv += ["--sweep", "strategy.max_hold=1:500:1"]
    status, out, err = run_cli(argv, capsys)
    # the data folder does not exist: the grid is refused before anything is read
    _refused(status, out, err, [], "--sweep: 500 x 500 x 500 = 125,000,000 combinations")
    assert "GB of memory" in err
    assert os.path.exists("/nope") is False


SWEEPS_REFUSED = [
    ("strategy.sell_above=5:9:1e-299", "5:9:1e-299': 4e+299 values, more than the 1,000,000"),
    ("strategy.sell_above=-1e308:1e308:1e-300", "more than 1e308 values, more than the 1,000,000"),
    ("strategy.sell_above=5:inf:1", "every value, bound and step must be a finite number"),
    ("strategy.sell_above=nan:9:1", "every value, bound and step must be a finite number"),
    ("strategy.sell_above=5:9:inf", "every value, bound and step must be a finite number"),
    ("strategy.sell_above=7,nan", "every value, bound and step must be a finite number"),
    ("strategy.sell_above=5:9", "'strategy.sell_above=5:9': expected START:STOP:STEP"),
]


@pytest.mark.parametrize(("spec", "message"), SWEEPS_REFUSED)
def test_a_sweep_spec_is_counted_and_checked_before_anything_is_built(
    spec: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--strategy", "hartnett_switch", "--out", str(tmp_path / "r"), "--data", "csv:/nope"]
    status, out, err = run_cli([*argv, "--sweep", spec], capsys)
    _refused(status, out, err, [], f"error: --sweep {spec!r}: ")
    assert message in err


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("5000:2000", "--walk-forward '5000:2000': expected TRAIN:TEST"),
        ("101y:1y", "at most 100 years (100y, 1200m, 36600d)"),
        ("99999999999999999999y:1y", "at most 100 years"),
        ("20y:5y", "walk-forward: the data 2024-01-02..2024-03-25 hold no train window of 20y"),
    ],
)
def test_a_walk_forward_window_the_data_cannot_hold_is_one_error(
    window: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _folder(tmp_path, lambda path: path.write_text("\n".join(GOOD) + "\n"))
    sweep = ["--sweep", "strategy.stocks_weight=0.5,0.6", "--walk-forward", window]
    _refused(*_run(tmp_path, data, capsys, *sweep), message)


SECRET = "aws_secret_access_key=hunter2"
"""The content of a file outside the data folder: it must never reach the console."""

TICKER_PATHS = [
    (["strategy.dollar_ticker=../secret"], "strategy.dollar_ticker: '../secret'"),
    (["strategy.yields_ticker=/etc/passwd"], "strategy.yields_ticker: '/etc/passwd'"),
    (["strategy.reading_trend=../secret"], "strategy.reading_trend: '../secret'"),
    (
        ["strategy.reading_crypto=true", "strategy.reading_crypto_ticker=../secret"],
        "strategy.reading_crypto_ticker: '../secret'",
    ),
    (["strategy.reading_breadth=SPY,../secret"], "strategy.reading_breadth: '../secret'"),
    (
        ["strategy.supports.gold.ticker=../secret", "strategy.supports.gold.level=4550"],
        "strategy.supports.gold.ticker: '../secret'",
    ),
    (["universe.tech=../secret"], "universe.tech: '../secret'"),
    (["costs.fees_bps.../secret=1"], "costs.fees_bps.../secret: '../secret'"),
    (["strategy.dollar_ticker=.hidden"], "strategy.dollar_ticker: '.hidden'"),
]


@pytest.mark.parametrize(("overrides", "message"), TICKER_PATHS)
def test_a_key_naming_a_ticker_takes_a_symbol_never_a_path(
    overrides: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secret.csv").write_text("\n".join(["Date,Adj Close", *_closes(1.0), SECRET]))
    data = _folder(tmp_path, lambda path: path.write_text("\n".join(GOOD) + "\n"))
    sets = [f"--set={text}" for text in overrides]
    status, out, err, left = _run(tmp_path, data, capsys, "--strategy", "hartnett_switch", *sets)
    _refused(status, out, err, left, f"{message} is not a ticker symbol")
    assert SECRET not in err


def test_the_data_layer_reads_no_ticker_that_is_a_path(tmp_path: Path) -> None:
    from core.errors import DataError
    from data.market import MarketRequest, Universe
    from data.sources import load_market

    (tmp_path / "secret.csv").write_text(SECRET)
    folder = _folder(tmp_path, lambda path: path.write_text("\n".join(GOOD) + "\n"))
    request = MarketRequest(universe=Universe(), roles=(), signal_tickers=("../secret",))
    with pytest.raises(DataError, match=re.escape("'../secret' is not a ticker symbol")) as caught:
        load_market(folder, request)
    assert SECRET not in str(caught.value)


def test_a_price_file_linking_outside_the_data_folder_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"{SECRET}\n")
    data = _folder(tmp_path, lambda path: path.symlink_to(credentials))
    status, out, err, left = _run(tmp_path, data, capsys)
    _refused(status, out, err, left, "AGG.csv: links to a file outside the data folder")
    assert SECRET not in err
    assert "hunter2" not in err


def test_a_price_file_linking_inside_the_data_folder_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def linked(path: Path) -> None:
        (path.parent / "store").mkdir()
        (path.parent / "store" / "agg-2024.csv").write_text("\n".join(GOOD) + "\n")
        path.symlink_to(Path("store") / "agg-2024.csv")

    status, _, err, left = _run(tmp_path, _folder(tmp_path, linked), capsys)
    assert status == 0, err
    assert len(left) == 3


HOSTILE_TEXT = "Evil\x1b]0;pwned\x07<script>x</script>\x1b[2J"
"""A window title, a bell, a script and a screen clear: shown as written, obeyed by nothing."""
TEX_NAME = "$\\frac{<b>x$"
"""A support level's name that mathtext cannot parse, with HTML in it."""


def test_text_from_a_users_files_is_shown_as_written_on_every_medium(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readings = tmp_path / "readings.csv"
    rows = [f"2024-0{month}-05,5.0,{HOSTILE_TEXT},{HOSTILE_TEXT}" for month in range(1, 8)]
    readings.write_text("\n".join(["Date,reading,source,source_title", *rows]) + "\n")
    support = [
        f"strategy.supports.{TEX_NAME}.{key}={value}"
        for key, value in (("ticker", "GLD"), ("mode", "absolute"), ("level", "150"))
    ]
    sets = [
        *("strategy.reading_source=published", f"strategy.reading_file={readings}"),
        *("strategy.reading_max_age_days=0", *support),
    ]
    root = tmp_path / "results"
    argv = ["--strategy", "hartnett_switch", "--data", f"csv:{shared_data}", "--out", str(root)]
    status, out, err = run_cli(
        [*argv, "--start", "2024-01-02", *(f"--set={s}" for s in sets)], capsys
    )
    assert status == 0, err
    # the terminal: control characters written out, never sent raw
    assert "\x1b" not in out + err
    assert "\x07" not in out + err
    assert "Evil\\x1b]0;pwned\\x07<script>" in out
    # HTML: escaped, in the report and in the runs index
    run_dir = Path(out.strip().splitlines()[-1])
    for page in (run_dir / "report.html", root / "index.html"):
        text = page.read_text(encoding="utf-8")
        assert "<b>x" not in text
        assert "<script>x" not in text
        assert "$\\frac{&lt;b&gt;x$" in text
    assert "&lt;script&gt;x" in (run_dir / "report.html").read_text(encoding="utf-8")
    # matplotlib: the name is a label as written, not mathtext (which cannot parse it)
    assert (run_dir / "signals.png").stat().st_size > 0


def test_the_terminal_escape_keeps_lines_and_tabs_and_is_idempotent() -> None:
    from reporting.terminal import terminal_text

    shown = terminal_text("a\x1b[2J\tb\nc\r\x9b\u202ed\x7f")
    assert shown == "a\\x1b[2J\tb\nc\\x0d\\x9b\\u202ed\\x7f"
    assert terminal_text(shown) == shown


def test_a_run_into_a_users_folder_never_replaces_their_index_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    data = _folder(tmp_path, lambda path: path.write_text("\n".join(GOOD) + "\n"))
    mine = tmp_path / "results"
    mine.mkdir()
    (mine / "index.html").write_text("<p>my own page</p>\n")
    for _ in range(2):  # the second run finds no marker either: the tool made none
        status, out, err, left = _run(tmp_path, data, capsys)
        assert status == 0, err
        run_dir = Path(out.strip().splitlines()[-1])
        assert (run_dir / "metrics.json").is_file()  # the run is written
    assert (mine / "index.html").read_text() == "<p>my own page</p>\n"
    assert not (mine / ".index.lock").exists()
    assert len(left) == 3  # index.html and the two run directories
    assert caplog.messages[-1] == (
        f"{mine / 'index.html'} not rebuilt (it was not written by this tool: no .index.lock "
        "beside it; it is left as it is, and a folder of the runs' own (--out) gets their "
        f"index); the run is in {run_dir}"
    )


def test_the_cleanup_after_a_kill_deletes_only_what_a_run_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reporting.run_dir import STAGING_MARK

    data = _folder(tmp_path, lambda path: path.write_text("\n".join(GOOD) + "\n"))
    root = tmp_path / "results"
    dead = 2**31 - 1  # no process has this id
    theirs = root / f".incomplete-notes-{dead}"  # named like a killed run's, not made by one
    theirs.mkdir(parents=True)
    (theirs / "notes.txt").write_text("mine\n")
    killed = root / f".incomplete-20240102-030405-sixty_forty-{dead}"  # a killed run's
    killed.mkdir()
    (killed / STAGING_MARK).touch()
    (killed / "equity.csv").write_text("date,strategy\n")
    status, _, err, _ = _run(tmp_path, data, capsys)
    assert status == 0, err
    assert (theirs / "notes.txt").read_text() == "mine\n"
    assert not killed.exists()


def test_a_run_writes_only_under_its_out_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _folder(tmp_path, lambda path: path.write_text("\n".join(GOOD) + "\n"))

    def files() -> dict[str, tuple[int, int]]:
        found = (p for p in tmp_path.rglob("*") if "results" not in p.relative_to(tmp_path).parts)
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in found}

    before = files()
    status, _, err, left = _run(tmp_path, data, capsys, "--set=costs.cash_rate=auto")
    assert status == 0, err
    assert files() == before  # the data folder and everything beside it untouched
    assert len(left) == 3


def test_the_security_section_names_tests_that_exist() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "faults.md").read_text()
    section = page.split("## Security: what a file can make it do\n")[1].split("\n## ")[0]
    assert len(section.strip().splitlines()) <= 20
    named = re.findall(r"`(tests/test_\w+\.py)::(test_\w+)`", section)
    assert len(named) >= 8
    for file, function in named:
        source = (Path(__file__).resolve().parents[1] / file).read_text()
        assert f"def {function}(" in source, (file, function)


def test_a_line_break_in_a_set_value_stays_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # found by tests/test_fuzz.py: the value is quoted in the message with its break written out
    argv = ["--strategy", "sixty_forty", "--data", "demo", "--out", str(tmp_path), "--no-report"]
    status, out, err = run_cli([*argv, "--set", "strategy.stocks_weight=\n"], capsys)
    assert status == 2
    assert out == ""
    assert err == "error: strategy.stocks_weight=\\n: a value is required (expected float)\n"


@pytest.mark.parametrize("key", ["strategy.reading_file", "strategy.aaii_file"])
def test_a_config_names_no_file_outside_its_folder_and_the_working_folder(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "elsewhere" / "credentials"
    secret.parent.mkdir()
    secret.write_text("date,reading\nSECRET=hunter2,1\n")
    section, name = key.split(".")
    config = tmp_path / "downloaded" / "call.yaml"
    config.parent.mkdir()
    extra = "  reading_source: published\n" if name == "reading_file" else ""
    config.write_text(f"{section}:\n  name: hartnett_switch\n{extra}  {name}: {secret}\n")
    argv = ["--config", str(config), "--data", "demo", "--out", str(tmp_path / "out")]
    status, out, err = run_cli(argv, capsys)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: --config {config}: {key} = ")
    assert "lies outside the config's folder and the working folder" in err
    assert "hunter2" not in err
    assert not (tmp_path / "out").exists()
    # beside the config it is read (here: a readings file with one reading is fine)
    beside = config.parent / "readings.csv"
    beside.write_text("date,reading\n2024-01-05,5\n")
    config.write_text(f"{section}:\n  name: hartnett_switch\n{extra}  {name}: {beside}\n")
    status, _, err = run_cli([*argv, "--start", "2024-01-02", "--no-report"], capsys)
    assert "lies outside" not in err
