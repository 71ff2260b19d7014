"""Look-for templates: writers create them, edit them into new versions and publish them; readers
see the published ones that apply to their school, and nothing else."""
import uuid

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEvent, LookFor, LookForTemplate
from server.templates import create_template, publish

LOOKFORS = [
    {"key": "turn_and_talk", "label": "Students turn and talk", "kind": "yes_no", "levels": None},
    {"key": "questions", "label": "Depth of questions", "kind": "scale",
     "levels": ["Recall", "Explain", "Justify"]},
]
BODY = {"name": "Student discourse", "problem_of_practice": "Students rarely explain their thinking.",
        "lookfors": LOOKFORS}
SCALE = {"key": "q", "label": "Q", "kind": "scale"}


def rows() -> tuple:
    """How many templates, look-fors and audit events the database holds."""
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (LookForTemplate, LookFor, AuditEvent))


def created(api, **changes) -> dict:
    response = api.post("/api/templates", json={**BODY, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def seeded(district, school=None, status="published", name="Walkthrough") -> str:
    template = create_template(district.id, school.id if school else None, name, "", LOOKFORS[:1])
    if status == "published":
        publish(template)
    db.session.commit()
    return template.id


def field_errors(response, path: str):
    """The messages at a dotted path of the error's `fields` (None if there are none there)."""
    assert response.status_code == 422, response.get_json()
    found = response.get_json()["error"]["fields"]
    for part in path.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return found


def test_admin_creates_a_draft_template(make, api_as):
    admin = make.person("admin", district=make.district())
    template = created(api_as(admin))
    assert template["status"] == "draft" and template["version"] == 1
    assert template["family_id"] != template["id"] and uuid.UUID(template["family_id"])
    assert template["school_id"] is None and template["district_id"] == admin.district_id
    assert template["published_at"] is None and template["created_at"]
    assert (template["name"], template["problem_of_practice"]) == (BODY["name"], BODY["problem_of_practice"])
    assert template["lookfors"] == LOOKFORS
    assert api_as(admin).get(f"/api/templates/{template['id']}").get_json() == template
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "template_created"))
    assert event.actor_id == admin.id and event.subject_id == template["id"]


def test_school_admin_writes_templates_for_their_own_school_only(make, api_as):
    school = make.school()
    api = api_as(make.person("admin", school=school))
    assert created(api, school_id=school.id.upper())["school_id"] == school.id
    before = rows()
    elsewhere = api.post("/api/templates", json={**BODY, "school_id": make.school(make.district()).id})
    assert field_errors(elsewhere, "school_id") == ["No school with this id is within your scope."]
    district_wide = api.post("/api/templates", json=BODY)
    assert district_wide.status_code == 403 and "school_id" in district_wide.get_json()["error"]["fields"]
    assert rows() == before


def test_observers_and_teachers_cannot_create_templates(make, api_as):
    school = make.school()
    callers = [api_as(make.person(*roles, school=school)) for roles in (["observer"], ["teacher", "observer"])]
    before = rows()
    for api in callers:
        assert api.post("/api/templates", json=BODY).status_code == 403
    assert api_as(None).post("/api/templates", json=BODY).status_code == 401
    assert rows() == before


def test_draft_is_edited_in_place(make, api_as):
    api = api_as(make.person("district_staff", district=make.district()))
    draft = created(api)
    lookfors = [{"key": "questions", "label": "Students ask questions", "kind": "count", "levels": None}]
    response = api.patch(f"/api/templates/{draft['id']}", json={"name": "Questions", "lookfors": lookfors})
    assert response.status_code == 200
    edited = response.get_json()
    assert (edited["id"], edited["version"], edited["status"]) == (draft["id"], 1, "draft")
    assert edited["name"] == "Questions" and edited["lookfors"] == lookfors
    assert edited["problem_of_practice"] == BODY["problem_of_practice"]
    assert rows()[:2] == (1, 1)


