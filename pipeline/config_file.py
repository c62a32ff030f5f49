"""Reading a YAML config file into the same ``section.key=value`` overrides the CLI takes.

A file holds ``strategy`` (with ``name``), ``universe``, ``costs`` and ``execution`` sections and
the run-wide keys ``data``, ``start``, ``end``, ``calendar``, ``allow_partial`` and
``benchmark``. Values are checked by the same schema as ``--set``, so a typo fails the same way,
and every problem of a file is reported at once. Loaded with PyYAML's safe loader
(`core.strict_yaml`): a tag that would build a Python object is refused, and so are a key given
twice, nesting beyond a few dozen levels, aliases that expand past `MAX_CONFIG_VALUES` values,
and a file with no settings at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from core import strict_yaml
from core.errors import ConfigError
from core.places import preset_names, preset_path

if TYPE_CHECKING:
    from pipeline.config import RunConfig

SECTIONS = ("strategy", "universe", "costs", "execution")

Source = tuple[str | None, list[str], dict[str, Any]]
"""What a file says: the strategy's name, ``key=value`` overrides, and run-wide values."""


MAX_CONFIG_BYTES = 1_000_000
"""The commented presets are under 10 kB."""
MAX_CONFIG_VALUES = 100_000
"""Values a file may hold once its aliases are expanded; the presets hold about 60."""


def read_config_file(path: Path) -> Source:
    """Return the strategy's name, the overrides, and the run-wide settings of a config file.

    A path that is not a file of the working folder may name a preset (`preset_path`).
    """
    path = preset_path(Path(path))
    if not path.exists() and not path.is_symlink():
        raise ConfigError(
            f"{path}: no such file; the presets, found from any folder as configs/NAME.yaml: "
            f"{', '.join(preset_names())}",
            option="config",
        )
    if path.exists() and not path.is_file():
        raise ConfigError(f"{path}: not a regular file (a directory or a device?)", option="config")
    if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path}: {path.stat().st_size:,} bytes, more than the "
            f"{MAX_CONFIG_BYTES:,} a config file may be; a preset is a few kB",
            option="config",
        )
    try:
        content = strict_yaml.load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})", option="config") from exc
    except strict_yaml.YamlRefused as exc:
        raise ConfigError(f"{path}: {exc}", option="config") from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date YAML cannot build
        raise ConfigError(f"{path}: not valid YAML ({_first_line(exc)})", option="config") from exc
    if _exceeds(content, MAX_CONFIG_VALUES):
        raise ConfigError(
            f"{path}: more than {MAX_CONFIG_VALUES:,} values once its aliases (*name) "
            "are expanded, a YAML alias bomb; a preset holds a few dozen",
            option="config",
        )
    if content is None:  # a failed redirect (> file) leaves an empty file, not a config
        raise ConfigError(
            f"{path}: holds no settings (empty, or only comments); write at least "
            "'strategy: NAME' (configs/sixty_forty.yaml spells out every default)",
            option="config",
        )
    if isinstance(content, dict) and "call" in content:  # a call file: the call strategy runs it
        return "call", [f"strategy.file={path}"], {}
    _check_named_files(content, path)
    return config_from_mapping(content, f"--config {path}")


NAMED_FILES = (
    ("strategy", "file"),
    ("strategy", "reading_file"),
    ("strategy", "aaii_file"),
    ("costs", "cash_rate_file"),
)
"""The keys whose value is a file's path (the rest name tickers, never paths)."""


def _check_named_files(content: Any, path: Path) -> None:
    """Refuse a file a config names outside the config's folder and the working folder.

    A config may come from someone else; the files it names are read (and a bad one's header is
    quoted in its error), so it may name only files beside it or under the folder the command
    runs in. A path typed on the command line (``--set``) is the user's own and is not limited.
    """
    if not isinstance(content, dict):
        return
    folders = (path.resolve().parent, Path.cwd().resolve())
    for section, key in NAMED_FILES:
        values = content.get(section)
        named = values.get(key) if isinstance(values, dict) else None
        if not isinstance(named, str) or not named:
            continue
        where = Path(named).expanduser()
        resolved = (where if where.is_absolute() else Path.cwd() / where).resolve()
        if not any(resolved.is_relative_to(folder) for folder in folders):
            raise ConfigError(
                f"{path}: {section}.{key} = {named!r} lies outside the config's folder and the "
                "working folder, so it is not read; put the file beside the config, or name it "
                f"on the command line (--set {section}.{key}=PATH)",
                option="config",
            )


def _exceeds(content: Any, limit: int) -> bool:
    """Whether ``content`` holds more than ``limit`` values, counting shared ones each time.

    Aliases make a small file a tree of billions of values (each reuse counts again); the walk
    stops at the limit, so it costs no more than ``limit`` steps.
    """
    pending, seen = [content], 0
    while pending:
        seen += 1
        if seen > limit:
            return True
        value = pending.pop()
        if isinstance(value, Mapping):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def config_from_mapping(content: Any, where: str) -> Source:
    """The same as `read_config_file`, from a mapping already read (a manifest's ``config``).

    Only a top level that is not a mapping fails here; an unknown key or a section that is not
    a mapping is passed on as a run-wide setting, so that `pipeline.config.build_config` reports
    it with every other problem of the file.
    """
    if not isinstance(content, Mapping):
        raise ConfigError(f"{where}: expected a mapping of sections at the top")
    name, overrides = None, []
    settings = {key: value for key, value in content.items() if key not in SECTIONS}
    for section in SECTIONS:
        values = content.get(section)
        if section == "strategy" and isinstance(values, str):
            values = {"name": values}  # ``strategy: main_street`` names it with the defaults
        if values is None:
            continue
        if not isinstance(values, Mapping):
            settings[section] = values
            continue
        values = dict(values)
        if section == "strategy":
            given = values.pop("name", None)
            name = None if given is None else _text(given)
        overrides += flatten(section, values)
    return name, overrides, settings


def flatten(prefix: str, value: Any) -> list[str]:
    """``key=value`` texts of a value under a dotted prefix; a mapping gives one per entry.

    None is ``null``: it clears an optional value, removes a support level, and is refused
    where a value is required (as ``--set KEY=null`` is).

    A role given as a mapping of tickers to weights is a basket, one text:
    ``universe.international={EFA: 0.5, EEM: 0.5}`` -> ``universe.international=EFA:0.5,EEM:0.5``.
    """
    if isinstance(value, Mapping) and prefix.count(".") == 1 and prefix.startswith("universe."):
        return [f"{prefix}=" + ",".join(f"{t}:{_text(w)}" for t, w in value.items())]
    if isinstance(value, Mapping):
        return [text for key, item in value.items() for text in flatten(f"{prefix}.{key}", item)]
    return [f"{prefix}={_text(value)}"]


def _text(value: Any) -> str:
    """A value as the text ``--set`` would take: booleans lower case, dates ISO, lists as YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return yaml.safe_dump(list(value), default_flow_style=True).strip()
    return str(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def dump_config(config: RunConfig) -> str:
    """The resolved config as YAML that ``--config`` reads back into the same config."""
    header = (
        "# The fully resolved config of a run (every key, defaults included).\n"
        "# run_backtest.py --config THIS_FILE repeats the run; configs/ explains each key.\n"
    )
    if config.data_from == "MAINSTREET_DATA":
        header += f"# data: from MAINSTREET_DATA ({config.data}), as no --data was given.\n"
    elif config.data_from == "default":
        header += "# data: auto, the default (no --data given, MAINSTREET_DATA not set).\n"
    return header + yaml.safe_dump(config.as_dict(), sort_keys=False, default_flow_style=False)
