"""The call as the note makes it: switch into Main Street when the signals fire."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import SimpleNamespace
from typing import Any, ClassVar, Literal, get_args

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_range, check_ranges
from data.csv_source import PUBLISHED_READINGS
from data.market import ROLES, Market, Role, Universe, check_ticker
from signals.base import Signal
from signals.bull_bear import (
    READING_SOURCES,
    BullBearProxy,
    PublishedThenProxy,
    ReadingSource,
    reading_origin,
)
from signals.dollar_guard import DollarSystemic, GuardMode
from signals.readings import ExternalIndicator, Vintage
from signals.rules import hold_counts, switch_regimes, switch_signals
from signals.state import signals_now, spans, threshold_warnings, warmup_facts
from signals.support import SupportBreak
from strategies.base import OFF, Explanation, Strategy
from strategies.main_street import MainStreet
from strategies.sixty_forty import SixtyForty

Regime = Literal["neutral", "main_street", "defensive"]
REGIMES: tuple[Regime, ...] = get_args(Regime)
SUPPORT_PREFIX = "support_"
"""A support level named ``gold`` is the signal ``support_gold`` in every output."""
DEFAULT_SUPPORTS: dict[str, SupportBreak] = {
    "tech": SupportBreak(ticker="tech", mode="drawdown", level=0.15, window=200, confirm_days=3),
    "crypto": SupportBreak(
        ticker="crypto", mode="drawdown", level=0.30, window=200, confirm_days=3
    ),
}
"""Tech 15% and crypto 30% below their 200-day highs, each confirmed by 3 closes."""
SIGNAL_FIELDS = (
    *("reading_source", "published_vintage"),
    *("reading_file", "reading_column", "reading_delay_days", "reading_window_days"),
    *("reading_scale", "reading_max_age_days"),
    *("reading_min_components", "reading_crypto", "aaii_file", "aaii_column", "aaii_delay_days"),
    *("reading_breadth", "reading_trend", "reading_crypto_ticker"),
    *("supports", "dollar_guard", "dollar_ticker", "dollar_level", "yields_ticker"),
    *("yields_fall_bps", "yields_days", "dollar_mode"),
)
"""The parameters the signals depend on (the thresholds and books are not among them)."""
TICKER_FIELDS = ("reading_trend", "reading_crypto_ticker", "dollar_ticker", "yields_ticker")
"""The parameters naming one ticker (the reading's may name a role instead); the support
levels' and the breadth's tickers are checked too, each by `data.market.check_ticker`."""


@dataclass(frozen=True, kw_only=True)
class HartnettSwitch(Strategy):
    """60/40 by default; long Main Street, short Wall Street when the signals fire.

    Thesis: a euphoric sentiment reading (the Bull & Bear indicator above 8) or a break of the
    bubble's support levels marks the moment to rotate from crowded US tech and crypto into small
    caps and international stocks. Rule: enter ``main_street`` when the reading rises above
    ``sell_above`` or a support level's break is confirmed; return to ``neutral`` when the
    reading falls below ``buy_below`` or after ``max_hold`` trading days; the dollar guard
    overrides both with ``defensive`` while it holds. A support break on a bar the reading is
    below ``buy_below`` is a conflict, and by default the buy signal wins: the break is ignored.
    A reading that low says positioning is already washed out, the capitulation the contrarian
    buy signal trades on; a break then is that sell-off seen in prices, not a crowded bubble
    starting to unwind, and shorting tech and crypto into it sells the low the buy signal says
    to buy (and held, it would last one bar, until the next close repeats the buy signal). The
    conflicts are counted in ``metrics.json``; ``break_wins_bars`` lets the break win instead.
    Windows count trading days of the stock ticker on both calendars (`Market.sessions`).

    Timing: the regime at a close uses data up to that close, the warm-up before the run
    included (the state machine runs over it, so the run's first day holds the regime the
    history leads to); a change rebalances at the next bar, otherwise the monthly schedule
    applies.
    """

    name = "hartnett_switch"
    summary = "60/40, switching to the Main Street long/short on sentiment and support breaks"

    stocks_weight: float = 0.6
    """Neutral regime: the stocks share of a stocks/bonds portfolio."""
    long_weight: float = 1.0
    """Main Street regime: gross long (small caps and international)."""
    small_caps_share: float = 0.5
    """Main Street regime: share of the long book in small caps."""
    short_weight: float = 0.5
    """Main Street regime: gross short (tech and crypto)."""
    tech_share: float = 0.5
    """Main Street regime: share of the short book in tech."""
    defensive_bonds: float = 1.0
    """Defensive regime: weight in bonds; the rest is cash."""
    sell_above: float = 8.0
    """The reading (0-10) rising above this is the contrarian sell signal: enter Main Street."""
    buy_below: float = 2.0
    """The reading falling below this is the buy signal: back to neutral. It wins over a support
    break on the same bar, by default: a reading this low says positioning is washed out, and a
    break then is the sell-off seen in prices, not a bubble starting to unwind (break_wins_bars)."""
    reading_source: ReadingSource = "proxy"
    """Where the Bull & Bear reading comes from. proxy: the price proxy, every day
    (docs/bull_bear_proxy.md). published: BofA's readings and signals as reports printed them
    (data/published/bull_bear.csv, or ``reading_file``), each in force from the trading day
    after its date for at most ``reading_max_age_days``; no reading outside that. A published
    sell without a number is the reading crossing above ``sell_above``, a buy without one falling
    below ``buy_below`` (docs/bull_bear_published.md). published_then_proxy: the published
    reading where one is in force, the proxy on the other days."""
    published_vintage: Vintage = "all"
    """Which published rows count. all: every row, including the ``reconstructed`` ones known
    only from a later publication (the sells of 2002-2011 come from BofA's revised indicator,
    printed in 2025): how today's indicator would have traded. live: only the rows published at
    the time: what an investor could have acted on."""
    reading_file: str | None = None
    """A CSV of readings in the published file's format (date, reading, optionally signal and
    vintage) used instead of the bundled BofA file, with a published reading source."""
    reading_column: str = "reading"
    """The readings file's column, on the 0-10 scale (see ``reading_scale``)."""
    reading_scale: float = 10.0
    """The readings file's scale, 0 to this (100 for a percent scale); readings are converted to
    0-10, and one outside the scale stops the run naming its line."""
    reading_delay_days: int = 1
    """Calendar days after a reading's date before it may be used."""
    reading_max_age_days: int = 42
    """Calendar days after its date a file's reading may still be used (0: no limit). BofA
    publishes about weekly; after six weeks without one the reading is missing, with a warning
    naming the gap, rather than a months-old reading deciding the regime."""
    reading_window_days: int = 756
    """Trading days of history each component of the reading is ranked against (about 3
    years). Every window of this strategy counts trading days of the stock ticker (SPY), on
    the 7-day calendar too: its signals decide on those days only."""
    reading_min_components: int = 3
    """The reading needs at least this many components with enough history."""
    reading_breadth: tuple[str, ...] = ("SPY", "IWM", "EFA", "XLK")
    """The proxy's breadth: the tickers whose share above their 200-day average is a component.
    Its own key, so changing what a role trades does not change the signal (a role's name, such
    as international, reads that role's tickers, a basket's every one, if you want them tied)."""
    reading_trend: str = "SPY"
    """The proxy's trend component: this ticker over its 200-day average (or a role's name)."""
    reading_crypto: bool = False
    """Add crypto froth (``reading_crypto_ticker`` over its 200-day average) as a component of
    the reading; off by default, as in BofA's indicator, and it agrees better with the
    published readings (docs/bull_bear_proxy.md)."""
    reading_crypto_ticker: str = "BTC-USD"
    """The crypto froth component's ticker (or a role's name)."""
    aaii_file: str | None = None
    """A CSV of the AAII survey to add its bull-bear spread to the reading (optional)."""
    aaii_column: str = "Bull_Bear_Spread"
    """The survey file's column."""
    aaii_delay_days: int = 1
    """Calendar days after a survey's date before it may be used."""
    supports: dict[str, SupportBreak] = field(default_factory=lambda: dict(DEFAULT_SUPPORTS))
    """Support levels by name, each {ticker, mode, level, window, confirm_days}; a break of any
    is an entry into Main Street. ``ticker`` is a ticker of the data (GC=F) or a role (tech,
    crypto) for the universe's ticker; ``mode`` absolute (a price), below_average or drawdown (a
    fraction below the ``window``-day average or high). Default: tech 15% and crypto 30% below
    their 200-day highs, 3 closes to confirm. Set one field with
    ``strategy.supports.gold.level=4550``; remove one with ``strategy.supports.crypto=off``."""
    max_hold: int = 63
    """Trading days in Main Street before returning to neutral (0: no limit)."""
    min_hold: int = 0
    """Trading days in Main Street before an exit signal is obeyed."""
    cooldown: int = 0
    """Trading days after leaving Main Street during which entries are ignored."""
    break_wins_bars: int = 0
    """A support break that fires while the reading is below ``buy_below`` is a conflict (enter,
    says the break; leave, says the buy signal). 0: the buy signal wins, the break is ignored
    and fires again only after re-arming. N: the break wins for N bars: it enters Main Street
    (or keeps it) and the reading below ``buy_below`` is no exit on its bar and the N - 1 after
    it (``max_hold`` still ends the hold; 1 gives the one-bar spell of a break that wins for its
    own bar only)."""
    dollar_guard: bool = True
    """Go defensive while the dollar index is at or above its level (with falling yields)."""
    dollar_ticker: str = "DX-Y.NYB"
    """The dollar index, or a proxy such as UUP (with its own level)."""
    dollar_level: float = 100.0
    """The dollar index level that marks a systemic event."""
    yields_ticker: str = "^TNX"
    """Ten-year yields, in percent."""
    yields_fall_bps: float = 50.0
    """The guard also needs yields to have fallen this much (0: the dollar level alone)."""
    yields_days: int = 21
    """Trading days over which the fall in yields is measured."""
    dollar_mode: GuardMode = "cross"
    """cross: the guard fires on the first bar the dollar is at or above its level with yields
    fallen, after a dollar close below the level, and re-arms only after another close below
    it; level: the guard is on whenever both hold (a dollar that sits above its level then
    flips the guard with every wobble in yields)."""

    RANGES: ClassVar[dict[str, Range]] = {
        **SixtyForty.RANGES,
        **MainStreet.RANGES,
        "defensive_bonds": Range(0.0, 1.0),
        "sell_above": Range(0.0, 10.0),
        "buy_below": Range(0.0, 10.0),  # and at most sell_above
        "reading_scale": Range(1.0, 1000.0),
        "reading_delay_days": Range(0, 3660),
        "reading_max_age_days": Range(0, 36_600),
        "reading_window_days": Range(20, 5000),
        "reading_min_components": Range(1, 6),  # and at most the components there are
        "aaii_delay_days": Range(0, 3660),
        "max_hold": Range(0, 10_000),
        "min_hold": Range(0, 10_000),
        "cooldown": Range(0, 10_000),
        "break_wins_bars": Range(0, 10_000),
        "dollar_level": Range(0.0, 1e10, above=True),
        "yields_fall_bps": Range(0.0, 10_000.0),
        "yields_days": Range(1, 5000),
    }

    def __post_init__(self) -> None:
        check_ranges(self, "strategy")
        check_range("strategy.buy_below", self.buy_below, Range(0.0, self.sell_above))
        if self.reading_source not in READING_SOURCES:
            raise ConfigError(
                f"strategy.reading_source = {self.reading_source!r}; expected one of "
                f"{', '.join(READING_SOURCES)}"
            )
        if self.reading_file and self.reading_source == "proxy":
            raise ConfigError(
                "strategy.reading_file is read only with a published reading source; add "
                "--set strategy.reading_source=published (the file alone) or "
                "published_then_proxy (the proxy where the file has no reading in force)"
            )
        for key, ticker in (
            *(("reading_breadth", ticker) for ticker in self.reading_breadth),
            *((key, getattr(self, key)) for key in TICKER_FIELDS),
        ):
            check_ticker(f"strategy.{key}", ticker, roles=key.startswith("reading_"))
        object.__setattr__(self, "supports", _support_levels(self.supports))
        self._signals(Universe())  # checks the signals' own parameters

    def roles(self) -> tuple[Role, ...]:
        """Every role any regime holds."""
        return tuple(dict.fromkeys((*SixtyForty().roles(), *self._main_street().roles())))

    def inputs(self, universe: Universe) -> tuple[tuple[str, ...], dict[str, tuple[str, str]]]:
        """The tickers and files the signals read."""
        signals = self._signals(universe).values()
        tickers = tuple(dict.fromkeys(t for signal in signals for t in signal.tickers()))
        files = {name: src for signal in signals for name, src in signal.external().items()}
        return tickers, files

    def target_weights(self, market: Market) -> pd.DataFrame:
        """Each regime's weights on the run's dates it is in force."""
        books = self._books(market.universe)
        columns = list(dict.fromkeys(ticker for book in books.values() for ticker in book))
        rows, codes = self.weight_rows(market, columns)
        return pd.DataFrame(rows[codes], index=market.prices.index, columns=columns)

    def weight_rows(self, market: Market, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each regime's book as a row on ``columns``, and each date's regime as its code.

        The regime path is compiled (`signals.rules.switch_regimes`) and each signal is
        read once per market, so a sweep of thresholds pays only for the path.
        """
        books = self._books(market.universe).values()
        rows = np.array([[book.get(ticker, 0.0) for ticker in columns] for book in books])
        codes = self._codes(self._triggers(market.sessions()))
        return rows, market.in_run(market.from_sessions(codes))

    def _books(self, universe: Universe) -> dict[Regime, dict[str, float]]:
        """Each regime's weights by ticker, in `REGIMES` order (a regime's code is its place)."""
        return {
            "neutral": SixtyForty(stocks_weight=self.stocks_weight).weights_by_ticker(universe),
            "main_street": self._main_street().weights_by_ticker(universe),
            "defensive": {universe.bonds: self.defensive_bonds},
        }

    def explain(self, market: Market) -> Explanation:
        """The reading, the triggers and the regime on the run's dates, and what they say now.

        Decided on the market's sessions (`Market.sessions`), spread over its calendar.
        """
        signals = self._signals(market.universe)
        sessions = market.sessions()
        decided = self._decide(sessions)
        regime, fired, exits, reading, conflicts = decided.series(sessions)
        reading = reading.where(np.isfinite(reading))  # a bare published signal has no number
        facts = _reading_facts(signals["bull_bear"], sessions)
        table = pd.concat(
            {
                "bull_bear": reading,
                **facts,
                **_components(signals["bull_bear"], sessions),
                **{
                    name: sessions.evaluate(signal)
                    for name, signal in signals.items()
                    if name != "bull_bear"
                },
                "regime": regime,
            },
            axis=1,
        )
        notes, warnings = warmup_facts(signals, sessions)
        warnings += threshold_warnings(
            self, sessions.in_run(reading), sessions.in_run(fired[self._reading_entry()])
        )
        events = _events(regime, fired, exits, reading, conflicts)
        now = signals_now(self, signals, market, regime)
        spread = {name: market.from_sessions(flag, carry=False) for name, flag in fired.items()}
        lost = {
            name: market.from_sessions(flag & conflicts, carry=False)
            for name, flag in fired.items()
            if name.startswith(SUPPORT_PREFIX)
        }
        table = market.from_sessions(table).assign(
            **{f"entry_{name}": flag for name, flag in spread.items()}
        )[[*table.columns[:-1], *(f"entry_{name}" for name in spread), "regime"]]
        regime, run = table["regime"], market.in_run
        return Explanation(
            signals=run(table),
            regime=run(regime).rename("regime"),
            events=events[events["date"] >= market.prices.index[0]].reset_index(drop=True),
            entries={name: run(flag).index[run(flag)] for name, flag in spread.items()},
            rotates_into=self._main_street(),
            notes=(*notes, *_carried_in(regime, market)),
            warnings=warnings,
            now=now,
            reading_sources=_reading_sources({key: table[key] for key in facts}, market),
            conflicts={name: run(flag).index[run(flag)] for name, flag in lost.items()},
            conflict_rule=self._conflict_rule(),
        )

    def signals_now(self, market: Market) -> dict[str, Any]:
        """What the signals say at the last date of the data, and what would change the regime."""
        sessions = market.sessions()
        regime = self._decide(sessions).series(sessions)[0]
        return signals_now(self, self._signals(market.universe), market, regime)

    def hold_counts(self, market: Market) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The bars held, cooldown bars left and buy-ignored bars left after each close.

        The first two are the counters of `signals.rules.hold_counts` on the strategy's
        entries and exits; the position runs on beneath the dollar guard, so it is counted there
        too. The third is the coming bars on which the reading below ``buy_below`` is no exit,
        after a break that won a conflict (``break_wins_bars``).
        """
        triggers = self._triggers(market)
        entries, exits, conflicts = self._signals_arrays(triggers)
        limit = self.max_hold or len(triggers.reading) + 1
        bars, waits = hold_counts(entries, exits, self.min_hold, limit, self.cooldown)
        places = np.arange(len(conflicts))
        last = np.maximum.accumulate(np.where(conflicts, places, -(2**62)))
        ignored = np.clip(last + self.break_wins_bars - 1 - places, 0, None)
        return bars, waits, ignored if self.break_wins_bars else np.zeros_like(bars)

    def _signals_arrays(self, triggers: _TriggerArrays) -> tuple[np.ndarray, ...]:
        """`signals.rules.switch_signals` on the triggers: entries, exits, conflicts."""
        return switch_signals(
            triggers.reading, triggers.any_break, self.sell_above, self.buy_below,
            self.break_wins_bars,
        )  # fmt: skip

    def _conflict_rule(self) -> str:
        """How a conflict is decided, in words (``metrics.json``)."""
        if not self.break_wins_bars:
            return "buy signal wins: a support break with the reading below buy_below is ignored"
        return (
            f"break wins for {self.break_wins_bars} bars: it enters main_street and the reading "
            "below buy_below is no exit on its bar and the bars after it up to that count"
        )

    def _decide(self, market: Market) -> _Decisions:
        """The regime decided at each close of the history, with its triggers and exits."""
        triggers = self._triggers(market)
        reading = triggers.reading
        above = reading > self.sell_above  # NaN is never above
        fired = {
            self._reading_entry(): above & ~np.r_[False, above[:-1]],
            **triggers.breaks,
        }
        _, exits, conflicts = self._signals_arrays(triggers)
        return _Decisions(
            codes=self._codes(triggers),
            fired=fired,
            exits=exits,
            reading=reading,
            conflicts=conflicts,
        )

    def _reading_entry(self) -> str:
        """The name of the reading's entry trigger among the firings."""
        return f"bull_bear_above_{self.sell_above:g}"

    def _triggers(self, market: Market) -> _TriggerArrays:
        """The signals' arrays on the market's history, read once per distinct signal set."""
        return market.evaluate(_Triggers(tuple(self._signals(market.universe).items())))

    def _codes(self, triggers: _TriggerArrays) -> np.ndarray:
        """The regime codes on the history: the compiled rules on the signals' arrays."""
        limit = self.max_hold or len(triggers.reading) + 1
        return switch_regimes(
            triggers.reading, triggers.any_break, triggers.guard, self.sell_above,
            self.buy_below, self.min_hold, limit, self.cooldown, self.break_wins_bars,
        )  # fmt: skip

    def _main_street(self) -> MainStreet:
        return MainStreet(
            long_weight=self.long_weight,
            small_caps_share=self.small_caps_share,
            short_weight=self.short_weight,
            tech_share=self.tech_share,
        )

    def _signals(self, universe: Universe) -> dict[str, Signal]:
        """The signals by name, on the universe's tickers; a trigger that is off is absent.

        Built once per distinct signal parameters (a threshold sweep shares them).
        """
        spec = tuple(
            (name, tuple(self.supports.items()) if name == "supports" else getattr(self, name))
            for name in SIGNAL_FIELDS
        )
        return dict(_build_signals(spec, universe))


