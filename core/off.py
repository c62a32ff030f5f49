"""The words that remove an item of a mapping setting (``strategy.supports.crypto=off``)."""

from __future__ import annotations

OFF = frozenset({"off", "false", "none", "null", ""})
"""Values that remove an item of a strategy's mapping (``strategy.supports.crypto=off``)."""
OFF_TEXT = "off"
"""How a removed item is written (a resolved config lists a removed default level as off)."""
