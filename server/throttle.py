"""Sign-in throttling, counted from the audit log so that every web process sees the same counts."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from server.errors import ApiError
from server.extensions import db
from server.models import AuditEvent
from server.models.types import utcnow

WINDOW = timedelta(minutes=1)


def check_login_allowed(email: str, ip: str | None) -> None:
    """Raise 429 if this account or this address failed too often in the last minute."""
    since = utcnow() - WINDOW
    limits = [(AuditEvent.email == email, current_app.config["LOGIN_FAILURES_PER_ACCOUNT"])]
    if ip:
        limits.append((AuditEvent.ip == ip, current_app.config["LOGIN_FAILURES_PER_ADDRESS"]))
    for condition, limit in limits:
        failures = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "login_failed", AuditEvent.at > since, condition))
        if failures >= limit:
            raise ApiError(429, "too_many_attempts",
                           "Too many failed sign-ins; wait a minute and try again.",
                           headers={"Retry-After": str(int(WINDOW.total_seconds()))})
