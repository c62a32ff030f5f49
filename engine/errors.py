"""The error types that reach the user: one line, exit status 2, nothing written."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the user; the message says what, where, and how to fix it."""


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
