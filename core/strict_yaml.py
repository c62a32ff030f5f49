"""YAML as a config means it: PyYAML's safe loader, refusing what it accepts but no one meant.

Refused, each as a `YamlRefused` whose message names the line: a key given twice in one mapping
(PyYAML keeps the last, silently), nesting deeper than `MAX_DEPTH` (PyYAML recurses once per
level and ends in a ``RecursionError``). A merge key (``<<: *base``) is no duplicate: the keys
written beside it are meant to win over the merged ones.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 50
"""Levels of nested mappings and lists; a preset nests four (``strategy.supports.tech.level``)."""

_MERGE = "tag:yaml.org,2002:merge"


class YamlRefused(Exception):
    """YAML that parses but that a user did not mean; the message names the line."""


class StrictLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses duplicate keys and nesting beyond `MAX_DEPTH`."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, counting how deep it is (aliases add no depth)."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise YamlRefused(
                    f"line {line}: nested more than {MAX_DEPTH} levels deep; a config nests a few"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key written twice in it (merged keys aside)."""
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, list | dict):
                continue  # unhashable: PyYAML refuses it itself, naming the line
            if key in first:
                raise YamlRefused(
                    f"line {line}: key {key!r} given twice (first on line {first[key]}); "
                    "YAML would silently keep the second"
                )
            first[key] = line
        return super().construct_mapping(node, deep=deep)


def load(text: str) -> Any:
    """Parse ``text`` with `StrictLoader`; raise `YamlRefused` or `yaml.YAMLError`."""
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """The line (1-based) of each key and list item of ``text``, by its path of keys and places.

    ``{("rules", 0, "when"): 12}``: what an error about a value names so a reader finds it.
    """
    loader = StrictLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    lines: dict[tuple[Any, ...], int] = {}
    pending: list[tuple[tuple[Any, ...], Any]] = [((), root)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                where = (*path, key_node.value)
                lines[where] = key_node.start_mark.line + 1
                pending.append((where, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for place, item in enumerate(node.value):
                lines[(*path, place)] = item.start_mark.line + 1
                pending.append(((*path, place), item))
    return lines
