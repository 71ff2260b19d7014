"""Browser sessions end when they should: at logout, deactivation, new roles or a new password
(every copy of the cookie at once), after 12 idle hours and 7 days at most. Devices keep their
tokens."""
from datetime import timedelta

from sqlalchemy import select, update

from server.extensions import db
from server.models import BrowserSession
from server.models.types import utcnow
from tests.builders import PASSWORD, ApiClient

COOKIE = "rounds_session"


def copy_of(app, api: ApiClient) -> ApiClient:
    """Another browser holding a copy of `api`'s session cookie and CSRF token (a stolen cookie)."""
    thief = ApiClient(app.test_client())
    thief.client.set_cookie(COOKIE, api.client.get_cookie(COOKIE).value)
    thief.csrf = api.csrf
    return thief


def age_sessions(person, *, idle=None, age=None) -> None:
    """Move the person's sessions back in time: last used `idle` ago, started `age` ago."""
    values = {}
    if idle is not None:
        values["last_seen_at"] = utcnow() - idle
    if age is not None:
        values["created_at"] = utcnow() - age
    db.session.execute(update(BrowserSession).where(BrowserSession.person_id == person.id).values(**values))
    db.session.commit()


def test_copied_cookie_stops_working_after_logout(make, api_as, app):
    api = api_as(make.person("observer", school=make.school()))
    stolen = copy_of(app, api)
    assert stolen.get("/api/me").status_code == 200
    assert api.post("/api/auth/logout").status_code == 204
    assert stolen.get("/api/me").status_code == 401
    write = stolen.post("/api/devices", json={})
    assert write.status_code == 401 and write.get_json()["error"]["code"] == "unauthorized"


def test_logout_ends_only_that_browsers_session(make, api_as):
    person = make.person()
    laptop, tablet = api_as(person), api_as(person)
    assert laptop.post("/api/auth/logout").status_code == 204
    assert laptop.get("/api/me").status_code == 401
    assert tablet.get("/api/me").status_code == 200


def test_device_token_keeps_working_after_logout(make, api_as, client):
    api = api_as(make.person())
    token = api.post("/api/devices", json={}).get_json()["token"]
    assert api.post("/api/auth/logout").status_code == 204
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=bearer).status_code == 200
    assert client.get("/api/devices", headers=bearer).status_code == 200


def test_the_tablet_app_signing_out_with_its_token_ends_the_browser_session(make, api_as, app):
    api = api_as(make.person())
    token = api.post("/api/devices", json={}).get_json()["token"]
    stolen = copy_of(app, api)
    # As pwa/session.js does: the logout goes with the device token and the browser's cookie.
    assert api.client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert stolen.get("/api/me").status_code == 401
    assert app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_deactivation_ends_every_copy_and_reactivation_brings_none_back(make, api_as, app):
    school = make.school()
    teacher = make.person("teacher", school=school)
    browsers = [api_as(teacher), api_as(teacher)]
    browsers.append(copy_of(app, browsers[0]))
    admin = api_as(make.person("admin", school=school))
    assert admin.patch(f"/api/admin/people/{teacher.id}", json={"active": False}).status_code == 200
    assert admin.patch(f"/api/admin/people/{teacher.id}", json={"active": True}).status_code == 200
    for browser in browsers:
        assert browser.get("/api/me").status_code == 401
        assert browser.post("/api/devices", json={}).status_code == 401
    assert admin.get("/api/me").status_code == 200
    assert api_as(teacher).get("/api/me").status_code == 200


def test_new_roles_from_a_roster_upload_end_every_session_of_that_person(make, api_as, app):
    school = make.school(name="Lincoln")
    promoted = make.person("teacher", school=school, email="pat@example.org")
    unchanged = make.person("teacher", school=school, email="uma@example.org", name="Uma")
    promoted_browsers = [api_as(promoted), api_as(promoted)]
    promoted_browsers.append(copy_of(app, promoted_browsers[0]))
    unchanged_browser = api_as(unchanged)
    admin = api_as(make.person("admin", school=school))
    roster = ("email,name,roles,school\n"
              f"pat@example.org,{promoted.name},teacher;observer,Lincoln\numa@example.org,Uma,teacher,Lincoln\n")
    response = admin.post("/api/admin/roster", data=roster, content_type="text/csv")
    assert response.status_code == 200 and response.get_json()["people_updated"] == 1
    for browser in promoted_browsers:
        assert browser.get("/api/me").status_code == 401
    assert unchanged_browser.get("/api/me").status_code == 200
    assert admin.get("/api/me").status_code == 200
    assert api_as(promoted).get("/api/me").get_json()["roles"] == ["observer", "teacher"]


