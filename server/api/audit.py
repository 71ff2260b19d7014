"""The audit log for admins: events of the people they administer, newest first."""
from flask import request
from sqlalchemy import and_, or_, select

from schemas.exports import audit_event_schema, audit_query_schema
from server.api import api
from server.auth import require_person
from server.authz import administered_people_query
from server.errors import not_found
from server.extensions import db
from server.models import AuditEvent, Person


@api.get("/audit")
def list_audit_events():
    """Events whose actor the admin administers, newest first, `limit` (1-200, default 50) at a
    time; pass `next_cursor` as `cursor` for the next page. A district-wide admin also sees the
    actor-less events about their district (exports from the command line). `kind` picks one kind."""
    admin = require_person()
    if not admin.has_role("admin"):
        raise not_found("That page")
    query = audit_query_schema.load(request.args)
    actors = administered_people_query(admin).with_only_columns(Person.id)
    visible = AuditEvent.actor_id.in_(actors)
    if admin.school_id is None:
        visible = or_(visible, and_(AuditEvent.actor_id.is_(None), AuditEvent.subject_type == "District",
                                    AuditEvent.subject_id == admin.district_id))
    statement = (select(AuditEvent, Person.name).outerjoin(Person, Person.id == AuditEvent.actor_id)
                 .where(visible).order_by(AuditEvent.id.desc()).limit(query["limit"] + 1))
    if "kind" in query:
        statement = statement.where(AuditEvent.kind == query["kind"])
    if "cursor" in query:
        statement = statement.where(AuditEvent.id < query["cursor"])
    found = db.session.execute(statement).all()
    page = found[:query["limit"]]
    events = [{**audit_event_schema.dump(event), "actor_name": name} for event, name in page]
    return {"events": events, "next_cursor": page[-1][0].id if len(found) > query["limit"] else None}
