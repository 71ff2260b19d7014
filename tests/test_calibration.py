"""Calibration visits: co-observed walkthroughs linked offline, scores hidden from co-observers until
everyone has submitted (sync pull and the observations API alike), agreement per look-for for the
observers, and district staff's per-look-for report that names no observer."""
import json
import uuid

import pytest

from server.extensions import db
from server.models import LookFor, LookForTemplate
from server.rounds.agreement import cohen_kappa, lookfor_agreement
from tests.sync.helpers import Tablet

LOOKFORS = [
    {"key": "target_posted", "label": "Learning target posted", "kind": "yes_no"},
    {"key": "students_state_target", "label": "Students can say what they learn", "kind": "scale",
     "levels": ["None", "A few", "Most", "All"]},
    {"key": "task_demand", "label": "Cognitive demand", "kind": "scale",
     "levels": ["Recall", "Skill or concept", "Strategic thinking", "Extended thinking"], "binds": "task_demand"},
    {"key": "student_questions", "label": "Questions asked by students", "kind": "count"},
    {"key": "evidence_of_thinking", "label": "Evidence of thinking", "kind": "text"},
]


class World:
    def __init__(self, make, api_as):
        self.api_as = api_as
        self.district = make.district()
        self.school = make.school(self.district, name="Lincoln")
        self.other_school = make.school(self.district, name="Jefferson")
        self.maria = make.person("observer", school=self.school, name="Maria Lopez")
        self.derek = make.person("observer", school=self.school, name="Derek Chen")
        # A district coach: observes, and as district staff reads submitted walkthroughs.
        self.coach = make.person("observer", "district_staff", district=self.district, name="Coach Quinn")
        self.teacher = make.person("teacher", school=self.school, name="Alice Moreno")
        self.teacher2 = make.person("teacher", school=self.school, name="Ben Turner")
        self.staff = make.person("district_staff", district=self.district, name="Sam Okafor")
        self.school_staff = make.person("district_staff", school=self.other_school)
        template = LookForTemplate(family_id=str(uuid.uuid4()), version=1, district_id=self.district.id,
                                   name="Walkthrough", status="published")
        template.lookfors = [LookFor(position=n, key=l["key"], label=l["label"], kind=l["kind"],
                                     levels=l.get("levels"), binds=l.get("binds")) for n, l in enumerate(LOOKFORS)]
        db.session.add(template)
        db.session.commit()
        self.template_id = template.id
        self.tablets = {}

    def tablet(self, person) -> Tablet:
        if person.id not in self.tablets:
            self.tablets[person.id] = Tablet(self.api_as(person), name=f"{person.name}'s tablet")
        return self.tablets[person.id]

    def walkthrough(self, person, co_id, teacher=None, task_demand=None, **lookfors) -> str:
        teacher = teacher or self.teacher
        return self.tablet(person).create_observation(
            self.school.id, teacher.id, person.id, template_id=self.template_id, template_version=1,
            co_observation_id=co_id, task_demand=task_demand, lookfors=lookfors,
            started_at="2026-11-20T09:00:00Z")

    def submit(self, person, record_id):
        tablet = self.tablet(person)
        tablet.op("observation", record_id, {"status": "submitted"}, base_version=tablet_version(tablet, record_id))
        return tablet.push()


def tablet_version(tablet, record_id):
    tablet.pull()
    return tablet.records[("observation", record_id)]["version"]


@pytest.fixture
def world(make, api_as):
    return World(make, api_as)


def statuses(body):
    return [result["status"] for result in body["results"]]


def pulled_ids(tablet):
    tablet.pull()
    return {record_id for entity, record_id in tablet.records if entity == "observation"}


def test_each_co_observer_keeps_their_own_walkthrough_linked_by_the_co_observation_id(world):
    co_id = str(uuid.uuid4())
    mine = world.walkthrough(world.maria, co_id, target_posted=True)
    theirs = world.walkthrough(world.derek, co_id, target_posted=False)
    assert statuses(world.tablet(world.maria).push()) == ["applied"]
    assert statuses(world.tablet(world.derek).push()) == ["applied"]
    maria = world.api_as(world.maria)
    own = maria.get(f"/api/observations/{mine}").get_json()
    assert own["co_observation_id"] == co_id and own["observer_id"] == world.maria.id
    assert maria.get(f"/api/observations/{theirs}").status_code == 404


