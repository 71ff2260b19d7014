"""Web push delivery against a strict push service of our own (tests/push_service.py): what it
decrypted and what it answered, on the real database engines."""
import secrets
from datetime import timedelta
from email.utils import format_datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import inspect, select

from server.extensions import db
from server.ids import new_id
from server.models import Device, Feedback, Observation
from server.models.notify import Notification, PushDelivery, PushSubscription
from server.models.types import utcnow
from server.push_delivery import MAX_ATTEMPTS, RETRY_DELAYS, TTL_SECONDS, deliver_due, retry_delay
from server.vapid import (VapidConfigError, check_subject, parse_private_key, public_key_b64url, raw_private_key,
                          raw_public_key, vapid_private_key, vapid_subject, vapid_keys_command)
from tests.push_service import PushService

KEY = ec.generate_private_key(ec.SECP256R1())
SUBJECT = "mailto:ops@rounds.example.org"


@pytest.fixture
def sender(app):
    app.config.update(VAPID_PRIVATE_KEY=raw_private_key(KEY), VAPID_SUBJECT=SUBJECT)
    return app


@pytest.fixture
def service():
    with PushService() as push_service:
        yield push_service


def subscribe(service, person, **options) -> PushSubscription:
    """`person` gets an enrolled device whose browser subscribed at `service`."""
    device = Device(id=new_id(), person_id=person.id, name="tablet", token_hash=secrets.token_hex(32))
    info = service.subscribe(**options)
    subscription = PushSubscription(id=new_id(), person_id=person.id, device_id=device.id, endpoint=info["endpoint"],
                                    p256dh=info["keys"]["p256dh"], auth=info["keys"]["auth"])
    db.session.add_all([device, subscription])
    db.session.commit()
    return subscription


def notify(subscription, kind="feedback_released", subject_id=None, ordinal=0, push_after=None,
           observation_id=None, **delivery) -> PushDelivery:
    """A notification for the subscription's person and its delivery row, committed."""
    now = utcnow()
    notification = Notification(id=new_id(), kind=kind, subject_id=subject_id or new_id(), ordinal=ordinal,
                                recipient_id=subscription.person_id, observation_id=observation_id,
                                push_after=push_after or now)
    row = PushDelivery(notification_id=notification.id, subscription_id=subscription.id,
                       next_attempt_at=delivery.pop("next_attempt_at", now), **delivery)
    db.session.add_all([notification, row])
    db.session.commit()
    return row


def deliver(app, **options) -> dict:
    with app.app_context():
        try:
            return deliver_due(**options)
        finally:
            db.session.remove()


def state_of(row: PushDelivery) -> PushDelivery | None:
    """The row as the database has it now (None once deleted)."""
    [row_id] = inspect(row).identity
    db.session.expire_all()
    return db.session.get(PushDelivery, row_id)


# --- What arrives -----------------------------------------------------------------------------

def test_a_released_feedback_arrives_with_generic_words_only(sender, make, service):
    school = make.school()
    teacher = make.person("teacher", school=school, name="Alice Moreno")
    observer = make.person("observer", school=school, name="Derek Chen")
    observation = Observation(id=new_id(), school_id=school.id, teacher_id=teacher.id, observer_id=observer.id,
                              status="submitted", teacher_doing="Circulates between groups")
    db.session.add(observation)
    db.session.flush()
    db.session.add(Feedback(id=new_id(), observation_id=observation.id, glow="Strong questioning",
                            wonder="Could pairs explain more?", next_step="Wait time", usefulness=2,
                            released=True))
    row = notify(subscribe(service, teacher), subject_id=observation.id, observation_id=observation.id)

    assert deliver(sender) == {"claimed": 1, "sent": 1}

    [message] = service.all_messages()
    assert message.payload == {"kind": "feedback_released", "id": row.notification_id,
                               "observation_id": observation.id, "title": "Rounds",
                               "body": "New walkthrough feedback is waiting",
                               "tag": f"feedback_released:{observation.id}"}
    delivered = str(message.payload).lower()
    for private in ("alice", "moreno", "derek", "chen", "questioning", "pairs", "wait time", "circulates"):
        assert private not in delivered
    assert state_of(row).state == "sent" and state_of(row).last_status == 201


def test_every_reminder_says_only_that_there_are_reminders(sender, make, service):
    subscription = subscribe(service, make.person("observer"))
    for kind in ("reminder_acknowledge", "reminder_due", "reminder_overdue", "reminder_requested", "digest"):
        notify(subscription, kind=kind)

    deliver(sender)

    bodies = {m.payload["kind"]: (m.payload["title"], m.payload["body"]) for m in service.all_messages()}
    assert set(bodies.values()) == {("Rounds", "You have Rounds reminders")} and len(bodies) == 5


