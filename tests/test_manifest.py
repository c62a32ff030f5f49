"""The manifest, ``--rerun``, ``--no-report`` and the run index."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import run_backtest

TICKERS = ("SPY", "AGG", "IWM", "EFA", "XLK", "BTC-USD")


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = run_backtest.main(argv)
    return status, capsys.readouterr().out.strip().splitlines()


@pytest.fixture
def folder(shared_data: Path, tmp_path: Path) -> Path:
    """A private copy of the price files a main_street run reads, to alter one of them."""
    copy = tmp_path / "data"
    copy.mkdir()
    for ticker in TICKERS:
        shutil.copy(shared_data / f"{ticker}.csv", copy / f"{ticker}.csv")
    return copy


def _run(folder: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Path:
    argv = ["--strategy", "main_street", "--data", f"csv:{folder}", "--out", str(out)]
    status, lines = _main([*argv, "--start", "2020-01-01", "--end", "2021-06-30", *extra], capsys)
    assert status == 0
    return Path(lines[-1])


def test_the_manifest_records_config_inputs_versions_and_seeds(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _run(folder, tmp_path / "results", capsys, "--set", "costs.fees_bps.etf=3")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["config"]["costs"]["fees_bps"] == {"etf": 3.0, "crypto": 40.0}
    assert manifest["costs"].startswith("Costs (typical): fees etf 3, crypto 40 bp;")
    assert manifest["cash"].startswith("Cash earns 0: no short-term rate available")
    assert manifest["config"]["strategy"]["name"] == "main_street"
    assert "--set" in manifest["command"]
    assert manifest["data_source"] == f"csv:{folder}"
    assert set(TICKERS) <= set(manifest["inputs"])
    spy = manifest["inputs"]["SPY"]
    assert (spy["first"], spy["last"]) == ("2020-01-02", "2021-06-30")
    assert len(spy["sha256"]) == 64
    assert manifest["packages"]["vectorbt"] not in ("", "not installed")
    assert manifest["seeds"]["bootstrap"] == 0
    assert manifest["git_commit"]


def test_rerun_reports_identical_metrics_then_names_an_altered_input(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    first = _run(folder, out, capsys)
    status, lines = _main(["--rerun", str(first / "manifest.json"), "--out", str(out)], capsys)
    assert status == 0
    assert f"rerun: metrics identical to {first.name}" in lines
    efa = (folder / "EFA.csv").read_text().splitlines()
    row = next(i for i, line in enumerate(efa) if line.startswith("2020-06-01"))
    date_, close, adj = efa[row].split(",")
    efa[row] = f"{date_},{close},{float(adj) * 1.01}"
    (folder / "EFA.csv").write_text("\n".join(efa) + "\n")
    status, lines = _main(["--rerun", str(first / "manifest.json"), "--out", str(out)], capsys)
    assert status == 0
    assert f"rerun: metrics differ from {first.name}; inputs changed: EFA" in lines


def test_rerun_of_a_broken_manifest_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{not json")
    assert run_backtest.main(["--rerun", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "not a readable manifest.json" in capsys.readouterr().err


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.rows += tag == "tr"
        self.links += [value for name, value in attrs if tag == "a" and name == "href" and value]


def test_the_index_lists_every_run_and_its_links_resolve(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    runs = [_run(folder, out, capsys), _run(folder, out, capsys, "--no-report")]
    runs.append(_run(folder, out, capsys, "--set", "strategy.short_weight=0.2"))
    page = (out / "index.html").read_text()
    parser = _Links()
    parser.feed(page)
    assert parser.rows == 1 + len(runs)  # the header, then one row a run
    for run_dir in runs:
        assert run_dir.name[:15] in page
    assert parser.links, "no report links"
    for link in parser.links:
        assert (out / link).is_file(), link
    assert "short_weight=0.2" in page


def _cells(page: str, run_dir: Path) -> list[str]:
    """The text of each cell of the index row of ``run_dir`` (tags inside a cell dropped)."""
    row = page.split(f'<tr data-run="{run_dir.name}"')[1].split("</tr>")[0]
    row = re.sub(r"<details.*?</details>", "", row, flags=re.DOTALL)  # the full config, folded
    cells = [cell.split(">", 1)[1].split("</td>")[0] for cell in row.split("<td")[1:]]
    return [re.sub(r"<[^>]+>", "", cell) for cell in cells]


def test_the_index_tells_runs_apart_by_kind_and_every_change(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    plain = _run(folder, out, capsys)
    changed = _run(
        folder, out, capsys, "--set", "costs.fees_bps.etf=3", "--set", "universe.tech=EFA"
    )
    swept = _run(folder, out, capsys, "--sweep", "strategy.short_weight=0.1,0.3")
    walked = _run(folder, out, capsys, "--sweep", "strategy.short_weight=0.1,0.3",
                  "--walk-forward", "6m:3m", "--no-report")  # fmt: skip
    page = (out / "index.html").read_text()
    kinds = {run.name: _cells(page, run)[2] for run in (plain, changed, swept, walked)}
    assert kinds[plain.name] == "single"
    assert kinds[swept.name] == "sweep pick of 2 (strategy.short_weight)"
    assert kinds[walked.name] == "sweep pick of 2 (strategy.short_weight) + walk-forward 6m:3m"
    overrides = {run.name: _cells(page, run)[3] for run in (plain, changed, swept)}
    assert overrides[plain.name] == "none"
    assert overrides[changed.name] == "universe.tech=EFA, costs.fees_bps.etf=3.0"
    picked = json.loads((swept / "metrics.json").read_text())["sweep"]["best"]
    value = picked["strategy.short_weight"]
    expected = "none" if value == 0.5 else f"strategy.short_weight={value}"  # 0.5: the default
    assert overrides[swept.name] == expected


def test_no_report_writes_only_the_numbers(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _run(folder, tmp_path / "results", capsys, "--no-report")
    names = {path.name for path in run_dir.iterdir()}
    assert {"metrics.json", "manifest.json", "equity.csv", "weights.csv"} <= names
    assert not any(name.endswith((".png", ".html")) for name in names)


def test_the_settings_cell_is_short_and_the_full_config_one_click_away() -> None:
    from reporting.index import _overrides, _tr

    config = {
        "strategy": {
            "name": "hartnett_switch",
            "sell_above": 7.5,
            "supports": {
                "tech": {"ticker": "XLK", "mode": "absolute", "level": 133.0},
                "crypto": "off",
            },
        },
        "data": "demo",
    }
    # each changed support level is one item, whatever number of its fields changed
    assert _overrides(config) == [
        "strategy.sell_above=7.5",
        "strategy.supports.tech=XLK absolute 133",
        "strategy.supports.crypto=off",
    ]
    row = {key: "x" for key in ("date", "strategy", "kind", "period", "data", "cagr")}
    row |= {key: "x" for key in ("sharpe", "max_drawdown", "cagr_vs_6040", "sharpe_vs_6040")}
    row |= {"folder": "run", "report": False, "synthetic": False, "overrides": "short"}
    row["config"] = "strategy.name=hartnett_switch\nstrategy.sell_above=7.5"
    html = _tr(row)
    assert "<td>short<details" in html
    assert "<summary>full config</summary><pre>strategy.name=hartnett_switch\n" in html