def test_co_observers_never_see_each_others_scores_before_all_submitted(world):
    co_id = str(uuid.uuid4())
    coach = world.walkthrough(world.coach, co_id, target_posted=True)
    derek = world.walkthrough(world.derek, co_id, target_posted=False)
    world.tablet(world.coach).push()
    world.tablet(world.derek).push()
    world.submit(world.derek, derek)
    # Derek has submitted; the coach, as district staff, would read his walkthrough, but not while
    # co-observing the same lesson: not through pull, not through the API, no calibration yet.
    assert derek not in pulled_ids(world.tablet(world.coach))
    coach_api = world.api_as(world.coach)
    assert coach_api.get(f"/api/observations/{derek}").status_code == 404
    assert derek not in {o["id"] for o in coach_api.get("/api/observations").get_json()["observations"]}
    assert coach_api.get("/api/calibration").get_json()["co_observations"] == []
    assert world.api_as(world.derek).get("/api/calibration").get_json()["co_observations"] == []
    # Staff who did not co-observe read it as any submitted walkthrough.
    assert world.api_as(world.staff).get(f"/api/observations/{derek}").status_code == 200

    world.submit(world.coach, coach)
    for person in (world.coach, world.derek):
        visits = world.api_as(person).get("/api/calibration").get_json()["co_observations"]
        assert [v["co_observation_id"] for v in visits] == [co_id]
        target = next(lf for lf in visits[0]["lookfors"] if lf["key"] == "target_posted")
        assert sorted(map(json.dumps, target["values"])) == sorted(map(json.dumps, [
            {"observer_id": world.coach.id, "value": True}, {"observer_id": world.derek.id, "value": False}]))
        assert target["closeness"] == "different"
    # Comparing happens in calibration only: the walkthrough itself stays the other's.
    assert derek not in pulled_ids(world.tablet(world.coach))
    assert coach_api.get(f"/api/observations/{derek}").status_code == 404


def test_a_member_still_writing_keeps_the_lesson_out_of_everyones_calibration(world):
    co_id = str(uuid.uuid4())
    ids = {p.id: world.walkthrough(p, co_id, target_posted=True) for p in (world.maria, world.derek, world.coach)}
    for person in (world.maria, world.derek, world.coach):
        world.tablet(person).push()
    world.submit(world.maria, ids[world.maria.id])
    world.submit(world.derek, ids[world.derek.id])
    assert world.api_as(world.maria).get("/api/calibration").get_json()["co_observations"] == []
    world.submit(world.coach, ids[world.coach.id])
    visit = world.api_as(world.maria).get("/api/calibration").get_json()["co_observations"][0]
    assert [o["name"] for o in visit["observers"]] and len(visit["observers"]) == 3
    assert [o["you"] for o in visit["observers"]].count(True) == 1


def test_joining_is_checked_a_walkthrough_joins_once_one_per_observer_same_lesson(world):
    co_id = str(uuid.uuid4())
    world.walkthrough(world.maria, co_id)
    world.tablet(world.maria).push()
    # The web app starts the walkthrough, then sets the link: null -> id is allowed once.
    derek = world.walkthrough(world.derek, None)
    tablet = world.tablet(world.derek)
    tablet.push()
    tablet.op("observation", derek, {"co_observation_id": co_id}, base_version=tablet_version(tablet, derek))
    assert statuses(tablet.push()) == ["applied"]
    tablet.op("observation", derek, {"co_observation_id": str(uuid.uuid4())}, base_version=tablet_version(tablet, derek))
    body = tablet.push()
    assert statuses(body) == ["rejected"]
    assert body["results"][0]["errors"] == {"co_observation_id": ["A walkthrough joins a co-observation once; it cannot change."]}
    # A second walkthrough of Maria's in the same co-observation, or one of another teacher.
    world.walkthrough(world.maria, co_id)
    world.walkthrough(world.coach, co_id, teacher=world.teacher2)
    assert world.tablet(world.maria).push()["results"][0]["errors"] == {
        "co_observation_id": ["You already have a walkthrough in this co-observation."]}
    assert world.tablet(world.coach).push()["results"][0]["errors"] == {
        "co_observation_id": ["This co-observation is of another lesson: check the teacher and the code."]}
    # Not a UUID.
    world.walkthrough(world.coach, "K7M-4QP")
    assert world.tablet(world.coach).push()["results"][0]["errors"] == {"co_observation_id": ["Not a valid UUID."]}


