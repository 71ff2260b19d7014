"""Signing in and out with a browser session, and who am I."""
from flask import g, request

from schemas.people import login_schema, person_schema
from server import audit
from server.api import api
from server.auth import csrf_token, require_person, sign_in, sign_out
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.known_devices import presented_for, remember
from server.models import Person
from server.passwords import hash_password, needs_rehash, verify_password
from server.throttle import check_login_allowed


def _me(person: Person) -> dict:
    return {**person_schema.dump(person), "csrf_token": csrf_token()}


@api.post("/auth/login")
def login():
    """Sign in with email and password: a new browser session, and this browser remembered as a
    known device of the account (which keeps strangers' guessing from locking it out)."""
    data = json_body(login_schema)
    email = data["email"].strip().lower()
    person = Person.by_email(email)
    try:
        trusted = check_login_allowed(email, request.remote_addr, presented_for(person))
    except ApiError:
        audit.record("login_throttled", email=email)
        db.session.commit()
        raise
    password_ok = verify_password(person.password_hash if person else None, data["password"])
    if not password_ok or not person.active:
        audit.record("login_failed", person if person else None, email=email, subject=trusted,
                     reason="inactive" if password_ok else "bad_credentials")
        db.session.commit()
        raise ApiError(401, "invalid_credentials", "That email and password do not match an active account.")
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(data["password"])
    sign_in(person)
    remember(person, trusted)
    audit.record("login", person, email=email)
    db.session.commit()
    return _me(person)


@api.post("/auth/logout")
def logout():
    """Ends this browser's session: every copy of its cookie stops working at once. Enrolled
    devices keep their own tokens; the known-device cookie stays."""
    if g.person is not None and g.device is None:
        audit.record("logout", g.person)
    sign_out()
    db.session.commit()
    return "", 204


@api.get("/me")
def me():
    return _me(require_person())