def test_published_template_never_changes(make, api_as):
    api = api_as(make.person("admin", district=make.district()))
    first = created(api)
    published = api.post(f"/api/templates/{first['id']}/publish").get_json()
    response = api.patch(f"/api/templates/{first['id']}", json={"name": "Discourse, v2"})
    assert response.status_code == 201
    second = response.get_json()
    assert second["id"] != first["id"] and second["family_id"] == first["family_id"]
    assert (second["version"], second["status"], second["name"]) == (2, "draft", "Discourse, v2")
    assert second["lookfors"] == LOOKFORS and second["published_at"] is None
    assert api.get(f"/api/templates/{first['id']}").get_json() == published
    kinds = db.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("template_%"))
                               .order_by(AuditEvent.id)).all()
    assert kinds == ["template_created", "template_published", "template_version_created"]


def test_a_template_has_one_draft_at_a_time(make, api_as):
    api = api_as(make.person("admin", district=make.district()))
    first = created(api)
    api.post(f"/api/templates/{first['id']}/publish")
    draft = api.patch(f"/api/templates/{first['id']}", json={}).get_json()
    before = rows()
    response = api.patch(f"/api/templates/{first['id']}", json={"name": "Another"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "draft_exists" and draft["id"] in error["message"]
    assert error["fields"] == {"id": [draft["id"]]}
    assert rows() == before
    api.post(f"/api/templates/{draft['id']}/publish")
    assert api.patch(f"/api/templates/{first['id']}", json={}).get_json()["version"] == 3


def test_publishing_makes_a_draft_the_version_observers_use(make, api_as):
    school = make.school()
    admin, observer = make.person("admin", school=school), make.person("observer", school=school)
    draft = created(api_as(admin), school_id=school.id)
    assert api_as(observer).get(f"/api/templates/{draft['id']}").status_code == 404
    response = api_as(admin).post(f"/api/templates/{draft['id']}/publish")
    assert response.status_code == 200
    assert response.get_json()["status"] == "published" and response.get_json()["published_at"]
    assert api_as(observer).get(f"/api/templates/{draft['id']}").get_json() == response.get_json()
    again = api_as(admin).post(f"/api/templates/{draft['id']}/publish")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_published"


def test_list_is_ordered_by_name_then_version_and_filters_by_status(make, api_as):
    api = api_as(make.person("admin", district=make.district()))
    created(api, name="Zeta")
    alpha = created(api, name="Alpha")
    api.post(f"/api/templates/{alpha['id']}/publish")
    api.patch(f"/api/templates/{alpha['id']}", json={})

    def listed(query=""):
        return [(t["name"], t["version"]) for t in api.get(f"/api/templates{query}").get_json()["templates"]]

    assert listed() == [("Alpha", 1), ("Alpha", 2), ("Zeta", 1)]
    assert listed("?status=published") == [("Alpha", 1)]
    assert listed("?status=draft") == [("Alpha", 2), ("Zeta", 1)]
    assert field_errors(api.get("/api/templates?status=archived"), "status")


def test_observers_see_only_published_templates_for_their_school(make, api_as):
    district = make.district()
    lincoln, grant = make.school(district), make.school(district)
    shown = {seeded(district, name="District-wide"), seeded(district, lincoln, name="Lincoln")}
    hidden = [seeded(district, lincoln, status="draft"), seeded(district, grant, name="Grant")]
    api = api_as(make.person("observer", school=lincoln))
    assert {t["id"] for t in api.get("/api/templates").get_json()["templates"]} == shown
    for template_id in hidden:
        assert api.get(f"/api/templates/{template_id}").status_code == 404
    grant_admin = api_as(make.person("admin", school=grant))
    assert grant_admin.get(f"/api/templates/{hidden[0]}").status_code == 404


def test_another_districts_admin_finds_no_template(make, api_as):
    district = make.district()
    draft, published = seeded(district, status="draft"), seeded(district)
    outsider = api_as(make.person("admin", district=make.district()))
    before = rows()
    for template_id in (draft, published, "not-a-uuid"):
        assert outsider.get(f"/api/templates/{template_id}").status_code == 404
        assert outsider.patch(f"/api/templates/{template_id}", json={"name": "Mine"}).status_code == 404
        assert outsider.post(f"/api/templates/{template_id}/publish").status_code == 404
    assert outsider.get("/api/templates").get_json() == {"templates": []}
    assert rows() == before


def test_readers_who_may_not_write_a_template_are_refused(make, api_as):
    district = make.district()
    school = make.school(district)
    template_id, draft_id = seeded(district), seeded(district, status="draft")
    readers = [api_as(make.person(role, school=school)) for role in ("observer", "teacher", "admin")]
    before = rows()
    for api in readers:
        assert api.patch(f"/api/templates/{template_id}", json={"name": "X"}).status_code == 403
        assert api.post(f"/api/templates/{template_id}/publish").status_code == 403
        assert api.patch(f"/api/templates/{draft_id}", json={"name": "X"}).status_code == 404
        assert api.post(f"/api/templates/{draft_id}/publish").status_code == 404
    assert rows() == before


@pytest.mark.parametrize("changes, path", [
    ({"name": 5}, "name"), ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "n" * 201}, "name"),
    ({"name": "Nul\x00"}, "name"), ({"problem_of_practice": "p" * 5001}, "problem_of_practice"),
    ({"problem_of_practice": None}, "problem_of_practice"), ({"lookfors": "x"}, "lookfors"),
    ({"lookfors": []}, "lookfors"), ({"lookfors": [{**SCALE, "levels": ["a", "b"], "key": f"k{i}"}
                                                   for i in range(61)]}, "lookfors"),
    ({"lookfors": ["x"]}, "lookfors.0._schema"),
    ({"lookfors": [{**LOOKFORS[0], "levels": ["a", "b"]}]}, "lookfors.0.levels"),
    ({"lookfors": [SCALE]}, "lookfors.0.levels"),
    ({"lookfors": [{**SCALE, "levels": ["only"]}]}, "lookfors.0.levels"),
    ({"lookfors": [{**SCALE, "levels": list("abcdefgh")}]}, "lookfors.0.levels"),
    ({"lookfors": [{**SCALE, "levels": ["a", "a"]}]}, "lookfors.0.levels"),
    ({"lookfors": [{**SCALE, "levels": ["a", ""]}]}, "lookfors.0.levels.1"),
    ({"lookfors": [{**SCALE, "levels": ["a", "\ud800"]}]}, "lookfors.0.levels.1"),
    ({"lookfors": [LOOKFORS[0], {**LOOKFORS[1], "key": "turn_and_talk"}]}, "lookfors.1.key"),
    ({"lookfors": [{**LOOKFORS[0], "key": "Bad Key"}]}, "lookfors.0.key"),
    ({"lookfors": [{**LOOKFORS[0], "key": "trailing\n"}]}, "lookfors.0.key"),
    ({"lookfors": [{**LOOKFORS[0], "key": "k" * 41}]}, "lookfors.0.key"),
    ({"lookfors": [{**LOOKFORS[0], "kind": "stars"}]}, "lookfors.0.kind"),
    ({"lookfors": [{**LOOKFORS[0], "label": "l" * 301}]}, "lookfors.0.label"),
    ({"lookfors": [{**LOOKFORS[0], "colour": "red"}]}, "lookfors.0.colour"),
    ({"lookfors": [{"key": "k", "kind": "count"}]}, "lookfors.0.label"),
    ({"colour": "red"}, "colour"),
])
def test_bad_template_bodies_are_refused_and_nothing_is_written(make, api_as, changes, path):
    api = api_as(make.person("admin", district=make.district()))
    draft = created(api)
    before = rows()
    for response in (api.post("/api/templates", json={**BODY, **changes}),
                     api.patch(f"/api/templates/{draft['id']}", json=changes)):
        assert field_errors(response, path), response.get_json()
        assert response.get_json()["error"]["code"] == "invalid"
    assert rows() == before
    assert api.get(f"/api/templates/{draft['id']}").get_json() == draft


