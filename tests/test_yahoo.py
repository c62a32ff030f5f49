"""The Yahoo source on frames shaped like yfinance's answers; no test touches the network."""

from __future__ import annotations

import inspect
import logging
import socket
import threading
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
import yfinance as yf

from core.errors import DataError
from data import yahoo

REAL_DOWNLOAD = yf.download
FIELDS = ("Adj Close", "Close", "High", "Low", "Open", "Volume")
DAYS = ("2024-01-02", "2024-01-03", "2024-01-04")


def yahoo_frame(
    ticker: str,
    closes: list[float],
    *,
    adjusted: bool = True,
    tz: str | None = None,
    flat: bool = False,
) -> pd.DataFrame:
    """One ticker as ``yf.download`` returns it: ``(Price, Ticker)`` columns, index named Date."""
    index = pd.DatetimeIndex(DAYS[: len(closes)], name="Date")
    if tz is not None:
        index = index.tz_localize(tz)
    fields = [field for field in FIELDS if adjusted or field != "Adj Close"]
    values = {field: np.asarray(closes, dtype=float) for field in fields}
    values["Adj Close"] = np.asarray(closes, dtype=float) * 0.9
    frame = pd.DataFrame({field: values[field] for field in fields}, index=index)
    if flat:
        return frame
    frame.columns = pd.MultiIndex.from_tuples(
        [(field, ticker) for field in fields], names=["Price", "Ticker"]
    )
    return frame


class FakeDownload:
    """Stands in for ``yf.download``: answers from a queue, records the calls."""

    def __init__(self, *answers: pd.DataFrame | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, object]]] = []

    def __call__(self, tickers: str, **kwargs: object) -> pd.DataFrame:
        self.calls.append((tickers, kwargs))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def sleeps() -> list[float]:
    return []


def fetch(fake: FakeDownload, monkeypatch: pytest.MonkeyPatch, sleeps: list[float], **kwargs):
    monkeypatch.setattr(yf, "download", fake)
    tickers = kwargs.pop("tickers", ["SPY"])
    return yahoo.fetch_yahoo(
        tickers, date(2024, 1, 1), date(2024, 1, 4), progress=False, sleep=sleeps.append, **kwargs
    )


def test_multilevel_columns_give_adjusted_close(monkeypatch, sleeps):
    fake = FakeDownload(yahoo_frame("SPY", [470.0, float("nan"), 468.5]))
    series, notes = fetch(fake, monkeypatch, sleeps)
    expected = pd.Series(
        [423.0, 421.65], index=pd.DatetimeIndex(["2024-01-02", "2024-01-04"], name="Date")
    )
    pd.testing.assert_series_equal(series["SPY"], expected.rename("SPY"))
    assert notes == []
    assert sleeps == []


def test_download_arguments_are_explicit_and_valid_for_the_installed_yfinance(monkeypatch, sleeps):
    fake = FakeDownload(yahoo_frame("SPY", [470.0]))
    fetch(fake, monkeypatch, sleeps)
    ticker, kwargs = fake.calls[0]
    inspect.signature(REAL_DOWNLOAD).bind(ticker, **kwargs)
    assert kwargs["auto_adjust"] is False
    assert kwargs["actions"] is False
    assert kwargs["progress"] is False
    assert kwargs["threads"] is False
    # yfinance's end is exclusive: the day after our inclusive end.
    assert (kwargs["start"], kwargs["end"], kwargs["period"]) == ("2024-01-01", "2024-01-05", None)


def test_no_start_asks_for_the_whole_history(monkeypatch):
    fake = FakeDownload(yahoo_frame("SPY", [470.0]))
    monkeypatch.setattr(yf, "download", fake)
    yahoo.fetch_yahoo(["SPY"], None, None, progress=False)
    kwargs = fake.calls[0][1]
    assert (kwargs["start"], kwargs["end"], kwargs["period"]) == (None, None, "max")


@pytest.mark.parametrize("tz", ["America/New_York", "UTC"])
def test_timezone_aware_dates_become_naive_trading_dates(monkeypatch, sleeps, tz):
    fake = FakeDownload(yahoo_frame("SPY", [470.0, 469.0], tz=tz))
    series, _ = fetch(fake, monkeypatch, sleeps)
    assert series["SPY"].index.tz is None
    assert list(series["SPY"].index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]


def test_flat_columns_and_unsorted_rows(monkeypatch, sleeps):
    frame = yahoo_frame("SPY", [470.0, 469.0, 471.0], flat=True).iloc[::-1]
    series, _ = fetch(FakeDownload(frame), monkeypatch, sleeps)
    assert series["SPY"].index.is_monotonic_increasing
    assert series["SPY"].tolist() == pytest.approx([423.0, 422.1, 423.9])
    assert series["SPY"].dtype == float
    assert series["SPY"].name == "SPY"


@pytest.mark.parametrize("flat", [False, True])
def test_index_without_adjusted_close_uses_close_with_a_note(monkeypatch, sleeps, flat):
    fake = FakeDownload(yahoo_frame("^VIX", [13.2, 14.0], adjusted=False, flat=flat))
    series, notes = fetch(fake, monkeypatch, sleeps, tickers=["^VIX"])
    assert series["^VIX"].tolist() == [13.2, 14.0]
    assert len(notes) == 1
    assert "^VIX" in notes[0]
    assert "'Close'" in notes[0]