ALREADY_IN = {"co_observation_id": ["You already have a walkthrough in this co-observation."]}


def test_two_walkthroughs_of_one_observer_in_one_push_cannot_join_the_same_co_observation(world):
    co_id = str(uuid.uuid4())
    tablet = world.tablet(world.maria)
    first = world.walkthrough(world.maria, co_id)
    second = world.walkthrough(world.maria, co_id)
    body = tablet.push()
    assert statuses(body) == ["applied", "rejected"] and body["results"][1]["errors"] == ALREADY_IN
    assert pulled_ids(tablet) == {first}
    refused = world.api_as(world.maria).get("/api/sync/rejected").get_json()["rejected"]
    assert [r["op"]["record_id"] for r in refused] == [second] and refused[0]["errors"] == ALREADY_IN


def test_a_walkthrough_joined_earlier_in_the_same_push_counts_as_a_member(world):
    co_id = str(uuid.uuid4())
    tablet = world.tablet(world.maria)
    stored = world.walkthrough(world.maria, None)
    tablet.push()
    # One push: the stored walkthrough joins, then a new one starts unlinked and tries to join.
    tablet.op("observation", stored, {"co_observation_id": co_id}, base_version=tablet_version(tablet, stored))
    later = world.walkthrough(world.maria, None)
    tablet.op("observation", later, {"co_observation_id": co_id})
    body = tablet.push()
    assert statuses(body) == ["applied", "applied", "rejected"] and body["results"][2]["errors"] == ALREADY_IN
    # Another observer still joins, and one of another lesson is still told so.
    world.walkthrough(world.derek, co_id)
    assert statuses(world.tablet(world.derek).push()) == ["applied"]
    world.walkthrough(world.coach, co_id, teacher=world.teacher2)
    assert world.tablet(world.coach).push()["results"][0]["errors"] == {
        "co_observation_id": ["This co-observation is of another lesson: check the teacher and the code."]}


def co_observe(world, pairs_of_answers):
    """One submitted co-observation of Maria and Derek per (maria's, derek's) answers."""
    for maria_answers, derek_answers in pairs_of_answers:
        co_id = str(uuid.uuid4())
        ids = [world.walkthrough(world.maria, co_id, **maria_answers), world.walkthrough(world.derek, co_id, **derek_answers)]
        for person, record_id in zip((world.maria, world.derek), ids):
            world.tablet(person).push()
            world.submit(person, record_id)


LESSONS = [
    ({"target_posted": True, "students_state_target": "Most", "student_questions": 3, "task_demand": "Recall"},
     {"target_posted": True, "students_state_target": "A few", "student_questions": 4, "task_demand": "Recall"}),
    ({"target_posted": False, "students_state_target": "Most", "student_questions": 0},
     {"target_posted": True, "students_state_target": "All", "student_questions": 0}),
    ({"target_posted": True, "students_state_target": "None", "student_questions": 7},
     {"target_posted": True, "students_state_target": "None", "student_questions": 6}),
]


def test_my_calibration_gives_agreement_per_lookfor_overall_and_with_each_partner(world):
    co_observe(world, LESSONS)
    body = world.api_as(world.maria).get("/api/calibration").get_json()
    assert len(body["co_observations"]) == 3
    by_key = {line["key"]: line for line in body["lookfors"]}
    assert "evidence_of_thinking" not in by_key  # free text has no agreement figures
    scale = by_key["students_state_target"]
    units = [[m.get("students_state_target"), d.get("students_state_target")] for m, d in LESSONS]
    expected = lookfor_agreement(LOOKFORS[1], units)
    assert {k: scale[k] for k in expected} == expected
    assert scale["n"] == 3 and scale["exact"] == {"value": 0.333, "n": 3} and scale["adjacent"] == {"value": 1.0, "n": 3}
    [partner] = scale["partners"]
    assert partner["name"] == "Derek Chen" and partner["n"] == 3
    target = by_key["target_posted"]["partners"][0]
    # Maria said no once where Derek said yes, and Derek always said yes: no better than chance.
    assert target["kappa"] == {"value": round(cohen_kappa([(1, 1), (0, 1), (1, 1)]), 3), "n": 3} == {"value": 0.0, "n": 3}
    # task_demand is answered in its own field; only one lesson has both answers.
    assert by_key["task_demand"]["n"] == 1 and by_key["task_demand"]["exact"]["value"] == 1.0
    closeness = [next(lf for lf in visit["lookfors"] if lf["key"] == "students_state_target")["closeness"]
                 for visit in body["co_observations"]]
    assert sorted(closeness) == ["next_level", "next_level", "same"]


