"""Records as sync sees them: rows of the database turned into flat wire state and back.

Wire state is what every replica stores: canonical strings for ids and times (sync.entities),
look-fors spread into "lookfors.<key>" fields (sync.merge.flatten).
"""
from datetime import date, datetime

from server.models import EvidenceNote, Feedback, Observation
from sync.entities import ENTITIES, canonical_datetime
from sync.merge import flatten, unflatten

TABLES = {"observation": Observation.__table__, "note": EvidenceNote.__table__, "feedback": Feedback.__table__}
WIRE_FIELDS = {name: tuple(entity.fields) for name, entity in ENTITIES.items()}


def to_wire_value(value):
    if isinstance(value, datetime):
        return canonical_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def wire_state(entity: str, row) -> dict:
    """The flat wire state of a database row (a mapping of column name to value)."""
    state = {name: to_wire_value(row[name]) for name in WIRE_FIELDS[entity] if name in row}
    return flatten(state) if entity == "observation" else state


def wire_document(entity: str, state: dict) -> dict:
    """Flat state -> the nested `data` object sent to devices."""
    return unflatten(state) if entity == "observation" else dict(state)


DATETIME_FIELDS = {"started_at", "ended_at", "at", "acknowledged_at"}
DATE_FIELDS = {"support_due"}


def row_values(entity: str, state: dict) -> dict:
    """Flat wire state -> column values for an insert or update: every wire field, None where
    the state has none, so that rows of one batch can be written by one executemany."""
    nested = unflatten(state) if entity == "observation" else state
    values = {name: nested.get(name) for name in WIRE_FIELDS[entity]}
    for name in DATETIME_FIELDS & values.keys():
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    for name in DATE_FIELDS & values.keys():
        if values[name] is not None:
            values[name] = date.fromisoformat(values[name])
    return values
