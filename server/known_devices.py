"""The known-device cookie: this browser has signed in to an account before.

OWASP's device-cookie defence against lockout: a sign-in attempt that presents a valid entry for
the account it tries is judged by that entry's own failures, not by the account's, so a stranger's
guessing cannot lock out someone signing in from a browser they have used (see server.throttle).

The cookie lists up to MAX_ACCOUNTS entries, newest first, so that a tablet shared by several
people knows each of them. An entry is `<person id>.<nonce>.<mac>`, the mac an HMAC-SHA256 under
SECRET_KEY of the person id and the nonce; it cannot be forged or moved to another account. The
cookie is HttpOnly, SameSite=Strict, sent only to the sign-in endpoint, lasts KNOWN_DEVICE_DAYS
and is Secure whenever the session cookie is. It grants nothing by itself: a password is still
needed. It has nothing to do with enrolled devices and their bearer tokens.
"""
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import after_this_request, current_app, request

from server.models import Person

COOKIE_NAME = "rounds_known_device"
COOKIE_PATH = "/api/auth/login"
MAX_ACCOUNTS = 8
ENTRY_SEPARATOR = "~"


@dataclass(frozen=True)
class KnownDevice:
    """One entry of the cookie. `id` (its random nonce) names it in the audit log, where the
    failed sign-ins made with it are recorded with it as their subject."""

    person_id: str
    id: str

    @property
    def entry(self) -> str:
        return f"{self.person_id}.{self.id}.{_mac(self.person_id, self.id)}"


def _mac(person_id: str, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"rounds-known-device|{person_id}|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _entries() -> list[str]:
    raw = request.cookies.get(COOKIE_NAME, "")
    return [entry for entry in raw.split(ENTRY_SEPARATOR) if entry][:MAX_ACCOUNTS]


def presented_for(person: Person | None) -> KnownDevice | None:
    """The valid entry for `person` in this request's cookie; None when there is none (or only
    forged, altered or other accounts' entries)."""
    if person is None:
        return None
    for entry in _entries():
        person_id, _, rest = entry.partition(".")
        nonce, _, mac = rest.partition(".")
        if person_id == person.id and nonce and hmac.compare_digest(mac, _mac(person_id, nonce)):
            return KnownDevice(person_id, nonce)
    return None


def remember(person: Person, known: KnownDevice | None) -> KnownDevice:
    """Put `known` (or, if None, a new entry for `person`) first in the cookie sent with this
    response, keeping the browser's other accounts; returns the entry."""
    known = known or KnownDevice(person.id, secrets.token_urlsafe(16))
    others = [entry for entry in _entries() if not entry.startswith(f"{person.id}.")]
    value = ENTRY_SEPARATOR.join([known.entry, *others][:MAX_ACCOUNTS])
    app = current_app._get_current_object()

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE_NAME, value, path=COOKIE_PATH, httponly=True, samesite="Strict",
                            secure=app.session_interface.get_cookie_secure(app),
                            max_age=timedelta(days=app.config["KNOWN_DEVICE_DAYS"]))
        return response

    return known
