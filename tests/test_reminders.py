"""The reminder sweep and the morning digest, on a controlled clock.

The week of 2026-10-26 (Mon) in New York, whose clocks fall back on Sunday 2026-11-01: EDT is
UTC-4 until then, EST UTC-5 after. Times are given in UTC and commented in local time.
"""
import threading
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Device, Feedback, Notification, Observation, PushDelivery, PushSubscription, SupportCommitment
from server.reminders import sweep

NEW_YORK, AUCKLAND = "America/New_York", "Pacific/Auckland"
WED_1400 = datetime(2026, 10, 28, 18, 0, tzinfo=timezone.utc)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def world(make):
    school = make.school(make.district(timezone=NEW_YORK))
    return {"school": school, "teacher": make.person("teacher", school=school),
            "observer": make.person("observer", school=school)}


def released_feedback(world, released_at=WED_1400, *, acknowledged_at=None, promise=None, due_on=None,
                      requested_at=None, kept_at=None, status="submitted", deleted=False) -> str:
    """A walkthrough with feedback released at `released_at`, and a support commitment when
    `promise` is given (the feedback's fields and their mirror); returns the observation's id."""
    observation = Observation(id=str(uuid.uuid4()), school_id=world["school"].id, teacher_id=world["teacher"].id,
                              observer_id=world["observer"].id, started_at=released_at - timedelta(hours=2),
                              status=status, deleted=deleted)
    feedback = Feedback(id=str(uuid.uuid4()), observation_id=observation.id, glow="Clear target", released=True,
                        released_at=released_at, acknowledged_at=acknowledged_at,
                        support_commitment=promise or "", support_due=due_on,
                        support_requested_at=requested_at, support_kept_at=kept_at)
    db.session.add_all([observation, feedback])
    if promise:
        db.session.add(SupportCommitment(id=str(uuid.uuid4()), feedback_id=feedback.id,
                                         observer_id=world["observer"].id, teacher_id=world["teacher"].id,
                                         description=promise, due_on=due_on, requested_at=requested_at,
                                         kept_at=kept_at))
    db.session.commit()
    return observation.id


def reminders(kind=None, recipient=None) -> list[tuple[str, str, int]]:
    """(kind, subject, ordinal) of the reminders written, in order."""
    query = select(Notification.kind, Notification.subject_id, Notification.ordinal).where(
        Notification.kind.like("reminder_%"))
    if kind:
        query = query.where(Notification.kind == kind)
    if recipient:
        query = query.where(Notification.recipient_id == recipient.id)
    return sorted(tuple(row) for row in db.session.execute(query))


def digests(person=None) -> list[Notification]:
    query = select(Notification).where(Notification.kind == "digest").order_by(Notification.subject_id)
    if person:
        query = query.where(Notification.recipient_id == person.id)
    return list(db.session.scalars(query))


def every_hour(start: datetime, end: datetime):
    moment = start
    while moment <= end:
        yield moment
        moment += timedelta(hours=1)


def test_unacknowledged_feedback_reminds_the_teacher_after_two_school_days_then_one_more(world):
    observation_id = released_feedback(world)  # Wed 14:00 EDT
    assert sweep(utc(2026, 10, 30, 17, 59))["reminder_acknowledge"] == 0  # Fri 13:59 EDT
    assert sweep(utc(2026, 10, 30, 18, 0))["reminder_acknowledge"] == 1   # Fri 14:00 EDT
    assert reminders(recipient=world["teacher"]) == [("reminder_acknowledge", observation_id, 1)]
    # One school day later is Monday 14:00, which is EST after the weekend: 19:00 UTC, not 18:00.
    assert sweep(utc(2026, 11, 2, 18, 30))["reminder_acknowledge"] == 0
    assert sweep(utc(2026, 11, 2, 19, 0))["reminder_acknowledge"] == 1
    assert sweep(utc(2026, 11, 9, 19, 0))["reminder_acknowledge"] == 0
    assert [ordinal for _kind, _subject, ordinal in reminders()] == [1, 2]


def test_acknowledged_feedback_is_not_reminded(world):
    released_feedback(world, acknowledged_at=WED_1400 + timedelta(hours=3))
    assert sweep(utc(2026, 11, 9, 19, 0))["reminder_acknowledge"] == 0