def test_new_password_from_the_roster_command_ends_every_session(make, api_as, app, runner, tmp_path):
    district = make.district(name="North ISD")
    person = make.person("observer", district=district, email="cy@example.org", name="Cy")
    browsers = [api_as(person), api_as(person)]
    browsers.append(copy_of(app, browsers[0]))
    path = tmp_path / "roster.csv"
    path.write_text("email,name,roles,school,password\ncy@example.org,Cy,observer,,a brand new password\n")
    result = runner.invoke(args=["import-roster", str(path), "--district", "North ISD"])
    assert result.exit_code == 0, result.output
    for browser in browsers:
        assert browser.get("/api/me").status_code == 401
    assert api_as(None).login("cy@example.org", "a brand new password").status_code == 200


def test_reimporting_the_same_roster_keeps_everyone_signed_in(make, api_as, runner, tmp_path):
    district = make.district(name="North ISD")
    person = make.person("observer", district=district, email="cy@example.org", name="Cy")
    api = api_as(person)
    path = tmp_path / "roster.csv"
    path.write_text(f"email,name,roles,school,password\ncy@example.org,Cy,observer,,{PASSWORD}\n")
    result = runner.invoke(args=["import-roster", str(path), "--district", "North ISD"])
    assert result.exit_code == 0 and "0 people updated" in result.output, result.output
    assert api.get("/api/me").status_code == 200


def test_signing_in_again_in_the_same_browser_ends_its_previous_session(make, api_as, app):
    school = make.school()
    first, second = make.person(school=school), make.person(school=school)
    api = api_as(first)
    stolen = copy_of(app, api)
    api.login(second.email)
    assert stolen.get("/api/me").status_code == 401
    assert api.get("/api/me").get_json()["id"] == second.id


def test_session_ends_after_twelve_idle_hours(make, api_as):
    person = make.person()
    api = api_as(person)
    age_sessions(person, idle=timedelta(hours=11, minutes=50))
    assert api.get("/api/me").status_code == 200
    age_sessions(person, idle=timedelta(hours=12, minutes=1))
    assert api.get("/api/me").status_code == 401
    assert api.post("/api/devices", json={}).status_code == 401


def test_using_a_session_keeps_it_from_going_idle(make, api_as):
    person = make.person()
    api = api_as(person)
    age_sessions(person, idle=timedelta(hours=11, minutes=50))
    assert api.get("/api/me").status_code == 200
    # That request counted as use: the session has 12 more hours from now.
    last_seen = db.session.scalar(select(BrowserSession.last_seen_at).where(BrowserSession.person_id == person.id))
    assert utcnow() - last_seen < timedelta(minutes=1)


def test_idle_limit_is_configurable(make, api_as, app):
    app.config["SESSION_IDLE_HOURS"] = 0.5
    person = make.person()
    api = api_as(person)
    age_sessions(person, idle=timedelta(minutes=31))
    assert api.get("/api/me").status_code == 401


def test_session_ends_seven_days_after_sign_in_even_when_in_use(make, api_as):
    person = make.person()
    api = api_as(person)
    age_sessions(person, idle=timedelta(0), age=timedelta(days=6, hours=23))
    assert api.get("/api/me").status_code == 200
    age_sessions(person, idle=timedelta(0), age=timedelta(days=7, minutes=1))
    assert api.get("/api/me").status_code == 401


def test_absolute_limit_is_configurable(make, api_as, app):
    app.config["SESSION_MAX_DAYS"] = 1
    person = make.person()
    api = api_as(person)
    age_sessions(person, idle=timedelta(0), age=timedelta(hours=25))
    assert api.get("/api/me").status_code == 401


def test_last_seen_is_written_at_most_every_five_minutes(make, api_as):
    person = make.person()
    api = api_as(person)

    def last_seen():
        db.session.expire_all()
        return db.session.scalar(select(BrowserSession.last_seen_at).where(BrowserSession.person_id == person.id))

    age_sessions(person, idle=timedelta(minutes=4))
    before = last_seen()
    assert api.get("/api/me").status_code == 200
    assert last_seen() == before
    age_sessions(person, idle=timedelta(minutes=6))
    assert api.get("/api/me").status_code == 200
    assert last_seen() > before


def test_each_session_has_its_own_csrf_token(make, api_as):
    person = make.person()
    laptop, tablet = api_as(person), api_as(person)
    assert laptop.csrf != tablet.csrf
    refused = tablet.post("/api/devices", json={}, headers={"X-CSRF-Token": laptop.csrf})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert tablet.post("/api/devices", json={}).status_code == 201


def test_cookie_carries_only_a_random_token_that_the_server_keeps_hashed(make, api_as, app):
    person = make.person()
    api = api_as(person)
    cookie = api.client.get_cookie(COOKIE).value
    contents = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert set(contents) - {"_permanent"} == {"sid"} and len(contents["sid"]) >= 43
    record = db.session.scalar(select(BrowserSession).where(BrowserSession.person_id == person.id))
    assert contents["sid"] not in (record.token_hash, record.id, record.csrf_token)
    assert person.id not in cookie
