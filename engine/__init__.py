"""Simulation, metrics and the run pipeline; the only package that imports vectorbt."""
