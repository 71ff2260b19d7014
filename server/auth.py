"""Who is calling: a signed-in browser session or an enrolled device's bearer token.

`authenticate` runs before every request and sets `g.person` (or None), `g.device` and
`g.browser_session`. Handlers ask `require_person()` or `require_role(...)`; per-object decisions
live in `server.authz`. Cookie-authenticated writes must carry the session's CSRF token in
`X-CSRF-Token`; bearer requests carry no ambient credential, so they need none. Browser sessions
themselves (their records, limits and ending) are `server.browser_sessions`.
"""
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask import g, request
from sqlalchemy import select

from server.browser_sessions import LAST_SEEN_RESOLUTION, current_session, end_current_session, start_session
from server.errors import ApiError, not_found
from server.extensions import db
from server.models import Device, Person
from server.models.types import utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
# Signing in uses no authority of the current session (it replaces it), so it needs no session
# token: someone switching accounts on a shared tablet must not be refused. Origin is still checked.
CSRF_EXEMPT_ENDPOINTS = frozenset({"api.login", "api.set_password"})


def new_device_token() -> str:
    """A bearer token of 256 random bits, shown to the device once."""
    return "rnd_" + secrets.token_urlsafe(32)


def device_token_hash(token: str) -> str:
    # A fast hash is enough: the token is random, not a guessable password.
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(person: Person) -> str:
    """Start a fresh browser session for `person` (the caller commits); returns its CSRF token."""
    g.browser_session = start_session(person)
    return g.browser_session.csrf_token


def sign_out() -> None:
    """End this browser's session (every copy of its cookie) if it is the caller's, and drop it.

    A device signing out ends the session of the browser it runs in too. With no caller there is
    nothing to end: authenticate has already dropped a cookie whose session is over.
    """
    if g.get("person") is not None:
        end_current_session(g.person.id)
    g.browser_session = None


def csrf_token() -> str | None:
    """The CSRF token of the request's browser session; None for device requests."""
    record = g.get("browser_session")
    return record.csrf_token if record is not None else None


def authenticate() -> None:
    """Resolve the caller for this request (a before_request hook for /api routes)."""
    g.person, g.device, g.browser_session = None, None, None
    header = request.headers.get("Authorization")
    if header is not None:
        _authenticate_bearer(header)
        return
    record = current_session()
    if record is not None:
        g.person, g.browser_session = record.person, record
        if request.method not in SAFE_METHODS and request.endpoint not in CSRF_EXEMPT_ENDPOINTS:
            _check_csrf()
    if request.method not in SAFE_METHODS:
        _check_origin()


def _authenticate_bearer(header: str) -> None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Use 'Authorization: Bearer <device token>'.",
                       headers={"WWW-Authenticate": "Bearer"})
    device = db.session.scalar(select(Device).where(Device.token_hash == device_token_hash(token.strip())))
    if device is None or device.revoked_at is not None or not device.person.active:
        raise ApiError(401, "unauthorized", "This device token is not valid; enrol the device again.",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    now = utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        device.last_seen_at = now
        db.session.commit()
    g.person, g.device = device.person, device


def _check_csrf() -> None:
    expected = csrf_token() or ""
    given = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected, given):
        raise ApiError(403, "csrf_failed",
                       f"Missing or wrong {CSRF_HEADER} header; read it from GET /api/me.")


def _check_origin() -> None:
    """Refuse a cross-site write that names its origin (defence in depth beside SameSite)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    parts = urlsplit(origin)
    if f"{parts.scheme}://{parts.netloc}" != request.host_url.rstrip("/"):
        raise ApiError(403, "cross_origin", "Writes are accepted only from this site's own pages.")


def require_person() -> Person:
    if g.get("person") is None:
        raise ApiError(401, "unauthorized", "Sign in first.")
    return g.person


def require_device() -> tuple[Person, Device]:
    """The caller and their enrolled device (sync, push subscriptions); 403 for a cookie alone."""
    person = require_person()
    if g.device is None:
        raise ApiError(403, "device_required", "This needs an enrolled device: send its token as "
                                               "'Authorization: Bearer <token>' (POST /api/devices).")
    return person, g.device


def require_admin() -> Person:
    """The caller, who must be an admin. To anyone else the admin routes do not exist: 404, as for
    anything a person may not see, so a teacher cannot even learn which admin routes there are."""
    person = require_person()
    if not person.has_role("admin"):
        raise not_found("That page")
    return person


def require_role(*roles: str) -> Person:
    """The caller, who must hold one of `roles` (403 otherwise)."""
    person = require_person()
    if not person.has_role(*roles):
        raise ApiError(403, "forbidden", "Your role does not allow this.")
    return person