def test_push_service_sees_ttl_urgency_and_one_topic_per_subject(sender, make, service):
    subscription = subscribe(service, make.person("observer"))
    commitment = new_id()
    notify(subscription, kind="reminder_due", subject_id=commitment, ordinal=1)
    notify(subscription, kind="reminder_due", subject_id=commitment, ordinal=2)
    notify(subscription, kind="support_requested", subject_id=commitment)

    deliver(sender)

    messages = {(m.payload["kind"], m.topic, m.urgency, m.ttl) for m in service.all_messages()}
    assert len(service.all_messages()) == 3 and all(ttl == TTL_SECONDS for *_, ttl in messages)
    # The two reminders share one topic (a push service keeps only the last); the request has its own.
    reminder_topics = {topic for kind, topic, *_ in messages if kind == "reminder_due"}
    assert len(reminder_topics) == 1
    assert {(kind, urgency) for kind, _, urgency, _ in messages} == {("reminder_due", "low"),
                                                                      ("support_requested", "normal")}
    assert len({topic for _, topic, *_ in messages}) == 2
    assert all(len(topic) <= 32 for _, topic, *_ in messages)


def test_a_push_waits_for_the_end_of_quiet_hours(sender, make, service):
    subscription = subscribe(service, make.person("teacher"))
    row = notify(subscription, push_after=utcnow() + timedelta(hours=9))

    assert deliver(sender) == {"claimed": 0}
    assert deliver(sender, now=utcnow() + timedelta(hours=10))["sent"] == 1
    assert state_of(row).state == "sent"


def test_a_kind_the_recipient_turned_off_is_skipped_not_sent(sender, make, service):
    teacher = make.person("teacher")
    teacher.push_off = ["feedback_released"]
    db.session.commit()
    subscription = subscribe(service, teacher)
    muted, wanted = notify(subscription), notify(subscription, kind="support_kept")

    assert deliver(sender) == {"claimed": 2, "skipped": 1, "sent": 1}
    assert [m.payload["kind"] for m in service.all_messages()] == ["support_kept"]
    assert state_of(muted).state == "skipped" and state_of(muted).attempts == 0
    assert state_of(wanted).state == "sent"


def test_each_send_signs_for_its_own_push_service(sender, make, service):
    """pywebpush writes `aud` into the claims it is given: a shared dict would sign the second
    service's messages for the first one's origin, and the second would refuse them."""
    with PushService() as other:
        teacher = make.person("teacher")
        first, second = subscribe(service, teacher), subscribe(other, teacher)
        for _ in range(3):
            notify(first)
            notify(second)

        assert deliver(sender) == {"claimed": 6, "sent": 6}

        assert {m.claims["aud"] for m in service.all_messages()} == {service.origin}
        assert {m.claims["aud"] for m in other.all_messages()} == {other.origin}
        assert not service.refused and not other.refused
        claims = service.all_messages()[0].claims
        assert claims["sub"] == SUBJECT and utcnow().timestamp() < claims["exp"] <= utcnow().timestamp() + 86400


# --- What the push service answers --------------------------------------------------------------

@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_that_is_gone_is_deleted_with_its_deliveries(sender, make, service, status):
    teacher = make.person("teacher")
    gone, kept = subscribe(service, teacher), subscribe(service, teacher)
    service.answer(gone.endpoint, status)
    gone_rows = [notify(gone), notify(gone, next_attempt_at=utcnow() + timedelta(hours=1))]
    kept_row = notify(kept)

    counts = deliver(sender)

    assert counts == {"claimed": 3, "gone": 1, "sent": 1} or counts == {"claimed": 2, "gone": 1, "sent": 1}
    assert db.session.scalars(select(PushSubscription.id)).all() == [kept.id]
    assert all(state_of(row) is None for row in gone_rows)
    assert state_of(kept_row).state == "sent"


def test_a_payload_too_large_fails_and_is_never_retried(sender, make, service):
    subscription = subscribe(service, make.person("teacher"))
    service.answer(subscription.endpoint, 413)
    row = notify(subscription)

    assert deliver(sender)["failed"] == 1
    assert deliver(sender, now=utcnow() + timedelta(days=2)) == {"claimed": 0}
    assert (state_of(row).state, state_of(row).last_status) == ("failed", 413)


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_configuration_error_pauses_the_delivery_for_an_admin(sender, make, service, status):
    subscription = subscribe(service, make.person("teacher"))
    service.answer(subscription.endpoint, status)
    row = notify(subscription)

    assert deliver(sender)["paused"] == 1
    assert deliver(sender, now=utcnow() + timedelta(days=2)) == {"claimed": 0}
    paused = state_of(row)
    assert (paused.state, paused.last_status) == ("paused", status) and str(status) in paused.last_error


