"""The Python API: one import runs a backtest from a preset, a mapping or a strategy's name.

    >>> from backtester import run
    >>> result = run("configs/main_street.yaml", strategy__short_weight=0.3, data="demo")
    >>> result.metrics["strategy"]["sharpe"], result.equity.tail(), result.report("results")

The command line (``run_backtest.py``) is a thin layer over this module: both build their
config through `resolve`, so a key, a value and an error mean the same in a script, a notebook
and the shell.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from engine.config import RunConfig, build_config
from engine.config_file import Source, config_from_mapping, flatten, read_config_file
from engine.errors import ConfigError
from engine.places import PROJECT_ROOT

if TYPE_CHECKING:
    from data.market import Market
    from engine.run import RunResult

__all__ = [
    "ConfigError",
    "Result",
    "SyntheticDataWarning",
    "load_config",
    "resolve",
    "run",
    "signals_now",
]

ConfigLike = str | Path | Mapping[str, Any] | RunConfig | None
"""A preset's path, a mapping shaped like a config file, a `RunConfig`, or a strategy's name."""

DEFAULT_STRATEGY = "main_street"


class SyntheticDataWarning(UserWarning):
    """The run used the synthetic demo market; its figures say nothing about real markets.

    Silence it with ``warnings.simplefilter("ignore", SyntheticDataWarning)``.
    """


@dataclass(frozen=True)
class Result:
    """A finished run: its metrics and series as plain pandas objects, and a way to save it."""

    raw: RunResult
    """The engine's full result (both simulations, attribution, the market it saw)."""

    @property
    def config(self) -> RunConfig:
        """The resolved config the run used."""
        return self.raw.config

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """``strategy``, ``benchmark``, ``difference``, ``relative``, ``uncertainty``, ..."""
        return self.raw.metrics

    @property
    def equity(self) -> pd.DataFrame:
        """Portfolio value in dollars, one column each: ``strategy`` and ``benchmark`` (60/40)."""
        return pd.DataFrame(
            {"strategy": self.raw.strategy.equity, "benchmark": self.raw.benchmark.equity}
        ).rename_axis("date")

    @property
    def weights(self) -> pd.DataFrame:
        """The strategy's held weights at each close (fractions of value), dates x tickers."""
        return self.raw.strategy.weights.rename_axis("date")

    @property
    def synthetic(self) -> bool:
        """True when the prices were the synthetic demo market."""
        return self.raw.market.synthetic

    @property
    def notes(self) -> tuple[str, ...]:
        """Facts and doubts about the data and the run, as the command line prints them."""
        market = self.raw.market
        return (*market.notes, *self.raw.notes, *market.warnings, *self.raw.warnings)

    def summary(self) -> str:
        """The command line's table: strategy, 60/40 and their difference."""
        from reporting.console import summary_table

        return summary_table(self.raw)

    def report(
        self,
        path: str | Path = "results",
        *,
        figures: bool = True,
        command: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Path:
        """Write the run's directory under the folder ``path``; return the new directory.

        ``extra`` adds outputs: a DataFrame under a ``.csv`` name is written as that file, any
        other value goes into ``metrics.json`` under its name (a sweep's summary, say).
        """
        from reporting.run_dir import write_run

        command = command or ["backtester.run"]  # the manifest holds the resolved config
        return write_run(self.raw, Path(path), command=command, report=figures, extra=extra)

    def __repr__(self) -> str:
        dates = self.raw.strategy.equity.index
        ours, theirs = self.metrics["strategy"], self.metrics["benchmark"]
        label = ", SYNTHETIC demo data" if self.synthetic else ""
        return (
            f"<Result {self.config.strategy.name} {dates[0].date()} to {dates[-1].date()}{label}: "
            f"Sharpe {ours['sharpe']:.2f} vs 60/40 {theirs['sharpe']:.2f}>"
        )


def run(
    config_or_path: ConfigLike = None,
    /,
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    refresh: bool = False,
    progress: Callable[[str], None] | None = None,
    market: Market | None = None,
    **settings: Any,
) -> Result:
    """Run a strategy against 60/40 and return its `Result`; nothing is written.

    ``config_or_path`` and the overrides are read by `load_config`. ``refresh`` downloads
    prices again; ``progress`` is told each step as it starts (the CLI prints them); ``market``
    runs on a market already loaded (a sweep's, so that its pick has the sweep's dates). A run on
    the synthetic demo market warns with `SyntheticDataWarning`.
    """
    from engine.run import run as run_engine

    config = load_config(config_or_path, overrides=overrides, **settings)
    if progress:
        progress(f"running {config.strategy.name} against 60/40 (data: {config.data})")
    result = Result(run_engine(config, refresh=refresh, market=market))
    if result.synthetic:
        warnings.warn(result.raw.market.notes[0], SyntheticDataWarning, stacklevel=2)
    return result


def signals_now(
    config_or_path: ConfigLike = None,
    /,
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    refresh: bool = False,
    **settings: Any,
) -> dict[str, Any]:
    """What a switching strategy's signals say at the data's last date, without a backtest.

    The same dictionary as a run's ``signals_now.json``: the reading against its thresholds,
    each support level, the dollar guard, the regime held and what would change it. Raises
    `ConfigError` for a strategy without signals.
    """
    from engine.run import prepare
    from strategies import Strategy

    config = load_config(config_or_path, overrides=overrides, **settings)
    strategy = config.strategy
    if type(strategy).signals_now is Strategy.signals_now:
        raise ConfigError(
            f"--signals-now: {strategy.name} has no signals; use a switching strategy such as "
            "hartnett_switch"
        )
    market = prepare(config, refresh=refresh)[0]
    if market.synthetic:
        warnings.warn(market.notes[0], SyntheticDataWarning, stacklevel=2)
    return {**strategy.signals_now(market), "data_source": market.source}


def load_config(
    config_or_path: ConfigLike = None,
    /,
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    **settings: Any,
) -> RunConfig:
    """Resolve a config from a preset, a mapping, a `RunConfig` or a name, then overrides.

    ``config_or_path`` is a preset's path, a mapping shaped like a config file, a `RunConfig`
    or a strategy's name (default ``main_street``); later overrides win.

    Overrides are keyword arguments with double underscores for dots
    (``strategy__short_weight=0.3``, ``data="demo"``, ``strategy="hartnett_switch"``) or a
    mapping or list of dotted keys (``{"costs.borrow_bps.BTC-USD": 800}``,
    ``["execution.lag=2"]``). Every problem is raised at once, as one `ConfigError`.
    """
    if isinstance(config_or_path, RunConfig) and not overrides and not settings:
        return config_or_path
    texts = override_texts(overrides or {}) + override_texts(
        {key.replace("__", "."): value for key, value in settings.items()}
    )
    return resolve(_source(config_or_path), texts)


def resolve(source: Source, overrides: Sequence[str]) -> RunConfig:
    """The one way a config is built: a file's (or manifest's) contents, then overrides.

    An override of ``strategy`` or ``strategy.name`` picks the strategy; the last one wins.
    """
    name, file_overrides, settings = source
    rest = []
    for text in [*file_overrides, *overrides]:
        key, _, value = text.partition("=")
        if key.strip() in ("strategy", "strategy.name"):
            name = value.strip()
        else:
            rest.append(text)
    return build_config(name or DEFAULT_STRATEGY, rest, **settings)


def override_texts(overrides: Mapping[str, Any] | Sequence[str]) -> list[str]:
    """Return ``key=value`` texts of overrides given as a mapping or as texts.

    A mapping's values may be typed or text; a mapping value gives one text per entry, and
    None sets an optional value to none.
    """
    if isinstance(overrides, str):
        raise ConfigError(
            f"overrides: expected a mapping or a list of KEY=VALUE, not {overrides!r}"
        )
    if not isinstance(overrides, Mapping):
        return [str(text) for text in overrides]
    texts = []
    for key, value in overrides.items():
        texts += [f"{key}=null"] if value is None else flatten(str(key), value)
    return texts


def _source(config: ConfigLike) -> Source:
    """What ``config_or_path`` says, as a config file would say it."""
    if config is None:
        return None, [], {}
    if isinstance(config, RunConfig):
        return config_from_mapping(config.as_dict(), "config")
    if isinstance(config, Mapping):
        return config_from_mapping(config, "config")
    path = Path(config)
    if isinstance(config, Path) or path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.exists() and (PROJECT_ROOT / path).is_file():
            path = PROJECT_ROOT / path  # ``configs/main_street.yaml`` from any folder
        return read_config_file(path)
    return str(config), [], {}
