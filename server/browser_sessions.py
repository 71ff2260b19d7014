"""Browser sessions: started at sign-in, checked on every cookie request, ended everywhere at once.

The session cookie (Flask's signed cookie) carries only a random token. The session's record in
the `sessions` table says whose it is, holds its CSRF token and says whether it has ended, so every
web process sees the same answer and ending a record ends every copy of its cookie. A session also
ends when it has gone unused for SESSION_IDLE_HOURS or is SESSION_MAX_DAYS old, whatever the
cookie's own expiry says.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from server.extensions import db
from server.models import BrowserSession, Person
from server.models.types import utcnow

TOKEN_KEY = "sid"
# last_seen_at is written at most this often, so that reads stay read-only; the idle limit is
# therefore enforced to within this much.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def _token_hash(token: str) -> str:
    # A fast hash is enough: the token is 256 random bits, not a guessable password.
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(hours=config["SESSION_IDLE_HOURS"]), timedelta(days=config["SESSION_MAX_DAYS"])


def start_session(person: Person) -> BrowserSession:
    """End this browser's current session, if any, and start a new one for `person`.

    The new token goes into the session cookie; the record (with its CSRF token) is added to the
    database session for the caller to commit. The person's sessions that are already over are
    deleted here, so the table holds little more than live sessions.
    """
    end_current_session()
    now = utcnow()
    idle, lifetime = _limits()
    db.session.execute(delete(BrowserSession).where(
        BrowserSession.person_id == person.id,
        or_(BrowserSession.ended_at.is_not(None), BrowserSession.last_seen_at < now - idle,
            BrowserSession.created_at < now - lifetime)))
    token = secrets.token_urlsafe(32)
    record = BrowserSession(token_hash=_token_hash(token), person_id=person.id,
                            csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now)
    db.session.add(record)
    session.clear()
    session.permanent = True
    session[TOKEN_KEY] = token
    return record


def current_session() -> BrowserSession | None:
    """The live session this request's cookie names, or None (and the cookie is dropped).

    A session found past its idle or absolute limit is ended here. Commits when it ends a
    session or refreshes `last_seen_at`.
    """
    token = session.get(TOKEN_KEY)
    if not token:
        if session:
            session.clear()
        return None
    record = db.session.scalar(select(BrowserSession).options(joinedload(BrowserSession.person))
                               .where(BrowserSession.token_hash == _token_hash(token)))
    if record is None or record.ended_at is not None or not record.person.active:
        session.clear()
        return None
    now = utcnow()
    idle, lifetime = _limits()
    if now - record.last_seen_at > idle or now - record.created_at > lifetime:
        record.ended_at = now
        db.session.commit()
        session.clear()
        return None
    if now - record.last_seen_at > LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
        db.session.commit()
    return record


def end_current_session(person_id: str | None = None) -> None:
    """End the session this request's cookie names (every copy of it) and drop the cookie.

    With `person_id`, a session of someone else is left running (the cookie is still dropped).
    The caller commits.
    """
    token = session.get(TOKEN_KEY)
    if token:
        conditions = [BrowserSession.token_hash == _token_hash(token), BrowserSession.ended_at.is_(None)]
        if person_id is not None:
            conditions.append(BrowserSession.person_id == person_id)
        db.session.execute(update(BrowserSession).where(*conditions).values(ended_at=utcnow()))
    session.clear()


def end_all_sessions(person_id: str) -> int:
    """End every session of a person, in the caller's transaction; returns how many it ended.

    Call it whenever what a session was granted changes: deactivation, new roles, a new password.
    Enrolled devices are not touched; they have their own tokens.
    """
    result = db.session.execute(update(BrowserSession).where(
        BrowserSession.person_id == person_id, BrowserSession.ended_at.is_(None)).values(ended_at=utcnow()))
    return result.rowcount
