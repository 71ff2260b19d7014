"""Every API route, called as every role and as outsiders, answers 2xx for exactly the callers the
authorization rules allow. Each call gets fresh objects, so one caller's success cannot change what
the next one sees. A route added without a row here fails `test_every_api_route_is_in_the_matrix`."""
import uuid
from datetime import timedelta

import pytest

from server.extensions import db
from server.models import Feedback, LookFor, LookForTemplate, Observation
from server.models.types import utcnow

CALLERS = ("anonymous", "teacher", "observer", "peer", "district_staff", "school_admin",
           "district_admin", "other_school_teacher", "other_district_admin")
SIGNED_IN = frozenset(CALLERS) - {"anonymous"}
CSV = "email,name,roles,school\n{email},Roster Person,teacher,Lincoln\n"


class World:
    """District 1 with schools Lincoln and Grant, and district 2; one person per caller."""

    def __init__(self, make):
        self.make = make
        self.district = make.district("District One")
        self.lincoln = make.school(self.district, "Lincoln")
        grant = make.school(self.district, "Grant")
        other_district = make.district("District Two")
        self.people = {
            "teacher": make.person("teacher", school=self.lincoln),
            "observer": make.person("observer", school=self.lincoln),
            "peer": make.person("observer", "teacher", school=self.lincoln),
            "district_staff": make.person("district_staff", district=self.district),
            "school_admin": make.person("admin", school=self.lincoln),
            "district_admin": make.person("admin", district=self.district),
            "other_school_teacher": make.person("teacher", "observer", school=grant),
            "other_district_admin": make.person("admin", district=other_district),
        }

    def device_of(self, api_for, owner):
        return api_for(owner).post("/api/devices", json={}).get_json()["device_id"]

    def template(self, status):
        template = LookForTemplate(family_id=str(uuid.uuid4()), version=1, district_id=self.district.id,
                                   school_id=self.lincoln.id, name="Walkthrough", status=status,
                                   published_at=utcnow() if status == "published" else None)
        template.lookfors = [LookFor(position=0, key="target_posted", label="Target posted", kind="yes_no")]
        db.session.add(template)
        db.session.commit()
        return template.id

    def submitted_observation(self):
        observation = Observation(
            id=str(uuid.uuid4()), school_id=self.lincoln.id, teacher_id=self.people["teacher"].id,
            observer_id=self.people["observer"].id, started_at=utcnow() - timedelta(hours=1),
            status="submitted")
        db.session.add(observation)
        db.session.add(Feedback(id=str(uuid.uuid4()), observation_id=observation.id, released=True))
        db.session.commit()
        return observation.id


def roster_csv():
    return dict(data=CSV.format(email=f"new{uuid.uuid4().hex[:8]}@example.org"), content_type="text/csv")


def template_body(world):
    return dict(json={"name": "New", "school_id": world.lincoln.id,
                      "lookfors": [{"key": "k", "label": "K", "kind": "count"}]})


def with_device(api, url, **kwargs):
    """Sync routes take an enrolled device's token: the caller enrols one first (if signed in)."""
    if api.csrf is None:
        return url, kwargs
    device = api.post("/api/devices", json={}).get_json()
    headers = {"Authorization": f"Bearer {device['token']}"}
    if "json" in kwargs:
        kwargs["json"] = {**kwargs["json"], "device_id": device["device_id"]}
    return url, {**kwargs, "headers": headers}


# (method, rule) -> (set-up(world, api_as, caller's client) returning (url, request kwargs),
#                    callers who may use it)
MATRIX = {
    ("GET", "/api/health"): (lambda w, a, c: ("/api/health", {}), set(CALLERS)),
    ("GET", "/api/openapi.json"): (lambda w, a, c: ("/api/openapi.json", {}), set(CALLERS)),
    ("POST", "/api/auth/login"): (
        lambda w, a, c: ("/api/auth/login", dict(json={"email": w.people["teacher"].email,
                                                    "password": "correct horse battery staple"})),
        set(CALLERS)),
    ("POST", "/api/auth/logout"): (lambda w, a, c: ("/api/auth/logout", {}), set(CALLERS)),
    ("GET", "/api/me"): (lambda w, a, c: ("/api/me", {}), SIGNED_IN),
    ("POST", "/api/devices"): (lambda w, a, c: ("/api/devices", dict(json={})), SIGNED_IN),
    ("GET", "/api/devices"): (lambda w, a, c: ("/api/devices", {}), SIGNED_IN),
    ("DELETE", "/api/devices/<device_id>"): (
        lambda w, a, c: (f"/api/devices/{w.device_of(a, w.people['teacher'])}", {}),
        {"teacher", "school_admin", "district_admin"}),
    ("GET", "/api/admin/people"): (
        lambda w, a, c: ("/api/admin/people", {}), {"school_admin", "district_admin", "other_district_admin"}),
    ("PATCH", "/api/admin/people/<person_id>"): (
        lambda w, a, c: (f"/api/admin/people/{w.people['teacher'].id}", dict(json={"active": True})),
        {"school_admin", "district_admin"}),
    ("POST", "/api/admin/roster"): (
        lambda w, a, c: ("/api/admin/roster", roster_csv()),
        {"school_admin", "district_admin", "other_district_admin"}),
    ("GET", "/api/observations"): (lambda w, a, c: ("/api/observations", {}), SIGNED_IN),
    ("GET", "/api/observations/<observation_id>"): (
        lambda w, a, c: (f"/api/observations/{w.submitted_observation()}", {}),
        {"teacher", "observer", "district_staff"}),
    ("GET", "/api/templates"): (lambda w, a, c: ("/api/templates", {}), SIGNED_IN),
    ("POST", "/api/templates"): (
        lambda w, a, c: ("/api/templates", template_body(w)), {"district_staff", "school_admin", "district_admin"}),
    ("GET", "/api/templates/<template_id>"): (
        lambda w, a, c: (f"/api/templates/{w.template('published')}", {}),
        {"teacher", "observer", "peer", "district_staff", "school_admin", "district_admin"}),
    ("PATCH", "/api/templates/<template_id>"): (
        lambda w, a, c: (f"/api/templates/{w.template('draft')}", dict(json={"name": "Renamed"})),
        {"district_staff", "school_admin", "district_admin"}),
    ("POST", "/api/templates/<template_id>/publish"): (
        lambda w, a, c: (f"/api/templates/{w.template('draft')}/publish", {}),
        {"district_staff", "school_admin", "district_admin"}),
    ("POST", "/api/sync/push"): (
        lambda w, a, c: with_device(c, "/api/sync/push", json={"device_id": str(uuid.uuid4()), "ops": []}),
        SIGNED_IN),
    ("GET", "/api/sync/pull"): (lambda w, a, c: with_device(c, "/api/sync/pull"), SIGNED_IN),
    ("GET", "/api/conflicts"): (lambda w, a, c: ("/api/conflicts", {}), SIGNED_IN),
    ("GET", "/api/sync/rejected"): (lambda w, a, c: ("/api/sync/rejected", {}), SIGNED_IN),
}


