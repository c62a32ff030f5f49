"""The simulation: the day-by-day kernel, costs and financing, vectorbt's orders, attribution."""