@pytest.mark.parametrize("state", [{"status": "draft"}, {"deleted": True}])
def test_walkthroughs_back_in_draft_or_deleted_are_not_reminded(world, state):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 29), requested_at=WED_1400, **state)
    assert sum(sweep(utc(2026, 11, 9, 19, 0)).values()) == 0


def test_people_no_longer_active_are_not_reminded(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 29))
    world["teacher"].active = False
    db.session.commit()
    assert sum(sweep(utc(2026, 11, 9, 19, 0)).values()) == 0


def test_ordinals_never_exceed_the_districts_maximum(world):
    world["school"].district.settings = {"max_reminders": 3}
    db.session.commit()
    released_feedback(world, promise="Model a number talk", due_on=date(2026, 10, 29),
                      requested_at=utc(2026, 10, 28, 20, 0))
    for moment in every_hour(WED_1400, WED_1400 + timedelta(days=21)):
        sweep(moment)
    ordinals = {}
    for kind, _subject, ordinal in reminders():
        ordinals.setdefault(kind, []).append(ordinal)
    assert ordinals == {"reminder_acknowledge": [1, 2, 3], "reminder_due": [1], "reminder_overdue": [1, 2, 3],
                        "reminder_requested": [1, 2, 3]}


def test_no_reminders_at_all_when_the_maximum_is_zero(world):
    world["school"].district.settings = {"max_reminders": 0}
    db.session.commit()
    released_feedback(world, promise="Co-plan", due_on=date(2026, 11, 3), requested_at=WED_1400)
    for moment in every_hour(WED_1400, WED_1400 + timedelta(days=14)):
        sweep(moment)
    assert reminders() == []


def test_a_second_sweep_at_the_same_moment_writes_nothing(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 29), requested_at=WED_1400)
    monday_0800 = utc(2026, 11, 2, 13, 0)
    first = sweep(monday_0800)
    assert first["reminder_acknowledge"] == first["reminder_overdue"] == first["reminder_requested"] == 1
    assert first["digest"] == 2
    total = db.session.scalar(select(func.count()).select_from(Notification))
    assert sum(sweep(monday_0800).values()) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == total


def test_a_commitment_due_tomorrow_reminds_the_observer_once(world):
    observation_id = released_feedback(world, promise="Co-plan the launch", due_on=date(2026, 10, 30))
    assert sweep(utc(2026, 10, 29, 3, 59))["reminder_due"] == 0  # Wed 23:59 EDT
    assert sweep(utc(2026, 10, 29, 4, 0))["reminder_due"] == 1   # Thu 00:00 EDT, due tomorrow
    assert sweep(utc(2026, 10, 29, 20, 0))["reminder_due"] == 0
    assert reminders("reminder_due", world["observer"]) == [("reminder_due", observation_id, 1)]


def test_a_commitment_due_on_monday_is_due_tomorrow_on_friday(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 11, 2))
    assert sweep(utc(2026, 10, 30, 4, 0))["reminder_due"] == 1  # Fri 00:00 EDT


def test_editing_a_commitment_after_its_reminder_sends_no_second_one(world):
    observation_id = released_feedback(world, promise="Co-plan the launch", due_on=date(2026, 10, 30),
                                       requested_at=WED_1400)
    assert sweep(utc(2026, 10, 29, 12, 0))["reminder_due"] == 1
    feedback = db.session.scalar(select(Feedback).where(Feedback.observation_id == observation_id))
    feedback.support_commitment, feedback.support_due = "Co-plan and co-teach the launch", date(2026, 10, 31)
    feedback.commitment.description, feedback.commitment.due_on = feedback.support_commitment, date(2026, 10, 31)
    db.session.commit()
    assert sweep(utc(2026, 10, 30, 12, 0))["reminder_due"] == 0
    assert sweep(utc(2026, 11, 2, 15, 0))["reminder_requested"] == 1  # Mon 10:00 EST, 2 school days on
    feedback.commitment.due_on = feedback.support_due = date(2026, 11, 6)
    db.session.commit()
    assert sum(sweep(utc(2026, 11, 2, 16, 0)).values()) == 0
    assert reminders("reminder_due") == [("reminder_due", observation_id, 1)]
    assert reminders("reminder_requested") == [("reminder_requested", observation_id, 1)]


