"""Strategies by name: each is one file holding a small frozen dataclass of parameters."""

from __future__ import annotations

from strategies.base import StaticStrategy, Strategy, check_weights
from strategies.call import Call
from strategies.hartnett_switch import HartnettSwitch
from strategies.main_street import MainStreet
from strategies.sixty_forty import SixtyForty

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (SixtyForty, MainStreet, HartnettSwitch, Call)
}

__all__ = [
    "STRATEGIES",
    "Call",
    "HartnettSwitch",
    "MainStreet",
    "SixtyForty",
    "StaticStrategy",
    "Strategy",
    "check_weights",
]
