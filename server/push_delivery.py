"""Web push delivery: the one place that sends a push.

`deliver_due()` claims due rows of `push_deliveries`, commits the claim, sends each with pywebpush
(aes128gcm, VAPID) from a small thread pool, and writes each outcome back. The claim is a lease:
a sender that dies mid-batch leaves rows in `sending` until `lease_until` passes, and the next
poll takes them again, so a crash may send a row twice but never loses one. On PostgreSQL
several schedulers share the work through `FOR UPDATE SKIP LOCKED`; on SQLite a claim is one
short IMMEDIATE transaction.

What a push says is in `payload_for()`: a lock screen shows it to anyone, so it carries generic
words per kind and ids, never feedback, ratings, notes or names.
"""
import base64
import hashlib
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import and_, bindparam, delete, or_, select, update

from server.extensions import db
from server.models import Person
from server.models.notify import REMINDER_KINDS, Notification, PushDelivery, PushSubscription
from server.models.types import utcnow
from server.vapid import vapid_private_key, vapid_subject

log = logging.getLogger(__name__)

# Long enough for a tablet left off over a weekend; pywebpush's default (0) drops the message
# unless the device is online at that instant.
TTL_SECONDS = 4 * 24 * 3600
# Delay after the 1st, 2nd ... 7th failed try; the 8th failure is final (about 24 h in all).
RETRY_DELAYS = (30, 120, 600, 1800, 7200, 21600, 54000)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
REQUEST_TIMEOUT = 10.0
SENDER_THREADS = 8

_WORDS = {
    "feedback_released": "New walkthrough feedback is waiting",
    "feedback_acknowledged": "A teacher acknowledged walkthrough feedback",
    "feedback_rated": "A teacher responded to walkthrough feedback",
    "support_requested": "A teacher asked for the support you offered",
    "support_kept": "Support from a walkthrough was marked as given",
    "support_confirmed": "A teacher replied about support you gave",
    "digest": "You have Rounds reminders",
}
_REMINDER_WORDS = "You have Rounds reminders"


def payload_for(notification) -> dict:
    """What the service worker receives: the kind, ids and generic words, and a tag that collapses
    repeats of the same kind and subject in the browser."""
    return {
        "kind": notification.kind,
        "id": str(notification.id),
        "observation_id": str(notification.observation_id) if notification.observation_id else None,
        "title": "Rounds",
        "body": _REMINDER_WORDS if notification.kind in REMINDER_KINDS else _WORDS.get(notification.kind, "Rounds has news for you"),
        "tag": f"{notification.kind}:{notification.subject_id}",
    }


