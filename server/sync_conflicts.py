"""Conflicts kept by sync: recording them, resolving them, and showing them with their authors."""
from sqlalchemy import and_, select

from server.extensions import db
from server.models import Person, SyncChange, SyncConflict
from server.models.types import utcnow


def conflict_row(conflict_id: str, entity: str, record_id: str, observation_id: str, conflict, authors: dict) -> dict:
    """Column values for a sync.merge.Conflict; `authors` maps device id -> person id."""
    return {
        "id": conflict_id, "entity": entity, "record_id": record_id, "observation_id": observation_id,
        "field": conflict.field,
        "kept_value": conflict.kept_value, "kept_by_id": authors.get(conflict.kept.device_id),
        "kept_device_id": conflict.kept.device_id, "kept_op_id": conflict.kept.op_id, "kept_hlc": conflict.kept.hlc,
        "lost_value": conflict.lost_value, "lost_by_id": authors.get(conflict.lost.device_id),
        "lost_device_id": conflict.lost.device_id, "lost_op_id": conflict.lost.op_id, "lost_hlc": conflict.lost.hlc,
        "created_at": utcnow(),
    }


def shown(conflict: SyncConflict, names: dict) -> dict:
    def side(prefix):
        by = getattr(conflict, f"{prefix}_by_id")
        return {"value": getattr(conflict, f"{prefix}_value"), "by": by, "by_name": names.get(by),
                "device_id": getattr(conflict, f"{prefix}_device_id"), "op_id": getattr(conflict, f"{prefix}_op_id"),
                "hlc": getattr(conflict, f"{prefix}_hlc")}
    return {"id": conflict.id, "entity": conflict.entity, "record_id": conflict.record_id,
            "observation_id": conflict.observation_id, "field": conflict.field,
            "kept": side("kept"), "lost": side("lost"), "created_at": conflict.created_at.isoformat()}


def show_all(conflicts) -> list:
    ids = {c.kept_by_id for c in conflicts} | {c.lost_by_id for c in conflicts}
    rows = db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))) if ids else []
    names = {person_id: name for person_id, name in rows}
    return [shown(c, names) for c in conflicts]


def open_conflicts_by_record(changed_between: tuple[int, int]) -> dict:
    """(entity, record_id) -> [shown open conflict, ...] for the records whose change-feed
    position lies in the closed range `changed_between`. Keyed by entity too: records of two
    entities may share an id, and one must never carry the other's conflicts."""
    first, last = changed_between
    conflicts = db.session.scalars(
        select(SyncConflict)
        .join(SyncChange, and_(SyncChange.entity == SyncConflict.entity, SyncChange.record_id == SyncConflict.record_id))
        .where(SyncChange.position.between(first, last), SyncConflict.resolved_at.is_(None))
        .order_by(SyncConflict.created_at, SyncConflict.id)).all()
    grouped = {}
    for conflict, item in zip(conflicts, show_all(conflicts)):
        grouped.setdefault((conflict.entity, conflict.record_id), []).append(item)
    return grouped
