"""A sweep's run: heatmaps per pair of swept keys and the ``sweep`` section of report.html."""

from __future__ import annotations

import base64
import html
import itertools
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipeline.config import build_config
from pipeline.run import run
from pipeline.sweep import parse_axis, sweep
from pipeline.sweep_facts import best_config, summarise
from reporting.run_dir import write_run
from reporting.sweep_figures import MAX_ANNOTATED, RUINED_HATCH, safe_name, sweep_figures

SPECS = (
    "strategy.short_weight=0.2:0.6:0.2",
    "strategy.tech_share=0.2,0.5,0.8",
    "costs.fees_bps.etf=1,10",
)
METRICS = ("sharpe", "cagr_vs_6040")


def _config():
    return build_config("main_street", data="demo", start=date(2018, 1, 1), end=date(2019, 12, 31))


def _sweep_run(folder: Path, specs: tuple[str, ...], report: bool = True) -> dict[str, Any]:
    """Sweep ``specs`` on the demo market and write the best combination's run with its outputs."""
    config = _config()
    result = sweep(config, [parse_axis(spec) for spec in specs])
    facts = summarise(result, config)
    extra = {"sweep.csv": result.table, "sweep": facts}
    run_dir = write_run(run(best_config(config, result)), folder, report=report, extra=extra)
    page = (run_dir / "report.html").read_text("utf-8") if report else ""
    return {"dir": run_dir, "page": page, "facts": facts, "table": result.table}


@pytest.fixture(scope="module")
def three_axes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _sweep_run(tmp_path_factory.mktemp("sweep3"), SPECS)


def _section_ids(page: str) -> list[str]:
    return re.findall(r'<(?:header|section) id="([^"]+)"', page)


