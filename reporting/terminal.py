"""What reaches the terminal: escaped, so a file's control characters are shown, not obeyed.

Text from a user's files (a readings file's ``source``, a support level's name, a cell quoted in
an error) may hold ESC or BEL: printed raw, a terminal would retitle its window, clear the
screen or hide what came before. Everything the command line writes goes through
`terminal_text`, once, where it is written (`escaped_output`); it imports nothing of the project.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Unicode's bidirectional overrides and isolates: they reorder how a line reads."""
_ESCAPES = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), *_BIDI)
    if chr(code) not in "\n\t"
}
"""Each control character (C0, DEL, C1, bidi) as Python writes it in a repr: ESC is ``\\x1b``."""


def terminal_text(text: str) -> str:
    r"""Return ``text`` with its control characters written out (``\x1b``), lines and tabs kept.

    Idempotent: what it returns holds no control character, so a second pass changes nothing.
    """
    return text.translate(_ESCAPES)


class _Escaping:
    """A text stream that writes through `terminal_text` to the stream beneath (``raw``)."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        """Write ``text`` escaped; return its length, as a stream does."""
        self.raw.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


@contextlib.contextmanager
def escaped_output() -> Iterator[None]:
    """Within it, whatever is written to ``sys.stdout`` and ``sys.stderr`` is escaped."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Escaping(out), _Escaping(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def unescaped(stream: TextIO) -> TextIO:
    r"""The stream beneath an escaped one, for a progress bar's own ``\r`` (no file text in it)."""
    return stream.raw if isinstance(stream, _Escaping) else stream  # type: ignore[return-value]
