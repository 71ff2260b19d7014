"""Records as sync sees them: rows of the database turned into wire values and back.

Wire values are what every replica stores: canonical strings for ids and times (sync.entities).
The merge works on flat state, with look-fors spread into "lookfors.<key>" fields
(sync.merge.flatten); documents sent to devices are nested.
"""
from datetime import date, datetime

from server.models import EvidenceNote, Feedback, Observation
from sync.entities import ENTITIES, canonical_datetime
from sync.merge import flatten, unflatten

TABLES = {"observation": Observation.__table__, "note": EvidenceNote.__table__, "feedback": Feedback.__table__}
WIRE_FIELDS = {name: tuple(entity.fields) for name, entity in ENTITIES.items()}
DATETIME_FIELDS = {"started_at", "ended_at", "at", "acknowledged_at", "read_at", "support_requested_at",
                   "support_kept_at"}
DATE_FIELDS = {"support_due"}
_TIMES = {entity: ([n for n in fields if n in DATETIME_FIELDS], [n for n in fields if n in DATE_FIELDS])
          for entity, fields in WIRE_FIELDS.items()}


def wire_document(entity: str, row) -> dict:
    """The nested wire values of a database row (a mapping with every wire column)."""
    values = {name: row[name] for name in WIRE_FIELDS[entity]}
    datetimes, dates = _TIMES[entity]
    for name in datetimes:
        if values[name] is not None:
            values[name] = canonical_datetime(values[name])
    for name in dates:
        if values[name] is not None:
            values[name] = values[name].isoformat()
    return values


def wire_state(entity: str, row) -> dict:
    """The flat wire state of a database row, as the merge works on it."""
    values = wire_document(entity, row)
    return flatten(values) if entity == "observation" else values


def row_values(entity: str, state: dict) -> dict:
    """Flat wire state -> column values for an insert or update: every wire field, None where
    the state has none, so that rows of one batch can be written together."""
    nested = unflatten(state) if entity == "observation" else state
    values = {name: nested.get(name) for name in WIRE_FIELDS[entity]}
    for name in DATETIME_FIELDS & values.keys():
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    for name in DATE_FIELDS & values.keys():
        if values[name] is not None:
            values[name] = date.fromisoformat(values[name])
    return values