@functools.lru_cache(maxsize=1024)
def _build_signals(spec: tuple[tuple[str, Any], ...], universe: Universe) -> dict[str, Signal]:
    """`HartnettSwitch._signals` from the strategy's `SIGNAL_FIELDS` values (read-only)."""
    given = SimpleNamespace(**dict(spec))
    aaii = None
    if given.aaii_file:
        aaii = ExternalIndicator(
            name="aaii",
            path=given.aaii_file,
            column=given.aaii_column,
            delay_days=given.aaii_delay_days,
        )

    def ticker(name: str, key: str) -> str:  # a ticker of the data, or a role's one ticker
        if name not in ROLES:
            return name
        tickers = universe.tickers(name)  # type: ignore[arg-type]
        if len(tickers) > 1:
            raise ConfigError(
                f"strategy.{key} = {name} reads the role's ticker, but universe.{name} is a "
                f"basket ({getattr(universe, name)}); give it one ticker, for example "
                f"--set strategy.{key}={tickers[0]}"
            )
        return tickers[0]

    breadth = (
        universe.tickers(name) if name in ROLES else (name,)  # type: ignore[arg-type]
        for name in given.reading_breadth
    )
    reading: Signal = BullBearProxy(
        breadth=tuple(dict.fromkeys(t for tickers in breadth for t in tickers)),
        stocks=ticker(given.reading_trend, "reading_trend"),
        crypto=(
            ticker(given.reading_crypto_ticker, "reading_crypto_ticker")
            if given.reading_crypto
            else None
        ),
        window_days=given.reading_window_days,
        min_components=given.reading_min_components,
        aaii=aaii,
    )
    if given.reading_source != "proxy":
        published = ExternalIndicator(
            name="bull_bear",
            path=given.reading_file or str(PUBLISHED_READINGS),
            column=given.reading_column,
            delay_days=given.reading_delay_days,
            scale=10.0 / given.reading_scale,
            bounds=(0.0, given.reading_scale),
            max_age_days=given.reading_max_age_days or None,
            vintage=given.published_vintage,
        )
        reading = (
            published
            if given.reading_source == "published"
            else PublishedThenProxy(published=published, proxy=reading)
        )
    signals: dict[str, Signal] = {"bull_bear": reading}
    for name, support in given.supports:
        on = ticker(support.ticker, f"supports.{name}.ticker")
        signals[f"{SUPPORT_PREFIX}{name}"] = replace(support, ticker=on)
    if given.dollar_guard:
        signals["dollar_guard"] = DollarSystemic(
            ticker=given.dollar_ticker,
            level=given.dollar_level,
            yields=given.yields_ticker,
            yields_fall_bps=given.yields_fall_bps,
            yields_days=given.yields_days,
            mode=given.dollar_mode,
        )
    return signals


