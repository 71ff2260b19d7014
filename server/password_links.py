"""One-time password links: an admin makes one for a person; whoever opens it sets that person's
password once, within LINK_LIFETIME.

The token (256 random bits) is in the link only; the table keeps its SHA-256. Making a link
deletes the person's earlier links, using one deletes it (and the person's others), and
deactivating the person deletes them all: a link is live exactly while its row exists and has not
expired. Every refused token counts against the address it came from, like failed sign-ins.
"""
import hashlib
import math
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from server import audit
from server.errors import ApiError
from server.extensions import db
from server.models import AuditEvent, PasswordLink, Person
from server.models.types import utcnow

LINK_LIFETIME = timedelta(hours=72)
REFUSED = "password_link_refused"
NOT_VALID_WORDS = ("This link cannot be used: it was used already, it expired, or a newer one was made. "
                   "Ask your Rounds admin for a new link.")


def _token_hash(token: str) -> str:
    # A fast hash is enough: the token is random, not a guessable password.
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(person: Person, admin: Person) -> tuple[str, PasswordLink]:
    """A new link for `person` (the token, shown once, and its row), in the caller's transaction;
    the person's earlier links, and expired links of anyone, are deleted."""
    now = utcnow()
    db.session.execute(delete(PasswordLink).where(
        (PasswordLink.person_id == person.id) | (PasswordLink.expires_at <= now)))
    token = secrets.token_urlsafe(32)
    link = PasswordLink(token_hash=_token_hash(token), person_id=person.id, created_by_id=admin.id,
                        created_at=now, expires_at=now + LINK_LIFETIME)
    db.session.add(link)
    return token, link


def drop_links(person_id: str) -> None:
    """Delete every link of a person (deactivation), in the caller's transaction."""
    db.session.execute(delete(PasswordLink).where(PasswordLink.person_id == person_id))


def claim(token: str, ip: str | None) -> Person:
    """The person whose live link `token` is, with the link used up (deleted) in the caller's
    transaction. A used, expired or unknown token, or one of a person since deactivated, raises
    one and the same 422 (after the refusal is recorded and committed); 429 once the address has
    had too many refused."""
    _check_address(ip)
    found = db.session.execute(delete(PasswordLink).where(
        PasswordLink.token_hash == _token_hash(token), PasswordLink.expires_at > utcnow())
        .returning(PasswordLink.person_id)).first()
    person = db.session.get(Person, found.person_id) if found else None
    if person is None or not person.active:
        audit.record(REFUSED)
        db.session.commit()
        raise ApiError(422, "link_not_valid", NOT_VALID_WORDS, {"token": [NOT_VALID_WORDS]})
    drop_links(person.id)
    return person


def _check_address(ip: str | None) -> None:
    """429 (with Retry-After) once `ip` has LOGIN_FAILURES_PER_ADDRESS refused tokens within
    LOGIN_FAILURE_WINDOW_MINUTES: the sign-in limits, counted separately."""
    if not ip:
        return
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    now = utcnow()
    # The limit is reached until the limit-th newest refusal leaves the window.
    blocking = db.session.scalar(
        select(AuditEvent.at).where(AuditEvent.kind == REFUSED, AuditEvent.ip == ip, AuditEvent.at > now - window)
        .order_by(AuditEvent.at.desc()).offset(config["LOGIN_FAILURES_PER_ADDRESS"] - 1).limit(1))
    if blocking is None:
        return
    seconds = max(1, math.ceil((blocking + window - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    raise ApiError(429, "too_many_attempts", f"Too many links that could not be used came from here; try again "
                   f"in {minutes} minute{'s' if minutes != 1 else ''}.", headers={"Retry-After": str(seconds)})
