"""Signals: indicators, the rules that turn them into regimes, and the state --signals-now shows."""
