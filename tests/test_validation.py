"""The validation corpus: small bad files made here, each run through the command line.

Every error case exits 2 with one line naming the file or ticker and the line or date, and
leaves no run directory; every warning case prints its warning and completes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import run_backtest

DATES = [d.date().isoformat() for d in __import__("pandas").bdate_range("2024-01-02", periods=40)]


def _rows(prices: list[float], dates: list[str] = DATES) -> str:
    return "".join(f"{day},{price}\n" for day, price in zip(dates, prices, strict=True))


GOOD_SPY = "Date,Adj Close\n" + _rows([470.0 + i for i in range(40)])
GOOD_AGG = "Date,Adj Close\n" + _rows([95.0 + 0.01 * i for i in range(40)])
AGG_ROWS = GOOD_AGG.splitlines(keepends=True)

ERRORS = {
    "missing file": (None, "AGG: no price file"),
    "missing column": ("Date,Price\n" + _rows([1.0] * 40), "needs a 'Date' column"),
    "unparsable date": (
        "".join(AGG_ROWS[:4]) + "2024-01-3x,95\n" + "".join(AGG_ROWS[5:]),
        "AGG.csv, line 5: an unparsable date (expected YYYY-MM-DD), got '2024-01-3x'",
    ),
    "unparsable number": (
        "".join(AGG_ROWS[:4]) + "2024-01-05,9S.1\n" + "".join(AGG_ROWS[5:]),
        "AGG.csv, line 5: an unparsable or infinite number in 'Adj Close', got '9S.1'",
    ),
    "empty price": (
        "".join(AGG_ROWS[:4]) + "2024-01-05,\n" + "".join(AGG_ROWS[5:]),
        "AGG.csv, line 5: an unparsable or infinite number in 'Adj Close', got ''",
    ),
    "infinite price": (
        "".join(AGG_ROWS[:4]) + "2024-01-05,inf\n" + "".join(AGG_ROWS[5:]),
        "AGG.csv, line 5: an unparsable or infinite number in 'Adj Close', got 'inf'",
    ),
    "minus infinity": (
        "".join(AGG_ROWS[:4]) + "2024-01-05,-inf\n" + "".join(AGG_ROWS[5:]),
        "AGG.csv, line 5: an unparsable or infinite number in 'Adj Close', got '-inf'",
    ),
    "a number too large for a float": (
        "".join(AGG_ROWS[:4]) + "2024-01-05,1e400\n" + "".join(AGG_ROWS[5:]),
        "AGG.csv, line 5: an unparsable or infinite number in 'Adj Close', got '1e400'",
    ),
    "duplicate date, different prices": (
        GOOD_AGG + "2024-01-05,99\n",
        "AGG.csv: date 2024-01-05 appears more than once with different prices",
    ),
    "non-positive price": (
        "".join(AGG_ROWS[:5]) + "2024-01-08,-1\n" + "".join(AGG_ROWS[6:]),
        "AGG.csv: price -1.0 on 2024-01-08 is missing or not positive",
    ),
    "ends before the start": (
        "Date,Adj Close\n" + _rows([95.0] * 5, DATES[:5]),
        "AGG.csv: prices end 2024-01-08, before the requested start 2024-01-15",
    ),
    "empty file": ("", "AGG.csv: not a readable CSV file"),
    "header only": ("Date,Adj Close\n", "AGG.csv: has a header but no rows"),
    # Rows for 01-16 .. 01-23 removed: the last close is 01-15, the next 01-24, and SPY
    # trades on 01-23, 8 calendar days after the last close.
    "gap over 5 days": (
        "".join(AGG_ROWS[:11]) + "".join(AGG_ROWS[17:]),
        "AGG: no price between 2024-01-15 and 2024-01-24 (8 calendar days without a close",
    ),
}


def _folder(tmp_path: Path, agg: str | None) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "SPY.csv").write_text(GOOD_SPY)
    if agg is not None:
        (folder / "AGG.csv").write_text(agg)
    return folder


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = run_backtest.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_file_exits_2_naming_the_place(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agg, message = ERRORS[case]
    folder, out_dir = _folder(tmp_path, agg), tmp_path / "results"
    argv = ["--strategy", "sixty_forty", "--data", f"csv:{folder}", "--out", str(out_dir)]
    status, out, err = _main([*argv, "--start", "2024-01-15"], capsys)
    assert status == 2
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert message in err
    assert out == ""
    assert not out_dir.exists()


WARNINGS = {
    "close only": (
        GOOD_AGG.replace("Adj Close", "Close"),
        "warning: ",
        "no 'Adj Close' column; using 'Close', so dividends are not included",
    ),
    "unadjusted split": (
        "".join(AGG_ROWS[:21]) + "".join(r.replace(",9", ",19") for r in AGG_ROWS[21:]),
        "warning: ",
        "price moved +105% on 2024-01-30; a likely unadjusted split",
    ),
    "short gap": ("".join(AGG_ROWS[:11]) + "".join(AGG_ROWS[13:]), "note: ", "AGG: 2 date(s)"),
    "unsorted rows": (AGG_ROWS[0] + "".join(reversed(AGG_ROWS[1:])), None, "sorted"),
    "repeated identical row": (GOOD_AGG + AGG_ROWS[3], None, "appears more than once"),
}


@pytest.mark.parametrize("case", list(WARNINGS))
def test_doubtful_file_warns_and_completes(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agg, prefix, message = WARNINGS[case]
    folder = _folder(tmp_path, agg)
    argv = ["--strategy", "sixty_forty", "--data", f"csv:{folder}", "--out", str(tmp_path / "r")]
    status, out, err = _main(argv, capsys)
    assert status == 0
    assert Path(out.strip().splitlines()[-1]).is_dir()
    if prefix is None:
        assert message not in err  # said only when asked (-v), or nothing to say
    else:
        assert any(line.startswith(prefix) and message in line for line in err.splitlines()), err


def test_sorting_is_said_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    folder = _folder(tmp_path, AGG_ROWS[0] + "".join(reversed(AGG_ROWS[1:])))
    argv = ["--strategy", "sixty_forty", "--data", f"csv:{folder}", "--out", str(tmp_path / "r")]
    with caplog.at_level("INFO"):
        assert _main([*argv, "-v"], capsys)[0] == 0
    assert "AGG.csv: rows were not in date order; sorted them" in caplog.text


def test_carried_dates_are_counted_in_the_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, "".join(AGG_ROWS[:11]) + "".join(AGG_ROWS[13:]))
    argv = ["--strategy", "sixty_forty", "--data", f"csv:{folder}", "--out", str(tmp_path / "r")]
    status, out, _ = _main(argv, capsys)
    metrics = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    assert status == 0
    assert metrics["run"]["carried_forward"] == {"SPY": 0, "AGG": 2}


def test_big_moves_in_crypto_are_not_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, GOOD_AGG)
    days = __import__("pandas").date_range("2024-01-01", periods=60, freq="D")
    btc = "".join(f"{d.date()},{100.0 * (2 if i > 30 else 1)}\n" for i, d in enumerate(days))
    (folder / "BTC-USD.csv").write_text("Date,Adj Close\n" + btc)
    argv = [
        "--data",
        f"csv:{folder}",
        "--out",
        str(tmp_path / "r"),
        "--set",
        "strategy.tech_share=0",
    ]
    argv += ["--set", "strategy.long_weight=0", "--set", "universe.stocks=SPY"]
    status, _, err = _main(argv, capsys)
    assert status == 0
    assert "warning" not in err
