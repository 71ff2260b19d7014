"""Every API route, called as every role and as outsiders, answers 2xx for exactly the callers the
authorization rules allow. Each call gets fresh objects, so one caller's success cannot change what
the next one sees. A route added without a row here fails `test_every_api_route_is_in_the_matrix`."""
import uuid
from datetime import timedelta

import pytest

from server.extensions import db
from sqlalchemy import select

from server.models import Feedback, LookFor, LookForTemplate, Notification, Observation
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
        self.grant = grant = make.school(self.district, "Grant")
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

    def seed_readables(self):
        """A submitted observation with released feedback, a draft, and a published and a draft
        template of Lincoln: what READS expects each caller to see, or not."""
        self.observations = {"submitted": self.submitted_observation(), "draft": self.draft_observation()}
        self.templates = {"published": self.template("published"), "draft": self.template("draft")}
        self.notification = self.teacher_notification()

    def teacher_notification(self):
        """The teacher's notification of the submitted observation's released feedback."""
        from server.notify import after_change

        after_change([self.observations["submitted"]])
        db.session.commit()
        return db.session.scalar(select(Notification.id).where(Notification.recipient_id == self.people["teacher"].id))

    def draft_observation(self):
        observation = Observation(id=str(uuid.uuid4()), school_id=self.lincoln.id, teacher_id=self.people["teacher"].id,
                                  observer_id=self.people["observer"].id, started_at=utcnow(), status="draft")
        db.session.add(observation)
        db.session.add(Feedback(id=str(uuid.uuid4()), observation_id=observation.id, glow="Unreleased words"))
        db.session.commit()
        return observation.id

    def device_of(self, api_for, owner):
        return api_for(owner).post("/api/devices", json={}).get_json()["device_id"]

    def password_token(self, api_for):
        """A fresh person's one-time link token, made by the district admin."""
        person = self.make.person("teacher", school=self.lincoln)
        url = api_for(self.people["district_admin"]).post(f"/api/admin/people/{person.id}/password-link").get_json()["url"]
        return url.rsplit("/", 1)[1]

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
        db.session.add(Feedback(id=str(uuid.uuid4()), observation_id=observation.id, glow="Released words",
                                released=True))
        db.session.commit()
        return observation.id


def roster_csv():
    return dict(data=CSV.format(email=f"new{uuid.uuid4().hex[:8]}@example.org"), content_type="text/csv")


def roster_import(world, api_as):
    """A fresh pending roster import, previewed by Lincoln's school admin; its id."""
    return api_as(world.people["school_admin"]).post("/api/admin/roster/preview", **roster_csv()).get_json()["id"]


def template_body(world):
    return dict(json={"name": "New", "school_id": world.lincoln.id,
                      "lookfors": [{"key": "k", "label": "K", "kind": "count"}]})


# A literal public address: it passes the server's check without a DNS look-up.
PUBLIC_ENDPOINT = "https://8.8.8.8/push/"


