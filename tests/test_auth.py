"""Signing in, the session cookie, CSRF and origin checks. Sessions ending: test_sessions.py; the
sign-in throttle: test_signin_throttle.py."""
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent
from tests.builders import PASSWORD


def test_person_signs_in_and_sees_who_they_are(make, api_as):
    school = make.school()
    person = make.person("observer", "teacher", school=school, name="Ana Ruiz", email="Ana@Example.org")
    api = api_as(None)
    response = api.login("  ana@EXAMPLE.org ")
    assert response.get_json()["email"] == "ana@example.org"
    me = api.get("/api/me").get_json()
    assert {k: me[k] for k in ("id", "name", "email", "roles", "school_id", "district_id")} == {
        "id": person.id, "name": "Ana Ruiz", "email": "ana@example.org",
        "roles": ["observer", "teacher"], "school_id": school.id, "district_id": school.district_id}
    assert me["csrf_token"] == api.csrf


def session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("rounds_session="))


def test_session_cookie_is_httponly_and_lax(make, client):
    person = make.person()
    response = client.post("/api/auth/login", json={"email": person.email, "password": PASSWORD})
    cookie = session_cookie_header(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(make, client):
    person = make.person()
    response = client.post("/api/auth/login", json={"email": person.email, "password": PASSWORD},
                           base_url="https://rounds.example.org")
    assert "Secure" in session_cookie_header(response)


def test_wrong_password_is_refused_and_audited(make, client, app):
    person = make.person()
    response = client.post("/api/auth/login", json={"email": person.email, "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "login_failed"))
        assert event.email == person.email and event.ip == "127.0.0.1"


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    response = client.post("/api/auth/login", json={"email": "nobody@example.org", "password": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_inactive_person_cannot_sign_in(make, client):
    person = make.person(active=False)
    response = client.post("/api/auth/login", json={"email": person.email, "password": PASSWORD})
    assert response.status_code == 401


def test_me_needs_a_session(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "unauthorized", "message": "Sign in first.", "fields": {}}}


def test_logout_ends_the_session(make, api_as):
    api = api_as(make.person())
    assert api.post("/api/auth/logout").status_code == 204
    assert api.get("/api/me").status_code == 401


def test_cookie_write_without_csrf_token_is_refused(make, api_as):
    api = api_as(make.person())
    response = api.post("/api/devices", json={}, headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    response = api.client.post("/api/devices", json={})
    assert response.status_code == 403


def test_cross_site_origin_cannot_sign_in(make, client):
    person = make.person()
    response = client.post("/api/auth/login", json={"email": person.email, "password": PASSWORD},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    same_site = client.post("/api/auth/login", json={"email": person.email, "password": PASSWORD},
                            headers={"Origin": "http://localhost"})
    assert same_site.status_code == 200


def test_passwords_are_stored_as_argon2id(make):
    person = make.person()
    assert person.password_hash.startswith("$argon2id$")
    assert PASSWORD not in person.password_hash


def test_text_no_database_can_store_is_a_field_error_not_a_crash(make, client):
    for email in ("ana\x00@example.org", "ana\ud800@example.org"):
        response = client.post("/api/auth/login", json={"email": email, "password": "x"})
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["email"]


def test_bad_login_bodies_get_field_messages(client):
    cases = [({}, {"email", "password"}), ({"email": 5, "password": []}, {"email", "password"}),
             ({"email": "a@b.c", "password": "x", "remember": True}, {"remember"}),
             ({"email": "", "password": ""}, {"email", "password"})]
    for body, bad_fields in cases:
        response = client.post("/api/auth/login", json=body)
        assert response.status_code == 422, body
        assert set(response.get_json()["error"]["fields"]) == bad_fields
    assert client.post("/api/auth/login", data="{", content_type="application/json").status_code == 400
    assert client.post("/api/auth/login", data="email=a", content_type="text/plain").status_code == 415
    big = client.post("/api/auth/login", json={"email": "a@b.c", "password": "x" * 5_000_000})
    assert big.status_code == 413


def test_switching_accounts_on_a_shared_tablet_needs_no_sign_out(make, api_as):
    school = make.school()
    first, second = make.person(school=school), make.person(school=school)
    api = api_as(first)
    api.csrf = None
    api.login(second.email)
    assert api.get("/api/me").get_json()["id"] == second.id
