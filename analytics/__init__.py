"""Statistics of returns and series: metrics, relative figures, bootstrap, overfitting, events."""
