"""Days, months and weeks of a moment in a district's time zone, in Python and inside SQLite.

Reports count by local day, month and week (the Monday). PostgreSQL converts in SQL with
`timezone()`; SQLite knows no time zones, so `local_text` is registered on every SQLite
connection as `rounds_local(moment, zone, part)` (server/__init__.py), and the summaries use
`local_parts` on moments read into Python: the three spellings agree.
"""
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_parts(moment: datetime, zone: str) -> tuple[str, str, str]:
    """(day, month, week's Monday) of an aware moment in `zone`, as the SQL above spells them."""
    local = moment.astimezone(_zone(zone)).date()
    return (local.isoformat(), local.isoformat()[:7], (local - timedelta(days=local.weekday())).isoformat())


def local_text(stored, zone, part):
    """`rounds_local(moment, zone, part)` for SQLite: `stored` is a UTC timestamp as SQLite keeps
    it ("2026-03-05 14:00:00.000000"); part is day, month or week. NULL in, NULL out."""
    if stored is None or zone is None:
        return None
    moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    day, month, week = local_parts(moment, zone)
    return {"day": day, "month": month, "week": week}[part]



_UTC = _zone("UTC")
