"""A template's look-for may stand for an instructional-core field of the observation (today
`task_demand`), so that the observer answers it once. Only known fields may be bound, with the
field's own values as levels; published versions keep their bindings, or lack of them, for good,
so old observations keep their meaning."""
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from schemas.templates import CORE_FIELD_LEVELS
from server import create_app
from server.extensions import db
from server.models import LookFor, LookForTemplate
from tests.conftest import TEST_CONFIG
from tests.sync.helpers import Tablet

DEMANDS = list(CORE_FIELD_LEVELS["task_demand"])
DEMAND = {"key": "task_demand", "label": "Cognitive demand of the task", "kind": "scale", "levels": DEMANDS}
POSTED = {"key": "target_posted", "label": "Learning target posted", "kind": "yes_no", "levels": None}
BOUND = {**DEMAND, "binds": "task_demand"}


def body(*lookfors) -> dict:
    return {"name": "Instructional core", "problem_of_practice": "", "lookfors": list(lookfors)}


def published(api, *lookfors) -> dict:
    draft = api.post("/api/templates", json=body(*lookfors))
    assert draft.status_code == 201, draft.get_json()
    response = api.post(f"/api/templates/{draft.get_json()['id']}/publish")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def field_errors(response, path: str):
    assert response.status_code == 422, response.get_json()
    found = response.get_json()["error"]["fields"]
    for part in path.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return found


@pytest.fixture
def school(make, api_as):
    district = make.district()
    school = make.school(district)
    admin = make.person("admin", district=district)
    observer = make.person("observer", school=school)
    teacher = make.person("teacher", school=school)
    return {"school": school, "admin": api_as(admin), "observer": observer, "teacher": teacher,
            "observer_api": api_as(observer)}


def test_a_lookfor_bound_to_task_demand_reaches_readers_and_tablets_with_its_binding(school):
    template = published(school["admin"], POSTED, BOUND)
    assert template["lookfors"] == [POSTED, BOUND]
    tablet = Tablet(school["observer_api"])
    reference = tablet.pull()[-1]["reference"]
    [shown] = [t for t in reference["templates"] if t["id"] == template["id"]]
    assert shown["lookfors"][1]["binds"] == "task_demand"
    # A look-for that stands for no field says nothing of bindings: the shape readers knew stays.
    assert "binds" not in shown["lookfors"][0]
    row = db.session.query(LookFor).filter_by(template_id=template["id"], key="task_demand").one()
    assert row.binds == "task_demand"


@pytest.mark.parametrize("lookfors, path, message", [
    ([{**DEMAND, "binds": "grade"}], "lookfors.0.binds",
     "A look-for can stand for one of these fields only: task_demand."),
    ([{**DEMAND, "binds": 7}], "lookfors.0.binds", "Not a valid string."),
    ([{"key": "demand", "label": "Demand", "kind": "text", "levels": None, "binds": "task_demand"}],
     "lookfors.0.kind", "A look-for that stands for task_demand is a scale."),
    ([{**BOUND, "levels": list(reversed(DEMANDS))}], "lookfors.0.levels",
     "A look-for that stands for task_demand has its values as levels, in this order: "
     "Recall, Skill or concept, Strategic thinking, Extended thinking."),
    ([{**BOUND, "levels": ["Low", "Medium", "High"]}], "lookfors.0.levels",
     "A look-for that stands for task_demand has its values as levels, in this order: "
     "Recall, Skill or concept, Strategic thinking, Extended thinking."),
    ([BOUND, {**BOUND, "key": "task_demand_again"}], "lookfors.1.binds",
     "Another look-for of this template stands for this field."),
])
def test_a_binding_that_does_not_fit_a_core_field_is_refused_and_nothing_is_written(school, lookfors, path,
                                                                                     message):
    before = db.session.query(LookForTemplate).count()
    response = school["admin"].post("/api/templates", json=body(*lookfors))
    assert field_errors(response, path) == [message]
    assert db.session.query(LookForTemplate).count() == before


