"""A synthetic demo market, calibrated to yearly figures of real history, for running offline.

This market is synthetic: every daily price is made up. It is calibrated only to yearly figures
of real history (the tables in ``data/calibration/``: each calibrated ticker's calendar-year total
return and volatility, and the 2015-2025 weekly correlation matrix), so each year tells the broad
story of that year (2008 a crash, 2020 a volatile gain, 2022 stocks and bonds down together) while
the path inside a year is a random draw with a constant drift: episodes within a year (the fall of
March 2020) are not there. Every output built from it is labelled synthetic.

Recipe: standard normal shocks for the 12 calibrated tickers are drawn jointly on calendar days with
the correlation table (Cholesky factor; the table is positive definite) and summed over weekends
for tickers trading on business days, so they are correlated over any horizon, crypto included.
Each ticker's shocks are standardised within each calendar year, scaled to the year's daily
volatility and shifted by the constant drift that makes the year's log return
``log(1 + table return)``.

Accuracy (pinned by ``tests/test_demo.py``): calendar-year returns match the table to 1e-9 and
calendar-year volatilities of daily simple returns (x sqrt(252), crypto x sqrt(365)) to 1e-6
relative, both being solved for year by year; weekly correlations over 2015-2025 are within 0.1 of
the table (sampling noise).

Other tickers follow a calibrated one (``_PROXIES``) or are levels derived from one (^VIX, ^TNX,
DX-Y.NYB, see ``_levels``). Each path is scaled to end near the real close of 2025-12-31.

Timing: business days (``pd.bdate_range``, no exchange holidays) up to 2025-12-31, every calendar
day for crypto; a calibrated ticker starts on the last trading day of the year before its first
calibrated year, the level series at the end of 1994.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError

CALIBRATION = Path(__file__).parent / "calibration"
END = pd.Timestamp("2025-12-31")
SEED = 20_260_101
CRYPTO = frozenset({"BTC-USD", "ETH-USD"})

# Real closes of 2025-12-31, roughly: the paths end there so that price thresholds such as the
# note's support levels (XLK $133, bitcoin $58,000, gold $4,550) are in a plausible range.
_LAST_CLOSE: dict[str, float] = {
    "SPY": 680.0,
    "VTI": 335.0,
    "IWM": 245.0,
    "IJR": 118.0,
    "EFA": 95.0,
    "VEU": 73.0,
    "EEM": 53.0,
    "EWY": 90.0,
    "XLK": 144.0,
    "QQQ": 615.0,
    "SMH": 350.0,
    "BTC-USD": 87_500.0,
    "ETH-USD": 2_970.0,
    "AGG": 100.0,
    "BND": 74.0,
    "IEF": 96.0,
    "TLT": 87.0,
    "HYG": 80.0,
    "GLD": 396.0,
    "GC=F": 4_340.0,
    "UUP": 27.0,
}
# The level series (indexes, not prices) come last, as in the first demo.
TICKERS = (*_LAST_CLOSE, "DX-Y.NYB", "^VIX", "^TNX")


@dataclass(frozen=True)
class _Proxy:
    """A ticker following a calibrated ``source``: the same yearly drift, partly its own noise.

    Daily log return = the source's drift + ``vol_ratio`` x the source's daily volatility x
    (``correlation`` x the source's shock + sqrt(1 - ``correlation``**2) x an own shock), so it
    keeps the source's yearly story with more (or less) volatility and some tracking error.
    """

    source: str
    correlation: float
    vol_ratio: float
    start: str | None = None  # a first date later than the source's


_PROXIES: dict[str, _Proxy] = {
    "VTI": _Proxy("SPY", 0.99, 1.02),  # US total market ~ S&P 500
    "IJR": _Proxy("IWM", 0.95, 0.97),  # S&P 600 small caps ~ Russell 2000
    "VEU": _Proxy("EFA", 0.97, 1.03),  # all-world ex-US ~ developed ex-US
    "EEM": _Proxy("EFA", 0.80, 1.30),  # emerging markets: developed ex-US, more volatile
    "EWY": _Proxy("EFA", 0.65, 1.60),  # South Korea: developed ex-US, much more volatile
    "SMH": _Proxy("XLK", 0.85, 1.45),  # semiconductors: US tech, more volatile
    "ETH-USD": _Proxy("BTC-USD", 0.80, 1.25, start="2015-12-31"),  # first full year 2016
    "BND": _Proxy("AGG", 0.97, 1.05),  # US aggregate bonds, another fund
    "GC=F": _Proxy("GLD", 0.98, 1.00),  # gold in dollars an ounce (GLD holds ~1/10 oz a share)
}

# Levels mean-revert with this half-life so they follow their driver day to day yet stay in their
# historical range over decades.
_HALF_LIFE_DAYS = 3 * 252
_TEN_YEAR_DURATION = 8.0  # IEF's duration, roughly: a 1% fall in price is a 1/8 point rise in yield


def demo_tickers() -> tuple[str, ...]:
    """Return every ticker the demo market can supply."""
    return TICKERS


def demo_prices(tickers: list[str]) -> dict[str, pd.Series]:
    """Return synthetic daily closes for ``tickers``, each the same whatever else is asked for.

    Timing: business days to 2025-12-31 (every day for BTC-USD and ETH-USD), from each ticker's
    own start; see the module docstring.
    """
    unknown = sorted(set(tickers) - set(TICKERS))
    if unknown:
        raise DataError(
            f"the demo market has no ticker {', '.join(unknown)}; it has {', '.join(TICKERS)}. "
            "Use --data csv:DIR for other tickers"
        )
    market = _market()
    # Copies, so a caller editing a series cannot change the cached market.
    return {ticker: market[ticker].copy() for ticker in tickers}


@functools.lru_cache(maxsize=1)
def _market() -> dict[str, pd.Series]:
    """Generate every ticker once, in a fixed order from one seed: no path depends on a request."""
    returns, vols, correlation = _tables()
    rng = np.random.default_rng(SEED)
    shocks = _shocks(correlation, int(returns.index[0]), rng)
    fits = {
        ticker: _calibrate(shocks[ticker], returns[ticker], vols[ticker], _periods(ticker))
        for ticker in correlation.columns
    }
    market = {
        ticker: _prices(_log_returns(fit), _start(returns[ticker].first_valid_index(), ticker))
        for ticker, fit in fits.items()
    }
    for ticker, proxy in _PROXIES.items():
        fit = fits[proxy.source]
        own = rng.standard_normal(len(fit))
        mixed = proxy.correlation * fit["z"] + np.sqrt(1.0 - proxy.correlation**2) * own
        log_returns = fit["drift"] + proxy.vol_ratio * fit["scale"] * mixed
        start = pd.Timestamp(proxy.start) if proxy.start else market[proxy.source].index[0]
        market[ticker] = _prices(log_returns, start)
    market = {ticker: path * _LAST_CLOSE[ticker] for ticker, path in market.items()}
    market |= _levels({ticker: _log_returns(fit) for ticker, fit in fits.items()})
    return {ticker: market[ticker].rename(ticker) for ticker in TICKERS}


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read the yearly returns, yearly volatilities and weekly correlations (tickers as columns)."""
    returns = pd.read_csv(CALIBRATION / "calendar_year_returns.csv", index_col="year")
    vols = pd.read_csv(CALIBRATION / "calendar_year_volatility.csv", index_col="year")
    correlation = pd.read_csv(CALIBRATION / "weekly_return_correlation_2015_2025.csv", index_col=0)
    return returns, vols, correlation.loc[returns.columns, returns.columns]


def _periods(ticker: str) -> int:
    """Trading days a year, as the volatility table annualises: 365 for crypto, else 252."""
    return 365 if ticker in CRYPTO else 252


def _start(first_year: int, ticker: str) -> pd.Timestamp:
    """The last trading day before ``first_year``, so that year's return is defined."""
    new_year_eve = pd.Timestamp(f"{first_year - 1}-12-31")
    return new_year_eve if ticker in CRYPTO else pd.offsets.BDay().rollback(new_year_eve)


def _shocks(
    correlation: pd.DataFrame, first_year: int, rng: np.random.Generator
) -> dict[str, pd.Series]:
    """Draw correlated unit shocks for each calibrated ticker on its own calendar.

    Timing: crypto gets one shock a calendar day from ``first_year`` on; a business day's shock is
    the sum of the calendar days' since the previous business day (weekend news lands on Monday),
    divided by the root of their count, so every pair stays correlated over any horizon.
    """
    origin = _start(first_year, "SPY")
    days = pd.date_range(origin + pd.Timedelta(days=1), END)
    factor = np.linalg.cholesky(correlation.to_numpy())
    daily = pd.DataFrame(
        rng.standard_normal((len(days), len(correlation))) @ factor.T,
        index=days,
        columns=correlation.columns,
    )
    business_days = pd.bdate_range(origin, END)
    summed = pd.concat([pd.DataFrame(0.0, index=[origin], columns=daily.columns), daily.cumsum()])
    gaps = np.sqrt((business_days[1:] - business_days[:-1]).days.to_numpy())
    business = summed.loc[business_days].diff().iloc[1:].div(gaps, axis=0)
    return {ticker: (daily if ticker in CRYPTO else business)[ticker] for ticker in daily}


def _calibrate(raw: pd.Series, total: pd.Series, vol: pd.Series, periods: int) -> pd.DataFrame:
    """Fit each calendar year of ``raw`` shocks to the year's return and volatility.

    Returns columns ``z`` (shocks standardised within each year), ``drift`` and ``scale`` (per day)
    with daily log return = drift + scale x z. The drift fixes the year's log return exactly; the
    scale is refined a few times so the volatility of daily *simple* returns, not log returns,
    matches the table. A year without figures (before the ticker existed; used only by the level
    series) gets no drift and the ticker's median volatility.
    """
    years = raw.index.year.to_numpy()
    z, drift, scale = (np.zeros(len(raw)) for _ in range(3))
    for year in np.unique(years):
        days = years == year
        shocks = raw.to_numpy()[days]
        shocks = (shocks - shocks.mean()) / shocks.std(ddof=1)
        target = vol.get(year, np.nan)
        target = vol.median() if np.isnan(target) else target
        growth = total.get(year, np.nan)
        mean = 0.0 if np.isnan(growth) else np.log1p(growth) / days.sum()
        daily_vol = target / np.sqrt(periods)
        for _ in range(4):
            realised = np.expm1(mean + daily_vol * shocks).std(ddof=1) * np.sqrt(periods)
            daily_vol *= target / realised
        z[days], drift[days], scale[days] = shocks, mean, daily_vol
    return pd.DataFrame({"z": z, "drift": drift, "scale": scale}, index=raw.index)


def _log_returns(fit: pd.DataFrame) -> pd.Series:
    """Daily log returns of a fitted ticker."""
    return fit["drift"] + fit["scale"] * fit["z"]


def _prices(log_returns: pd.Series, start: pd.Timestamp) -> pd.Series:
    """Compound ``log_returns`` after ``start`` into a path that ends at 1.0."""
    path = pd.concat([pd.Series([0.0], index=[start]), log_returns[log_returns.index > start]])
    levels = path.cumsum()
    return np.exp(levels - levels.iloc[-1])


def _levels(log_returns: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """Derive the level series (indexes, not prices) from calibrated tickers, from 1995 on.

    - DX-Y.NYB: the dollar index near 100, moving with UUP's demeaned daily returns (before UUP
      existed in 2008, with a driftless UUP at its median volatility).
    - ^TNX: the 10-year yield in percent, kept between 2 and 7 by a logistic map, rising when IEF
      falls (by 1/8 point per 1% fall near 4.5%); before 2003 IEF is driftless as above.
    - ^VIX: a volatility level from SPY's recent returns (see ``_vix``).
    """
    start = _start(1995, "SPY")
    dollar = _mean_reverting(log_returns["UUP"], start)
    ief = log_returns["IEF"]
    # The logistic's slope at its middle is (7 - 2) / 4 points per unit of its argument.
    argument = _mean_reverting(-ief * 100.0 / (_TEN_YEAR_DURATION * 1.25), start)
    return {
        "DX-Y.NYB": 100.0 * np.exp(dollar),
        "^TNX": 2.0 + 5.0 / (1.0 + np.exp(-argument)),
        "^VIX": _vix(log_returns["SPY"]).loc[start:],
    }


def _mean_reverting(driver: pd.Series, start: pd.Timestamp) -> pd.Series:
    """Accumulate ``driver`` minus its mean from 0 at ``start``, pulled back to 0 over time.

    x[t] = (1 - a) x[t-1] + u[t] with a from ``_HALF_LIFE_DAYS``, written as an exponential mean.
    """
    after = driver[driver.index > start]
    steps = pd.concat([pd.Series([0.0], index=[start]), after - after.mean()])
    alpha = 1.0 - 0.5 ** (1.0 / _HALF_LIFE_DAYS)
    return steps.ewm(alpha=alpha, adjust=False).mean() / alpha


def _vix(spy: pd.Series) -> pd.Series:
    """A VIX-like level from SPY's daily log returns: high when SPY swings, higher when it falls.

    An exponentially weighted variance (half-life 10 days) in which falls weigh 1.6 and rises 0.4,
    annualised in percent, mapped as 6 + 0.8 x that (the real index sits a few points above
    realised volatility in calm years and below it in crashes), clipped to 10-80 (about the range
    the real index has spanned).
    """
    weights = np.where(spy < 0.0, 1.6, 0.4)
    variance = (weights * spy**2).ewm(halflife=10).mean()
    return (6.0 + 80.0 * np.sqrt(252.0 * variance)).clip(10.0, 80.0)
