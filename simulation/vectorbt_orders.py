"""vectorbt's order executor, loaded without building the rest of vectorbt.

The kernel needs two functions and four enums of ``vectorbt.portfolio``. ``import vectorbt``
first builds the whole library (plotly themes and widgets, IPython, scipy, every accessor):
about 1.8 s of a run's start, for code a run never calls. So the modules those six names live
in are executed alone, with vectorbt's package ``__init__`` files, its settings, its typing
aliases and its date helpers stood in for by placeholders. The functions are vectorbt's own,
unchanged.

Everything loaded so stays in ``sys.modules`` under its own name: numba re-imports a compiled
function's module by name when it loads the function from its cache, and pickles the order
enums by name when it compiles. The first use of vectorbt beyond that (``vectorbt.Portfolio``
in a notebook, ``import vectorbt.portfolio.base``, the bt peer) builds the whole library as
usual, keeping only the :data:`LEAVES`, modules of compiled functions and enums that read no
setting, so the kernel's enums stay the library's.

Should a vectorbt release move things so that this fails, ``import vectorbt`` is used instead:
slower to start, the same fills.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import typing
from collections.abc import Callable

PACKAGES = ("", "base", "generic", "portfolio", "returns", "utils")
"""vectorbt's packages whose ``__init__`` would import the whole library."""

LEAVES = (
    "portfolio.nb",
    "portfolio.enums",
    "generic.nb",
    "generic.enums",
    "returns.nb",
    "utils.math_",
    "utils.array_",
)
"""The modules the whole library shares with the kernel once it is built."""


class _Alias:
    """Stands for any of vectorbt's typing aliases: subscriptable, callable, unionable."""

    def __getitem__(self, item: object) -> _Alias:
        return self

    def __call__(self, *args: object, **kwargs: object) -> _Alias:
        return self

    def __or__(self, other: object) -> _Alias:
        return self

    __ror__ = __or__


class _EmptySettings(dict):
    """vectorbt's settings as its modules read them while loading: every section empty."""

    def __getitem__(self, key: str) -> object:
        return self.get(key, {})


def _aliases(names: types.ModuleType | None = None) -> Callable[[str], object]:
    """A placeholder module's ``__getattr__``: ``names``' attribute, else an `_Alias`.

    Dunder names are refused, so that nothing probing modules (``__path__``, ``__file__``)
    mistakes a placeholder for a package or a file.
    """
    alias = _Alias()

    def __getattr__(name: str) -> object:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(names, name, alias) if names is not None else alias

    return __getattr__


def _vectorbt_modules() -> list[str]:
    return [name for name in sys.modules if name.split(".")[0] == "vectorbt"]


def _whole_library() -> None:
    """Replaces the light load by the whole library, keeping the :data:`LEAVES`."""
    for finder in [finder for finder in sys.meta_path if isinstance(finder, _WholeOnImport)]:
        sys.meta_path.remove(finder)
    leaves = {f"vectorbt.{leaf}": sys.modules.get(f"vectorbt.{leaf}") for leaf in LEAVES}
    for name in _vectorbt_modules():
        if name not in leaves:
            del sys.modules[name]
    importlib.import_module("vectorbt")
    for name, module in leaves.items():  # preloaded, so the packages lack them as attributes
        parent, _, child = name.rpartition(".")
        if module is not None and parent in sys.modules:
            setattr(importlib.import_module(parent), child, module)


def _forwarding(package: str) -> Callable[[str], object]:
    """A placeholder package's ``__getattr__``: the whole library, then its attribute."""

    def __getattr__(name: str) -> object:
        submodule = sys.modules.get(f"{package}.{name}")
        if submodule is not None:  # as ``from package import submodule`` falls back
            return submodule
        if sys.modules.get(package) is placeholders.get(package):  # still the light load
            if loading or (name.startswith("__") and name.endswith("__")):
                raise AttributeError(name)  # a submodule to import, or a probe by inspect
            _whole_library()
        return getattr(importlib.import_module(package), name)

    return __getattr__


class _WholeOnImport(importlib.abc.MetaPathFinder):
    """An import of a vectorbt module the light load lacks builds the whole library first."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] == "vectorbt":
            _whole_library()
        return None


placeholders: dict[str, types.ModuleType] = {}
loading = False
"""True while the light load runs: placeholders then answer as plain packages."""


def _stand_in(root: str) -> None:
    """Placeholders for vectorbt's packages, settings, typing aliases and date helpers."""
    for package in PACKAGES:
        name = "vectorbt" + (f".{package}" if package else "")
        folder = f"{root}/{package}".rstrip("/")
        module = placeholders[name] = types.ModuleType(name)
        module.__path__ = [folder]
        module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        module.__spec__.submodule_search_locations = [folder]
        module.__getattr__ = _forwarding(name)
    settings = placeholders["vectorbt._settings"] = types.ModuleType("vectorbt._settings")
    settings.settings = _EmptySettings(caching={"enabled": True, "whitelist": [], "blacklist": []})
    aliases = placeholders["vectorbt._typing"] = types.ModuleType("vectorbt._typing")
    aliases.__getattr__ = _aliases(typing)
    dates = placeholders["vectorbt.utils.datetime_"] = types.ModuleType("vectorbt.utils.datetime_")
    dates.__getattr__ = _aliases()  # its helpers, only named at import (dateparser: 50 ms)
    sys.modules.update(placeholders)


def _light() -> tuple[types.ModuleType, types.ModuleType]:
    """``enums`` and ``nb`` executed alone, the whole library built on demand after."""
    spec = importlib.util.find_spec("vectorbt")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("vectorbt is not installed")
    global loading
    _stand_in(spec.submodule_search_locations[0])
    loading = True
    try:
        importlib.import_module("vectorbt.base.array_wrapper")  # first, as vectorbt's own order
        nb = importlib.import_module("vectorbt.portfolio.nb")
        enums = importlib.import_module("vectorbt.portfolio.enums")
    except Exception:
        for name in _vectorbt_modules():
            del sys.modules[name]
        placeholders.clear()
        raise
    finally:
        loading = False
    sys.meta_path.insert(0, _WholeOnImport())
    return enums, nb


def _load() -> tuple[types.ModuleType, types.ModuleType, bool]:
    """``vectorbt.portfolio``'s ``enums`` and ``nb``, and whether they were loaded the light way."""
    if "vectorbt" not in sys.modules:  # the whole library already loaded costs nothing more
        try:
            return (*_light(), True)
        except Exception:  # a vectorbt this was not written for: take the whole library
            pass
    from vectorbt.portfolio import enums, nb

    return enums, nb, False


_enums, _nb, LIGHT = _load()
Direction = _enums.Direction
OrderStatus = _enums.OrderStatus
ProcessOrderState = _enums.ProcessOrderState
SizeType = _enums.SizeType
execute_order_nb = _nb.execute_order_nb
order_nb = _nb.order_nb


def whole_library_loaded() -> bool:
    """Whether the whole of vectorbt is loaded (it is not after a light load, until used)."""
    return "vectorbt" in sys.modules and sys.modules["vectorbt"] is not placeholders.get("vectorbt")