def test_an_overdue_commitment_reminds_on_the_next_two_school_days_then_only_shows_as_overdue(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 30))  # due Friday
    assert sweep(utc(2026, 10, 31, 16, 0))["reminder_overdue"] == 0  # Sat: no school day yet
    assert sweep(utc(2026, 11, 2, 5, 0))["reminder_overdue"] == 1    # Mon 00:00 EST
    assert sweep(utc(2026, 11, 2, 23, 0))["reminder_overdue"] == 0
    assert sweep(utc(2026, 11, 3, 5, 0))["reminder_overdue"] == 1    # Tue 00:00 EST
    assert sweep(utc(2026, 11, 20, 5, 0))["reminder_overdue"] == 0
    assert [ordinal for _k, _s, ordinal in reminders("reminder_overdue")] == [1, 2]


def test_a_kept_commitment_is_not_reminded(world):
    released_feedback(world, acknowledged_at=WED_1400, promise="Co-plan", due_on=date(2026, 10, 29),
                      requested_at=WED_1400, kept_at=WED_1400 + timedelta(hours=1))
    assert sum(sweep(utc(2026, 11, 9, 19, 0)).values()) == 0


def test_the_morning_digest_gathers_a_persons_reminders_into_one_notification(world):
    ids = [released_feedback(world, promise=f"Promise {n}", due_on=date(2026, 10, 29), requested_at=WED_1400)
           for n in range(3)]
    assert sweep(utc(2026, 11, 2, 10, 0))["digest"] == 0   # Mon 05:00 EST: reminders, but quiet hours
    gathered = reminders(recipient=world["observer"])
    assert {subject for _kind, subject, _ordinal in gathered} == set(ids)
    assert sweep(utc(2026, 11, 2, 11, 59))["digest"] == 0  # Mon 06:59 EST
    assert sweep(utc(2026, 11, 2, 12, 0))["digest"] == 2   # Mon 07:00 EST: the observer's, the teacher's
    [digest] = digests(world["observer"])
    assert digest.subject_id == f"digest:{world['observer'].id}:2026-11-02"
    assert digest.push_after == utc(2026, 11, 2, 12, 0)
    in_it = db.session.scalars(select(Notification.id).where(Notification.digest_id == digest.id)).all()
    assert len(in_it) == len(gathered) == 6  # overdue and requested, for each of three


def test_reminders_that_fall_due_after_the_morning_wait_for_the_next_school_morning(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 29), requested_at=utc(2026, 10, 28, 20, 0))
    friday = sweep(utc(2026, 10, 30, 12, 0))  # Fri 08:00 EDT: overdue since Thursday
    assert (friday["reminder_overdue"], friday["digest"]) == (1, 1)
    # Fri 16:00 EDT: the teacher's first reminder and the observer's second are in the inbox at
    # once, but the day's digests are morning ones: both wait for Monday.
    afternoon = sweep(utc(2026, 10, 30, 20, 0))
    assert (afternoon["reminder_acknowledge"], afternoon["reminder_requested"], afternoon["digest"]) == (1, 1, 0)
    waiting = db.session.scalar(select(Notification).where(Notification.kind == "reminder_requested"))
    assert waiting.digest_id is None
    for moment in every_hour(utc(2026, 10, 30, 21, 0), utc(2026, 11, 2, 11, 0)):  # Fri 17:00 to Mon 06:00
        assert sweep(moment)["digest"] == 0
    assert sweep(utc(2026, 11, 2, 12, 0))["digest"] == 2  # Mon 07:00 EST: the observer's and the teacher's
    assert [d.subject_id.rsplit(":", 1)[1] for d in digests(world["observer"])] == ["2026-10-30", "2026-11-02"]
    assert [d.subject_id.rsplit(":", 1)[1] for d in digests(world["teacher"])] == ["2026-11-02"]
    db.session.refresh(waiting)
    assert waiting.digest_id == digests(world["observer"])[1].id


def test_a_scheduler_back_mid_morning_still_sends_the_day_s_digest(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 29))
    assert sweep(utc(2026, 10, 30, 14, 59))["digest"] == 1  # Fri 10:59 EDT, within 4 h of 07:00