def subscription_body():
    return {"endpoint": PUBLIC_ENDPOINT + uuid.uuid4().hex,
            "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}


def as_device(api, url, **kwargs):
    """Push subscriptions belong to an enrolled device: the caller enrols one (if signed in)."""
    if api.csrf is None:
        return url, kwargs
    device = api.post("/api/devices", json={}).get_json()
    return url, {**kwargs, "headers": {"Authorization": f"Bearer {device['token']}"}}


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
    ("GET", "/api/admin/people/<person_id>"): (
        lambda w, a, c: (f"/api/admin/people/{w.people['teacher'].id}", {}), {"school_admin", "district_admin"}),
    ("PATCH", "/api/admin/people/<person_id>"): (
        lambda w, a, c: (f"/api/admin/people/{w.people['teacher'].id}", dict(json={"active": True})),
        {"school_admin", "district_admin"}),
    ("POST", "/api/admin/people"): (
        lambda w, a, c: ("/api/admin/people", dict(json={"name": "New", "email": f"n{uuid.uuid4().hex[:8]}@example.org",
                                                         "roles": ["teacher"], "school_id": w.lincoln.id})),
        {"school_admin", "district_admin"}),
    ("POST", "/api/admin/people/<person_id>/password-link"): (
        lambda w, a, c: (f"/api/admin/people/{w.people['teacher'].id}/password-link", {}),
        {"school_admin", "district_admin"}),
    ("POST", "/api/auth/password"): (
        lambda w, a, c: ("/api/auth/password", dict(json={"token": w.password_token(a), "password": "a new password"})),
        set(CALLERS)),
    ("GET", "/api/admin/people/<person_id>/devices"): (
        lambda w, a, c: (f"/api/admin/people/{w.people['teacher'].id}/devices", {}), {"school_admin", "district_admin"}),
    ("DELETE", "/api/admin/people/<person_id>/devices/<device_id>"): (
        lambda w, a, c: (f"/api/admin/people/{w.people['teacher'].id}/devices/{w.device_of(a, w.people['teacher'])}",
                         {}), {"school_admin", "district_admin"}),
    ("POST", "/api/admin/roster"): (
        lambda w, a, c: ("/api/admin/roster", roster_csv()),
        {"school_admin", "district_admin", "other_district_admin"}),
    ("POST", "/api/admin/roster/preview"): (
        lambda w, a, c: ("/api/admin/roster/preview", roster_csv()),
        {"school_admin", "district_admin", "other_district_admin"}),
    ("GET", "/api/admin/roster/imports"): (
        lambda w, a, c: ("/api/admin/roster/imports", {}), {"school_admin", "district_admin", "other_district_admin"}),
    ("GET", "/api/admin/roster/imports/<import_id>"): (
        lambda w, a, c: (f"/api/admin/roster/imports/{roster_import(w, a)}", {}), {"school_admin", "district_admin"}),
    ("POST", "/api/admin/roster/imports/<import_id>/confirm"): (
        lambda w, a, c: (f"/api/admin/roster/imports/{roster_import(w, a)}/confirm", {}),
        {"school_admin", "district_admin"}),
    ("GET", "/api/observations"): (lambda w, a, c: ("/api/observations", {}), SIGNED_IN),
    ("GET", "/api/observations/<observation_id>"): (
        lambda w, a, c: (f"/api/observations/{w.observations['submitted']}", {}),
        {"teacher", "observer", "district_staff"}),
    ("GET", "/api/templates"): (lambda w, a, c: ("/api/templates", {}), SIGNED_IN),
    ("POST", "/api/templates"): (
        lambda w, a, c: ("/api/templates", template_body(w)), {"district_staff", "school_admin", "district_admin"}),
    ("GET", "/api/templates/<template_id>"): (
        lambda w, a, c: (f"/api/templates/{w.templates['published']}", {}),
        {"teacher", "observer", "peer", "district_staff", "school_admin", "district_admin"}),
    ("GET", "/api/templates/<template_id>/versions"): (
        lambda w, a, c: (f"/api/templates/{w.templates['published']}/versions", {}),
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
    ("GET", "/api/push/key"): (lambda w, a, c: ("/api/push/key", {}), SIGNED_IN),
    ("POST", "/api/push/subscriptions"): (
        lambda w, a, c: as_device(c, "/api/push/subscriptions", json=subscription_body()), SIGNED_IN),
    ("DELETE", "/api/push/subscriptions"): (
        lambda w, a, c: as_device(c, "/api/push/subscriptions", json={"endpoint": PUBLIC_ENDPOINT + "gone"}),
        SIGNED_IN),
    ("GET", "/api/push/preferences"): (lambda w, a, c: ("/api/push/preferences", {}), SIGNED_IN),
    ("PUT", "/api/push/preferences"): (
        lambda w, a, c: ("/api/push/preferences", dict(json={"push_off": ["digest"]})), SIGNED_IN),
    ("GET", "/api/inbox"): (lambda w, a, c: ("/api/inbox", {}), SIGNED_IN),
    ("GET", "/api/admin/push/problems"): (
        lambda w, a, c: ("/api/admin/push/problems", {}), {"school_admin", "district_admin", "other_district_admin"}),
    ("POST", "/api/inbox/read"): (lambda w, a, c: ("/api/inbox/read", dict(json={"ids": [w.notification]})), SIGNED_IN),
}
# Reports: district staff's (404 to everyone else), and an observer's own ratings.
MATRIX.update({("GET", f"/api/reports/{name}"): ((lambda url: lambda w, a, c: (url, {}))(f"/api/reports/{name}"),
                                                  {"district_staff"})
               for name in ("lookfors", "coverage", "feedback-loop", "core")})
MATRIX[("GET", "/api/reports/my-feedback")] = (lambda w, a, c: ("/api/reports/my-feedback", {}),
                                               {"observer", "peer", "other_school_teacher"})
# Calibration: anyone's own co-observed lessons (none here); the district's view is district staff's.
MATRIX[("GET", "/api/calibration")] = (lambda w, a, c: ("/api/calibration", {}), SIGNED_IN)
MATRIX[("GET", "/api/reports/calibration")] = (lambda w, a, c: ("/api/reports/calibration", {}), {"district_staff"})

# Exports (district staff only) and the audit log (admins only): 404 to everyone else.
MATRIX[("GET", "/api/exports/observations")] = (lambda w, a, c: ("/api/exports/observations?format=jsonl", {}),
                                                {"district_staff"})
MATRIX[("GET", "/api/audit")] = (lambda w, a, c: ("/api/audit", {}),
                                 {"school_admin", "district_admin", "other_district_admin"})

# The district's settings and schools: every admin reads their own; changes to the district are
# for admins of the whole district (403 to a school admin), a school's for its admins too.
ADMINS = {"school_admin", "district_admin", "other_district_admin"}
MATRIX.update({
    ("GET", "/api/admin/settings"): (lambda w, a, c: ("/api/admin/settings", {}), ADMINS),
    ("PATCH", "/api/admin/settings"): (
        lambda w, a, c: ("/api/admin/settings", dict(json={"settings": {"max_reminders": 3}})),
        {"district_admin", "other_district_admin"}),
    ("GET", "/api/admin/schools"): (lambda w, a, c: ("/api/admin/schools", {}), ADMINS),
    ("POST", "/api/admin/schools"): (
        lambda w, a, c: ("/api/admin/schools", dict(json={"name": f"School {uuid.uuid4().hex[:8]}"})),
        {"district_admin", "other_district_admin"}),
    ("PATCH", "/api/admin/schools/<school_id>"): (
        lambda w, a, c: (f"/api/admin/schools/{w.lincoln.id}", dict(json={"timezone": "America/Chicago"})),
        {"school_admin", "district_admin"}),
})

# The district's judgment words: every admin reads their district's; only admins of the whole
# district save a new version (403 to a school admin).
MATRIX.update({
    ("GET", "/api/admin/judgment-words"): (lambda w, a, c: ("/api/admin/judgment-words", {}), ADMINS),
    ("PUT", "/api/admin/judgment-words"): (
        lambda w, a, c: ("/api/admin/judgment-words", dict(json={"language": "en", "patterns": [{"match": "seem*"}]})),
        {"district_admin", "other_district_admin"}),
})

# Who is refused how: a caller outside a route's permitted set gets 401 when anonymous, 403 when a
# role is missing, 404 for an object outside what they may see, and 422 only where named here.
FORBIDDEN_WITHOUT_ROLE = {"teacher", "observer", "peer", "district_staff", "other_school_teacher"}
# The admin routes answer 404 to anyone who is not an admin: to them, those routes do not exist.
NOT_ADMIN = dict.fromkeys(FORBIDDEN_WITHOUT_ROLE, 404)
REFUSED = {
    ("GET", "/api/admin/people"): NOT_ADMIN,
    ("GET", "/api/admin/people/<person_id>"): NOT_ADMIN,
    ("PATCH", "/api/admin/people/<person_id>"): NOT_ADMIN,
    ("POST", "/api/admin/people"): {**NOT_ADMIN,
                                    # Lincoln is not a school of their district: a field error.
                                    "other_district_admin": 422},
    ("POST", "/api/admin/people/<person_id>/password-link"): NOT_ADMIN,
    ("GET", "/api/admin/people/<person_id>/devices"): NOT_ADMIN,
    ("DELETE", "/api/admin/people/<person_id>/devices/<device_id>"): NOT_ADMIN,
    ("POST", "/api/admin/roster"): NOT_ADMIN,
    ("POST", "/api/admin/roster/preview"): NOT_ADMIN,
    ("GET", "/api/admin/roster/imports"): NOT_ADMIN,
    ("GET", "/api/admin/push/problems"): NOT_ADMIN,
    ("GET", "/api/admin/settings"): NOT_ADMIN,
    ("PATCH", "/api/admin/settings"): {**NOT_ADMIN, "school_admin": 403},
    ("GET", "/api/admin/schools"): NOT_ADMIN,
    ("POST", "/api/admin/schools"): {**NOT_ADMIN, "school_admin": 403},
    ("PATCH", "/api/admin/schools/<school_id>"): NOT_ADMIN,
    ("GET", "/api/admin/judgment-words"): NOT_ADMIN,
    ("PUT", "/api/admin/judgment-words"): {**NOT_ADMIN, "school_admin": 403},
    ("POST", "/api/templates"): {**dict.fromkeys({"teacher", "observer", "peer", "other_school_teacher"}, 403),
                                 # The school named is not one they may see: a field error, and no
                                 # word on whether that school exists.
                                 "other_district_admin": 422},
}
# The error code inside the error shape, for each refusal status.
ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 422: "invalid"}
SUCCESS = {("POST", "/api/admin/people"): 201, ("POST", "/api/admin/people/<person_id>/password-link"): 201,
           ("POST", "/api/devices"): 201, ("POST", "/api/templates"): 201, ("POST", "/api/auth/logout"): 204,
           ("DELETE", "/api/devices/<device_id>"): 204, ("POST", "/api/push/subscriptions"): 201,
           ("DELETE", "/api/push/subscriptions"): 204, ("POST", "/api/admin/roster/preview"): 201,
           ("POST", "/api/admin/roster/imports/<import_id>/confirm"): 202, ("POST", "/api/admin/schools"): 201}


