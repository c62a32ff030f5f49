"""The run check itself: it finds what it is for, on a run altered by hand."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pipeline.config import build_config
from pipeline.run import run
from reporting.run_dir import write_run
from tests.run_checks import _bad_numbers, check_run


def test_a_written_run_passes_and_an_altered_one_is_named(tmp_path: Path) -> None:
    config = build_config(
        "main_street", data="demo", start=date(2018, 1, 1), end=date(2019, 12, 31)
    )
    run_dir = write_run(run(config), tmp_path, report=False)
    assert check_run(run_dir) == ([], [])
    path = run_dir / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["strategy"]["cagr"] = metrics["strategy"]["total_return"]  # two years: not the CAGR
    metrics["benchmark"]["max_drawdown"] = 0.01
    path.write_text(json.dumps(metrics))
    problems, _ = check_run(run_dir)
    assert [p.split(" ", 2)[:2] for p in problems[:3]] == [
        ["strategy", "cagr"],
        ["benchmark", "max_drawdown"],
        ["metrics.csv", "strategy.cagr"],
    ]
    equity = run_dir / "equity.csv"
    equity.write_text(equity.read_text().replace("\n2019-12-31,", "\n2019-12-31,1"))
    assert any("total_return" in p for p in check_run(run_dir)[0])


def test_the_report_scan_reads_the_text_not_the_images(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text(
        '<img src="data:image/png;base64,nanAinf-0"><style>p {margin: -0}</style>'
        "<td>Sharpe</td><td>nan</td><td>-0.00</td><td>-inf</td><td>2020-01-02</td>"
        "<td>-0.01</td><td>information ratio</td><td>0.00</td>"
    )

    found = _bad_numbers((tmp_path / "report.html").read_text())
    assert [text.split(" in ")[0] for text in found] == ["'nan'", "'-0.00'", "'-inf'"]