def test_create_needs_its_fields_and_edits_keep_the_school(make, api_as):
    school = make.school()
    api = api_as(make.person("admin", district=make.district()))
    assert field_errors(api.post("/api/templates", json={"lookfors": LOOKFORS}), "name")
    assert field_errors(api.post("/api/templates", json={"name": "N"}), "lookfors")
    assert field_errors(api.post("/api/templates", json=[BODY]), "_schema")
    assert field_errors(api.post("/api/templates", json={**BODY, "school_id": "Lincoln"}), "school_id")
    draft = created(api)
    assert field_errors(api.patch(f"/api/templates/{draft['id']}", json={"school_id": school.id}), "school_id")
    assert rows()[0] == 1


def test_malformed_and_oversized_bodies_are_refused(make, api_as, app):
    api = api_as(make.person("admin", district=make.district()))
    draft = created(api)
    before = rows()
    for method, url in (("POST", "/api/templates"), ("PATCH", f"/api/templates/{draft['id']}")):
        broken = api.open(method, url, data="{", content_type="application/json")
        assert broken.status_code == 400 and broken.get_json()["error"]["code"] == "malformed_json"
        assert api.open(method, url, data="name=x", content_type="text/plain").status_code == 415
        app.config["MAX_CONTENT_LENGTH"] = 200
        assert api.open(method, url, json={**BODY, "name": "n" * 150}).status_code == 413
        app.config["MAX_CONTENT_LENGTH"] = None
    assert rows() == before


