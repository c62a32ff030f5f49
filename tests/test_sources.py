"""``--data auto`` and ``--data yahoo`` end to end, with a constructed Yahoo and no network."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import data.sources
import run_backtest
from core.errors import DataError

TICKERS = ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD")


class FakeYahoo:
    """Answers like `data.yahoo.fetch_yahoo` from made-up prices, and counts its calls."""

    def __init__(self, jump: str | None = None) -> None:
        self.calls: list[tuple[tuple[str, ...], date | None, date | None]] = []
        self.jump = jump

    def __call__(self, tickers: list[str], start: date | None, end: date | None):
        self.calls.append((tuple(tickers), start, end))
        series = {}
        for ticker in tickers:
            freq = "D" if ticker == "BTC-USD" else "B"
            days = pd.date_range("2023-01-02", "2024-12-31", freq=freq)
            prices = 100 * np.exp(np.linspace(0, 0.2, len(days)))
            if ticker == self.jump:
                prices[len(days) // 2 :] *= 2
            values = pd.Series(prices, index=days, name=ticker)
            series[ticker] = values.loc[
                pd.Timestamp(start or days[0]) : pd.Timestamp(end or days[-1])
            ]
        return series, []


def _run(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    status = run_backtest.main([*argv, "--out", str(tmp_path / "results")])
    out, err = capsys.readouterr()
    run_dir = Path(out.strip().splitlines()[-1]) if status == 0 else None
    return status, run_dir, err


ARGS = ["--strategy", "main_street", "--start", "2023-06-01", "--end", "2024-06-28"]


def test_auto_offline_without_cache_falls_back_to_the_labelled_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, run_dir, err = _run(ARGS, tmp_path, capsys)  # the conftest makes Yahoo unreachable
    assert status == 0
    assert run_dir.name.endswith("-demo")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["run"]["synthetic"] is True
    assert metrics["run"]["data_source"] == "demo"
    assert "--data auto fell back to the demo market" in err
    assert "SYNTHETIC DEMO DATA" in err


def test_auto_online_downloads_once_then_uses_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    yahoo = FakeYahoo()
    monkeypatch.setattr(data.sources, "fetch_yahoo", yahoo)
    monkeypatch.setattr(data.sources, "network_available", lambda: True)
    status, first, _ = _run(ARGS, tmp_path, capsys)
    assert status == 0
    assert len(yahoo.calls) == 2  # the prices, then the cash rate through the same cache
    assert set(yahoo.calls[0][0]) == set(TICKERS)
    assert yahoo.calls[1][0] == ("^IRX",)

    def unreachable() -> bool:
        raise AssertionError("a covered request must not even look for the network")

    monkeypatch.setattr(data.sources, "network_available", unreachable)
    status, second, _ = _run(ARGS, tmp_path, capsys)
    assert status == 0
    assert len(yahoo.calls) == 2
    metrics = [json.loads((d / "metrics.json").read_text()) for d in (first, second)]
    assert metrics[0]["strategy"] == metrics[1]["strategy"]
    assert metrics[1]["run"]["data_source"] == "yahoo"
    assert metrics[1]["run"]["synthetic"] is False


def test_refresh_downloads_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    yahoo = FakeYahoo()
    monkeypatch.setattr(data.sources, "fetch_yahoo", yahoo)
    assert _run([*ARGS, "--data", "yahoo"], tmp_path, capsys)[0] == 0
    assert _run([*ARGS, "--data", "yahoo"], tmp_path, capsys)[0] == 0
    assert len(yahoo.calls) == 2  # the prices and ^IRX, once
    assert _run([*ARGS, "--data", "yahoo", "--refresh"], tmp_path, capsys)[0] == 0
    assert len(yahoo.calls) == 4


def test_auto_offline_uses_a_stale_cache_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data.sources, "fetch_yahoo", FakeYahoo())
    assert _run([*ARGS, "--data", "yahoo"], tmp_path, capsys)[0] == 0
    later = ["--strategy", "main_street", "--start", "2023-06-01"]  # to today: not covered
    status, run_dir, err = _run(later, tmp_path, capsys)
    assert status == 0
    assert not run_dir.name.endswith("-demo")
    assert "warning: no network: using the cached prices as they are" in err


def test_yahoo_data_is_validated_like_any_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data.sources, "fetch_yahoo", FakeYahoo(jump="XLK"))
    status, _, err = _run([*ARGS, "--data", "yahoo"], tmp_path, capsys)
    assert status == 0
    assert "warning: Yahoo XLK: price moved +100%" in err


def test_an_unreachable_yahoo_is_said_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(tickers: list[str], start: object, end: object) -> None:
        # what yfinance says for every symbol when the host is out of reach
        raise DataError("Yahoo Finance returned no prices for SPY (possibly delisted; no timezone)")

    monkeypatch.setattr(data.sources, "fetch_yahoo", offline)
    status, _, err = _run([*ARGS, "--data", "yahoo"], tmp_path, capsys)
    assert status == 2
    assert err == f"error: {data.sources.YAHOO_UNREACHABLE}\n"
    assert "delisted" not in err
    monkeypatch.setattr(data.sources, "network_available", lambda: True)
    status, _, err = _run([*ARGS, "--data", "yahoo"], tmp_path, capsys)
    assert status == 2
    assert "possibly delisted" in err  # reachable: the symbol's own fault, said as yfinance says
