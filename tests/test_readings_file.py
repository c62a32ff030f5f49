"""A readings file (``strategy.reading_file``) is validated like a price file, goes stale after
``reading_max_age_days``, and every output says which reading drove the run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli

PRESET = Path(__file__).resolve().parents[1] / "configs" / "hartnett.yaml"


def _readings(folder: Path, rows: list[str], header: str = "Date,reading") -> Path:
    path = folder / "bull_bear.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _argv(shared_data: Path, tmp_path: Path, readings: Path, *extra: str) -> list[str]:
    return [
        *("--config", str(PRESET), "--data", f"csv:{shared_data}"),
        *("--out", str(tmp_path / "results"), "--set", f"strategy.reading_file={readings}"),
        *("--set", "strategy.reading_source=published"),
        *extra,
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["2025-01-03,5.0", "2025-01-10,86"],
            "line 3: reading 86 is outside the readings' scale 0",
        ),
        (["2025-01-03,-1", "2025-01-10,5"], "line 2: reading -1 is outside the readings' scale 0"),
        (
            ["2025-01-03,5.0", "2025-01-10,6.0", "2025-01-03,7.0"],
            "line 4: 2025-01-03 is also on line 2 with another reading (7 against 5)",
        ),
    ],
)
def test_a_bad_readings_file_is_one_error_naming_the_line(
    rows: list[str],
    message: str,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    readings = _readings(tmp_path, rows)
    status, out, err = run_cli(_argv(shared_data, tmp_path, readings), capsys)
    assert status == 2
    assert out == ""
    assert err == f"error: {readings}, {message}" + err.split(message, 1)[1], err
    assert err.count("\n") == 1, err
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_a_declared_scale_and_a_repeated_identical_reading_are_accepted(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a percent-scale file: 85 is 8.5 on BofA's 0-10; the repeated 2025-01-10 row counts once
    rows = ["2025-01-03,40", "2025-01-10,85", "2025-01-10,85", "2025-01-24,15"]
    readings = _readings(tmp_path, rows)
    argv = _argv(shared_data, tmp_path, readings, "--set", "strategy.reading_scale=100")
    argv += ["--start", "2025-01-06", "--end", "2025-02-14", "--no-report"]
    status, out, err = run_cli(argv, capsys)
    assert status == 0, err
    run_dir = Path(out.strip().splitlines()[-1])
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    # usable the day after their date (reading_delay_days=1)
    assert signals.loc["2025-01-10", "bull_bear"] == pytest.approx(4.0)
    assert signals.loc["2025-01-13", "bull_bear"] == pytest.approx(8.5)
    assert signals.loc["2025-01-27", "bull_bear"] == pytest.approx(1.5)


def test_an_old_reading_goes_missing_with_a_warning_naming_the_gap(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readings = _readings(tmp_path, ["2018-03-01,9.1", "2025-03-03,5.0"])
    argv = _argv(shared_data, tmp_path, readings, "--start", "2025-01-02", "--end", "2025-04-30")
    status, out, err = run_cli([*argv, "--no-report"], capsys)
    assert status == 0, err
    run_dir = Path(out.strip().splitlines()[-1])
    signals = pd.read_csv(run_dir / "signals.csv", index_col="date", parse_dates=True)
    run_days = signals.index
    # the 2018 reading is 2,500 days old by 2025; the 2025-03-03 one is usable from 03-04 and
    # for 42 days after its date (to 2025-04-14)
    stale = run_days[(run_days < "2025-03-04") | (run_days > "2025-04-14")]
    assert signals.loc[stale, "bull_bear"].isna().all()
    assert signals.loc["2025-03-04":"2025-04-14", "bull_bear"].eq(5.0).all()
    warnings = json.loads((run_dir / "metrics.json").read_text())["run"]["warnings"]
    stale_warnings = [w for w in warnings if "older than 42 days" in w]
    assert len(stale_warnings) == 1, warnings
    assert f"2025-01-02..{stale[stale < '2025-03-04'][-1].date()}" in stale_warnings[0]
    assert f"{stale[stale > '2025-04-14'][0].date()}..2025-04-30" in stale_warnings[0]
    assert "warning: reading bull_bear" in err


def test_every_output_says_which_reading_it_used(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"{day.date()},5.5,BofA Flow Show,live" for day in pd.date_range(
        "2026-05-01", "2026-07-31", freq="7D"
    )]  # fmt: skip
    readings = _readings(tmp_path, rows, header="Date,reading,source,vintage")
    argv = _argv(shared_data, tmp_path, readings, "--start", "2026-06-01")
    status, out, err = run_cli(argv, capsys)
    assert status == 0, err
    run_dir = Path(out.strip().splitlines()[-1])
    told = "file bull_bear.csv, source BofA Flow Show, vintage live"
    now = json.loads((run_dir / "signals_now.json").read_text())
    assert now["reading"]["source"] == told
    assert told in out
    assert told in (run_dir / "report.html").read_text()
    status, out, err = run_cli(
        ["--config", str(PRESET), "--data", f"csv:{shared_data}", "--signals-now"], capsys
    )
    assert status == 0, err
    told = "BofA's readings as published; documented in docs/bull_bear_published.md; the price "
    assert told + "proxy where none is in force" in out


def test_changing_a_traded_role_leaves_the_proxy_alone(shared_data: Path) -> None:
    import backtester

    def reading(*overrides: str) -> pd.Series:
        run = backtester.run(PRESET, data=f"csv:{shared_data}", overrides=list(overrides))
        return run.signals["bull_bear"]

    base = reading()
    pd.testing.assert_series_equal(reading("universe.international=EEM"), base)
    moved = reading("strategy.reading_breadth=SPY,IWM,EEM,XLK")
    assert (moved - base).abs().max() > 0.1  # the breadth's own key does move it
    tied = reading("strategy.reading_breadth=SPY,IWM,international,XLK")
    pd.testing.assert_series_equal(tied, base)  # the role's name reads the role's ticker, EFA
    basket = "universe.international=EFA:0.5,EEM:0.3,MCHI:0.2"
    pd.testing.assert_series_equal(reading(basket), base)  # a basket trades, the proxy stays
    tied = reading(basket, "strategy.reading_breadth=SPY,IWM,international,XLK")
    listed = reading("strategy.reading_breadth=SPY,IWM,EFA,EEM,MCHI,XLK")
    pd.testing.assert_series_equal(tied, listed)  # a basket role in the breadth: every ticker