def test_editing_a_draft_can_bind_and_unbind_a_lookfor(school):
    api = school["admin"]
    draft = api.post("/api/templates", json=body(POSTED, DEMAND)).get_json()
    bound = api.patch(f"/api/templates/{draft['id']}", json={"lookfors": [POSTED, BOUND]})
    assert bound.status_code == 200 and bound.get_json()["lookfors"][1]["binds"] == "task_demand"
    unbound = api.patch(f"/api/templates/{draft['id']}", json={"lookfors": [POSTED, DEMAND]})
    assert unbound.status_code == 200 and unbound.get_json()["lookfors"] == [POSTED, DEMAND]


def test_a_published_binding_never_changes_and_the_next_version_starts_from_it(school):
    api = school["admin"]
    first = published(api, POSTED, BOUND)
    renamed = api.patch(f"/api/templates/{first['id']}", json={"name": "Instructional core, v2"})
    assert renamed.status_code == 201
    second = renamed.get_json()
    assert second["version"] == 2 and second["lookfors"] == [POSTED, BOUND]
    unbound = api.patch(f"/api/templates/{second['id']}", json={"lookfors": [POSTED, DEMAND]})
    assert unbound.get_json()["lookfors"] == [POSTED, DEMAND]
    assert api.get(f"/api/templates/{first['id']}").get_json() == first


def test_observations_made_before_the_binding_keep_their_lookfor_answer_apart_from_task_demand(school):
    """Version 1 asked "Cognitive demand" as a look-for of its own; version 2 binds it to
    task_demand. A walkthrough recorded under version 1 keeps both answers, and its template."""
    api = school["admin"]
    first = published(api, POSTED, DEMAND)
    tablet = Tablet(school["observer_api"])
    old = tablet.create_observation(school["school"].id, school["teacher"].id, school["observer"].id,
                                    template_id=first["id"], template_version=1, task_demand="Strategic thinking",
                                    lookfors={"task_demand": "Recall", "target_posted": True})
    tablet.sync()
    second = api.patch(f"/api/templates/{first['id']}", json={"lookfors": [POSTED, BOUND]}).get_json()
    assert api.post(f"/api/templates/{second['id']}/publish").status_code == 200
    new = tablet.create_observation(school["school"].id, school["teacher"].id, school["observer"].id,
                                    template_id=second["id"], template_version=2, task_demand="Recall")
    pushed = tablet.sync()
    assert [r["status"] for r in pushed["results"]] == ["applied"]

    fresh = Tablet(school["observer_api"], "second tablet")
    pages = fresh.pull()
    old_record = fresh.records[("observation", old)]["data"]
    assert (old_record["template_id"], old_record["template_version"]) == (first["id"], 1)
    assert old_record["task_demand"] == "Strategic thinking"
    assert old_record["lookfors"] == {"task_demand": "Recall", "target_posted": True}
    assert fresh.records[("observation", new)]["data"]["task_demand"] == "Recall"
    versions = {t["version"]: t["lookfors"] for t in pages[-1]["reference"]["templates"]}
    assert versions == {1: [POSTED, DEMAND], 2: [POSTED, BOUND]}


def test_upgrading_leaves_existing_lookfors_unbound_and_feedback_unread(scratch_database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="b4479f437956")
        ids = {"district": "6a1f0a4e-0a41-4b7c-9d56-0d6b1f9f0001", "template": "6a1f0a4e-0a41-4b7c-9d56-0d6b1f9f0002",
               "lookfor": "6a1f0a4e-0a41-4b7c-9d56-0d6b1f9f0003"}
        if db.engine.dialect.name == "sqlite":
            ids = {k: v.replace("-", "") for k, v in ids.items()}
        for sql in (
            "INSERT INTO districts (id, name, timezone, created_at) VALUES (:district, 'D', 'UTC', CURRENT_TIMESTAMP)",
            "INSERT INTO lookfor_templates (id, family_id, version, district_id, name, problem_of_practice, status, "
            "created_at) VALUES (:template, :template, 1, :district, 'T', '', 'published', CURRENT_TIMESTAMP)",
            "INSERT INTO lookfors (id, template_id, position, key, label, kind) "
            "VALUES (:lookfor, :template, 0, 'task_demand', 'Demand', 'scale')",
        ):
            db.session.execute(text(sql), ids)
        db.session.commit()
        upgrade(revision="a6dfbc579814")
        binds = db.session.execute(text("SELECT binds FROM lookfors")).scalar_one()
        read_column = db.session.execute(text("SELECT count(read_at) FROM feedback")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert binds is None and read_column == 0
