"""GET /api/openapi.json is a valid OpenAPI 3.1 document that describes every API route, with its
authentication, inputs and answers, and the answers the API really gives conform to it."""
import uuid

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from server import create_app
from server.openapi import api_routes, openapi_document
from tests.builders import PASSWORD
from tests.conftest import TEST_CONFIG
from tests.sync.helpers import Tablet

ROSTER = "email,name,roles,school\n{email},Rosa Roster,teacher,{school}\n"


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(document):
    return {(method.upper(), path): operation for path, methods in document["paths"].items()
            for method, operation in methods.items()}


def openapi_path(rule: str) -> str:
    return rule.replace("<", "{").replace(">", "}")


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    errors = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_every_api_route_is_described_and_nothing_else(app, document):
    routes = {(method, openapi_path(rule)) for method, rule in api_routes(app)}
    assert len(routes) >= 20
    assert set(operations(document)) == routes


def test_a_route_added_without_a_description_stops_the_document(migrated_database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migrated_database})
    app.add_url_rule("/api/undescribed", "undescribed", lambda: "", methods=["POST"])
    with pytest.raises(LookupError, match="/api/undescribed"):
        openapi_document(app)


def test_anyone_may_read_the_document_and_caches_must_check_back(client, document):
    response = client.get("/api/openapi.json")
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/api/openapi.json", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert operations(document)[("GET", "/api/openapi.json")]["security"] == []


def test_authentication_is_stated_per_route(document):
    ops = operations(document)
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie", "name": "rounds_session"}
    assert schemes["csrf"] == {**schemes["csrf"], "type": "apiKey", "in": "header", "name": "X-CSRF-Token"}
    assert schemes["deviceToken"] == {**schemes["deviceToken"], "type": "http", "scheme": "bearer"}
    for public in (("GET", "/api/health"), ("POST", "/api/auth/login")):
        assert ops[public]["security"] == []
    for device_only in (("POST", "/api/sync/push"), ("GET", "/api/sync/pull")):
        assert ops[device_only]["security"] == [{"deviceToken": []}]
    assert ops[("GET", "/api/observations")]["security"] == [{"session": []}, {"deviceToken": []}]
    for key, operation in ops.items():
        if key[0] != "GET" and operation["security"]:
            assert all("csrf" in s for s in operation["security"] if "session" in s), key


def test_every_error_answer_is_the_one_error_shape(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}
    for key, operation in operations(document).items():
        assert "401" in operation["responses"], key
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_inputs_are_described(document):
    ops = operations(document)
    roster = ops[("POST", "/api/admin/roster")]["requestBody"]["content"]
    assert set(roster) == {"text/csv"} and roster["text/csv"]["schema"]["type"] == "string"
    assert {p["name"] for p in ops[("GET", "/api/sync/pull")]["parameters"]} == {"cursor", "limit", "app_version",
                                                                                 "unsent"}
    assert {p["name"] for p in ops[("GET", "/api/observations")]["parameters"]} == {"limit", "offset"}
    login = document["components"]["schemas"]["Login"]
    assert set(login["required"]) == {"email", "password"} and login["additionalProperties"] is False
    assert ops[("PATCH", "/api/templates/{template_id}")]["parameters"][0]["in"] == "path"
    new_lookfor = document["components"]["schemas"]["NewLookFor"]["properties"]
    assert new_lookfor["key"]["pattern"] == "^[a-z][a-z0-9_]{0,39}$"


class Conformance:
    """Checks answers against the document: the status is one the route documents, and the body
    validates against the schema documented for that status."""

    def __init__(self, app, document):
        self.adapter = app.url_map.bind("localhost")
        self.document = document
        self.ops = operations(document)
        self.seen = set()

    def check(self, method, path, response):
        rule, _args = self.adapter.match(path.split("?")[0], method=method, return_rule=True)
        key = (method, openapi_path(rule.rule))
        documented = self.ops[key]["responses"]
        status = str(response.status_code)
        assert status in documented, f"{method} {path} answered {status}; documented: {sorted(documented)}"
        self.seen.add((key, status))
        content = documented[status].get("content")
        if content is None:
            assert response.data == b"", (method, path)
            return response
        assert response.mimetype in content, (method, path, response.mimetype)
        if not response.is_json:  # a file answered (an export): its media type is documented
            return response
        schema = {**content[response.mimetype]["schema"], "components": self.document["components"]}
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.get_json())]
        assert not errors, f"{method} {path} {status}: {errors[:5]}"
        return response


@pytest.fixture
def conforms(app, document):
    return Conformance(app, document)


def call(conforms, api, method, path, **kwargs):
    return conforms.check(method, path, api.open(method, path, **kwargs))