def topic_for(kind: str, subject_id: str) -> str:
    """The Topic header (<= 32 URL-safe characters): a push service keeps only the latest message of
    a topic for an offline device, so a second reminder replaces the first."""
    digest = hashlib.sha256(f"{kind}:{subject_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def urgency_for(kind: str) -> str:
    """Reminders may wait for the device to wake; the rest is news a person is waiting for."""
    return "low" if kind in REMINDER_KINDS or kind == "digest" else "normal"


def retry_delay(attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed try: the schedule with +-20% jitter (so that a
    push service's outage does not end in one burst), and never sooner than Retry-After asks."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    delay = base * random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, 24 * 3600))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP date; None if absent or garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class Job:
    """One claimed delivery as plain data: sender threads never touch the database session."""
    delivery_id: int
    attempts: int
    endpoint: str
    p256dh: str
    auth: str
    payload: dict
    topic: str
    urgency: str
    muted: bool


@dataclass(frozen=True)
class Outcome:
    job: Job
    result: str  # sent, gone, failed, paused, retry, released, skipped
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None


def deliver_due(limit: int = 500, now: datetime | None = None, lease_seconds: float = 60,
                timeout: float = REQUEST_TIMEOUT) -> dict:
    """Send what is due (at `now`, default the clock) and record each outcome.

    Returns counts per outcome and `claimed`. At most `limit` rows are claimed; a caller that wants
    a backlog drained calls again while `claimed == limit`. Rows whose turn does not come before
    the lease nears its end are released untried, so that no other sender takes them while we
    still might send them.
    """
    now = now or utcnow()
    lease_until = now + timedelta(seconds=lease_seconds)
    jobs = _claim(now, limit, lease_until)
    counts = {"claimed": len(jobs)}
    if not jobs:
        return counts
    key, subject = Vapid(vapid_private_key()), vapid_subject()
    # Sending stops short of the lease's end by one request timeout and a margin.
    deadline = time.monotonic() + lease_seconds - timeout - 1
    outcomes = list(_pool().map(lambda job: _send(job, key, subject, timeout, deadline), jobs))
    _record(outcomes, now, lease_until)
    for outcome in outcomes:
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    return counts


def _claim(now: datetime, limit: int, lease_until: datetime) -> list[Job]:
    """Mark up to `limit` due rows as ours until `lease_until`, commit, and return them as Jobs."""
    due = and_(
        or_(and_(PushDelivery.state == "pending", PushDelivery.next_attempt_at <= now),
            and_(PushDelivery.state == "sending", PushDelivery.lease_until < now)),
        PushDelivery.notification_id == Notification.id,
        Notification.push_after <= now)
    query = select(PushDelivery.id).where(due).order_by(PushDelivery.next_attempt_at).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=PushDelivery)
    else:
        # Two SQLite schedulers would otherwise both read the same rows before either writes.
        db.session.connection(execution_options={"sqlite_immediate": True})
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(update(PushDelivery).where(PushDelivery.id.in_(ids))
                           .values(state="sending", lease_until=lease_until, attempts=PushDelivery.attempts + 1)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    if not ids:
        return []
    rows = db.session.execute(
        select(PushDelivery.id, PushDelivery.attempts, PushSubscription.endpoint, PushSubscription.p256dh,
               PushSubscription.auth, Notification, Person.push_off)
        .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .join(Notification, Notification.id == PushDelivery.notification_id)
        .join(Person, Person.id == Notification.recipient_id)
        .where(PushDelivery.id.in_(ids)))
    jobs = [Job(delivery_id, attempts, endpoint, p256dh, auth, payload_for(notification),
                topic_for(notification.kind, notification.subject_id), urgency_for(notification.kind),
                notification.kind in (push_off or []))
            for delivery_id, attempts, endpoint, p256dh, auth, notification, push_off in rows]
    db.session.rollback()  # ends the read; nothing is held while sending
    return jobs


_pool_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_local = threading.local()


def _pool() -> ThreadPoolExecutor:
    """One pool per process, kept between polls so that its threads keep their connections alive."""
    global _executor
    with _pool_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(SENDER_THREADS, thread_name_prefix="push")
        return _executor


def _http() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _send(job: Job, key: Vapid, subject: str, timeout: float, deadline: float) -> Outcome:
    """Send one job and classify the answer; never raises, so one bad row cannot stop the batch."""
    if job.muted:
        return Outcome(job, "skipped")
    if time.monotonic() > deadline:
        return Outcome(job, "released")
    parts = urlsplit(job.endpoint)
    # A fresh dict every time: pywebpush writes `aud` and `exp` into the one it is given.
    claims = {"sub": subject, "aud": f"{parts.scheme}://{parts.netloc}", "exp": int(time.time()) + 12 * 3600}
    try:
        response = webpush({"endpoint": job.endpoint, "keys": {"p256dh": job.p256dh, "auth": job.auth}},
                           data=json.dumps(job.payload, separators=(",", ":")), vapid_private_key=key,
                           vapid_claims=claims, content_encoding="aes128gcm", ttl=TTL_SECONDS,
                           headers={"Urgency": job.urgency, "Topic": job.topic}, timeout=timeout,
                           requests_session=_http())
        return Outcome(job, "sent", response.status_code)
    except WebPushException as error:
        if error.response is None:  # the subscription's keys are unusable: retrying cannot help
            return Outcome(job, "failed", None, str(error)[:500])
        return _classify(job, error.response)
    except requests.RequestException as error:
        return Outcome(job, "retry", None, f"{type(error).__name__}: {error}"[:500])
    except Exception as error:  # noqa: BLE001  (recorded on the row for admins; the batch goes on)
        log.exception("push delivery %s failed unexpectedly", job.delivery_id)
        return Outcome(job, "failed", None, f"{type(error).__name__}: {error}"[:500])


def _classify(job: Job, response: requests.Response) -> Outcome:
    status = response.status_code
    error = f"{status} {response.reason}: {response.text[:300]}"
    if status in (404, 410):
        result = "gone"
    elif status == 413:
        result = "failed"  # our payload is too big: the same bytes will never fit
    elif status in (400, 401, 403):
        result = "paused"  # our VAPID key or subject is wrong: an admin must look
    elif status == 429 or status >= 500:
        return Outcome(job, "retry", status, error,
                       parse_retry_after(response.headers.get("Retry-After"), utcnow()))
    else:
        result = "failed"
    return Outcome(job, result, status, error)


def _record(outcomes: list[Outcome], now: datetime, lease_until: datetime) -> None:
    """Write every outcome in one transaction. Rows are updated only while our lease still holds
    them: if another sender took a row over, its answer counts, not ours."""
    table = PushDelivery.__table__
    done_at = max(now, utcnow())  # a caller's `now` may be ahead of the clock (tests of backoff)
    rows = []
    for outcome in outcomes:
        state, next_attempt_at, attempts_back = _next_state(outcome, done_at)
        rows.append({"b_id": outcome.job.delivery_id, "b_lease": lease_until, "b_state": state,
                     "b_next": next_attempt_at, "b_status": outcome.status, "b_error": outcome.error,
                     "b_sent": done_at if state == "sent" else None, "b_back": attempts_back})
    db.session.execute(
        update(table).where(table.c.id == bindparam("b_id"), table.c.state == "sending",
                            table.c.lease_until == bindparam("b_lease"))
        .values(state=bindparam("b_state"), next_attempt_at=bindparam("b_next"), lease_until=None,
                last_status=bindparam("b_status"), last_error=bindparam("b_error"),
                sent_at=bindparam("b_sent"), attempts=table.c.attempts - bindparam("b_back")),
        rows)
    gone = sorted({outcome.job.endpoint for outcome in outcomes if outcome.result == "gone"})
    if gone:
        subscriptions = select(PushSubscription.id).where(PushSubscription.endpoint.in_(gone))
        db.session.execute(delete(PushDelivery).where(PushDelivery.subscription_id.in_(subscriptions)))
        db.session.execute(delete(PushSubscription).where(PushSubscription.endpoint.in_(gone)))
    db.session.commit()


def _next_state(outcome: Outcome, now: datetime) -> tuple[str, datetime, int]:
    """(state, next_attempt_at, attempts to give back) for one outcome; `attempts` was counted at
    the claim, so a row that was released or skipped untried gets its try back."""
    if outcome.result in ("released", "skipped"):
        return ("pending" if outcome.result == "released" else "skipped"), now, 1
    if outcome.result == "retry":
        attempts = outcome.job.attempts
        if attempts >= MAX_ATTEMPTS:
            return "dead", now, 0
        return "pending", now + timedelta(seconds=retry_delay(attempts, outcome.retry_after)), 0
    state = {"sent": "sent", "gone": "failed", "failed": "failed", "paused": "paused"}[outcome.result]
    return state, now, 0
