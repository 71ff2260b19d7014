"""Rounds capabilities: calibration (agreement between observers) and the queries behind it."""
