"""The presets: a commented config file per strategy and the note's own, shipped as package data."""