def api_rules(app):
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_in_the_matrix(app):
    assert api_rules(app) == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_allows_exactly_the_permitted_callers(route, make, api_as):
    world = World(make)
    set_up, permitted = MATRIX[route]
    allowed = set()
    for caller in CALLERS:
        api = api_as(world.people.get(caller))
        url, kwargs = set_up(world, api_as, api)
        response = api.open(route[0], url, **kwargs)
        assert response.status_code < 500, (caller, response.get_json())
        if response.status_code < 300:
            allowed.add(caller)
        else:
            assert response.status_code in (401, 403, 404, 422), (caller, response.status_code)
    assert allowed == permitted


# --- record ids that collide across entities and districts --------------------------------

ENTITIES = ("observation", "note", "feedback")
NOTE_AT = "2026-11-20T14:05:00Z"
ID_TAKEN = {"record_id": ["This id is already used by another record; create the record with a new id."]}


def _planted(world, api_as, entity):
    """A record of `entity` in district one, its observation carrying an open conflict; its id."""
    from tests.sync.helpers import Tablet

    observer, teacher = world.people["observer"], world.people["teacher"]
    tablet, laptop = Tablet(api_as(observer), "tablet"), Tablet(api_as(observer), "laptop")
    observation_id = tablet.create_observation(world.lincoln.id, teacher.id, observer.id, status="submitted")
    ids = {"observation": observation_id, "note": str(uuid.uuid4()), "feedback": str(uuid.uuid4())}
    tablet.op("note", ids["note"], {"observation_id": observation_id, "element": "task", "text": "Secret",
                                    "at": NOTE_AT})
    tablet.op("feedback", ids["feedback"], {"observation_id": observation_id, "glow": "Secret", "released": True})
    tablet.sync()
    laptop.pull()
    for device, words in ((tablet, "Secret A"), (laptop, "Secret B")):
        device.op("observation", observation_id, {"task": words})
        device.op("feedback", ids["feedback"], {"glow": words})
    tablet.push()
    laptop.push()
    return ids[entity]


# The observer's own record of the same entity is not a collision: an op on it is an edit.
COLLISIONS = [(existing, created, who) for existing in ENTITIES for created in ENTITIES
              for who in ("other_district_observer", "same_observer")
              if not (who == "same_observer" and existing == created)]


@pytest.mark.parametrize("existing,created,who", COLLISIONS)
def test_a_record_id_already_taken_cannot_be_created_again_as_any_entity(make, api_as, existing, created, who):
    """Whoever creates a record under an id that any record has, of any entity and district, is
    refused with the same words, and never receives that record or its conflicts."""
    from tests.sync.helpers import Tablet

    world = World(make)
    taken = _planted(world, api_as, existing)
    if who == "same_observer":
        person, school, teacher = world.people["observer"], world.lincoln, world.people["teacher"]
    else:
        school = make.school(make.district("District Three"))
        person, teacher = make.person("observer", school=school), make.person("teacher", school=school)
    tablet = Tablet(api_as(person), "creator")
    parent = tablet.create_observation(school.id, teacher.id, person.id)
    fields = {"observation": {"school_id": school.id, "teacher_id": teacher.id, "observer_id": person.id},
              "note": {"observation_id": parent, "element": "task", "text": "Mine", "at": NOTE_AT},
              "feedback": {"observation_id": parent, "glow": "Mine"}}[created]
    tablet.op(created, taken, fields)
    results = tablet.push()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["errors"] == ID_TAKEN
    fresh = Tablet(api_as(person), "fresh")
    pulled = [change for page in fresh.pull() for change in page["changes"]]
    if who == "other_district_observer":
        assert [(c["entity"], c["record_id"]) for c in pulled] == [("observation", parent)]
    assert (created, taken) not in {(c["entity"], c["record_id"]) for c in pulled}
    for change in pulled:
        assert all((conflict["entity"], conflict["record_id"]) == (change["entity"], change["record_id"])
                   for conflict in change.get("conflicts", [])), change
