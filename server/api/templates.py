"""Look-for templates over HTTP (filled in by the templates work)."""