def test_real_answers_conform_to_the_document(make, api_as, conforms):
    school = make.school(name="Lincoln")
    principal = make.person("observer", "admin", school=school, name="Maria Lopez")
    teacher = make.person("teacher", school=school, name="Alice Moreno")
    anonymous = api_as(None)
    browser = api_as(principal)

    call(conforms, anonymous, "GET", "/api/health")
    call(conforms, anonymous, "GET", "/api/openapi.json")
    assert call(conforms, anonymous, "GET", "/api/me").status_code == 401
    assert call(conforms, anonymous, "POST", "/api/auth/login",
                json={"email": principal.email, "password": "wrong"}).status_code == 401
    assert call(conforms, anonymous, "POST", "/api/auth/login", data="{", content_type="application/json"
                ).status_code == 400
    assert call(conforms, anonymous, "POST", "/api/auth/login",
                json={"email": principal.email, "password": PASSWORD}).status_code == 200
    assert call(conforms, browser, "GET", "/api/me").get_json()["csrf_token"]

    # Templates: create, list, read, edit the draft, publish, make and refuse a second draft.
    created = call(conforms, browser, "POST", "/api/templates", json={
        "name": "Core walkthrough", "school_id": school.id,
        "lookfors": [{"key": "target_posted", "label": "Target posted", "kind": "yes_no"},
                     {"key": "demand", "label": "Demand", "kind": "scale", "levels": ["Low", "High"]}]})
    assert created.status_code == 201
    template_id = created.get_json()["id"]
    assert call(conforms, browser, "POST", "/api/templates", json={"name": " ", "lookfors": []}).status_code == 422
    call(conforms, browser, "GET", "/api/templates?status=draft")
    assert call(conforms, browser, "GET", "/api/templates?status=other").status_code == 422
    call(conforms, browser, "GET", f"/api/templates/{template_id}")
    assert call(conforms, browser, "PATCH", f"/api/templates/{template_id}", json={"name": "Core"}).status_code == 200
    call(conforms, browser, "POST", f"/api/templates/{template_id}/publish")
    assert call(conforms, browser, "POST", f"/api/templates/{template_id}/publish").status_code == 409
    assert call(conforms, browser, "PATCH", f"/api/templates/{template_id}", json={"name": "Core 2"}).status_code == 201
    assert call(conforms, browser, "PATCH", f"/api/templates/{template_id}", json={"name": "Core 3"}).status_code == 409
    assert len(call(conforms, browser, "GET", f"/api/templates/{template_id}/versions").get_json()["versions"]) == 2
    assert call(conforms, browser, "GET", f"/api/templates/{uuid.uuid4()}").status_code == 404

    # Sync from two tablets of the principal: records, a refused op, a conflict.
    tablet, laptop = Tablet(browser, "tablet"), Tablet(browser, "laptop")
    assert call(conforms, browser, "POST", "/api/devices", json={"name": "Spare"}).status_code == 201
    call(conforms, browser, "GET", "/api/devices")
    observation = tablet.create_observation(school.id, teacher.id, principal.id, subject="Math")
    tablet.op("note", str(uuid.uuid4()), {"observation_id": observation, "element": "teacher",
                                          "text": "Asks 'How do you know?'", "at": "2030-01-15T10:00:00Z"})
    tablet.op("feedback", str(uuid.uuid4()), {"observation_id": observation, "glow": "Pairs justified.",
                                              "support_due": "2030-01-20", "released": True})
    tablet.op("observation", observation, {"students_present": 5000}, base_version=1)
    bearer = {"Authorization": f"Bearer {tablet.token}"}
    call(conforms, browser, "POST", "/api/sync/push", headers=bearer,
         json={"device_id": tablet.device_id, "ops": tablet.outbox + [7, None, {"seq": "x"}]})
    tablet.sync()
    laptop.pull()
    tablet.op("observation", observation, {"subject": "Mathematics", "status": "submitted"})
    laptop.op("observation", observation, {"subject": "Geometry"})
    tablet.push()
    pushed = call(conforms, browser, "POST", "/api/sync/push", headers={"Authorization": f"Bearer {laptop.token}"},
                  json={"device_id": laptop.device_id, "ops": laptop.outbox}).get_json()
    assert pushed["results"][0]["status"] == "conflict"
    assert call(conforms, browser, "POST", "/api/sync/push", headers=bearer,
                json={"device_id": str(uuid.uuid4()), "ops": []}).status_code == 422
    pulled = call(conforms, browser, "GET", "/api/sync/pull?cursor=0&limit=2", headers=bearer).get_json()
    assert pulled["has_more"] and "reference" not in pulled
    last = call(conforms, browser, "GET", f"/api/sync/pull?cursor={pulled['cursor']}", headers=bearer).get_json()
    assert last["reference"]["templates"]
    assert call(conforms, browser, "GET", "/api/sync/pull").status_code == 403
    assert call(conforms, browser, "GET", "/api/sync/pull?limit=0", headers=bearer).status_code == 422
    assert call(conforms, browser, "GET", "/api/conflicts").get_json()["conflicts"]
    assert call(conforms, browser, "GET", "/api/sync/rejected").get_json()["rejected"]
    assert call(conforms, browser, "GET", "/api/me", headers=bearer).get_json()["csrf_token"] is None

    # Reading observations, as the observer and as the observed teacher.
    assert call(conforms, browser, "GET", "/api/observations?limit=5").get_json()["observations"]
    shown = call(conforms, api_as(teacher), "GET", f"/api/observations/{observation}").get_json()
    assert shown["notes"] and shown["feedback"]
    assert call(conforms, browser, "GET", "/api/observations?offset=-1").status_code == 422

    # The feedback loop: the teacher's inbox, read marks, a push subscription and push choices.
    teacher_api = api_as(teacher)
    inbox = call(conforms, teacher_api, "GET", "/api/inbox").get_json()
    assert inbox["items"][0]["kind"] == "feedback_released"
    assert call(conforms, teacher_api, "POST", "/api/inbox/read",
                json={"ids": [inbox["items"][0]["id"]]}).get_json() == {"unread": 0}
    assert call(conforms, teacher_api, "POST", "/api/inbox/read", json={"ids": ["x"]}).status_code == 422
    assert call(conforms, browser, "GET", "/api/push/key").get_json()["public_key"]
    subscription = {"endpoint": "https://8.8.8.8/push/abc", "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}
    assert call(conforms, browser, "POST", "/api/push/subscriptions", json=subscription, headers=bearer
                ).status_code == 201
    assert call(conforms, browser, "POST", "/api/push/subscriptions", json={**subscription, "endpoint": "https://10.0.0.1/"},
                headers=bearer).status_code == 422
    assert call(conforms, browser, "POST", "/api/push/subscriptions", json=subscription).status_code == 403
    assert call(conforms, browser, "DELETE", "/api/push/subscriptions", json={"endpoint": subscription["endpoint"]},
                headers=bearer).status_code == 204
    assert call(conforms, browser, "GET", "/api/push/preferences").get_json()["kinds"]
    assert call(conforms, browser, "PUT", "/api/push/preferences", json={"push_off": ["digest"]}
                ).get_json()["push_off"] == ["digest"]
    assert call(conforms, browser, "PUT", "/api/push/preferences", json={"push_off": ["x"]}).status_code == 422
    assert call(conforms, browser, "GET", "/api/admin/push/problems").get_json() == {"problems": []}

    # Administration: people, a roster, and revoking a device.
    call(conforms, browser, "GET", "/api/admin/people")
    assert call(conforms, browser, "GET", f"/api/admin/people/{teacher.id}").get_json()["id"] == teacher.id
    assert call(conforms, browser, "GET", f"/api/admin/people/{uuid.uuid4()}").status_code == 404
    call(conforms, browser, "PATCH", f"/api/admin/people/{teacher.id}", json={"active": True})
    assert call(conforms, browser, "PATCH", f"/api/admin/people/{principal.id}", json={"active": False}
                ).status_code == 422
    assert call(conforms, api_as(teacher), "GET", "/api/admin/people").status_code == 404
    assert call(conforms, browser, "POST", "/api/admin/roster", data=ROSTER.format(
        email="rosa@example.org", school="Lincoln"), content_type="text/csv").get_json()["people_created"] == 1
    assert call(conforms, browser, "POST", "/api/admin/roster", data="email\n", content_type="text/csv"
                ).status_code == 422
    assert call(conforms, browser, "POST", "/api/admin/roster", json={}).status_code == 415
    previewed = call(conforms, browser, "POST", "/api/admin/roster/preview?deactivate_missing=true",
                     data=ROSTER.format(email="roy@example.org", school="Lincoln"), content_type="text/csv")
    assert previewed.status_code == 201
    assert call(conforms, browser, "POST", f"/api/admin/roster/imports/{previewed.get_json()['id']}/confirm"
                ).status_code == 202
    assert call(conforms, browser, "GET", f"/api/admin/roster/imports/{previewed.get_json()['id']}").get_json()["plan"]
    assert call(conforms, browser, "GET", "/api/admin/roster/imports").get_json()["imports"]
    assert call(conforms, browser, "DELETE", f"/api/devices/{laptop.device_id}").status_code == 204
    assert call(conforms, browser, "POST", "/api/devices", json={}, headers={"X-CSRF-Token": "wrong"}
                ).status_code == 403
    assert call(conforms, browser, "POST", "/api/auth/logout").status_code == 204

    # Reports: district staff's, and the observer's own ratings.
    staff = api_as(make.person("district_staff", school=school))
    for name in ("lookfors", "coverage", "feedback-loop", "core"):
        call(conforms, staff, "GET", f"/api/reports/{name}")
        assert call(conforms, staff, "GET", f"/api/reports/{name}?from=x").status_code == 422
    assert call(conforms, api_as(teacher), "GET", "/api/reports/core").status_code == 404
    call(conforms, api_as(principal), "GET", "/api/reports/my-feedback")

    # Exports and the audit log: district staff's files, and the admin's list of them.
    analyst = api_as(make.person("district_staff", school=school))
    for fmt in ("csv", "jsonl", "zip"):
        assert call(conforms, analyst, "GET", f"/api/exports/observations?format={fmt}").data
    assert call(conforms, analyst, "GET", "/api/exports/observations?from=x").status_code == 422
    assert call(conforms, api_as(teacher), "GET", "/api/exports/observations").status_code == 404
    assert call(conforms, browser_admin := api_as(principal), "GET", "/api/audit?kind=export&limit=2"
                ).get_json()["events"]
    assert call(conforms, browser_admin, "GET", "/api/audit?limit=0").status_code == 422
    assert call(conforms, analyst, "GET", "/api/audit").status_code == 404

    # People added by an admin, a one-time password link used, a person's devices, one revoked.
    added = call(conforms, browser_admin, "POST", "/api/admin/people", json={
        "name": "Nia Nguyen", "email": "nia@example.org", "roles": ["teacher"], "school_id": school.id})
    assert added.status_code == 201
    assert call(conforms, browser_admin, "POST", "/api/admin/people", json={
        "name": "Nia again", "email": "nia@example.org", "roles": ["teacher"], "school_id": school.id}
                ).status_code == 422
    link = call(conforms, browser_admin, "POST", f"/api/admin/people/{added.get_json()['id']}/password-link")
    assert link.status_code == 201
    token = link.get_json()["url"].rsplit("/", 1)[1]
    assert call(conforms, anonymous, "POST", "/api/auth/password",
                json={"token": token, "password": "a brand new passphrase"}).status_code == 200
    assert call(conforms, anonymous, "POST", "/api/auth/password",
                json={"token": token, "password": "a brand new passphrase"}).status_code == 422
    teacher_device = api_as(teacher).post("/api/devices", json={"name": "Cart iPad"}).get_json()
    assert call(conforms, browser_admin, "GET", f"/api/admin/people/{teacher.id}/devices").get_json()["devices"]
    assert call(conforms, browser_admin, "DELETE", f"/api/admin/people/{teacher.id}/devices/{teacher_device['device_id']}"
                ).status_code == 200

    # The district's settings and schools.
    district_admin = api_as(make.person("admin", district=school.district))
    call(conforms, browser_admin, "GET", "/api/admin/settings")
    assert call(conforms, district_admin, "PATCH", "/api/admin/settings", json={"settings": {"max_reminders": 3}}
                ).status_code == 200
    call(conforms, browser_admin, "GET", "/api/admin/schools")
    assert call(conforms, district_admin, "POST", "/api/admin/schools", json={"name": "Grant"}).status_code == 201
    assert call(conforms, browser_admin, "PATCH", f"/api/admin/schools/{school.id}", json={"timezone": None}
                ).status_code == 200

    # The district's judgment words: read, a new version saved, a bad one refused.
    call(conforms, browser_admin, "GET", "/api/admin/judgment-words")
    assert call(conforms, district_admin, "PUT", "/api/admin/judgment-words",
                json={"language": "en", "patterns": [{"match": "seem*"}]}).status_code == 200
    assert call(conforms, district_admin, "PUT", "/api/admin/judgment-words",
                json={"language": "en", "patterns": [{"match": ""}]}).status_code == 422

    # Calibration: an observer's own co-observations, the district's figures for its staff.
    call(conforms, browser_admin, "GET", "/api/calibration")
    call(conforms, api_as(make.person("district_staff", district=school.district)), "GET", "/api/reports/calibration")
    assert call(conforms, api_as(teacher), "GET", "/api/reports/calibration").status_code == 404

    answered = {key for key, status in conforms.seen if status.startswith("2")}
    assert answered == set(conforms.ops), f"not called successfully: {set(conforms.ops) - answered}"


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/api/admin/roster", {"POST"}),
    ("GET", "/api/sync/push", {"POST"}),
    ("PUT", "/api/me", {"GET"}),
    ("TRACE", "/api/templates/some-id", {"GET", "PATCH"}),
])
def test_a_method_an_api_route_does_not_take_answers_405_naming_those_it_does(client, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) - {"HEAD", "OPTIONS"} == allowed


def test_options_names_exactly_the_documented_methods_of_each_path(client, document):
    for path, methods in document["paths"].items():
        url = path.replace("{", "").replace("}", "")
        allow = set(client.options(url).headers["Allow"].split(", ")) - {"HEAD", "OPTIONS"}
        assert allow == {method.upper() for method in methods}, path
