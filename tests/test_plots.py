"""Result.plot: every chart of the report on its own, checked against the run's own numbers."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from backtester import Result, SyntheticDataWarning, run
from core.errors import ConfigError
from reporting.plots import KINDS, SWITCHING_ONLY

SHORT = {"data": "demo", "start": date(2017, 1, 1), "end": date(2019, 12, 31)}


@pytest.fixture(scope="module")
def switching() -> Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticDataWarning)
        return run("hartnett_switch", **SHORT)


@pytest.fixture(scope="module")
def static() -> Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticDataWarning)
        return run("main_street", **SHORT)


@pytest.mark.parametrize("kind", [*KINDS, "exposures", "signals", "drawdowns"])
def test_every_kind_draws_a_figure(kind: str, switching: Result) -> None:
    figure = switching.plot(kind)
    assert isinstance(figure, Figure)
    assert figure.axes


def test_the_equity_chart_switches_scale(switching: Result) -> None:
    assert switching.plot("equity").axes[0].get_yscale() == "log"
    linear = switching.plot("equity", log=False).axes[0]
    assert linear.get_yscale() == "linear"
    line = linear.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), switching.equity["strategy"].to_numpy())


def test_the_excess_heatmap_holds_the_monthly_differences(switching: Result) -> None:
    image = switching.plot("monthly_excess").axes[0].get_images()[0]
    ends = switching.equity.groupby(switching.equity.index.to_period("M")).last()
    months = ends / ends.shift(1).fillna(switching.equity.iloc[0]) - 1
    excess = 100 * (months["strategy"] - months["benchmark"])
    drawn = np.asarray(image.get_array())
    first = excess.index[0]
    assert drawn[0, first.month - 1] == pytest.approx(excess.iloc[0], abs=1e-9)
    last = excess.index[-1]
    assert drawn[-1, last.month - 1] == pytest.approx(excess.iloc[-1], abs=1e-9)


def test_the_regimes_chart_gives_each_share(switching: Result) -> None:
    labels = [t.get_text() for t in switching.plot("regimes").axes[0].get_yticklabels()]
    regime = switching.signals["regime"]
    shares = {name: 100 * (regime == name).sum() / regime.notna().sum() for name in set(regime)}
    for text in labels:
        name, _, share = text.partition(" (")
        assert float(share.rstrip("%)")) == pytest.approx(shares[name], abs=0.5)


def test_a_static_strategy_has_no_regimes_and_an_unknown_kind_is_named(static: Result) -> None:
    for kind in SWITCHING_ONLY:
        with pytest.raises(ConfigError, match=f"plot\\('{kind}'\\): a static strategy"):
            static.plot(kind)
    with pytest.raises(ConfigError, match="plot\\('equty'\\): unknown kind; did you mean equity"):
        static.plot("equty")
    assert isinstance(static.plot("attribution"), Figure)
    assert pd.notna(static.metrics["strategy"]["var_95"])


def test_exposure_over_time_is_the_run_folders(switching: Result, tmp_path: Path) -> None:
    folder = switching.report(tmp_path, figures=False)
    saved = pd.read_csv(folder / "exposure.csv", index_col="date", parse_dates=True)
    pd.testing.assert_frame_equal(switching.exposure, saved, check_freq=False, rtol=1e-12)
    gross = switching.weights.abs().sum(axis=1)
    np.testing.assert_allclose(switching.exposure["gross"], gross, rtol=1e-12)
