"""Turning a finished run into files under results/ and a summary on the console."""
