"""The reminder sweep of the feedback loop, and the morning digest that carries its reminders.

`sweep(now)` looks at every released feedback with something still open and writes the reminders
that are due by `now`; then, for each person with reminders not yet in a digest, whose local
morning it is, one digest notification that gathers them and is pushed. Reminders themselves are
never pushed one by one: they show in the inbox at once, and in the next morning digest.

Every notification goes through its unique key (kind, subject, recipient, ordinal) and a
reminder's key names the observation and its ordinal (1st, 2nd), never the edit that made it due,
so the sweep may run again, late or in two processes at once, and sends nothing twice. Only the
latest ordinal due is written: a sweep that did not run for days sends one reminder, not a burst.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import aliased

from server.extensions import db
from server.loop_settings import (add_school_days, clock, is_school_day, local_moment, quiet_until,
                                  school_days_before, settings_of)
from server.models import District, Feedback, Notification, Observation, Person, School, SupportCommitment
from server.models.notify import REMINDER_KINDS
from server.models.types import utcnow
from server.notify import notify

_REMINDER_KINDS = sorted(REMINDER_KINDS)


@dataclass(frozen=True)
class OpenItem:
    """What the reminder rules need of one released feedback and its commitment."""

    observation_id: str
    teacher_id: str
    observer_id: str
    released_at: datetime
    acknowledged_at: datetime | None
    due_on: date | None = None
    requested_at: datetime | None = None
    kept_at: datetime | None = None
    has_commitment: bool = False


def sweep(now_utc: datetime | None = None) -> dict:
    """Write the reminders and digests due at `now_utc` (default: now) and commit; returns how
    many of each kind were new. Running it again at the same moment writes nothing."""
    now = now_utc or utcnow()
    counts = {kind: 0 for kind in sorted(REMINDER_KINDS)} | {"digest": 0}
    for kind, subject_id, recipient_id, ordinal in sorted(_reminders_due(now)):
        if notify(kind, subject_id, recipient_id, observation_id=subject_id, ordinal=ordinal,
                  push=False, now=now):
            counts[kind] += 1
    db.session.commit()
    for person_id, zone, settings in _people_with_undigested_reminders():
        counts["digest"] += _send_digest(person_id, zone, settings, now)
        db.session.commit()
    return counts


def _reminders_due(now: datetime) -> set[tuple[str, str, str, int]]:
    """(kind, observation id, recipient, ordinal) of every reminder due at `now`."""
    due, settings_by_district = set(), {}
    for item, school, district in _open_items():
        if district.id not in settings_by_district:
            settings_by_district[district.id] = settings_of(district)
        due |= reminders_for(item, now, school.effective_timezone, settings_by_district[district.id])
    return due


def _open_items():
    """Released feedback on a submitted observation not deleted, both people active, with something open
    (not acknowledged, or a commitment not kept), with its school and district."""
    teacher, observer = aliased(Person), aliased(Person)
    query = (
        select(Observation, Feedback, SupportCommitment, School, District)
        .join(Feedback, Feedback.observation_id == Observation.id)
        .outerjoin(SupportCommitment, SupportCommitment.feedback_id == Feedback.id)
        .join(School, School.id == Observation.school_id)
        .join(District, District.id == School.district_id)
        .join(teacher, teacher.id == Observation.teacher_id)
        .join(observer, observer.id == Observation.observer_id)
        .where(Observation.status == "submitted", Observation.deleted.is_(False),
               Feedback.released.is_(True), Feedback.released_at.is_not(None),
               teacher.active.is_(True), observer.active.is_(True),
               or_(Feedback.acknowledged_at.is_(None),
                   and_(SupportCommitment.id.is_not(None), SupportCommitment.kept_at.is_(None))))
        .order_by(Observation.id)
    )
    for observation, feedback, commitment, school, district in db.session.execute(query):
        promise = {} if commitment is None else {
            "due_on": commitment.due_on, "requested_at": commitment.requested_at, "kept_at": commitment.kept_at,
            "has_commitment": True}
        yield (OpenItem(observation.id, observation.teacher_id, observation.observer_id, feedback.released_at,
                        feedback.acknowledged_at, **promise), school, district)


def reminders_for(item: OpenItem, now: datetime, zone: str, settings: dict) -> set[tuple[str, str, str, int]]:
    """The reminders of the rules due for one item at `now` (no database): for each kind, the
    latest ordinal whose moment has come, never beyond max_reminders."""
    most = settings["max_reminders"]
    due = set()

    def add(kind: str, recipient: str, moments: list[datetime]) -> None:
        ordinal = sum(moment <= now for moment in moments[:most])
        if ordinal:
            due.add((kind, item.observation_id, recipient, ordinal))

    if item.acknowledged_at is None:
        first = settings["acknowledge_after_school_days"]
        add("reminder_acknowledge", item.teacher_id,
            [add_school_days(item.released_at, first + k, zone, settings) for k in range(most)])
    if not item.has_commitment or item.kept_at is not None:
        return due
    if item.due_on is not None:
        today = now.astimezone(ZoneInfo(zone)).date()
        soon = school_days_before(item.due_on, settings["due_soon_days"], settings)
        if today < item.due_on:
            add("reminder_due", item.observer_id, [local_moment(soon, time(0), zone)])
        day_due = local_moment(item.due_on, time(0), zone)
        add("reminder_overdue", item.observer_id,
            [add_school_days(day_due, 1 + k, zone, settings) for k in range(most)])
    if item.requested_at is not None:
        first = settings["requested_after_school_days"]
        add("reminder_requested", item.observer_id,
            [add_school_days(item.requested_at, first + k, zone, settings) for k in range(most)])
    return due


def _people_with_undigested_reminders() -> list[tuple[str, str, dict]]:
    """(person id, time zone, settings) of each active person with reminders in no digest yet;
    their time is their school's, or their district's when their roles are district-wide."""
    waiting = (select(Notification.recipient_id)
               .where(Notification.kind.in_(_REMINDER_KINDS), Notification.digest_id.is_(None)))
    rows = db.session.execute(
        select(Person.id, School, District).join(District, District.id == Person.district_id)
        .outerjoin(School, School.id == Person.school_id)
        .where(Person.id.in_(waiting), Person.active.is_(True)).order_by(Person.id)).all()
    return [(person_id, school.effective_timezone if school else district.timezone, settings_of(district))
            for person_id, school, district in rows]


def digest_open(now: datetime, zone: str, settings: dict) -> bool:
    """Whether a morning digest may go out at `now`: a school day, within DIGEST_WINDOW after
    digest_at, and outside quiet hours (all in the person's local time). A reminder that falls due
    later in the day waits for the next school morning: one digest a day, in the morning. The window
    is hours wide so that a scheduler restarted mid-morning still sends the day's digests."""
    local = now.astimezone(ZoneInfo(zone))
    opens = datetime.combine(local.date(), clock(settings["digest_at"]))
    naive = local.replace(tzinfo=None)
    return (is_school_day(local.date(), settings) and opens <= naive < opens + DIGEST_WINDOW
            and quiet_until(now, zone, settings) == now)


DIGEST_WINDOW = timedelta(hours=4)


def _send_digest(person_id: str, zone: str, settings: dict, now: datetime) -> int:
    """Today's digest for `person`, gathering their reminders in no digest yet; 1 if it was made.
    A person gets one digest a local day: reminders that come later wait for the next morning."""
    if not digest_open(now, zone, settings):
        return 0
    gathered = db.session.scalars(
        select(Notification.id).where(Notification.recipient_id == person_id,
                                      Notification.kind.in_(_REMINDER_KINDS),
                                      Notification.digest_id.is_(None))).all()
    if not gathered:
        return 0
    day = now.astimezone(ZoneInfo(zone)).date().isoformat()
    digest_id = notify("digest", f"digest:{person_id}:{day}", person_id, push_after=now, push=True, now=now)
    if digest_id is None:
        return 0
    db.session.execute(update(Notification)
                       .where(Notification.id.in_(gathered), Notification.digest_id.is_(None))
                       .values(digest_id=digest_id))
    return 1


__all__ = ["OpenItem", "sweep", "reminders_for", "digest_open"]
