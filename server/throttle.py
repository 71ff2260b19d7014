"""Sign-in throttling that slows guessing without locking the rightful person out.

Failed sign-ins are counted from the audit log (so every web process sees the same counts) over
the last LOGIN_FAILURE_WINDOW_MINUTES; older failures no longer count. A failure made with a
known-device cookie is recorded with that cookie as its subject and counts only against the
cookie; every other failure is "untrusted" and counts against its account and its address.

- An attempt presenting a valid known-device cookie for its account is exempt from the account's
  limit while the cookie has fewer than LOGIN_FAILURES_PER_KNOWN_DEVICE failures; past that it is
  treated as untrusted until its failures leave the window.
- An untrusted attempt is refused (429, before the password is checked) once its account has
  LOGIN_FAILURES_PER_ACCOUNT untrusted failures.
- An address with LOGIN_FAILURES_PER_ADDRESS untrusted failures is busy: untrusted attempts from it
  get the tighter account limit LOGIN_FAILURES_PER_ACCOUNT_FROM_BUSY_ADDRESS. A busy address never
  refuses an account with no recent failures, so a school behind one address keeps signing in.
"""
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from server.errors import ApiError
from server.extensions import db
from server.known_devices import KnownDevice
from server.models import AuditEvent
from server.models.types import utcnow

FAILED = "login_failed"
KNOWN_DEVICE_SUBJECT = KnownDevice.__name__


def check_login_allowed(email: str, ip: str | None, presented: KnownDevice | None) -> KnownDevice | None:
    """Raise 429 (with Retry-After) if this attempt may not be tried now.

    `presented` is the valid known-device entry for the account this request carries, if any.
    Returns it if the attempt is trusted, None if the attempt is untrusted.
    """
    config = current_app.config
    now = utcnow()
    window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    since = now - window
    if presented is not None and _nth_newest_failure(
            since, config["LOGIN_FAILURES_PER_KNOWN_DEVICE"], AuditEvent.email == email,
            AuditEvent.subject_type == KNOWN_DEVICE_SUBJECT, AuditEvent.subject_id == presented.id) is None:
        return presented
    limit = config["LOGIN_FAILURES_PER_ACCOUNT"]
    if ip and _nth_newest_failure(since, config["LOGIN_FAILURES_PER_ADDRESS"], AuditEvent.ip == ip,
                                  AuditEvent.subject_type.is_(None)) is not None:
        limit = min(limit, config["LOGIN_FAILURES_PER_ACCOUNT_FROM_BUSY_ADDRESS"])
    blocking = _nth_newest_failure(since, limit, AuditEvent.email == email, AuditEvent.subject_type.is_(None))
    if blocking is not None:
        _refuse(blocking + window - now)
    return None


def _nth_newest_failure(since: datetime, n: int, *conditions) -> datetime | None:
    """When the n-th newest failure matching `conditions` since `since` happened; None if there
    are fewer than n. The limit n is reached until that failure leaves the window."""
    if n <= 0:
        return since
    return db.session.scalar(
        select(AuditEvent.at).where(AuditEvent.kind == FAILED, AuditEvent.at > since, *conditions)
        .order_by(AuditEvent.at.desc()).offset(n - 1).limit(1))


def _refuse(wait: timedelta) -> None:
    seconds = max(1, math.ceil(wait.total_seconds()))
    minutes = math.ceil(seconds / 60)
    raise ApiError(429, "too_many_attempts",
                   f"Too many failed sign-ins for this account; try again in {minutes} "
                   f"minute{'s' if minutes != 1 else ''}, or from a browser you have signed in with before.",
                   headers={"Retry-After": str(seconds)})
