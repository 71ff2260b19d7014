"""The transactional outbox of the feedback loop.

Whatever makes feedback visible to its teacher, or records the teacher's acknowledgement, rating
or request for support, or the observer's kept support, calls `after_change` in the same
transaction; the notification rows (and one push delivery per subscription of the recipient) are
committed with the change or not at all. Every insert goes through the notification's unique key
(kind, subject, recipient, ordinal), so a replayed push, a second sweep or a second scheduler adds
nothing: producers need not know whether they already ran.

Support commitments are kept here too, from the synced feedback (`support_commitment`,
`support_due`, requested, kept, confirmed), so that My commitments and the reminders can query
them without reading every feedback record.
"""
import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.extensions import db
from server.loop_settings import push_time
from server.models import (Feedback, Notification, Observation, Person, PushDelivery, PushSubscription,
                           School, SupportCommitment)
from server.models.notify import REMINDER_KINDS
from server.models.types import utcnow

# (kind, feedback column that, once set, produces it, who receives it)
FEEDBACK_EVENTS = (
    ("feedback_acknowledged", "acknowledged_at", "observer"),
    ("feedback_rated", "usefulness", "observer"),
    ("support_requested", "support_requested_at", "observer"),
    ("support_kept", "support_kept_at", "teacher"),
    ("support_confirmed", "support_confirmed", "observer"),
)


def notify(kind: str, subject_id: str, recipient_id: str, *, observation_id: str | None = None,
           actor_id: str | None = None, ordinal: int = 0, push_after=None, push: bool = True,
           digest_id: str | None = None, now=None) -> str | None:
    """Insert one notification unless its key exists; returns the new id, or None if it did.
    A new one is pushed (`push`) to each of the recipient's subscriptions at `push_after`, unless
    the recipient turned that kind off; reminders are not pushed one by one (the digest is)."""
    now = now or utcnow()
    new_id = str(uuid.uuid4())
    values = {"id": new_id, "kind": kind, "subject_id": subject_id, "recipient_id": recipient_id,
              "ordinal": ordinal, "observation_id": observation_id, "actor_id": actor_id,
              "created_at": now, "push_after": push_after or now, "digest_id": digest_id}
    dialect = db.session.connection().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Notification).values(values).on_conflict_do_nothing(
        index_elements=["kind", "subject_id", "recipient_id", "ordinal"]).returning(Notification.id)
    inserted = db.session.execute(statement).scalar_one_or_none()
    if inserted is None:
        return None
    if push and kind not in REMINDER_KINDS:
        _deliveries(inserted, recipient_id, kind, values["push_after"], now)
    return inserted


def _deliveries(notification_id: str, recipient_id: str, kind: str, due, now) -> None:
    recipient = db.session.get(Person, recipient_id)
    if recipient is None or not recipient.active or kind in (recipient.push_off or []):
        return
    subscriptions = db.session.scalars(select(PushSubscription.id).where(PushSubscription.person_id == recipient_id))
    rows = [{"notification_id": notification_id, "subscription_id": sid, "state": "pending", "attempts": 0,
             "next_attempt_at": due, "created_at": now} for sid in subscriptions]
    if rows:
        db.session.execute(PushDelivery.__table__.insert(), rows)


def after_change(observation_ids, now=None) -> None:
    """Notifications and commitments implied by the current state of these observations' feedback;
    call it after the change is flushed, in the change's transaction."""
    ids = set(observation_ids)
    if not ids:
        return
    now = now or utcnow()
    rows = db.session.execute(
        select(Observation, Feedback, School).join(Feedback, Feedback.observation_id == Observation.id)
        .join(School, School.id == Observation.school_id).where(Observation.id.in_(ids))
        # Sync writes rows with Core statements: never trust objects the session saw before.
        .execution_options(populate_existing=True)).all()
    commitments = {c.feedback_id: c for c in db.session.scalars(select(SupportCommitment).where(
        SupportCommitment.feedback_id.in_([feedback.id for _o, feedback, _s in rows])))} if rows else {}
    for observation, feedback, school in rows:
        visible = observation.status == "submitted" and not observation.deleted and feedback.released
        _keep_commitment(observation, feedback, visible, commitments.get(feedback.id))
        if not visible:
            continue
        when = push_time(now, school)
        people = {"teacher": observation.teacher_id, "observer": observation.observer_id}
        notify("feedback_released", observation.id, observation.teacher_id, observation_id=observation.id,
               actor_id=observation.observer_id, push_after=when, now=now)
        for kind, column, recipient in FEEDBACK_EVENTS:
            if getattr(feedback, column) is not None:
                actor = people["observer" if recipient == "teacher" else "teacher"]
                notify(kind, observation.id, people[recipient], observation_id=observation.id, actor_id=actor,
                       push_after=when, now=now)


def _keep_commitment(observation: Observation, feedback: Feedback, visible: bool, existing) -> None:
    """The commitment row follows the feedback: there while the teacher can see a promise."""
    promised = visible and bool((feedback.support_commitment or "").strip())
    if not promised:
        if existing is not None:
            db.session.execute(delete(SupportCommitment).where(SupportCommitment.id == existing.id))
        return
    if existing is None:
        existing = SupportCommitment(id=str(uuid.uuid4()), feedback_id=feedback.id)
        db.session.add(existing)
    existing.observer_id, existing.teacher_id = observation.observer_id, observation.teacher_id
    existing.description = feedback.support_commitment.strip()
    existing.due_on = feedback.support_due
    existing.requested_at = feedback.support_requested_at
    existing.kept_at = feedback.support_kept_at
    existing.kept_note = feedback.support_kept_note or ""
    existing.confirmed = feedback.support_confirmed
