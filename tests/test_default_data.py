"""The default data source: ``MAINSTREET_DATA`` when ``--data`` is absent, recorded in the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

RUN = ["--strategy", "sixty_forty", "--start", "2021-01-04", "--end", "2021-03-31", "--no-report"]


def _manifest(out: str) -> dict[str, object]:
    return json.loads((Path(out.splitlines()[-1]) / "manifest.json").read_text())


def test_the_variable_is_the_data_when_no_data_is_given(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("MAINSTREET_DATA", f"csv:{shared_data}")
    status, out, err = run_cli([*RUN, "--out", str(tmp_path)], capsys)
    assert status == 0, err
    manifest = _manifest(out)
    assert manifest["data_source"] == f"csv:{shared_data.resolve()}"
    assert manifest["data_from"] == "MAINSTREET_DATA"
    assert manifest["synthetic"] is False
    status, out, err = run_cli([*RUN, "--out", str(tmp_path), "--data", "demo"], capsys)
    assert status == 0, err
    assert (_manifest(out)["data_source"], _manifest(out)["data_from"]) == ("demo", "given")


def test_a_relative_folder_is_made_absolute_and_shown_in_print_config(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(shared_data.parent)
    monkeypatch.setenv("MAINSTREET_DATA", "csv:data")
    status, out, err = run_cli([*RUN, "--print-config"], capsys)
    assert status == 0, err
    folder = shared_data.resolve()
    assert f"# data: from MAINSTREET_DATA (csv:{folder}), as no --data was given.\n" in out
    assert f"\ndata: csv:{folder}\n" in out
    monkeypatch.delenv("MAINSTREET_DATA")
    status, out, err = run_cli([*RUN, "--print-config"], capsys)
    assert "# data: auto, the default (no --data given, MAINSTREET_DATA not set).\n" in out
    assert "\ndata: auto\n" in out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("csv:/no/such/folder", "MAINSTREET_DATA=csv:/no/such/folder: no such folder; set it to "
         "csv:DIR, a folder of <TICKER>.csv files, or unset it"),
        ("quandl", "MAINSTREET_DATA=quandl: unknown source; use csv:DIR, yahoo, demo or auto, "
         "or unset it"),
    ],
)  # fmt: skip
def test_a_bad_value_is_one_error_naming_the_variable(
    value: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("MAINSTREET_DATA", value)
    status, out, err = run_cli([*RUN, "--out", str(tmp_path / "results")], capsys)
    assert (status, out, err) == (2, "", f"error: {message}\n")
    assert not (tmp_path / "results").exists()
    status, _, err = run_cli([*RUN, "--data", "demo", "--out", str(tmp_path / "r")], capsys)
    assert status == 0, err  # a given source does not read the variable
