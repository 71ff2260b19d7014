"""Admins add people, change their roles and school, give them one-time links to set a password,
and see and revoke their devices, each within their own scope."""
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from server.extensions import db
from server.models import AuditEvent, DeviceReport, PasswordLink, Person
from server.models.types import utcnow

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def world(make):
    class World:
        district = make.district()
        lincoln = make.school(district, "Lincoln")
        grant = make.school(district, "Grant")
        district_admin = make.person("admin", district=district)
        school_admin = make.person("admin", school=lincoln)
        teacher = make.person("teacher", "observer", school=lincoln, email="tess@example.org")
        stranger = make.person("teacher", school=grant)
        other_admin = make.person("admin", district=make.district())
    return World


def new_person(api, status=201, **body):
    response = api.post("/api/admin/people", json={"name": "Nia Nguyen", "email": "Nia@Example.org",
                                                   "roles": ["teacher"], **body})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def link_for(api, person_id):
    response = api.post(f"/api/admin/people/{person_id}/password-link")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["url"].rsplit("/", 1)[1]


def enrol(api):
    return api.post("/api/devices", json={"name": "Cart iPad"}).get_json()


def push(client, device, **report):
    return client.post("/api/sync/push", json={"device_id": device["device_id"], "ops": [], **report},
                       headers={"Authorization": f"Bearer {device['token']}"})


def pull(client, device, query=""):
    return client.get(f"/api/sync/pull?cursor=0{query}", headers={"Authorization": f"Bearer {device['token']}"})


# --- adding people -----------------------------------------------------------------------------

def test_school_admin_adds_a_teacher_to_their_school_who_sets_a_password_and_signs_in(world, api_as, client):
    admin = api_as(world.school_admin)
    person = new_person(admin, school_id=world.lincoln.id)
    assert person["email"] == "nia@example.org" and person["roles"] == ["teacher"]
    assert person["school_id"] == world.lincoln.id and person["active"] is True
    assert person["id"] in {p["id"] for p in admin.get("/api/admin/people").get_json()["people"]}
    assert client.post("/api/auth/login", json={"email": "nia@example.org", "password": NEW_PASSWORD}).status_code == 401
    token = link_for(admin, person["id"])
    answer = client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD})
    assert answer.status_code == 200 and answer.get_json()["email"] == "nia@example.org"
    assert client.post("/api/auth/login", json={"email": "nia@example.org", "password": NEW_PASSWORD}).status_code == 200


def test_district_admin_adds_a_district_wide_person(world, api_as):
    person = new_person(api_as(world.district_admin), roles=["district_staff", "observer", "observer"])
    assert person["school_id"] is None and person["roles"] == ["district_staff", "observer"]


@pytest.mark.parametrize("who,body,field", [
    ("school_admin", {"roles": ["district_staff"]}, "school_id"),   # district-wide: not theirs to make
    ("school_admin", {"school_id": "grant"}, "school_id"),          # another school of the district
    ("district_admin", {"school_id": "other"}, "school_id"),         # a school of another district
    ("district_admin", {"roles": ["teacher"]}, "school_id"),         # a teacher needs a school
    ("district_admin", {"email": "TESS@example.org", "school_id": "lincoln"}, "email"),  # taken
])
def test_people_outside_the_admins_scope_or_rules_are_refused_field_by_field(world, api_as, make, who, body, field):
    schools = {"grant": world.grant.id, "lincoln": world.lincoln.id, "other": make.school().id}
    if body.get("school_id") in schools:
        body = {**body, "school_id": schools[body["school_id"]]}
    error = new_person(api_as(getattr(world, who)), 422, **body)["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field], error
    assert Person.by_email("nia@example.org") is None


def test_adding_a_person_is_audited(world, api_as):
    person = new_person(api_as(world.school_admin), school_id=world.lincoln.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "person_created"))
    assert event.actor_id == world.school_admin.id and event.subject_id == person["id"]
    assert event.detail["roles"] == ["teacher"]


# --- changing people ---------------------------------------------------------------------------

def test_admin_changes_name_roles_and_school_and_new_roles_end_the_persons_sessions(world, api_as):
    teacher_api = api_as(world.teacher)
    admin = api_as(world.district_admin)
    response = admin.patch(f"/api/admin/people/{world.teacher.id}",
                           json={"name": "Tess Lind", "roles": ["observer", "teacher"], "school_id": world.grant.id})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Tess Lind" and response.get_json()["school_id"] == world.grant.id
    assert teacher_api.get("/api/me").status_code == 200  # roles unchanged: still signed in
    response = admin.patch(f"/api/admin/people/{world.teacher.id}", json={"roles": ["teacher"]})
    assert response.get_json()["roles"] == ["teacher"] and "effect" not in response.get_json()
    assert teacher_api.get("/api/me").status_code == 401
    kinds = db.session.scalars(select(AuditEvent.kind).where(AuditEvent.subject_id == world.teacher.id)).all()
    assert kinds.count("person_changed") == 2


