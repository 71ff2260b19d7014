"""Signing in and out with a browser session, and who am I."""
from flask import g, request

from schemas.people import login_schema, person_schema
from server import audit
from server.api import api
from server.auth import csrf_token, require_person, sign_in, sign_out
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.models import Person
from server.passwords import hash_password, needs_rehash, verify_password
from server.throttle import check_login_allowed


def _me(person: Person) -> dict:
    return {**person_schema.dump(person), "csrf_token": csrf_token()}


@api.post("/auth/login")
def login():
    data = json_body(login_schema)
    email = data["email"].strip().lower()
    try:
        check_login_allowed(email, request.remote_addr)
    except ApiError:
        audit.record("login_throttled", email=email)
        db.session.commit()
        raise
    person = Person.by_email(email)
    password_ok = verify_password(person.password_hash if person else None, data["password"])
    if not password_ok or not person.active:
        audit.record("login_failed", person if person else None, email=email,
                     reason="inactive" if password_ok else "bad_credentials")
        db.session.commit()
        raise ApiError(401, "invalid_credentials", "That email and password do not match an active account.")
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(data["password"])
    sign_in(person)
    audit.record("login", person, email=email)
    db.session.commit()
    return _me(person)


@api.post("/auth/logout")
def logout():
    """Ends the browser session. Enrolled devices keep their own tokens."""
    if g.person is not None and g.device is None:
        audit.record("logout", g.person)
        db.session.commit()
    sign_out()
    return "", 204


@api.get("/me")
def me():
    return _me(require_person())
