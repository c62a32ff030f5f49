"""The run pipeline: configuration, discovery, a run, a sweep, executors, walk-forward."""
