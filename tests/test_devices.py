"""Enrolling devices, bearer tokens, and revoking a lost tablet."""
import uuid

from sqlalchemy import func, select

from server.extensions import db
from server.models import Device


def enrol(api, **body):
    response = api.post("/api/devices", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_enrolled_device_token_works_on_the_api(make, api_as, client, app):
    person = make.person("observer", school=make.school())
    device_id = str(uuid.uuid4())
    enrolled = enrol(api_as(person), device_id=device_id.upper(), name="Library iPad")
    assert enrolled["device_id"] == device_id
    assert len(enrolled["token"]) >= 40
    me = client.get("/api/me", headers={"Authorization": f"Bearer {enrolled['token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == person.id
    with app.app_context():
        device = db.session.get(Device, device_id)
        assert enrolled["token"] not in device.token_hash and len(device.token_hash) == 64
        assert device.last_seen_at is not None


def test_bearer_writes_need_no_csrf_token(make, api_as, client):
    person = make.person()
    token = enrol(api_as(person))["token"]
    response = client.post("/api/devices", json={"name": "second"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_device_id_is_made_by_the_server_when_not_given(make, api_as):
    enrolled = enrol(api_as(make.person()))
    assert uuid.UUID(enrolled["device_id"])


def test_re_enrolling_a_device_replaces_its_token(make, api_as, client):
    api = api_as(make.person())
    first = enrol(api, device_id=str(uuid.uuid4()))
    second = enrol(api, device_id=first["device_id"])
    assert client.get("/api/me", headers={"Authorization": f"Bearer {first['token']}"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": f"Bearer {second['token']}"}).status_code == 200


def test_another_persons_device_id_cannot_be_taken_over(make, api_as):
    school = make.school()
    first = enrol(api_as(make.person(school=school)), device_id=str(uuid.uuid4()))
    response = api_as(make.person(school=school)).post("/api/devices", json={"device_id": first["device_id"]})
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"device_id": ["Already enrolled by another account or revoked."]}


def test_revoked_device_token_fails_at_once(make, api_as, client):
    api = api_as(make.person())
    enrolled = enrol(api)
    assert api.delete(f"/api/devices/{enrolled['device_id']}").status_code == 204
    response = client.get("/api/me", headers={"Authorization": f"Bearer {enrolled['token']}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert api.delete(f"/api/devices/{enrolled['device_id']}").status_code == 204


def test_admin_revokes_a_lost_tablet_of_their_school(make, api_as, client):
    school = make.school()
    teacher_api = api_as(make.person("observer", school=school))
    enrolled = enrol(teacher_api, name="Room 12 tablet")
    admin_api = api_as(make.person("admin", school=school))
    listed = admin_api.get("/api/devices").get_json()["devices"]
    assert [d["id"] for d in listed] == [enrolled["device_id"]]
    assert admin_api.delete(f"/api/devices/{enrolled['device_id']}").status_code == 204
    assert client.get("/api/me", headers={"Authorization": f"Bearer {enrolled['token']}"}).status_code == 401


def test_people_cannot_see_or_revoke_each_others_devices(make, api_as):
    school = make.school()
    owner_api = api_as(make.person(school=school))
    enrolled = enrol(owner_api)
    other_api = api_as(make.person("observer", school=school))
    assert other_api.get("/api/devices").get_json()["devices"] == []
    assert other_api.delete(f"/api/devices/{enrolled['device_id']}").status_code == 404
    other_school_admin = api_as(make.person("admin", school=make.school(make.district())))
    assert other_school_admin.delete(f"/api/devices/{enrolled['device_id']}").status_code == 404
    assert api_as(None).delete(f"/api/devices/{enrolled['device_id']}").status_code == 401
    assert owner_api.get("/api/devices").get_json()["devices"][0]["revoked_at"] is None


def test_malformed_device_id_in_url_is_not_found(make, api_as):
    assert api_as(make.person()).delete("/api/devices/not-a-uuid").status_code == 404


def test_malformed_authorization_headers_are_refused(client):
    for header in ("Basic abc", "Bearer", "Bearer   ", "Bearer rnd_not-a-token"):
        response = client.get("/api/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_bad_enrolment_bodies_are_refused_and_write_nothing(make, api_as, app):
    api = api_as(make.person())
    cases = [
        (dict(data="{not json", content_type="application/json"), 400, "malformed_json"),
        (dict(data="name=x", content_type="application/x-www-form-urlencoded"), 415, "unsupported_media_type"),
        (dict(json=["a list"]), 422, "invalid"),
        (dict(json={"device_id": "not-a-uuid"}), 422, "invalid"),
        (dict(json={"device_id": 12}), 422, "invalid"),
        (dict(json={"name": 5}), 422, "invalid"),
        (dict(json={"name": "x" * 101}), 422, "invalid"),
        (dict(json={"colour": "blue"}), 422, "invalid"),
        (dict(json={"name": "x" * 5_000_000}), 413, "request_entity_too_large"),
    ]
    for kwargs, status, code in cases:
        response = api.post("/api/devices", **kwargs)
        assert response.status_code == status, (kwargs.get("json", kwargs.get("data"))[:40], response.get_json())
        assert response.get_json()["error"]["code"] == code
    fields = api.post("/api/devices", json={"device_id": "nope", "colour": "blue"}).get_json()["error"]["fields"]
    assert fields == {"device_id": ["Not a valid UUID."], "colour": ["Unknown field."]}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 0
