"""The README's commands are the ones CI and users actually run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command() -> None:
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```text\n{command}\n```\n" in (ROOT / "README.md").read_text()


def test_readme_run_command_names_a_registered_strategy() -> None:
    from strategies import STRATEGIES

    readme = (ROOT / "README.md").read_text()
    run_line = next(line for line in readme.splitlines() if "run_backtest.py --strategy" in line)
    assert run_line.split("--strategy ")[1].split()[0] in STRATEGIES


def test_the_readme_is_a_front_page_whose_topics_are_one_click_away() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    linked = set(re.findall(r"\]\(docs/([\w.]+\.md)\)", readme))
    pages = {path.name for path in (ROOT / "docs").glob("*.md")} - {"architecture.md"}
    assert pages <= linked, pages - linked  # every guide straight from the README
    for topic in ("configuration", "strategies", "sweeps", "costs", "data", "reports", "api"):
        assert f"{topic}.md" in linked, topic
    assert "faults.md" in linked
    assert "- Architecture: [docs/architecture.md](docs/architecture.md)" in readme
    for page in linked - {"architecture.md"}:
        assert (ROOT / "docs" / page).is_file(), page


def test_the_guides_links_lead_somewhere() -> None:
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([\w./-]+\.(?:md|png))(?:#[\w-]+)?\)", page.read_text()):
            if target != "architecture.md":  # written by the layout's branch
                assert (page.parent / target).is_file(), (page.name, target)