def test_district_report_per_lookfor_with_n_and_no_observer_named(world, make):
    co_observe(world, LESSONS)
    response = world.api_as(world.staff).get("/api/reports/calibration")
    assert response.status_code == 200
    body = response.get_json()
    assert body["co_observations"] == 3
    scale = next(line for line in body["lookfors"] if line["key"] == "students_state_target")
    assert scale["n"] == 3 and scale["schools"] == 1 and "partners" not in scale
    text = response.get_data(as_text=True)
    for person in (world.maria, world.derek):
        assert person.name not in text and person.id not in text
    alphas = [line["alpha"]["value"] for line in body["lookfors"] if line["alpha"]["value"] is not None]
    assert alphas == sorted(alphas)  # the look-fors read least alike first


def test_who_may_not_read_calibration(world, make):
    co_observe(world, LESSONS[:1])
    # Staff of another school of the district, and of another district, see none of it.
    assert world.api_as(world.school_staff).get("/api/reports/calibration").get_json()["co_observations"] == 0
    elsewhere = make.district()
    far_staff = make.person("district_staff", district=elsewhere)
    assert world.api_as(far_staff).get("/api/reports/calibration").get_json()["co_observations"] == 0
    far_observer = make.person("observer", school=make.school(elsewhere))
    assert world.api_as(far_observer).get("/api/calibration").get_json() == {"co_observations": [], "lookfors": []}
    # The teacher observed, an admin and an observer are not district staff: no report for them.
    admin = make.person("admin", district=world.district)
    for person in (world.teacher, admin, world.maria):
        assert world.api_as(person).get("/api/reports/calibration").status_code == 404
    assert world.api_as(world.teacher).get("/api/calibration").get_json()["co_observations"] == []
    assert world.api_as(None).get("/api/calibration").status_code == 401
    assert world.api_as(None).get("/api/reports/calibration").status_code == 401


def test_answers_with_figures_conform_to_the_openapi_document(world, app):
    from server.openapi import openapi_document
    from tests.test_openapi import Conformance

    co_observe(world, LESSONS)
    conforms = Conformance(app, openapi_document(app))
    for person, path in ((world.maria, "/api/calibration"), (world.staff, "/api/reports/calibration"),
                         (world.maria, "/api/reports/calibration")):
        conforms.check("GET", path, world.api_as(person).get(path))


def test_the_demo_has_a_co_observed_lesson_with_agreement_figures(app, client):
    from server.demo import PASSWORD, seed_demo
    from tests.builders import ApiClient

    with app.app_context():
        assert seed_demo()
    principal = ApiClient(app.test_client())
    principal.login("principal@demo.rounds", PASSWORD)
    mine = principal.get("/api/calibration").get_json()
    assert len(mine["co_observations"]) == 2
    assert {o["name"] for visit in mine["co_observations"] for o in visit["observers"]} == {"Maria Lopez", "Priya Nair"}
    scale = next(line for line in mine["lookfors"] if line["key"] == "students_state_target")
    assert scale["n"] == 2 and scale["exact"]["value"] == 0.0 and scale["adjacent"]["value"] == 1.0
    assert scale["partners"][0]["name"] == "Priya Nair"
    analyst = ApiClient(app.test_client())
    analyst.login("analyst@demo.rounds", PASSWORD)
    report = analyst.get("/api/reports/calibration").get_json()
    assert report["co_observations"] == 2 and all(line["n"] == 2 for line in report["lookfors"])