@dataclass(frozen=True)
class _Triggers:
    """The strategy's signals, evaluated once per market into the arrays the rules read."""

    signals: tuple[tuple[str, Signal], ...]

    def evaluate(self, market: Market) -> _TriggerArrays:
        """The reading, each support level's firings, any of them, and the guard, as arrays."""
        signals = dict(self.signals)
        breaks = {}
        for name, signal in signals.items():
            if name.startswith(SUPPORT_PREFIX):
                broken = market.evaluate(signal).to_numpy()
                breaks[name] = broken & ~np.r_[False, broken[:-1]]  # the bar a break fires
        n = len(market.history)
        guard = signals.get("dollar_guard")
        return _TriggerArrays(
            reading=market.evaluate(signals["bull_bear"]).to_numpy(dtype=float),
            breaks=breaks,
            any_break=np.logical_or.reduce([*breaks.values(), np.zeros(n, dtype=bool)]),
            guard=np.zeros(n, dtype=bool) if guard is None else market.evaluate(guard).to_numpy(),
        )


@dataclass(frozen=True)
class _TriggerArrays:
    """What `_Triggers` gives: arrays on the history's dates."""

    reading: np.ndarray
    breaks: dict[str, np.ndarray]
    any_break: np.ndarray
    guard: np.ndarray


