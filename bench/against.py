"""Another checkout's module, imported beside this one's: the "before" of a bench's comparison.

A bench that compares a change with its base takes ``--against FILE``, the base's version of
the module (``git show BASE:path/to/module.py > /tmp/base.py``), instead of keeping a copy.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def module_at(path: str, name: str) -> ModuleType:
    """The module in the file ``path``, imported as ``name`` (beside the project's own)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