def test_version_history_names_who_made_and_published_each_version(make, api_as):
    district = make.district()
    admin, staff = make.person("admin", district=district), make.person("district_staff", district=district)
    first = created(api_as(admin))
    api_as(staff).post(f"/api/templates/{first['id']}/publish")
    second = api_as(staff).patch(f"/api/templates/{first['id']}", json={"name": "Discourse, v2"}).get_json()
    for template_id in (first["id"], second["id"]):
        history = api_as(admin).get(f"/api/templates/{template_id}/versions").get_json()
        assert history["family_id"] == first["family_id"]
        assert [(v["id"], v["version"], v["status"], v["name"]) for v in history["versions"]] == [
            (first["id"], 1, "published", BODY["name"]), (second["id"], 2, "draft", "Discourse, v2")]
        one, two = history["versions"]
        assert one["created_by"] == {"id": admin.id, "name": admin.name}
        assert one["published_by"] == {"id": staff.id, "name": staff.name} and one["published_at"]
        assert two["created_by"] == {"id": staff.id, "name": staff.name}
        assert two["published_by"] is None and two["published_at"] is None


def test_readers_see_only_the_published_versions_in_a_history(make, api_as):
    school = make.school()
    admin, observer = make.person("admin", school=school), make.person("observer", school=school)
    first = created(api_as(admin), school_id=school.id)
    api_as(admin).post(f"/api/templates/{first['id']}/publish")
    api_as(admin).patch(f"/api/templates/{first['id']}", json={})
    history = api_as(observer).get(f"/api/templates/{first['id']}/versions").get_json()
    assert [v["version"] for v in history["versions"]] == [1]
    seeded_by_hand = seeded(school.district, school)
    unknown = api_as(admin).get(f"/api/templates/{seeded_by_hand}/versions").get_json()["versions"]
    assert (unknown[0]["created_by"], unknown[0]["published_by"]) == (None, None)


def test_no_history_for_a_template_the_caller_may_not_read(make, api_as):
    district = make.district()
    lincoln, grant = make.school(district), make.school(district)
    grant_draft = seeded(district, grant, status="draft")
    lincoln_draft = seeded(district, lincoln, status="draft")
    callers = [api_as(make.person("admin", school=lincoln)), api_as(make.person("observer", school=grant)),
               api_as(make.person("admin", district=make.district()))]
    for api in callers:
        assert api.get(f"/api/templates/{grant_draft}/versions").status_code == 404
    assert callers[2].get(f"/api/templates/{lincoln_draft}/versions").status_code == 404
    assert callers[2].get("/api/templates/not-a-uuid/versions").status_code == 404