def test_school_admin_cannot_move_a_person_out_of_their_school_nor_drop_their_own_admin_role(world, api_as):
    admin = api_as(world.school_admin)
    moved = admin.patch(f"/api/admin/people/{world.teacher.id}", json={"school_id": world.grant.id})
    assert moved.status_code == 422 and list(moved.get_json()["error"]["fields"]) == ["school_id"]
    wide = admin.patch(f"/api/admin/people/{world.teacher.id}", json={"school_id": None})
    assert wide.status_code == 422
    own = admin.patch(f"/api/admin/people/{world.school_admin.id}", json={"roles": ["observer"]})
    assert own.status_code == 422 and list(own.get_json()["error"]["fields"]) == ["roles"]
    assert admin.patch(f"/api/admin/people/{world.stranger.id}", json={"name": "X"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Person, world.teacher.id).school_id == world.lincoln.id


def test_deactivation_says_how_many_tablets_were_signed_out_and_what_they_had_not_sent(world, api_as, client):
    teacher_api = api_as(world.teacher)
    reporting, silent, lost = enrol(teacher_api), enrol(teacher_api), enrol(teacher_api)
    assert push(client, reporting, unsent=4, app_version="3f2a9c").status_code == 200
    assert push(client, lost, unsent=9).status_code == 200
    admin = api_as(world.school_admin)
    assert admin.delete(f"/api/admin/people/{world.teacher.id}/devices/{lost['device_id']}").status_code == 200
    response = admin.patch(f"/api/admin/people/{world.teacher.id}", json={"active": False})
    effect = response.get_json()["effect"]
    assert effect["devices_revoked"] == 2 and effect["unsent_changes"] == 4
    assert effect["devices_not_reporting"] == 1 and effect["sessions_ended"] == 1
    assert "2 tablets were signed out" in effect["message"] and "4 changes" in effect["message"]
    assert pull(client, silent).status_code == 401


# --- one-time password links -------------------------------------------------------------------

def test_a_link_sets_the_password_once_and_ends_every_session(world, api_as, client):
    teacher_api = api_as(world.teacher)
    device = enrol(teacher_api)
    token = link_for(api_as(world.school_admin), world.teacher.id)
    stored = db.session.scalars(select(PasswordLink.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0]
    assert client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD}).status_code == 200
    assert teacher_api.get("/api/me").status_code == 401
    assert pull(client, device).status_code == 200  # devices keep their own tokens
    again = client.post("/api/auth/password", json={"token": token, "password": "another password!"})
    assert again.status_code == 422 and again.get_json()["error"]["code"] == "link_not_valid"
    assert api_as(None).client.post("/api/auth/login", json={"email": world.teacher.email,
                                                             "password": NEW_PASSWORD}).status_code == 200
    kinds = db.session.scalars(select(AuditEvent.kind)).all()
    assert "password_link_made" in kinds and "password_set_by_link" in kinds and "password_link_refused" in kinds


def test_used_expired_replaced_and_unknown_links_answer_the_same(world, api_as, client, make):
    admin = api_as(world.school_admin)
    used = link_for(admin, world.teacher.id)
    client.post("/api/auth/password", json={"token": used, "password": NEW_PASSWORD})
    replaced = link_for(admin, world.teacher.id)
    expired = link_for(admin, world.school_admin.id)
    live = link_for(admin, world.teacher.id)  # replaces `replaced`
    db.session.execute(update(PasswordLink).where(PasswordLink.person_id == world.school_admin.id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    answers = [client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD})
               for token in (used, replaced, expired, "not-a-token-at-all")]
    assert {a.status_code for a in answers} == {422}
    assert len({json.dumps(a.get_json(), sort_keys=True) for a in answers}) == 1
    assert client.post("/api/auth/password", json={"token": live, "password": NEW_PASSWORD}).status_code == 200


def test_a_link_made_72_hours_ago_has_expired(world, api_as, client):
    token = link_for(api_as(world.school_admin), world.teacher.id)
    link = db.session.scalar(select(PasswordLink))
    assert link.expires_at - link.created_at == timedelta(hours=72)
    db.session.execute(update(PasswordLink).values(expires_at=utcnow()))
    db.session.commit()
    assert client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD}).status_code == 422


def test_deactivating_a_person_kills_their_link_and_inactive_people_get_none(world, api_as, client):
    admin = api_as(world.school_admin)
    token = link_for(admin, world.teacher.id)
    admin.patch(f"/api/admin/people/{world.teacher.id}", json={"active": False})
    assert client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD}).status_code == 422
    refused = admin.post(f"/api/admin/people/{world.teacher.id}/password-link")
    assert refused.status_code == 409


def test_the_new_password_follows_the_password_rules(world, api_as, client):
    token = link_for(api_as(world.school_admin), world.teacher.id)
    short = client.post("/api/auth/password", json={"token": token, "password": "nine char"})
    assert short.status_code == 422 and list(short.get_json()["error"]["fields"]) == ["password"]
    assert client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD}).status_code == 200


