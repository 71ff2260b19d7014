"""The in-app inbox: every notification of the caller, pushed or not, in words.

Only notifications about walkthroughs the caller may still read are listed (a walkthrough deleted
or withdrawn since takes its notifications with it). The words name people and the lesson, which
the signed-in inbox may show; push payloads never do (server.push_delivery).
"""
from sqlalchemy import func, or_, select, update

from schemas.push import read_marks_schema
from server.api import api
from server.auth import require_person
from server.authz import observation_read_rules
from server.bodies import json_body
from server.extensions import db
from server.models import Notification, Observation, Person
from server.models.types import utcnow

INBOX_SIZE = 200


def _visible(person):
    readable, _held = observation_read_rules(person)
    return (select(Notification, Observation).outerjoin(Observation, Observation.id == Notification.observation_id)
            .where(Notification.recipient_id == person.id,
                   or_(Notification.observation_id.is_(None), readable)))


@api.get("/inbox")
def inbox():
    person = require_person()
    rows = db.session.execute(_visible(person).order_by(Notification.created_at.desc(), Notification.id)
                              .limit(INBOX_SIZE)).all()
    names = _names({n.actor_id for n, _o in rows} | {o.teacher_id for _n, o in rows if o}
                   | {o.observer_id for _n, o in rows if o})
    digests = _digest_sizes([n.id for n, _o in rows if n.kind == "digest"])
    items = [{"id": n.id, "kind": n.kind, "observation_id": n.observation_id,
              "text": describe(n, o, names, digests.get(n.id, 0)), "created_at": n.created_at.isoformat(),
              "read_at": n.read_at.isoformat() if n.read_at else None} for n, o in rows]
    return {"items": items, "unread": _unread(person)}


@api.post("/inbox/read")
def mark_read():
    """Marks the caller's own notifications read (others' ids are ignored, as unknown ones)."""
    person = require_person()
    data = json_body(read_marks_schema)
    if data["ids"]:
        db.session.execute(update(Notification).where(
            Notification.id.in_(data["ids"]), Notification.recipient_id == person.id,
            Notification.read_at.is_(None)).values(read_at=utcnow()))
        db.session.commit()
    return {"unread": _unread(person)}


def _unread(person) -> int:
    query = _visible(person).where(Notification.read_at.is_(None)).with_only_columns(func.count())
    return db.session.scalar(query.order_by(None))


def _names(ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def _digest_sizes(ids) -> dict:
    if not ids:
        return {}
    return dict(db.session.execute(select(Notification.digest_id, func.count()).where(
        Notification.digest_id.in_(ids)).group_by(Notification.digest_id)).all())


def lesson(observation) -> str:
    """'Grade 3 math lesson', or the date when grade and subject are not known."""
    grade = (observation.grade or "").strip()
    subject = (observation.subject or "").strip()
    if grade and subject:
        grade = grade if grade.lower().startswith(("grade", "kinder", "pre")) else f"Grade {grade}"
        return f"{grade} {subject.lower()} lesson"
    if subject:
        return f"{subject.lower()} lesson"
    when = observation.started_at or observation.created_at
    return f"lesson of {when:%B} {when.day}"


def describe(notification, observation, names: dict, digest_size: int = 0) -> str:
    kind = notification.kind
    if kind == "digest":
        return f"You have {digest_size} Rounds reminder{'s' if digest_size != 1 else ''} today."
    actor = names.get(notification.actor_id, "Someone")
    teacher = names.get(observation.teacher_id, "the teacher") if observation else "the teacher"
    observer = names.get(observation.observer_id, "your observer") if observation else "your observer"
    what = lesson(observation) if observation else "lesson"
    words = {
        "feedback_released": f"New feedback from {actor} on your {what}",
        "feedback_acknowledged": f"{actor} acknowledged your feedback on their {what}",
        "feedback_rated": f"{actor} rated how useful your feedback on their {what} was",
        "support_requested": f"{actor} asked for the support you offered after their {what}",
        "support_kept": f"{actor} marked the support they offered as kept. Did it happen?",
        "support_confirmed": f"{actor} answered whether the support you offered happened",
        "reminder_acknowledge": f"Reminder: feedback from {observer} on your {what} is waiting for you",
        "reminder_due": f"Reminder: the support you offered {teacher} is due tomorrow",
        "reminder_overdue": f"The support you offered {teacher} is overdue",
        "reminder_requested": f"Reminder: {teacher} asked for the support you offered; it is not marked kept yet",
    }
    return words.get(kind, "Something new in Rounds")