def test_a_scheduler_back_after_the_morning_keeps_the_digest_for_the_next_school_morning(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 29))
    late = sweep(utc(2026, 10, 30, 15, 0))  # Fri 11:00 EDT: the morning is over
    assert (late["reminder_overdue"], late["digest"]) == (1, 0)
    # Mon 07:00 EST: the observer's digest, and the teacher's (not acknowledged since Friday 14:00).
    assert sweep(utc(2026, 11, 2, 12, 0))["digest"] == 2


def test_a_sweep_that_missed_days_sends_the_latest_reminder_not_a_burst(world):
    observation_id = released_feedback(world)
    assert sweep(utc(2026, 11, 9, 19, 0))["reminder_acknowledge"] == 1
    assert reminders() == [("reminder_acknowledge", observation_id, 2)]


def test_no_digest_on_a_weekend_or_in_quiet_hours(world):
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 27))
    for moment in every_hour(utc(2026, 10, 30, 23, 0), utc(2026, 11, 2, 11, 59)):  # Fri 19:00 to Mon 06:59
        assert sweep(moment)["digest"] == 0
    assert digests() == []


def test_the_digest_is_pushed_to_the_persons_devices(world):
    device = Device(id=str(uuid.uuid4()), person_id=world["observer"].id, token_hash=uuid.uuid4().hex)
    db.session.add(device)
    db.session.add(PushSubscription(id=str(uuid.uuid4()), person_id=world["observer"].id, device_id=device.id,
                                    endpoint="https://push.example.org/1", p256dh="key", auth="secret"))
    db.session.commit()
    released_feedback(world, acknowledged_at=WED_1400, promise="Co-plan", due_on=date(2026, 10, 29))
    sweep(utc(2026, 11, 2, 13, 0))
    [digest] = digests(world["observer"])
    deliveries = db.session.scalars(select(PushDelivery)).all()
    assert [(d.notification_id, d.next_attempt_at) for d in deliveries] == [(digest.id, utc(2026, 11, 2, 13, 0))]


def test_people_of_another_district_keep_their_own_clock_and_settings(world, make):
    world["school"].district.settings = {"max_reminders": 1}
    db.session.commit()
    far = make.school(make.district(timezone=AUCKLAND))
    other = {"school": far, "teacher": make.person("teacher", school=far),
             "observer": make.person("observer", school=far)}
    released_feedback(world, promise="Co-plan", due_on=date(2026, 10, 29))  # Wed 14:00 EDT
    released_feedback(other, promise="Co-plan", due_on=date(2026, 10, 29))  # Thu 07:00 NZDT
    monday_morning = utc(2026, 11, 2, 13, 0)  # Mon 08:00 EST, Tue 02:00 NZDT
    assert sweep(monday_morning)["digest"] == 2
    assert [o for _k, _s, o in reminders("reminder_overdue", world["observer"])] == [1]
    assert [o for _k, _s, o in reminders("reminder_overdue", other["observer"])] == [2]
    assert {d.recipient_id for d in digests()} == {world["teacher"].id, world["observer"].id}
    auckland_morning = utc(2026, 11, 3, 18, 0)  # Tue 13:00 EST, Wed 07:00 NZDT
    assert sweep(auckland_morning)["digest"] == 2
    assert {d.subject_id.rsplit(":", 1)[1] for d in digests(other["observer"]) + digests(other["teacher"])} == {
        "2026-11-04"}
    assert len(digests()) == 4


def test_two_sweeps_at_once_write_each_reminder_and_digest_once(app, world):
    for n in range(5):
        released_feedback(world, promise=f"Promise {n}", due_on=date(2026, 10, 29), requested_at=WED_1400)
    monday_0800 = utc(2026, 11, 2, 13, 0)
    start, results, errors = threading.Barrier(2), [], []

    def run():
        with app.app_context():
            start.wait()
            try:
                results.append(sweep(monday_0800))
            except Exception as error:  # noqa: BLE001 (the assertion below shows it)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r["reminder_acknowledge"] for r in results) == 5
    assert sum(r["reminder_overdue"] for r in results) == 5
    assert sum(r["reminder_requested"] for r in results) == 5
    assert sum(r["digest"] for r in results) == 2
    assert len(reminders()) == 15 and len(digests()) == 2