def test_two_failures_then_success_retries_with_exponential_backoff(monkeypatch, sleeps):
    fake = FakeDownload(
        ConnectionError("reset"), yahoo_frame("SPY", []), yahoo_frame("SPY", [470.0])
    )
    series, _ = fetch(fake, monkeypatch, sleeps, backoff=0.5)
    assert len(fake.calls) == 3
    assert sleeps == [0.5, 1.0]
    assert series["SPY"].tolist() == [423.0]


def test_error_names_every_ticker_that_returned_nothing(monkeypatch, sleeps):
    answers = {"SPY": yahoo_frame("SPY", [470.0]), "XYZ": pd.DataFrame(), "QQQQ": None}
    calls: list[str] = []

    def download(ticker: str, **kwargs: object) -> pd.DataFrame | None:
        calls.append(ticker)
        return answers[ticker]

    monkeypatch.setattr(yf, "download", download)
    with pytest.raises(DataError) as caught:
        yahoo.fetch_yahoo(["XYZ", "SPY", "QQQQ"], None, None, progress=False, sleep=sleeps.append)
    message = str(caught.value)
    assert message.startswith("Yahoo Finance returned no prices for XYZ, QQQQ (after 3 tries)")
    assert message.endswith("or use --data csv:DIR")
    assert calls.count("XYZ") == 3
    assert calls.count("SPY") == 1
    assert len(sleeps) == 4


def test_yfinance_log_lines_are_kept_off_the_console_and_explain_the_error(
    monkeypatch, sleeps, capsys
):
    def download(ticker: str, **kwargs: object) -> pd.DataFrame:
        logging.getLogger("yfinance").error("['%s']: possibly delisted; no timezone found", ticker)
        return pd.DataFrame()

    monkeypatch.setattr(yf, "download", download)
    with pytest.raises(DataError, match=r"last error: \['XYZ'\]: possibly delisted"):
        yahoo.fetch_yahoo(["XYZ"], None, None, retries=1, progress=False)
    assert "delisted" not in capsys.readouterr().err
    assert logging.getLogger("yfinance").propagate


def test_progress_bar_goes_to_stderr_only_when_asked(monkeypatch, capsys):
    monkeypatch.setattr(yf, "download", FakeDownload(yahoo_frame("SPY", [470.0])))
    yahoo.fetch_yahoo(["SPY"], None, None, progress=False)
    assert capsys.readouterr().err == ""
    yahoo.fetch_yahoo(["SPY"], None, None, progress=True)
    captured = capsys.readouterr()
    assert "Yahoo Finance" in captured.err
    assert captured.out == ""


class FakeSocket:
    """A socket whose connect fails (or succeeds) at once."""

    error: OSError | None = None

    def __init__(self, *args: object) -> None:
        pass

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def settimeout(self, seconds: float) -> None:
        assert 0 < seconds <= 3.0

    def connect(self, address: object) -> None:
        if self.error is not None:
            raise self.error


def resolves(*args: object, **kwargs: object) -> list[tuple[object, ...]]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 443))]


@pytest.mark.parametrize(
    ("error", "expected"),
    [(ConnectionRefusedError(), False), (TimeoutError(), False), (None, True)],
)
def test_network_available_answers_from_the_connection(monkeypatch, error, expected):
    monkeypatch.setattr(yahoo.socket, "getaddrinfo", resolves)
    monkeypatch.setattr(FakeSocket, "error", error)
    monkeypatch.setattr(yahoo.socket, "socket", FakeSocket)
    began = time.monotonic()
    assert yahoo.network_available() is expected
    assert time.monotonic() - began < 1.0


def test_network_available_is_false_when_dns_fails(monkeypatch):
    def no_dns(*args: object, **kwargs: object) -> list[tuple[object, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(yahoo.socket, "getaddrinfo", no_dns)
    assert yahoo.network_available() is False


def test_network_available_gives_up_on_a_hanging_dns_lookup(monkeypatch):
    release = threading.Event()

    def hanging(*args: object, **kwargs: object) -> list[tuple[object, ...]]:
        release.wait(10.0)
        return resolves()

    monkeypatch.setattr(yahoo.socket, "getaddrinfo", hanging)
    began = time.monotonic()
    try:
        assert yahoo.network_available(timeout=0.2) is False
        assert time.monotonic() - began < 1.0
    finally:
        release.set()


def test_yfinances_own_warnings_do_not_reach_the_user(monkeypatch, sleeps) -> None:
    import warnings

    def noisy(tickers: str, **kwargs: object) -> pd.DataFrame:
        warnings.warn("Timestamp.utcnow is deprecated", FutureWarning, stacklevel=2)
        warnings.warn("a pandas 4 change", DeprecationWarning, stacklevel=2)
        return yahoo_frame(tickers, [100.0, 101.0, 102.0])

    monkeypatch.setattr(yf, "download", noisy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        series, _ = yahoo.fetch_yahoo(["SPY"], None, None, progress=False, sleep=sleeps.append)
    assert not series["SPY"].empty
    assert caught == []
