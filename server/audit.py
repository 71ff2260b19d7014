"""Writing audit events. The caller's transaction carries the event, so it lands with the act."""
from flask import has_request_context, request

from server.extensions import db
from server.models import AuditEvent


def record(kind: str, actor=None, *, email: str | None = None, subject=None, **detail) -> AuditEvent:
    """Add an audit event of `kind` to the session (not committed here).

    `actor` is the acting Person or None; `subject` any model with an `id`.
    """
    event = AuditEvent(
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        email=email,
        ip=request.remote_addr if has_request_context() else None,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=str(subject.id) if subject is not None else None,
        detail=detail,
    )
    db.session.add(event)
    return event