@dataclass(frozen=True)
class _Decisions:
    """The regime decided at each close of the history, and what decided it, as arrays.

    ``codes`` are places in `REGIMES`; ``fired`` each entry trigger's firings; ``exits`` the
    bars on which the reading below ``buy_below`` is an exit; ``conflicts`` the bars on which a
    support break fired with the reading below ``buy_below``.
    """

    codes: np.ndarray
    fired: dict[str, np.ndarray]
    exits: np.ndarray
    reading: np.ndarray
    conflicts: np.ndarray

    def series(
        self, market: Market
    ) -> tuple[pd.Series, dict[str, pd.Series], pd.Series, pd.Series, pd.Series]:
        """The regime (names), firings, exits, reading and conflicts on the history's dates."""
        index = market.history.index
        regime = pd.Series(np.array(REGIMES, dtype=object)[self.codes], index=index)
        fired = {name: pd.Series(flag, index=index) for name, flag in self.fired.items()}
        exits, conflicts = pd.Series(self.exits, index), pd.Series(self.conflicts, index)
        return regime, fired, exits, pd.Series(self.reading, index), conflicts


def _support_levels(given: Mapping[str, Any]) -> dict[str, SupportBreak]:
    """Support levels from their specs: a level object, or a mapping of its fields.

    A mapping for a default level's name changes only the fields it names; ``off`` removes the
    level. Every problem names its key, ``strategy.supports.NAME.FIELD``.
    """
    if not isinstance(given, Mapping):
        raise ConfigError(
            f"strategy.supports = {given!r}: expected a mapping of names to levels, for example "
            "{gold: {ticker: GC=F, mode: absolute, level: 4550}}"
        )
    known = {spec.name for spec in fields(SupportBreak)}
    levels = {}
    for name, spec in given.items():
        key = f"strategy.supports.{name}"
        if isinstance(spec, SupportBreak):
            levels[str(name)] = spec
            continue
        if isinstance(spec, bool | str | None) and str(spec).strip().lower() in OFF:
            continue
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{key} = {spec!r}: expected the level's fields or off")
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ConfigError(
                f"{key}.{unknown[0]}: unknown field of a support level; valid: "
                f"{', '.join(sorted(known))}"
            )
        base = DEFAULT_SUPPORTS.get(str(name))
        values = {**(vars(base) if base else {}), **spec}
        if not base and not {"ticker", "level"} <= set(spec):
            raise ConfigError(f"{key}: a new support level needs a ticker and a level")
        try:
            levels[str(name)] = SupportBreak(**values)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("strategy.", f"{key}.", 1)) from None
    return levels