def test_a_vapid_key_the_browser_did_not_subscribe_with_pauses_delivery(sender, make, service):
    other_key = raw_public_key(ec.generate_private_key(ec.SECP256R1()))
    subscription = subscribe(service, make.person("teacher"), application_server_key=other_key)
    row = notify(subscription)

    deliver(sender)

    assert (state_of(row).state, state_of(row).last_status) == ("paused", 403)
    assert service.all_messages() == []


def test_a_right_vapid_key_is_accepted_by_a_service_that_checks_it(sender, make, service):
    with sender.app_context():
        mine = public_key_b64url()
    subscription = subscribe(service, make.person("teacher"), application_server_key=mine)
    notify(subscription)

    assert deliver(sender)["sent"] == 1


@pytest.mark.parametrize("retry_after", ["120", "http-date"])
def test_throttling_retries_no_sooner_than_retry_after(sender, make, service, retry_after):
    subscription = subscribe(service, make.person("teacher"))
    header = format_datetime(utcnow() + timedelta(seconds=3600), usegmt=True) if retry_after == "http-date" else "120"
    wait = 3600 if retry_after == "http-date" else 120
    service.answer(subscription.endpoint, 429, retry_after=header)
    row = notify(subscription)
    before = utcnow()

    assert deliver(sender)["retry"] == 1

    throttled = state_of(row)
    assert (throttled.state, throttled.attempts, throttled.last_status) == ("pending", 1, 429)
    assert throttled.next_attempt_at >= before + timedelta(seconds=wait - 2)
    service.answer(subscription.endpoint, 201)
    assert deliver(sender, now=before + timedelta(seconds=wait - 5)) == {"claimed": 0}
    assert deliver(sender, now=throttled.next_attempt_at)["sent"] == 1


def test_a_server_error_retries_later_with_backoff(sender, make, service):
    subscription = subscribe(service, make.person("teacher"))
    service.answer(subscription.endpoint, 500)
    row = notify(subscription)
    start = utcnow()

    deliver(sender)
    first = state_of(row).next_attempt_at
    deliver(sender, now=first)
    second = state_of(row).next_attempt_at

    assert state_of(row).state == "pending" and state_of(row).attempts == 2
    assert timedelta(seconds=RETRY_DELAYS[0] * 0.8) <= first - start <= timedelta(seconds=RETRY_DELAYS[0] * 1.2 + 5)
    assert second - first >= timedelta(seconds=RETRY_DELAYS[1] * 0.8)
    service.answer(subscription.endpoint, 201)
    deliver(sender, now=second)
    assert state_of(row).state == "sent" and len(service.all_messages()) == 1


def test_a_push_service_that_hangs_is_retried_after_the_timeout(sender, make, service):
    teacher = make.person("teacher")
    hung, fine = subscribe(service, teacher), subscribe(service, teacher)
    service.answer(hung.endpoint, "hang", seconds=2)
    hung_row, fine_row = notify(hung), notify(fine)

    counts = deliver(sender, timeout=0.5)

    assert counts == {"claimed": 2, "retry": 1, "sent": 1}
    assert state_of(hung_row).state == "pending" and "Timeout" in state_of(hung_row).last_error
    assert state_of(fine_row).state == "sent"


def test_after_the_last_try_a_delivery_is_dead(sender, make, service):
    subscription = subscribe(service, make.person("teacher"))
    service.answer(subscription.endpoint, 503)
    row = notify(subscription, attempts=MAX_ATTEMPTS - 1)

    deliver(sender)

    assert (state_of(row).state, state_of(row).attempts) == ("dead", MAX_ATTEMPTS)


def test_the_retry_schedule_spans_about_a_day_in_eight_tries():
    assert MAX_ATTEMPTS == 8
    assert 20 * 3600 <= sum(RETRY_DELAYS) <= 28 * 3600
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)
    assert retry_delay(1, retry_after=900) >= 900
    assert retry_delay(1) <= RETRY_DELAYS[0] * 1.2


def test_one_unusable_subscription_does_not_stop_the_batch(sender, make, service):
    teacher = make.person("teacher")
    broken = subscribe(service, teacher)
    broken.p256dh = "not-a-key"
    db.session.commit()
    rows = [notify(subscribe(service, teacher)) for _ in range(3)]
    broken_row = notify(broken)

    counts = deliver(sender)

    assert counts == {"claimed": 4, "failed": 1, "sent": 3}
    assert state_of(broken_row).state == "failed" and state_of(broken_row).last_error
    assert all(state_of(row).state == "sent" for row in rows)


# --- Leases -------------------------------------------------------------------------------------

