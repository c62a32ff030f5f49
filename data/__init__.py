"""Price data: sources (CSV folder, synthetic demo), validation and alignment into a Market."""

from data.market import Market, MarketRequest, Universe
from data.sources import load_market, load_shared

__all__ = ["Market", "MarketRequest", "Universe", "load_market", "load_shared"]