def _carried_in(regime: pd.Series, market: Market) -> list[str]:
    """A note when the run's first day holds a regime entered during the warm-up."""
    if market.warmup.empty:
        return []
    first = market.prices.index[0]
    held = regime[first]
    if held == "neutral":
        return []
    changed = regime.ne(regime.shift(1))
    since = changed[:first][changed[:first]].index[-1]
    return [
        f"regime at the run's first day {first.date()}: {held}, decided {since.date()} during "
        "the warm-up (the signals' state carries into the run)"
    ]


def _events(
    regime: pd.Series,
    fired: dict[str, pd.Series],
    exits: pd.Series,
    reading: pd.Series,
    conflicts: pd.Series,
) -> pd.DataFrame:
    """One row per regime change: its date, the new regime, what caused it, the reading.

    An entry by a break that won a conflict says so: ``support_tech (conflict: reading below
    buy_below, the break wins)``.
    """
    previous = regime.shift(1)
    changed = regime.ne(previous) & previous.notna()
    rows = []
    for day in regime.index[changed]:
        before, after = previous[day], regime[day]
        if after == "defensive":
            cause = "dollar guard on"
        elif before == "defensive":
            cause = "dollar guard off"
        elif after == "main_street":
            cause = " + ".join(name for name, flag in fired.items() if flag[day]) or "entry"
            if conflicts[day]:
                cause += " (conflict: reading below buy_below, the break wins)"
        else:
            cause = "reading below buy_below" if exits[day] else "max_hold reached"
        rows.append({"date": day, "regime": after, "cause": cause, "reading": reading[day]})
    return pd.DataFrame(rows, columns=["date", "regime", "cause", "reading"])


