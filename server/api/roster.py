"""Roster import over HTTP (filled in by the roster work)."""
