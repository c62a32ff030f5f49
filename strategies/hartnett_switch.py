"""The call as the note makes it: switch into Main Street when the signals fire."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.ranges import Range, check_range, check_ranges
from data.market import Market, Role, Universe, check_ticker
from signals.assembly import SIGNAL_FIELDS, switch_signals
from signals.base import Signal
from signals.bull_bear import READING_SOURCES, ReadingSource
from signals.dollar_guard import GuardMode
from signals.explain import Explanation, explain_switch
from signals.readings import Vintage
from signals.state import signals_now
from signals.support import SupportBreak, support_levels
from signals.switch import Regime, SwitchMemo
from strategies.base import NUMBERS, Strategy
from strategies.main_street import MainStreet
from strategies.sixty_forty import SixtyForty

DEFAULT_SUPPORTS: dict[str, SupportBreak] = {
    "tech": SupportBreak(ticker="tech", mode="drawdown", level=0.15, window=200, confirm_days=3),
    "crypto": SupportBreak(
        ticker="crypto", mode="drawdown", level=0.30, window=200, confirm_days=3
    ),
}
"""Tech 15% and crypto 30% below their 200-day highs, each confirmed by 3 closes."""
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
        object.__setattr__(self, "supports", support_levels(self.supports, DEFAULT_SUPPORTS))
        object.__setattr__(self, "_switch_memo", SwitchMemo())  # not a field: no parameter
        self._signals(Universe())  # checks the signals' own parameters

    def with_changes(self, changes: dict[str, Any]) -> HartnettSwitch:
        """Return the switch with some parameters changed; rules or books alone cost little.

        Those parameters are checked by their ranges and ``buy_below``'s bound alone in
        `__post_init__`, so only the changed ones are checked (in its order, so the first
        refusal is its first): the signals, tickers and support levels are the ones already
        checked, and shared. Any other change builds the strategy anew.
        """
        numbers = set(map(type, changes.values())) <= NUMBERS
        if not numbers or not changes.keys() <= RULES_AND_BOOKS:
            return replace(self, **changes)
        changed = self._changed(changes)
        check_range("strategy.buy_below", changed.buy_below, Range(0.0, changed.sell_above))
        return changed

    def roles(self) -> tuple[Role, ...]:
        """Every role any regime holds."""
        return _roles(self._main_street())

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
        read once per market, so a sweep of thresholds pays only for the path; the copies of a
        sweep's combinations share the signals' arrays (`SwitchMemo`) and the books' rows.
        """
        books = tuple(getattr(self, name) for name in BOOK_FIELDS)
        rows = _book_rows(books, market.universe, tuple(columns)).copy()
        sessions = market.sessions()
        signals = functools.partial(self._signals, sessions.universe)
        codes = self._memo().regime_codes(self, signals, sessions)
        return rows, market.in_run(market.from_sessions(codes))

    def _books(self, universe: Universe) -> dict[Regime, dict[str, float]]:
        """Each regime's weights by ticker, in `signals.switch.REGIMES` order (code = place)."""
        return _regime_books(tuple(getattr(self, name) for name in BOOK_FIELDS), universe)

    def explain(self, market: Market) -> Explanation:
        """The reading, the triggers and the regime on the run's dates, and what they say now."""
        signals = self._signals(market.universe)
        return explain_switch(self, signals, market, rotates_into=self._main_street())

    def signals_now(self, market: Market) -> dict[str, Any]:
        """What the signals say at the last date of the data, and what would change the regime."""
        return signals_now(self, self._signals(market.universe), market)

    def _main_street(self) -> MainStreet:
        return _main_street(
            self.long_weight, self.small_caps_share, self.short_weight, self.tech_share
        )

    def _signals(self, universe: Universe) -> dict[str, Signal]:
        """The signals by name, on the universe's tickers (`signals.assembly.build_signals`)."""
        known = self._memo().signals
        if universe not in known:
            known[universe] = switch_signals(self, universe)
        return dict(known[universe])

    def _memo(self) -> SwitchMemo:
        """What this switch shares with its copies of other rules or books (`with_changes`)."""
        memo: SwitchMemo = self.__dict__["_switch_memo"]
        return memo


BOOK_FIELDS = (
    *("stocks_weight", "long_weight", "small_caps_share", "short_weight", "tech_share"),
    "defensive_bonds",
)
"""The parameters of the regimes' books, in `_regime_books`' order."""


@functools.lru_cache(maxsize=1024)
def _main_street(long: float, small_caps: float, short: float, tech: float) -> MainStreet:
    """The Main Street book of a switch (frozen, so one per distinct weights)."""
    return MainStreet(
        long_weight=long, small_caps_share=small_caps, short_weight=short, tech_share=tech
    )


@functools.lru_cache(maxsize=1024)
def _roles(main_street: MainStreet) -> tuple[Role, ...]:
    """Every role any regime holds, the 60/40's first."""
    return tuple(dict.fromkeys((*SixtyForty().roles(), *main_street.roles())))


def _regime_books(books: tuple[float, ...], universe: Universe) -> dict[Regime, dict[str, float]]:
    """Each regime's weights by ticker from the `BOOK_FIELDS` values."""
    stocks, long, small_caps, short, tech, defensive = books
    return {
        "neutral": SixtyForty(stocks_weight=stocks).weights_by_ticker(universe),
        "main_street": _main_street(long, small_caps, short, tech).weights_by_ticker(universe),
        "defensive": {universe.bonds: defensive},
    }


@functools.lru_cache(maxsize=1024)
def _book_rows(
    books: tuple[float, ...], universe: Universe, columns: tuple[str, ...]
) -> np.ndarray:
    """Each regime's book as a row on ``columns``: one table per distinct books (shared)."""
    regimes = _regime_books(books, universe).values()
    return np.array([[book.get(ticker, 0.0) for ticker in columns] for book in regimes])


RULES_AND_BOOKS = frozenset(HartnettSwitch.RANGES) - frozenset(SIGNAL_FIELDS)
"""The numeric parameters no signal reads: the thresholds, holds and books."""