_FACT_COLUMNS = {
    "vintage": "reading_vintage",
    "precision": "reading_date_precision",
    "signal": "published_signal",
}
"""The `signals.csv` column of each fact of the published reading in force."""


def _reading_facts(reading: Signal, market: Market) -> dict[str, pd.Series]:
    """Each date's reading source and published reading in force, and the proxy to compare.

    The published reading's facts are its date, vintage, date precision and signal; the proxy
    (``bull_bear_proxy``) is given on every day when it stands in for the published reading.
    """
    facts = {"reading_source": reading_origin(reading, market)}
    published = reading
    if isinstance(reading, PublishedThenProxy):  # the proxy on every day, to compare
        facts["bull_bear_proxy"] = market.evaluate(reading.proxy)
        published = reading.published
    if isinstance(published, ExternalIndicator):
        used = market.evaluate(published, "latest")
        shown = (facts["reading_source"] == "published").to_numpy()  # in force: not stale
        facts["reading_date"] = used["date"].where(shown)
        for column in ("vintage", "precision", "signal"):
            facts[_FACT_COLUMNS[column]] = used[column].where(shown, "")
    return facts


def _reading_sources(facts: dict[str, pd.Series], market: Market) -> str:
    """Where the run's reading came from: published (reconstructed, month-only) and proxy days."""
    origin = market.in_run(facts["reading_source"])
    if not (origin == "published").any():
        return ""
    days = len(origin)
    parts = [f"published on {int((origin == 'published').sum()):,} of the run's {days:,} days "
             f"({spans(origin == 'published')})"]  # fmt: skip
    for column, value, what in (
        ("reading_vintage", "reconstructed", "reconstructed (known only from a later publication)"),
        ("reading_date_precision", "month", "from a month-only date"),
    ):
        flags = market.in_run(facts[column] == value)
        if flags.any():
            parts.append(f"{what} on {int(flags.sum()):,} of them ({spans(flags)})")
    for kind in ("proxy", "none"):
        if (origin == kind).any():
            parts.append(f"{kind} on {int((origin == kind).sum()):,} days")
    return "; ".join(parts)


def _components(reading: Signal, market: Market) -> dict[str, pd.Series]:
    """The proxy's components for the outputs; a reading from a file has none."""
    if isinstance(reading, PublishedThenProxy):
        reading = reading.proxy
    if not isinstance(reading, BullBearProxy):
        return {}
    return dict(market.evaluate(reading, "components").add_prefix("component_").items())