def _section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}">')
    return page[start : page.index("</section>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_sweep_section_follows_the_headline(three_axes: dict[str, Any]) -> None:
    ids = _section_ids(three_axes["page"])
    assert ids[:3] == ["header", "headline", "sweep"]
    assert ids.count("sweep") == 1
    assert '<a href="#sweep">Sweep</a>' in three_axes["page"]


def test_each_pair_and_metric_has_a_heatmap_written_and_embedded(
    three_axes: dict[str, Any],
) -> None:
    keys = [spec.partition("=")[0] for spec in SPECS]
    section = _section(three_axes["page"], "sweep")
    pairs = list(itertools.combinations(keys, 2))
    assert len(pairs) == 3
    for (x_key, y_key), metric in itertools.product(pairs, METRICS):
        name = f"sweep_{metric}_{safe_name(x_key)}_{safe_name(y_key)}.png"
        png = (three_axes["dir"] / name).read_bytes()
        assert png.startswith(b"\x89PNG")
        assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in section, name
    assert len(list(three_axes["dir"].glob("sweep_*.png"))) == 6
    assert section.count("<img ") == 6


def test_the_section_names_the_best_and_how_far_luck_explains_it(
    three_axes: dict[str, Any],
) -> None:
    facts, table = three_axes["facts"], three_axes["table"]
    text = _text(_section(three_axes["page"], "sweep"))
    assert facts["headline"] in text
    for key, value in facts["best"].items():
        assert f"Best {key} {value:g}" in text
    assert f"Deflated Sharpe {facts['deflated_sharpe']:.2f}" in text
    assert "below 0.95 the pick is not convincing" in text
    assert "Probability of backtest overfitting (PBO)" in text
    assert "worse than a coin flip" in text
    assert f"Top 10 of {len(table)} combinations by Sharpe" in text
    top = _section(three_axes["page"], "sweep").split('id="sweep-top"')[1]
    rows = re.findall(r"<tr>(.*?)</tr>", top)[1:]
    assert len(rows) == 10
    first = re.findall(r"<td[^>]*>(.*?)</td>", rows[0])
    assert first[0] == "1 (best)"
    assert first[1:4] == [f"{value:g}" for value in facts["best"].values()]
    assert first[4] == f"{facts['best_sharpe']:.2f}"
    sharpes = [float(re.findall(r"<td[^>]*>(.*?)</td>", row)[4]) for row in rows]
    assert sharpes == sorted(sharpes, reverse=True)


def test_one_swept_key_gets_a_line_chart(tmp_path: Path) -> None:
    done = _sweep_run(tmp_path, ("strategy.short_weight=0:1:0.25",))
    assert (done["dir"] / "sweep_strategy_short_weight.png").is_file()
    assert [p.name for p in done["dir"].glob("sweep_*.png")] == ["sweep_strategy_short_weight.png"]
    assert _section_ids(done["page"])[2] == "sweep"
    assert "PBO not computed" in done["page"]


def test_no_report_writes_no_sweep_figures(tmp_path: Path) -> None:
    done = _sweep_run(tmp_path, SPECS[:2], report=False)
    assert (done["dir"] / "sweep.csv").is_file()
    assert not list(done["dir"].glob("*.png"))


def test_a_run_that_is_not_a_sweep_has_no_sweep_section(tmp_path: Path) -> None:
    run_dir = write_run(run(_config()), tmp_path)
    page = (run_dir / "report.html").read_text("utf-8")
    assert "sweep" not in _section_ids(page)
    assert 'href="#sweep"' not in page
    assert not list(run_dir.glob("sweep*"))


def _grid(x_count: int, y_count: int, ruin_above: float) -> tuple[pd.DataFrame, dict[str, float]]:
    """A hand-made sweep table over a and b (and fees 1, 2), ruined where a > ``ruin_above``."""
    rows = list(itertools.product(np.linspace(0, 1, x_count), range(y_count), (1.0, 2.0)))
    table = pd.DataFrame(rows, columns=["strategy.a", "strategy.b", "costs.fees_bps"])
    table["sharpe"] = (
        table["strategy.a"] - 0.1 * table["costs.fees_bps"] - 0.01 * table["strategy.b"]
    )
    table["cagr_vs_6040"] = table["sharpe"] / 20
    table["ruined_on"] = np.where(table["strategy.a"] > ruin_above, "2019-03-01", "")
    table.loc[table["ruined_on"] != "", ["sharpe", "cagr_vs_6040"]] = np.nan
    best = table.loc[table["sharpe"].idxmax(), ["strategy.a", "strategy.b", "costs.fees_bps"]]
    return table, {key: float(value) for key, value in best.items()}


def test_ruined_cells_are_hatched_and_carry_no_number() -> None:
    table, best = _grid(5, 4, ruin_above=0.6)
    assert best == {"strategy.a": 0.5, "strategy.b": 0.0, "costs.fees_bps": 1.0}
    figure = sweep_figures(table, best, synthetic=False)[0]
    assert figure.file == "sweep_sharpe_strategy_a_strategy_b.png"
    axes = figure.figure.build().axes[0]
    hatched = [patch for patch in axes.patches if patch.get_hatch() == RUINED_HATCH]
    assert len(hatched) == 2 * 4  # a = 0.75 and 1.0, every b
    texts = [text.get_text() for text in axes.texts]
    assert texts.count("ruined") == 8
    assert "0.40" in texts  # the best: a - 0.1 * fees - 0.01 * b = 0.5 - 0.1 - 0
    assert len(texts) == 5 * 4


def test_a_long_axis_gets_no_cell_text() -> None:
    table, best = _grid(MAX_ANNOTATED + 1, 3, ruin_above=2.0)
    figures = sweep_figures(table, best, synthetic=False)
    assert len(figures) == 6
    big = figures[0].figure.build().axes[0]
    assert len(big.texts) == 0
    assert len(big.get_xticklabels()) <= 13


def test_the_sweep_names_the_runs_benchmark_not_60_40(shared_data: Path, tmp_path: Path) -> None:
    # real history, SPY as the benchmark: every difference of the sweep is to SPY, and says so
    config = build_config(
        "main_street",
        data=f"csv:{shared_data}",
        start=date(2016, 1, 4),
        end=date(2020, 12, 31),
        benchmark="SPY",
    )
    result = sweep(config, [parse_axis("strategy.tech_share=0.5,1")])
    facts = summarise(result, config)
    best = run(best_config(config, result))
    spy = best.benchmark.equity
    expected = (spy.iloc[-1] / spy.iloc[0]) ** (365.25 / (spy.index[-1] - spy.index[0]).days) - 1
    row = result.table.loc[
        result.table["strategy.tech_share"] == best_config(config, result).strategy.tech_share
    ].iloc[0]
    assert row["cagr_vs_6040"] == pytest.approx(row["cagr"] - expected, abs=1e-12)
    extra = {"sweep.csv": result.table, "sweep": facts}
    page = (write_run(best, tmp_path, extra=extra) / "report.html").read_text("utf-8")
    section = html.unescape(_text(_section(page, "sweep")))
    assert "CAGR minus SPY's" in section
    assert "Sharpe vs SPY" in section
    assert "60/40" not in section