def test_a_dead_senders_lease_lapses_and_the_row_is_sent(sender, make, service):
    subscription = subscribe(service, make.person("teacher"))
    lapsed = notify(subscription, state="sending", attempts=1, lease_until=utcnow() - timedelta(seconds=1))
    held = notify(subscription, state="sending", attempts=1, lease_until=utcnow() + timedelta(seconds=60))

    assert deliver(sender) == {"claimed": 1, "sent": 1}
    assert state_of(lapsed).state == "sent" and state_of(held).state == "sending"
    assert [m.payload["id"] for m in service.all_messages()] == [lapsed.notification_id]


def test_a_late_answer_does_not_overwrite_another_senders_claim(sender, make, service):
    """A sender whose lease lapsed before it answered loses the row to whoever claimed it since."""
    subscription = subscribe(service, make.person("teacher"))
    service.answer(subscription.endpoint, 500)
    row = notify(subscription)
    with sender.app_context():
        from server.push_delivery import _claim, _record, _send
        from py_vapid import Vapid
        lease = utcnow() + timedelta(seconds=1)
        [job] = _claim(utcnow(), 10, lease)
        # Meanwhile the lease lapsed and another sender took the row.
        db.session.execute(PushDelivery.__table__.update().values(lease_until=lease + timedelta(minutes=1)))
        db.session.commit()
        _record([_send(job, Vapid(KEY), SUBJECT, 5, float("inf"))], utcnow(), lease)
        db.session.remove()

    assert state_of(row).state == "sending" and state_of(row).last_status is None


def test_rows_not_reached_before_the_lease_ends_are_released_untried(sender, make, service):
    teacher = make.person("teacher")
    rows = [notify(subscribe(service, teacher, delay_seconds=3)) for _ in range(24)]

    # 8 threads start rows at 0, 3 and 6 s; the lease leaves 14 - 8 - 1 = 5 s for starting. The
    # margins are wide (2 s for the second round to start, 5 s beyond each answer) because a busy
    # machine must not turn a slow answer into a retry (with 1 s, one row of the second round once
    # started late on a quiet 2-core machine).
    counts = deliver(sender, lease_seconds=14, timeout=8)

    assert counts == {"claimed": 24, "sent": 16, "released": 8}
    released = [state_of(row) for row in rows if state_of(row).state == "pending" and state_of(row).last_status is None]
    assert len(released) == counts["released"] and all(row.attempts == 0 for row in released)


# --- VAPID settings --------------------------------------------------------------------------------

@pytest.mark.parametrize("subject", ["mailto:ops@localhost", "https://localhost", "http://rounds.example.org",
                                     "https://127.0.0.1", "ops@rounds.example.org", "https://rounds.example.org/x",
                                     "mailto:ops@rounds"])
def test_a_subject_no_push_service_can_reach_is_refused(subject):
    with pytest.raises(VapidConfigError, match="ROUNDS_VAPID_SUBJECT"):
        check_subject(subject)


def test_mailto_and_https_subjects_are_taken():
    assert check_subject("mailto:ops@rounds.example.org") == "mailto:ops@rounds.example.org"
    assert check_subject("https://rounds.example.org") == "https://rounds.example.org"


def test_a_pem_key_and_its_raw_form_are_the_same_key():
    from cryptography.hazmat.primitives import serialization
    pem = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    assert raw_public_key(parse_private_key(pem)) == raw_public_key(parse_private_key(raw_private_key(KEY)))
    assert len(raw_public_key(KEY)) == 87  # 65 bytes, base64url without padding


def test_without_a_key_outside_the_demo_the_sender_refuses(app):
    app.config.update(VAPID_PRIVATE_KEY=None, VAPID_SUBJECT=None)
    with app.app_context(), pytest.raises(VapidConfigError, match="ROUNDS_VAPID_PRIVATE_KEY"):
        vapid_private_key()
    with app.app_context(), pytest.raises(VapidConfigError, match="ROUNDS_VAPID_SUBJECT"):
        vapid_subject()


def test_the_demo_keeps_one_generated_key_in_the_instance_folder(app, tmp_path):
    app.instance_path = str(tmp_path)
    app.config.update(DEMO=True, VAPID_PRIVATE_KEY=None, VAPID_SUBJECT=None)
    with app.app_context():
        first = public_key_b64url()
        assert public_key_b64url() == first and vapid_subject().startswith("mailto:")
    assert (tmp_path / "vapid_private_key").stat().st_mode & 0o077 == 0


def test_vapid_keys_prints_a_pair_that_belongs_together(runner):
    result = runner.invoke(vapid_keys_command)
    private = result.output.split("ROUNDS_VAPID_PRIVATE_KEY=")[1].split()[0]
    public = result.output.split("applicationServerKey): ")[1].split()[0]
    assert raw_public_key(parse_private_key(private)) == public
