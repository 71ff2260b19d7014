"""The audit log for admins: the events of their scope an admin may read, newest first."""
import uuid
from datetime import timedelta

from flask import request
from sqlalchemy import String, Text, and_, cast, func, or_, select

from schemas.exports import AuditQuerySchema, audit_event_schema, audit_query_schema
from server.analytics.scope import day_start
from server.api import api
from server.auth import require_admin
from server.authz import administered_people_query
from server.extensions import db
from server.models import AuditEvent, Device, District, Person, School


@api.get("/audit")
def list_audit_events():
    """Events of the admin's scope, newest first, `limit` (1-200, default 50) at a time; pass
    `next_cursor` as `cursor` for the next page. Only the kinds an admin reads (sign-in failures,
    device revocations, roster imports, exports, settings and school changes, changes to people).
    An event is in scope when the people it is by or about are people the admin administers (a
    school admin: their school's, themselves included; throttled sign-ins by their address), or it
    is about their school; a district-wide admin also sees the actor-less events about their
    district (command-line exports). Filters: `kind` (several),
    `actor` (a person's id), `from` and `to` (days in the district's time zone). Each event names
    its subject as it is now (`subject_name`: the person, tablet, school or district) and, for a
    tablet, whose it is (`subject_owner_name`), so the list reads in words."""
    admin = require_admin()
    query = audit_query_schema.load(request.args)
    statement = (select(AuditEvent, Person.name).outerjoin(Person, Person.id == AuditEvent.actor_id)
                 .where(_visible_to(admin), AuditEvent.kind.in_(query.get("kind", AuditQuerySchema.KINDS)))
                 .order_by(AuditEvent.id.desc()).limit(query["limit"] + 1))
    if "actor" in query:
        statement = statement.where(AuditEvent.actor_id == query["actor"])
    if "from_" in query or "to" in query:
        zone = db.session.scalar(select(District.timezone).where(District.id == admin.district_id))
        if "from_" in query:
            statement = statement.where(AuditEvent.at >= day_start(query["from_"], zone))
        if "to" in query:
            statement = statement.where(AuditEvent.at < day_start(query["to"] + timedelta(days=1), zone))
    if "cursor" in query:
        statement = statement.where(AuditEvent.id < query["cursor"])
    found = db.session.execute(statement).all()
    page = found[:query["limit"]]
    names = _subject_names([event for event, _name in page])
    events = [{**audit_event_schema.dump(event), "actor_name": name,
               **names.get((event.subject_type, event.subject_id), {"subject_name": None, "subject_owner_name": None})}
              for event, name in page]
    return {"events": events, "next_cursor": page[-1][0].id if len(found) > query["limit"] else None}


def _visible_to(admin: Person):
    """The events of `admin`'s scope (see list_audit_events)."""
    people = administered_people_query(admin)
    person_ids = people.with_only_columns(Person.id)
    device_ids = select(_id_text(Device.id)).where(Device.person_id.in_(person_ids))
    visible = [
        AuditEvent.actor_id.in_(person_ids),
        AuditEvent.actor_id == admin.id,
        and_(AuditEvent.subject_type == "Person",
             AuditEvent.subject_id.in_(people.with_only_columns(_id_text(Person.id)))),
        and_(AuditEvent.subject_type == "Device", AuditEvent.subject_id.in_(device_ids)),
        and_(AuditEvent.actor_id.is_(None), AuditEvent.kind == "login_throttled",
             AuditEvent.email.in_(people.with_only_columns(Person.email))),
    ]
    if admin.school_id is None:
        visible.append(and_(AuditEvent.actor_id.is_(None), AuditEvent.subject_type == "District",
                            AuditEvent.subject_id == admin.district_id))
    else:
        visible.append(and_(AuditEvent.subject_type == "School", AuditEvent.subject_id == admin.school_id))
    return or_(*visible)


def _subject_names(events: list[AuditEvent]) -> dict:
    """{(subject_type, subject_id): {"subject_name", "subject_owner_name"}} for the people,
    tablets, schools and districts these events are about (the owner: a tablet's person)."""
    ids = {}
    for event in events:
        ids.setdefault(event.subject_type, set()).add(event.subject_id)
    names = {}
    for kind, model in (("Person", Person), ("School", School), ("District", District)):
        wanted = [_uuid(value) for value in ids.get(kind, ()) if _uuid(value)]
        for subject_id, name in db.session.execute(select(model.id, model.name).where(model.id.in_(wanted))):
            names[(kind, str(subject_id))] = {"subject_name": name, "subject_owner_name": None}
    wanted = [_uuid(value) for value in ids.get("Device", ()) if _uuid(value)]
    devices = select(Device.id, Device.name, Person.name).join(Person, Person.id == Device.person_id)
    for device_id, name, owner in db.session.execute(devices.where(Device.id.in_(wanted))):
        names[("Device", str(device_id))] = {"subject_name": name or None, "subject_owner_name": owner}
    return names


def _uuid(value: str | None) -> str | None:
    """`value` if it is a UUID in its canonical text (as subjects are written), else None."""
    try:
        return str(uuid.UUID(value)) if value and str(uuid.UUID(value)) == value else None
    except ValueError:
        return None


def _id_text(column):
    """A UUID column as the canonical text `server.audit.record` writes in `subject_id`
    (SQLite keeps a UUID as 32 hex digits)."""
    if db.engine.dialect.name == "postgresql":
        return cast(column, Text)
    parts = [func.substr(column, start, length, type_=String) for start, length in
             ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
    return parts[0] + "-" + parts[1] + "-" + parts[2] + "-" + parts[3] + "-" + parts[4]