def expected_status(route, caller) -> int:
    if caller in MATRIX[route][1]:
        return SUCCESS.get(route, 200)
    if caller == "anonymous":
        return 401
    return REFUSED.get(route, {}).get(caller, 404)


def _equal(got, wanted):
    assert got == wanted


def _ids(items) -> set:
    return {item["id"] for item in items}


def _people_in_scope(world, caller, body):
    admin = world.people[caller]
    for person in body["people"]:
        assert person["district_id"] == admin.district_id
        assert admin.school_id is None or person["school_id"] == admin.school_id
    assert admin.id in _ids(body["people"])


def _observations(world, caller, body):
    expected = {"teacher": {"submitted"}, "observer": {"submitted", "draft"}, "district_staff": {"submitted"}}
    assert _ids(body["observations"]) == {world.observations[name] for name in expected.get(caller, ())}


def _observation(world, caller, body):
    assert body["id"] == world.observations["submitted"]
    assert body["feedback"]["glow"] == "Released words"


def _templates(world, caller, body):
    published = {world.templates["published"]}
    writers = {"district_staff", "school_admin", "district_admin"}
    expected = {"other_school_teacher": set(), "other_district_admin": set()}.get(
        caller, published | ({world.templates["draft"]} if caller in writers else set()))
    assert _ids(body["templates"]) == expected


