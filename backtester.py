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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.errors import ConfigError
from core.places import default_data
from pipeline.config import DataFrom, RunConfig, build_config
from pipeline.config_file import Source, config_from_mapping, flatten, read_config_file

if TYPE_CHECKING:
    from data.market import Market
    from pipeline.run import RunResult
    from pipeline.walkforward import WalkForwardResult

__all__ = [
    "ConfigError",
    "Result",
    "Sweep",
    "SyntheticDataWarning",
    "compare",
    "load_config",
    "resolve",
    "run",
    "signals_now",
    "sweep",
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
        """What the run's ``metrics.json`` holds: ``strategy``, ``benchmark``, ..., ``run``.

        ``run`` holds the config, the data source, the dates, the notes and the warnings. A
        sweep's ``sweep`` and ``walk_forward`` are the `Sweep`'s, not its best run's.
        """
        return self.raw.metrics

    @property
    def equity(self) -> pd.DataFrame:
        """Portfolio value in dollars, one column each: ``strategy`` and ``benchmark``."""
        return pd.DataFrame(
            {"strategy": self.raw.strategy.equity, "benchmark": self.raw.benchmark.equity}
        ).rename_axis("date")

    @property
    def weights(self) -> pd.DataFrame:
        """The strategy's held weights at each close (fractions of value), dates x tickers."""
        return self.raw.strategy.weights.rename_axis("date")

    @property
    def exposure(self) -> pd.DataFrame:
        """Gross, net, long and short exposure and turnover, by date (``exposure.csv``)."""
        from analytics.tearsheet import exposure_over_time
        from pipeline.run import traded_notional

        strategy = self.raw.strategy
        table = exposure_over_time(strategy.weights, traded_notional(strategy), strategy.equity)
        return table.rename_axis("date")

    @property
    def synthetic(self) -> bool:
        """True when the prices were the synthetic demo market."""
        return self.raw.market.synthetic

    @property
    def notes(self) -> tuple[str, ...]:
        """Facts and doubts about the data and the run, as the command line prints them."""
        market = self.raw.market
        return (*market.notes, *self.raw.notes, *market.warnings, *self.raw.warnings)

    @property
    def trades(self) -> pd.DataFrame:
        """Every fill of the strategy: date, ticker, units (signed), fill price, fee."""
        return self.raw.strategy.trades.copy()

    @property
    def attribution(self) -> pd.DataFrame:
        """The strategy's daily P&L in dollars by leg and cost line; the parts add up."""
        return self.raw.attribution["strategy"].rename_axis("date")

    @property
    def signals(self) -> pd.DataFrame:
        """The reading, its components, each trigger and the regime, daily (empty if static)."""
        switching = self.raw.switching
        return pd.DataFrame() if switching is None else switching.explanation.signals.copy()

    @property
    def events(self) -> pd.DataFrame:
        """Each regime change: date, new regime, cause, reading (empty if static)."""
        switching = self.raw.switching
        return pd.DataFrame() if switching is None else switching.explanation.events.copy()

    @property
    def event_study(self) -> pd.DataFrame:
        """What followed each entry trigger, beside every date (empty if static)."""
        switching = self.raw.switching
        return pd.DataFrame() if switching is None else switching.event_study.copy()

    @property
    def signals_now(self) -> dict[str, Any] | None:
        """What the signals say at the last date (`signals_now.json`); None if static."""
        switching = self.raw.switching
        return None if switching is None else switching.explanation.now

    def plot(self, kind: str = "equity", *, log: bool = True) -> Any:
        """One of the report's charts, a matplotlib Figure a notebook shows inline.

        ``kind``: ``equity`` (``log=False`` for a linear scale), ``drawdown``, ``weights``,
        ``rolling`` (12-month return and Sharpe), ``monthly``, ``monthly_benchmark``,
        ``monthly_excess`` (heatmaps), ``annual``, ``attribution`` and, for a switching
        strategy, ``regimes`` and ``reading`` (the Bull & Bear reading and its triggers). The
        report's section names ``exposures``, ``signals`` and ``drawdowns`` work too.
        """
        from reporting.plots import plot

        return plot(self.raw, kind, log=log)

    def _repr_html_(self) -> str:
        """The headline table, as a notebook shows the result."""
        from reporting import html
        from reporting.report_tables import headline_table

        dates = self.raw.strategy.equity.index
        banner = "<p><b>SYNTHETIC demo data: not history.</b></p>" if self.synthetic else ""
        title = (
            f"<p><b>{html.esc(self.config.strategy.name)}</b> vs "
            f"{html.esc(self.raw.benchmark_name)}, {dates[0].date()} to "
            f"{dates[-1].date()} ({html.esc(self.raw.market.source)})</p>"
        )
        return title + banner + headline_table(self.metrics, self.raw.benchmark_name)

    def summary(self) -> str:
        """The command line's summary: the answer, then strategy, benchmark and their difference."""
        from reporting.console import summary_table

        return summary_table(self.raw)

    def report(
        self,
        path: str | Path = "results",
        *,
        figures: bool = True,
        command: list[str] | None = None,
        extra: dict[str, Any] | None = None,
        label: str = "",
    ) -> Path:
        """Write the run's directory under the folder ``path``; return the new directory.

        ``extra`` adds outputs: a DataFrame under a ``.csv`` name is written as that file, any
        other value goes into ``metrics.json`` under its name (a sweep's summary, say).
        ``label`` names the run in its report, ``metrics.json``, manifest and the runs index.
        """
        from reporting.run_dir import write_run

        command = command or ["backtester.run"]  # the manifest holds the resolved config
        return write_run(
            self.raw, Path(path), command=command, report=figures, extra=extra, label=label
        )

    def __repr__(self) -> str:
        from reporting.html import num

        dates = self.raw.strategy.equity.index
        ours, theirs = self.metrics["strategy"], self.metrics["benchmark"]
        label = ", SYNTHETIC demo data" if self.synthetic else ""
        return (
            f"<Result {self.config.strategy.name} {dates[0].date()} to {dates[-1].date()}{label}: "
            f"Sharpe {num(ours['sharpe'])} vs {self.raw.benchmark_name} {num(theirs['sharpe'])}>"
        )


def compare(*run_dirs: str | Path, out: str | Path = "results", label: str = "") -> Path:
    """Compare finished runs' folders in one report; return the comparison's new folder.

    The report overlays their equity, sets their metrics side by side, gives each pair's Sharpe
    difference on their common dates with its bootstrap interval, and lists where their configs
    differ (`reporting.compare`). ``out`` is where ``<stamp>-compare`` is written.
    """
    from reporting.compare import write_comparison
    from reporting.run_dir import check_label

    check_label(label)
    return write_comparison([Path(folder) for folder in run_dirs], Path(out), label)


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
    """Run a strategy against its benchmark (60/40 by default) and return its `Result`.

    Nothing is written.

    ``config_or_path`` and the overrides are read by `load_config`. ``refresh`` downloads
    prices again; ``progress`` is told each step as it starts (the CLI prints them); ``market``
    runs on a market already loaded (a sweep's, so that its pick has the sweep's dates). A run on
    the synthetic demo market warns with `SyntheticDataWarning`.
    """
    from pipeline.run import run as run_engine

    config = load_config(config_or_path, overrides=overrides, **settings)
    if progress:
        progress(f"running {config.strategy.name} against {config.benchmark} (data: {config.data})")
    result = Result(run_engine(config, refresh=refresh, market=market))
    if result.synthetic:
        warnings.warn(result.raw.market.notes[0], SyntheticDataWarning, stacklevel=2)
    return result


@dataclass(frozen=True)
class Sweep:
    """A finished sweep: one row per combination, its facts, and the best one's run.

    ``best`` ran on the sweep's own market, so its metrics are its row of ``table``.
    """

    table: pd.DataFrame
    facts: dict[str, Any]
    best: Result
    base: RunConfig
    """The config the grid was laid over (``--rerun`` repeats the sweep from it)."""
    walk_forward: WalkForwardResult | None = None
    """The walk-forward asked for: ``.windows``, ``.equity`` (the three curves), ``.metrics``,
    ``.in_sample_choice``; None without one."""

    def outputs(self) -> dict[str, Any]:
        """The extra outputs of the best run's directory: ``sweep.csv`` and ``sweep``.

        With a walk-forward: ``walk_forward.csv``, ``walk_forward_equity.csv`` and
        ``walk_forward`` (the curves' metrics and the in-sample choice).
        """
        from reporting.run_dir import SWEEP_BASE

        found = {"sweep.csv": self.table, "sweep": self.facts, SWEEP_BASE: self.base}
        walked = self.walk_forward
        if walked is None:
            return found
        return found | {
            "walk_forward.csv": walked.windows,
            "walk_forward_equity.csv": walked.equity.rename_axis("date").reset_index(),
            "walk_forward": {
                "metrics": walked.metrics,
                "in_sample_choice": walked.in_sample_choice,
            },
        }

    def report(self, path: str | Path = "results", *, figures: bool = True) -> Path:
        """Write the best run's directory with the sweep's table, facts and heatmaps."""
        return self.best.report(path, figures=figures, extra=self.outputs())


def sweep(
    config_or_path: ConfigLike = None,
    grid: Mapping[str, Sequence[float]] | Sequence[str] = (),
    /,
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    refresh: bool = False,
    walk_forward: str | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    progress: Callable[[str], None] | None = None,
    executor: Any = None,
    workers: int | None = None,
    **settings: Any,
) -> Sweep:
    """Run every combination of ``grid`` on a config, by the rules of ``--sweep``.

    ``grid`` maps keys to values (``{"strategy.sell_above": [7, 8, 9]}``) or is ``--sweep``'s
    texts (``["strategy.sell_above=7:9:0.5"]``). The best combination by Sharpe is run on the
    sweep's market; the facts hold the deflated Sharpe, the PBO, edge warnings and the grid.
    ``walk_forward`` (``"TRAIN:TEST"``, such as ``"5y:1y"``) adds `Sweep.walk_forward`, as
    ``--walk-forward`` does; windows the data cannot hold are refused before the sweep runs.
    ``on_chunk`` is told the combinations done and their total; ``progress`` the walk-forward's
    start. The chunks run on ``executor`` (default: ``workers`` processes on this machine, every
    usable core unless given), with the same table whatever runs them.
    """
    from pipeline import sweep as pipeline_sweep
    from pipeline import sweep_facts, walkforward

    config = load_config(config_or_path, overrides=overrides, **settings)
    if isinstance(grid, Mapping):
        texts = [f"{key}={','.join(str(v) for v in values)}" for key, values in grid.items()]
    else:
        texts = [str(text) for text in grid]
    if not texts:
        raise ConfigError("sweep: give a grid, e.g. {'strategy.sell_above': [7, 8, 9]}")
    axes = [pipeline_sweep.parse_axis(text) for text in texts]
    if walk_forward is not None:
        walkforward.check_windows(config, axes, walk_forward)
    found = pipeline_sweep.sweep(
        config, axes, refresh=refresh, on_chunk=on_chunk, executor=executor, workers=workers
    )
    facts = {**sweep_facts.summarise(found, config), "grid": texts, "walk_forward": walk_forward}
    picked = sweep_facts.best_config(config, found)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticDataWarning)  # said once, below
        best = run(picked, market=found.market)
    if best.synthetic:
        warnings.warn(best.raw.market.notes[0], SyntheticDataWarning, stacklevel=2)
    walked = None
    if walk_forward is not None:
        if progress:
            progress(f"walking forward ({walk_forward})")
        windows = walkforward.parse_windows(walk_forward)
        walked = walkforward.walk_forward(config, axes, *windows, workers=workers, whole=picked)
    return Sweep(found.table, facts, best, config, walked)


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
    from pipeline.run import prepare
    from strategies import Strategy

    config = load_config(config_or_path, overrides=overrides, **settings)
    strategy = config.strategy
    if type(strategy).signals_now is Strategy.signals_now:
        raise ConfigError(
            f"needs a switching strategy such as hartnett_switch; {strategy.name} has no signals",
            option="signals_now",
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
    Without a data source given, the one ``MAINSTREET_DATA`` names, else ``auto``
    (`core.places.default_data`); the config's ``data_from`` records which.
    """
    name, file_overrides, settings = source
    written_for, rest = name, []
    for text in [*file_overrides, *overrides]:
        key, _, value = text.partition("=")
        if key.strip() in ("strategy", "strategy.name"):
            name = value.strip()
        else:
            rest.append(text)
    given = "data" in settings or any(text.partition("=")[0].strip() == "data" for text in rest)
    data_from: DataFrom = "given"
    if not given:  # the environment's default source, else auto
        data, data_from = default_data()
        rest.insert(0, f"data={data}")
    config = build_config(name or DEFAULT_STRATEGY, rest, written_for=written_for, **settings)
    return replace(config, data_from=data_from)


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
    return [text for key, value in overrides.items() for text in flatten(str(key), value)]


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
        return read_config_file(path)
    return str(config), [], {}