def test_setting_a_password_from_a_signed_in_browser_needs_no_csrf_token_but_a_same_site_origin(world, api_as):
    token = link_for(api_as(world.school_admin), world.teacher.id)
    browser = api_as(world.stranger).client  # signed in, but sends no X-CSRF-Token
    cross = browser.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD},
                         headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert browser.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD}).status_code == 200


def test_guessing_tokens_from_one_address_is_throttled(world, api_as, client, app):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    token = link_for(api_as(world.school_admin), world.teacher.id)
    for guess in range(3):
        assert client.post("/api/auth/password", json={"token": f"guess{guess}", "password": NEW_PASSWORD}).status_code == 422
    refused = client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    other = client.post("/api/auth/password", json={"token": token, "password": NEW_PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200


# --- devices, as an admin sees them ------------------------------------------------------------

def test_admin_sees_each_device_with_its_last_sync_version_and_unsent_changes(world, api_as, client):
    teacher_api = api_as(world.teacher)
    first, second = enrol(teacher_api), enrol(teacher_api)
    assert push(client, first, app_version="v1.2", unsent=7).status_code == 200
    assert pull(client, first, "&unsent=2").status_code == 200  # a pull without a version keeps it
    devices = api_as(world.school_admin).get(f"/api/admin/people/{world.teacher.id}/devices").get_json()["devices"]
    assert [d["id"] for d in devices] == [first["device_id"], second["device_id"]]
    assert devices[0]["app_version"] == "v1.2" and devices[0]["unsent"] == 2 and devices[0]["last_sync_at"]
    assert devices[1]["last_sync_at"] is None and devices[1]["unsent"] is None and devices[1]["revoked_at"] is None


def test_revoking_a_lost_tablet_says_what_becomes_of_its_unsent_changes(world, api_as, client):
    device = enrol(api_as(world.teacher))
    push(client, device, unsent=3)
    admin = api_as(world.district_admin)
    url = f"/api/admin/people/{world.teacher.id}/devices/{device['device_id']}"
    answer = admin.delete(url).get_json()
    assert answer["device"]["revoked_at"] and answer["device"]["unsent"] == 3
    assert "3 changes" in answer["message"] and "can no longer reach the server" in answer["message"]
    assert pull(client, device).status_code == 401
    assert admin.delete(url).status_code == 200  # again: nothing more happens
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "device_revoked")).all()
    assert len(events) == 1 and events[0].actor_id == world.district_admin.id and events[0].detail["unsent"] == 3


def test_devices_of_people_outside_scope_or_of_someone_else_are_not_found(world, api_as):
    device = enrol(api_as(world.stranger))
    school_admin = api_as(world.school_admin)
    assert school_admin.get(f"/api/admin/people/{world.stranger.id}/devices").status_code == 404
    assert school_admin.delete(f"/api/admin/people/{world.stranger.id}/devices/{device['device_id']}").status_code == 404
    # The right admin, but the device named under another person.
    district_admin = api_as(world.district_admin)
    assert district_admin.delete(f"/api/admin/people/{world.teacher.id}/devices/{device['device_id']}").status_code == 404
    assert district_admin.delete(f"/api/admin/people/{world.teacher.id}/devices/nope").status_code == 404


@pytest.mark.parametrize("report", [{"unsent": -1}, {"unsent": "3"}, {"unsent": True}, {"app_version": ""},
                                    {"app_version": "a b"}, {"app_version": "x" * 65}, {"app_version": 5}])
def test_bad_reports_in_a_push_are_field_errors(world, api_as, client, report):
    response = push(client, enrol(api_as(world.teacher)), **report)
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == list(report)


def test_bad_reports_in_a_pull_are_field_errors(world, api_as, client):
    device = enrol(api_as(world.teacher))
    for query, field in (("&unsent=-2", "unsent"), ("&unsent=x", "unsent"), ("&app_version=%00", "app_version")):
        response = pull(client, device, query)
        assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == [field]
    assert db.session.scalar(select(DeviceReport)) is None


# --- any body at all ---------------------------------------------------------------------------

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=8)
PERSON_BODIES = st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={
    "name": JSON_VALUES, "email": st.one_of(JSON_VALUES, st.emails()), "active": JSON_VALUES,
    "roles": st.one_of(JSON_VALUES, st.lists(st.sampled_from(["admin", "teacher", "observer", "x"]), max_size=3)),
    "school_id": st.one_of(JSON_VALUES, st.uuids().map(str)), "token": JSON_VALUES, "password": JSON_VALUES}))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=PERSON_BODIES)
def test_no_body_makes_a_person_route_fail_on_the_server(world, api_as, body):
    """Whatever JSON comes, each new or extended route answers in the error shape or succeeds,
    never 5xx."""
    admin = api_as(world.district_admin)
    for method, url in (("POST", "/api/admin/people"), ("PATCH", f"/api/admin/people/{world.stranger.id}"),
                        ("POST", "/api/auth/password")):
        response = admin.open(method, url, json=body)
        assert response.status_code < 500, (url, body, response.get_json())
        if response.status_code >= 400:
            assert set(response.get_json()["error"]) == {"code", "message", "fields"}
