"""The error types that reach the user: one line, exit status 2, nothing written."""

from __future__ import annotations

from typing import Literal

FrontEnd = Literal["api", "cli"]
"""Who words an error: the Python API (``backtester``) or the command line."""

OPTIONS: dict[str, dict[FrontEnd, str]] = {
    "compare": {"cli": "--compare", "api": "compare()"},
    "config": {"cli": "--config", "api": "config file"},
    "label": {"cli": "--label", "api": "label"},
    "data": {"cli": "--data", "api": "data"},
    "out": {"cli": "--out", "api": "report() folder"},
    "signals_now": {"cli": "--signals-now", "api": "signals_now()"},
    "sweep": {"cli": "--sweep", "api": "sweep() grid"},
    "walk_forward": {"cli": "--walk-forward", "api": "walk_forward"},
}
"""Each option an error can be about, as each front end names it."""


LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
"""Every character `str.splitlines` breaks a line at, with how a message writes it out."""


def one_line(text: str) -> str:
    r"""``text`` with its line breaks written out (``\n``): a value quoted in a message."""
    return text.translate(LINE_BREAKS)


class InputError(Exception):
    """Bad input from the user; the message says what, where, and how to fix it.

    An error about one option (``option``, a key of `OPTIONS`) holds the message without the
    option's name; `worded` puts the name in front as the front end says it, followed by a space
    unless the message starts with a colon (``--walk-forward '5y': ...`` on the command line,
    ``walk_forward '5y': ...`` in Python). ``str()`` is the API's wording; the command line
    prints ``worded("cli")``.
    """

    lines: bool = False
    """Whether the message is a list of lines (`pipeline.config.ConfigProblems`); otherwise any
    line break in it, from a value it quotes, is written out so the error stays one line."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        message = message if self.lines else one_line(message)
        super().__init__(message)
        self.message, self.option = message, option

    def worded(self, front_end: FrontEnd = "api") -> str:
        """The message, with the option (if any) as ``front_end`` names it in front."""
        if self.option is None:
            return self.message
        space = "" if self.message.startswith(":") else " "
        return f"{OPTIONS[self.option][front_end]}{space}{self.message}"

    def __str__(self) -> str:
        return self.worded("api")


class DataError(InputError):
    """A price file, a ticker or a data source that cannot be used."""


class ConfigError(InputError):
    """An unknown key, a value of the wrong type, or a value out of range."""


class SweepError(InputError):
    """A sweep whose chunks kept failing (on a cluster); the message names their combinations."""


class OutputError(InputError):
    """A results folder that cannot be written (full, read-only, not permitted).

    Not the user's input, but met the same way: one line naming the folder and the system's
    reason, exit status 2, nothing half-written left behind.
    """
