"""A report's figure before it is built: its builder and inputs, and the key of its pixels.

A page's sections announce their figures as `Drawing` objects and `reporting.render` builds
only those the figure cache does not hold already: the key is known before anything is drawn,
so a figure whose data did not change costs a hash of its inputs, not a build and a render.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100
"""The resolution of every PNG of a report (dots per inch of the figure's size)."""


@dataclass(frozen=True)
class Drawing:
    """A figure to build: ``builder(*args, **kwargs)``, one of the report's figure functions."""

    builder: Callable[..., Figure]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Figure:
        """The figure itself (its builder runs now)."""
        return self.builder(*self.args, **self.kwargs)

    @functools.cached_property
    def key(self) -> str | None:
        """A hash of what the figure's PNG follows from: builder, inputs, code and settings.

        The builder's name and arguments (pickled: the data, titles, flags), the source of the
        reporting modules and matplotlib's version (`_settings`). None where an
        argument cannot be pickled: such a figure is always drawn.
        """
        buffer = io.BytesIO()
        try:
            _Canonical(buffer, protocol=5).dump(
                (self.builder.__module__, self.builder.__qualname__, self.args, self.kwargs)
            )
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        digest = hashlib.sha256(_code_fingerprint())
        inputs = buffer.getvalue()
        for part in (_settings(), str(DPI).encode(), inputs):
            digest.update(len(part).to_bytes(8, "little") + part)
        return digest.hexdigest()


class _Canonical(pickle.Pickler):
    """Pickles a table by its values, whatever pandas' caches and blocks inside it look like.

    A frame built from columns and the same frame after pandas consolidated its blocks (reading
    it can) pickle differently, as does an index whose frequency has been used; their columns,
    index values and frequency's name, each array contiguous, do not.
    """

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, pd.DataFrame):
            columns = tuple(_values(obj.iloc[:, i]) for i in range(obj.shape[1]))
            return _table, (tuple(obj.columns), obj.index, columns)
        if isinstance(obj, pd.Series):
            return _table, (obj.name, obj.index, _values(obj))
        if isinstance(obj, pd.Index):  # its frequency object keeps caches in its state
            frequency = getattr(obj, "freqstr", None)
            return _table, (obj.names, str(obj.dtype), frequency, np.asarray(obj).copy())
        return NotImplemented


def _values(series: pd.Series) -> Any:
    """A column's values, contiguous (a strided view pickles otherwise)."""
    values = series.array if isinstance(series.dtype, pd.CategoricalDtype) else series.to_numpy()
    return np.ascontiguousarray(values) if isinstance(values, np.ndarray) else values


def _table(*parts: Any) -> None:
    """What a pickled key names for a table (a key is hashed, never unpickled)."""


def later(builder: Callable[..., Figure], *args: Any, **kwargs: Any) -> Drawing:
    """``builder(*args, **kwargs)``, to be built only if the figure cache does not have it."""
    return Drawing(builder, args, kwargs)


@functools.cache
def _settings() -> bytes:
    """Matplotlib's version: all of its settings a figure depends on.

    A report's figures are built and rendered under matplotlib's own defaults
    (`reporting.figures.report_style`), whatever the session or a matplotlibrc set, and those
    defaults come with the version. Read without importing matplotlib.
    """
    return importlib.metadata.version("matplotlib").encode()


@functools.cache
def _code_fingerprint() -> bytes:
    """The source of the reporting modules: a change in how figures are drawn is a new key."""
    digest = hashlib.sha256()
    for file in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.digest()
