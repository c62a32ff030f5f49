"""Calls as files reproduce the built-in strategies exactly, on real data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import build_config
from pipeline.config_file import read_config_file
from pipeline.run import run

CALLS = Path(__file__).resolve().parents[1] / "configs" / "calls"
PRESETS = Path(__file__).resolve().parents[1] / "configs"


def _equity(strategy: str, overrides: list[str], folder: Path, **settings: object) -> pd.Series:
    config = build_config(strategy, overrides, data=f"csv:{folder}", **settings)
    return run(config).strategy.equity


def _same(call: pd.Series, builtin: pd.Series) -> None:
    assert call.index.equals(builtin.index)
    np.testing.assert_allclose(call.to_numpy(), builtin.to_numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["sixty_forty", "main_street", "hartnett_switch"])
def test_a_call_file_reproduces_its_builtin_strategy_with_the_defaults(
    name: str, shared_data: Path
) -> None:
    file = CALLS / f"{name.removesuffix('_switch')}.yaml"
    _same(
        _equity("call", [f"strategy.file={file}"], shared_data),
        _equity(name, [], shared_data),
    )


@pytest.mark.parametrize("start", [date(2025, 1, 1), None])
def test_the_notes_preset_as_a_call_reproduces_configs_hartnett(
    start: date | None, shared_data: Path
) -> None:
    name, overrides, _ = read_config_file(PRESETS / "hartnett.yaml")
    call = [f"strategy.file={CALLS / 'hartnett_note.yaml'}"]
    _same(
        _equity("call", call, shared_data, start=start),
        _equity(name, overrides, shared_data, start=start),
    )


def test_the_calls_params_move_it_as_the_builtin_keys_move_hartnett(shared_data: Path) -> None:
    changed = {"sell_above": 7, "buy_below": 3, "max_hold": 20, "min_hold": 5, "cooldown": 10}
    call = [f"strategy.file={CALLS / 'hartnett.yaml'}"]
    call += [f"strategy.params.{key}={value}" for key, value in changed.items()]
    builtin = [f"strategy.{key}={value}" for key, value in changed.items()]
    on_call = _equity("call", call, shared_data)
    _same(on_call, _equity("hartnett_switch", builtin, shared_data))
    assert not np.allclose(on_call, _equity("hartnett_switch", [], shared_data))  # it moved
