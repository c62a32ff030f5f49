"""The layout stays true: every import runs down the floors of docs/architecture.md, in no cycle.

The imports are read from the source with `ast` (nothing is run), wherever they stand: at the
top, inside a function, or under ``if TYPE_CHECKING:`` (a type-only import up the floors is
still an import up the floors).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_BELOW_PIPELINE = frozenset({"core", "data", "signals", "strategies", "simulation", "analytics"})
MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "data": frozenset({"core"}),
    "signals": frozenset({"core", "data"}),
    "strategies": frozenset({"core", "data", "signals"}),
    "simulation": frozenset({"core", "data", "signals", "strategies"}),
    "analytics": frozenset({"core"}),
    "pipeline": _BELOW_PIPELINE,
    "reporting": _BELOW_PIPELINE | {"pipeline"},
    "backtester": _BELOW_PIPELINE | {"pipeline", "reporting"},
    "run_backtest": _BELOW_PIPELINE | {"pipeline", "reporting", "backtester"},
}
"""The floors, each with the floors below it that it may import (its own is always allowed)."""
ON_TOP = frozenset({"bench", "tests", "docs", "examples"})
"""Folders over every floor: they may import anything (but in no cycle)."""
FOLDERS = (*MAY_IMPORT, *ON_TOP)


def module_name(path: Path, root: Path) -> str:
    """``signals/base.py`` -> ``signals.base``; a package's ``__init__.py`` is the package."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_sources(root: Path) -> dict[str, str]:
    """Every Python file of the project's folders and top-level modules, by module name."""
    paths = [root / f"{name}.py" for name in FOLDERS if (root / f"{name}.py").is_file()]
    paths += [path for name in FOLDERS for path in sorted((root / name).rglob("*.py"))]
    return {module_name(path, root): path.read_text() for path in paths}


def imports(module: str, source: str, known: Iterable[str]) -> set[str]:
    """The project modules ``module`` imports: ``from a import b`` is ``a.b`` when that is one.

    In the folders on top, a bare name that is a sibling module is that module (a script's
    ``import sweep`` in bench/, which runs with its folder on the path).
    """
    known = set(known)
    package = module if f"{module}.__init__" in known else module.rpartition(".")[0]
    script = module.split(".")[0] in ON_TOP

    def resolve(name: str) -> str | None:
        sibling = f"{package}.{name}" if package and script else name
        for candidate in (name, sibling):
            while candidate:
                if candidate in known:
                    return candidate
                candidate = candidate.rpartition(".")[0]
        return None

    found: set[str | None] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {resolve(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importer's package upwards
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                whole = f"{base}.{alias.name}"
                found.add(whole if whole in known else resolve(base))
    return {name for name in found if name is not None and name != module}


def import_graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """Each module's project imports, from its source."""
    known = set(sources) | {f"{name}.__init__" for name in sources if _is_package(name, sources)}
    return {name: imports(name, text, known) for name, text in sources.items()}


def _is_package(name: str, sources: Mapping[str, str]) -> bool:
    return any(other.startswith(f"{name}.") for other in sources)


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """``a.x imports b.y`` for each import from a floor that may not import that one."""
    found = []
    for module, targets in sorted(graph.items()):
        floor = module.split(".")[0]
        if floor in ON_TOP:
            continue
        allowed = MAY_IMPORT.get(floor, frozenset()) | {floor}
        found += [
            f"{module} imports {target} ({target.split('.')[0]} is not below {floor})"
            for target in sorted(targets)
            if target.split(".")[0] not in allowed
        ]
    return found


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The modules that import one another, each group sorted (Tarjan's strongly connected)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_every_import_runs_down_the_floors() -> None:
    graph = import_graph(project_sources(ROOT))
    assert len(graph) > 100  # the whole project was read
    assert upward_imports(graph) == []


def test_no_two_modules_import_each_other() -> None:
    assert import_cycles(import_graph(project_sources(ROOT))) == []


def test_the_checker_reports_an_upward_import_even_a_type_only_one() -> None:
    sources = {
        "core": "",
        "core.errors": "",
        "signals": "",
        "signals.base": "from core.errors import X\n",
        "signals.state": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from strategies.switch import Switch\n"
        ),
        "strategies": "",
        "strategies.switch": "from signals import base\n",
        "analytics": "",
        "analytics.metrics": "def f():\n    import data.market\n",
        "data": "",
        "data.market": "from core import errors\n",
    }
    graph = import_graph(sources)
    assert graph["strategies.switch"] == {"signals.base"}
    assert graph["signals.state"] == {"strategies.switch"}
    assert upward_imports(graph) == [
        "analytics.metrics imports data.market (data is not below analytics)",
        "signals.state imports strategies.switch (strategies is not below signals)",
    ]


def test_the_checker_reports_a_cycle_and_a_relative_import() -> None:
    sources = {
        "bench": "",
        "bench.sweep": "import dask_sweep\n",  # a script's import of its sibling
        "bench.dask_sweep": "from bench.sweep import Case\n",
        "bench.coldstart": "from bench import sweep\n",
        "pipeline": "",
        "pipeline.run": "from .sweep import sweep\n",
        "pipeline.sweep": "from pipeline import run\n",
        "pipeline.config": "from pipeline.run import x\n",
    }
    graph = import_graph(sources)
    assert graph["bench.sweep"] == {"bench.dask_sweep"}
    assert graph["pipeline.run"] == {"pipeline.sweep"}
    assert import_cycles(graph) == [
        ["bench.dask_sweep", "bench.sweep"],
        ["pipeline.run", "pipeline.sweep"],
    ]
    assert upward_imports(graph) == []


def test_one_upward_import_added_to_the_project_fails_both_checks() -> None:
    sources = project_sources(ROOT)
    sources["signals.base"] += "\nfrom strategies.base import Strategy\n"
    graph = import_graph(sources)
    assert upward_imports(graph) == [
        "signals.base imports strategies.base (strategies is not below signals)"
    ]
    (cycle,) = import_cycles(graph)  # strategies.base imports signals, which import it back
    assert {"signals.base", "strategies.base"} <= set(cycle)


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_no_package_holds_a_quarter_of_the_product() -> None:
    packages = [name for name in MAY_IMPORT if (ROOT / name).is_dir()]
    lines = {name: sum(_lines(path) for path in (ROOT / name).rglob("*.py")) for name in packages}
    total = sum(lines.values()) + sum(_lines(ROOT / f"{name}.py") for name in MAY_IMPORT
                                      if (ROOT / f"{name}.py").is_file())  # fmt: skip
    largest = max(lines, key=lines.__getitem__)
    assert lines[largest] < 0.25 * total, f"{largest} holds {lines[largest]} of {total} lines"


def test_each_signal_and_strategy_file_is_small() -> None:
    sizes = {
        str(path.relative_to(ROOT)): _lines(path)
        for folder in ("signals", "strategies")
        for path in (ROOT / folder).glob("*.py")
    }
    assert len(sizes) > 10
    assert {name: size for name, size in sizes.items() if size > 350} == {}


def test_the_packages_are_the_floors_and_the_install_ships_each() -> None:
    import tomllib

    from core.places import PACKAGES

    assert list(PACKAGES) == [name for name in MAY_IMPORT if (ROOT / name).is_dir()]
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["packages"] == [*PACKAGES, "configs"]  # the presets ship as a package
    on_disk = {path.parent.name for path in ROOT.glob("*/__init__.py")} - ON_TOP
    assert on_disk == {*PACKAGES, "configs"}