def _devices(world, caller, body):
    """Their own devices; an admin also those of the people in their scope."""
    me = world.people[caller]
    people = {person.id: person for person in world.people.values()}
    assert me.id in {d["person_id"] for d in body["devices"]}
    for device in body["devices"]:
        owner = people[device["person_id"]]
        assert owner.id == me.id or (me.has_role("admin") and owner.district_id == me.district_id
                                     and me.school_id in (None, owner.school_id)), (caller, device)


def _pull(world, caller, body):
    assert body["changes"] == []
    schools = {"other_district_admin": set(), "district_staff": {world.lincoln.id, world.grant.id},
               "district_admin": {world.lincoln.id, world.grant.id},
               "other_school_teacher": {world.grant.id}}.get(caller, {world.lincoln.id})
    assert _ids(body["reference"]["schools"]) == schools


# What a permitted reader receives: exactly what they may see.
READS = {
    ("GET", "/api/me"): lambda w, caller, body: _equal(body["id"], w.people[caller].id),
    ("GET", "/api/admin/people"): _people_in_scope,
    ("GET", "/api/observations"): _observations,
    ("GET", "/api/observations/<observation_id>"): _observation,
    ("GET", "/api/templates"): _templates,
    ("GET", "/api/templates/<template_id>"): lambda w, caller, body: _equal(body["id"], w.templates["published"]),
    ("GET", "/api/templates/<template_id>/versions"): lambda w, caller, body: _equal(
        _ids(body["versions"]), {w.templates["published"]}),
    ("GET", "/api/devices"): _devices,
    ("GET", "/api/sync/pull"): _pull,
    ("GET", "/api/conflicts"): lambda w, caller, body: _equal(body, {"conflicts": []}),
    ("GET", "/api/sync/rejected"): lambda w, caller, body: _equal(body, {"rejected": []}),
    ("GET", "/api/inbox"): lambda w, caller, body: _equal(
        _ids(body["items"]), {w.notification} if caller == "teacher" else set()),
    ("POST", "/api/inbox/read"): lambda w, caller, body: _equal(body, {"unread": 0}),
}
# The district's one submitted walkthrough, and the observer's own (unrated) feedback.
READS[("GET", "/api/reports/feedback-loop")] = lambda w, caller, body: _equal(body["overall"]["n_observations"], 1)
READS[("GET", "/api/reports/my-feedback")] = lambda w, caller, body: _equal(
    body["usefulness"]["n_observations"], 0)
READS[("GET", "/api/calibration")] = lambda w, caller, body: _equal(body, {"co_observations": [], "lookfors": []})

def _audit(world, caller, body):
    """Events of people the admin administers, and nobody else's."""
    me, people = world.people[caller], {person.id: person for person in world.people.values()}
    for event in body["events"]:
        actor = people[event["actor_id"]]
        assert actor.district_id == me.district_id and me.school_id in (None, actor.school_id), (caller, event)


READS[("GET", "/api/audit")] = _audit
READS[("GET", "/api/admin/schools")] = lambda w, caller, body: _equal(
    {school["id"] for school in body["schools"]},
    {"school_admin": {w.lincoln.id}, "district_admin": {w.lincoln.id, w.grant.id}}.get(caller, set()))
READS[("GET", "/api/admin/judgment-words")] = lambda w, caller, body: _equal(
    body["may_change"], caller != "school_admin")
READS[("GET", "/api/admin/settings")] = lambda w, caller, body: _equal(body["id"], w.people[caller].district_id)

def api_rules(app):
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_in_the_matrix(app):
    assert api_rules(app) == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_each_caller_exactly_as_the_rules_say(route, make, api_as):
    world = World(make)
    world.seed_readables()
    set_up, _permitted = MATRIX[route]
    for caller in CALLERS:
        api = api_as(world.people.get(caller))
        if route in READS and caller != "anonymous":
            api.post("/api/devices", json={"name": "the caller's own tablet"})
        url, kwargs = set_up(world, api_as, api)
        response = api.open(route[0], url, **kwargs)
        expected = expected_status(route, caller)
        assert response.status_code == expected, (caller, response.status_code, response.get_json())
        if expected >= 400:
            error = response.get_json()["error"]
            assert error["code"] == ERROR_CODES[expected], (caller, error)
        elif route in READS:
            READS[route](world, caller, response.get_json())


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
