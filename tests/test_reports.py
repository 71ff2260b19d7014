"""District reports: figures a district analyst can check by hand, from a small world of
walkthroughs, on both engines. Only submitted, non-deleted walkthroughs of the caller's schools
count; template versions never mix; every view is audited; the CSV holds exactly the figures."""
import csv
import io
import uuid
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, EvidenceNote, Feedback, LookFor, LookForTemplate, Observation
from server.notify import after_change

REPORTS = ("lookfors", "coverage", "feedback-loop", "core")
LOOKFORS = [
    {"key": "target", "label": "Target posted", "kind": "yes_no"},
    {"key": "voice", "label": "Students explain", "kind": "scale", "levels": ["None", "Some", "All"]},
    {"key": "questions", "label": "Student questions", "kind": "count"},
    {"key": "talk", "label": "Student talk", "kind": "timer"},
    {"key": "evidence", "label": "Evidence", "kind": "text"},
    {"key": "demand", "label": "Task demand", "kind": "scale", "binds": "task_demand",
     "levels": ["Recall", "Skill or concept", "Strategic thinking", "Extended thinking"]},
]


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


class World:
    """District One: Lincoln (teachers t1, t2, t4) and Grant (t3); observers o1 and o2; staff of
    the district, of Lincoln only, and of District Two. Template "Walkthrough" v1 and v2.

    | obs | school  | teacher | observer | template | visit (09:00) | look-fors                            |
    | 1   | Lincoln | t1      | o1       | v1       | 2026-01-05    | target yes, voice Some, questions 2, |
    |     |         |         |          |          |               | talk 120, demand Recall              |
    | 2   | Lincoln | t1      | o1       | v1       | 2026-01-07    | target no, voice All, questions 4,   |
    |     |         |         |          |          |               | talk 300                             |
    | 3   | Lincoln | t2      | o2       | v1       | 2026-02-10    | target yes, voice Some, questions 6, |
    |     |         |         |          |          |               | demand Strategic thinking            |
    | 4   | Grant   | t3      | o1       | v1       | 2026-02-11    | target yes, questions 8, demand Odd  |
    | 5   | Lincoln | t2      | o2       | v2       | 2026-02-12    | target yes, questions 100            |
    Never counted: a draft and a deleted walkthrough of t1 (v1, target no), and a walkthrough of
    District Two.
    """

    def __init__(self, make):
        self.district = make.district("District One")
        self.lincoln = make.school(self.district, "Lincoln")
        self.grant = make.school(self.district, "Grant")
        other = make.district("District Two")
        self.far = make.school(other, "Far")
        self.t1 = make.person("teacher", school=self.lincoln, name="Ana One")
        self.t2 = make.person("teacher", school=self.lincoln, name="Ben Two")
        self.t4 = make.person("teacher", school=self.lincoln, name="=Dee Four")
        self.t3 = make.person("teacher", school=self.grant, name="Cy Three")
        self.o1 = make.person("observer", district=self.district, name="Olga Observer")
        self.o2 = make.person("observer", school=self.lincoln, name="Omar Observer")
        self.staff = make.person("district_staff", district=self.district)
        self.lincoln_staff = make.person("district_staff", school=self.lincoln)
        self.other_staff = make.person("district_staff", district=other)
        self.v1 = self.template(1, LOOKFORS)
        self.v2 = self.template(2, [{"key": "target", "label": "Target posted and read aloud", "kind": "yes_no"},
                                    {"key": "questions", "label": "Student questions", "kind": "count"}],
                                family_id=self.v1.family_id)
        self.obs = {
            1: self.observation(self.lincoln, self.t1, self.o1, self.v1, "2026-01-05", grade="3", subject="Math",
                                lookfors={"target": True, "voice": "Some", "questions": 2, "talk": 120,
                                          "evidence": "Pairs"}, task_demand="Recall", ended=30),
            2: self.observation(self.lincoln, self.t1, self.o1, self.v1, "2026-01-07", grade="3", subject="Math",
                                lookfors={"target": False, "voice": "All", "questions": 4, "talk": 300}),
            3: self.observation(self.lincoln, self.t2, self.o2, self.v1, "2026-02-10", grade="4", subject="ELA",
                                lookfors={"target": True, "voice": "Some", "questions": 6, "talk": None},
                                task_demand="Strategic thinking"),
            4: self.observation(self.grant, self.t3, self.o1, self.v1, "2026-02-11", grade="4", subject="ELA",
                                lookfors={"target": True, "questions": 8}, task_demand="Odd"),
            5: self.observation(self.lincoln, self.t2, self.o2, self.v2, "2026-02-12",
                                lookfors={"target": True, "questions": 100}),
        }
        self.draft = self.observation(self.lincoln, self.t1, self.o1, self.v1, "2026-01-06", status="draft",
                                      lookfors={"target": False})
        self.deleted = self.observation(self.lincoln, self.t1, self.o1, self.v1, "2026-01-06", deleted=True,
                                        lookfors={"target": False})
        stranger = make.person("teacher", school=self.far)
        self.observation(self.far, stranger, make.person("observer", school=self.far), None, "2026-01-05")
        self.feedback()
        self.notes()

    def template(self, version, lookfors, family_id=None):
        template = LookForTemplate(family_id=family_id or str(uuid.uuid4()), version=version,
                                   district_id=self.district.id, name="Walkthrough", status="published",
                                   published_at=at("2026-01-01"))
        template.lookfors = [LookFor(position=n, key=l["key"], label=l["label"], kind=l["kind"],
                                     levels=l.get("levels"), binds=l.get("binds")) for n, l in enumerate(lookfors)]
        db.session.add(template)
        db.session.commit()
        return template

    def observation(self, school, teacher, observer, template, day, status="submitted", deleted=False,
                    ended=None, **fields):
        started = at(day)
        observation = Observation(
            id=str(uuid.uuid4()), school_id=school.id, teacher_id=teacher.id, observer_id=observer.id,
            template_id=template.id if template else None, template_version=template.version if template else None,
            started_at=started, ended_at=started + timedelta(minutes=ended) if ended else None,
            status=status, deleted=deleted, **fields)
        db.session.add(observation)
        db.session.commit()
        return observation.id

    def feedback(self):
        """Released after 5 h (from the end), 10 h, 1 h and 3 h; obs 4's is not released."""
        rows = {
            1: dict(released_at=at("2026-01-05", 14) + timedelta(minutes=30), acknowledged_at=at("2026-01-05", 16) +
                    timedelta(minutes=30), usefulness=4, support_commitment="Co-plan", support_due=date(2026, 1, 20),
                    support_kept_at=at("2026-01-19")),
            2: dict(released_at=at("2026-01-07", 19), support_commitment="Model a lesson",
                    support_due=date(2026, 1, 10), support_kept_at=at("2026-01-12")),
            3: dict(released_at=at("2026-02-10", 10), acknowledged_at=at("2026-02-11", 16), usefulness=5,
                    support_commitment="Share a protocol", support_due=date(2026, 2, 15)),
            5: dict(released_at=at("2026-02-12", 12), support_commitment="Visit together",
                    support_due=date(2099, 1, 1)),
        }
        for number, fields in rows.items():
            db.session.add(Feedback(id=str(uuid.uuid4()), observation_id=self.obs[number], released=True, **fields))
        db.session.add(Feedback(id=str(uuid.uuid4()), observation_id=self.obs[4], released=False, usefulness=None))
        db.session.commit()
        after_change(list(self.obs.values()))
        db.session.commit()

    def notes(self):
        """obs 1: two notes, one an inference; obs 3: one inference; obs 4: one note; the draft: one inference."""
        for observation, inference in ((self.obs[1], True), (self.obs[1], False), (self.obs[3], True),
                                       (self.obs[4], False), (self.draft, True)):
            db.session.add(EvidenceNote(id=str(uuid.uuid4()), observation_id=observation, author_id=self.o1.id,
                                        element="task", text="Seen", at=at("2026-01-05"), is_inference=inference))
        db.session.commit()


@pytest.fixture
def world(make):
    return World(make)


def report(api_as, person, name, query="", status=200):
    response = api_as(person).get(f"/api/reports/{name}{query}")
    assert response.status_code == status, response.get_json()
    return response.get_json()


def template_of(body, template):
    return next(t for t in body["templates"] if t["template_id"] == template.id)


def lookfor(template_body, key):
    return next(l for l in template_body["lookfors"] if l["key"] == key)


def levels(distribution):
    return {level["level"]: level["count"] for level in distribution["levels"]}


def test_lookfors_count_levels_per_template_version_overall_and_by_group(world, api_as):
    body = report(api_as, world.staff, "lookfors")
    v1 = template_of(body, world.v1)
    assert (v1["version"], v1["n_observations"], v1["n_teachers"]) == (1, 4, 3)
    target = lookfor(v1, "target")
    assert target["levels"] == ["Yes", "No"]
    assert levels(target["overall"]) == {"Yes": 3, "No": 1}
    assert (target["overall"]["n_observations"], target["overall"]["n_teachers"]) == (4, 3)
    by_school = {s["school"]: (levels(s), s["n_observations"], s["n_teachers"]) for s in target["by_school"]}
    assert by_school == {"Grant": ({"Yes": 1, "No": 0}, 1, 1), "Lincoln": ({"Yes": 2, "No": 1}, 3, 2)}
    assert [s["school"] for s in target["by_school"]] == ["Grant", "Lincoln"]
    assert {m["month"]: levels(m) for m in target["by_month"]} == {"2026-01": {"Yes": 1, "No": 1},
                                                                    "2026-02": {"Yes": 2, "No": 0}}
    assert {g["grade"]: g["n_teachers"] for g in target["by_grade"]} == {"3": 1, "4": 2}
    assert {s["subject"]: s["n_observations"] for s in target["by_subject"]} == {"Math": 2, "ELA": 2}
    voice = lookfor(v1, "voice")
    assert levels(voice["overall"]) == {"None": 0, "Some": 2, "All": 1}
    assert voice["overall"]["unreadable"] == 0
    demand = lookfor(v1, "demand")
    assert levels(demand["overall"]) == {"Recall": 1, "Skill or concept": 0, "Strategic thinking": 1,
                                         "Extended thinking": 0}
    assert demand["overall"]["unreadable"] == 1 and demand["overall"]["n_observations"] == 3
    assert lookfor(v1, "evidence")["overall"] == {"n_observations": 1, "n_teachers": 1}


def test_counts_and_timers_are_quartiles_and_histograms_with_the_same_bins_in_every_group(world, api_as):
    v1 = template_of(report(api_as, world.staff, "lookfors"), world.v1)
    questions = lookfor(v1, "questions")
    assert questions["unit"] == "count"
    assert questions["overall"]["quartiles"] == {"min": 2, "q1": 3.5, "median": 5, "q3": 6.5, "max": 8}
    assert [(b["from"], b["count"]) for b in questions["overall"]["histogram"]] == [
        (2, 1), (3, 0), (4, 1), (5, 0), (6, 1), (7, 0), (8, 1)]
    grant = next(s for s in questions["by_school"] if s["school"] == "Grant")
    assert grant["quartiles"] == {"min": 8, "q1": 8, "median": 8, "q3": 8, "max": 8}
    assert [b["from"] for b in grant["histogram"]] == [2, 3, 4, 5, 6, 7, 8]
    talk = lookfor(v1, "talk")
    assert talk["unit"] == "seconds" and talk["overall"]["n_observations"] == 2
    assert talk["overall"]["quartiles"]["median"] == 210
    # 120 to 300 s in at most 12 bins: 30 s wide.
    assert [(b["from"], b["to"], b["count"]) for b in talk["overall"]["histogram"]] == [
        (120, 150, 1), (150, 180, 0), (180, 210, 0), (210, 240, 0), (240, 270, 0), (270, 300, 0), (300, 330, 1)]


def test_a_new_template_version_is_never_mixed_with_the_old_one(world, api_as):
    body = report(api_as, world.staff, "lookfors")
    assert [(t["name"], t["version"]) for t in body["templates"]] == [("Walkthrough", 1), ("Walkthrough", 2)]
    v2 = template_of(body, world.v2)
    assert (v2["n_observations"], v2["n_teachers"]) == (1, 1)
    assert lookfor(v2, "target")["label"] == "Target posted and read aloud"
    assert levels(lookfor(v2, "target")["overall"]) == {"Yes": 1, "No": 0}
    assert lookfor(v2, "questions")["overall"]["quartiles"]["max"] == 100
    assert lookfor(template_of(body, world.v1), "questions")["overall"]["quartiles"]["max"] == 8
    only_v2 = report(api_as, world.staff, "lookfors", f"?template={world.v2.id}")
    assert [t["template_id"] for t in only_v2["templates"]] == [world.v2.id]


def test_coverage_lists_teachers_not_visited_and_visits_per_teacher(world, api_as):
    body = report(api_as, world.staff, "coverage", "?to=2026-02-28&days=30")
    assert body["days"] == 30 and body["filters"]["to"] == "2026-02-28"
    missed = {s["school"]: (s["n_teachers"], [(t["teacher"], t["last_visit"], t["days_since_last_visit"])
                                              for t in s["teachers"]]) for s in body["not_visited"]}
    assert missed == {"Grant": (1, []), "Lincoln": (3, [("=Dee Four", None, None), ("Ana One", "2026-01-07", 52)])}
    per_teacher = body["visits_per_teacher"]
    assert (per_teacher["overall"]["n_teachers"], per_teacher["overall"]["n_observations"]) == (4, 5)
    assert per_teacher["overall"]["quartiles"] == {"min": 0, "q1": 0.75, "median": 1.5, "q3": 2, "max": 2}
    assert [(b["from"], b["count"]) for b in per_teacher["overall"]["histogram"]] == [(0, 1), (1, 1), (2, 2)]
    lincoln = next(s for s in per_teacher["by_school"] if s["school"] == "Lincoln")
    assert lincoln["quartiles"]["median"] == 2 and lincoln["n_teachers"] == 3
    longer = report(api_as, world.staff, "coverage", "?to=2026-02-28&days=60")
    assert [t["teacher"] for s in longer["not_visited"] for t in s["teachers"]] == ["=Dee Four"]


def test_coverage_grid_has_every_week_for_every_school_and_observers_load(world, api_as):
    body = report(api_as, world.staff, "coverage")
    grid = body["weeks"]
    assert grid["weeks"] == ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02", "2026-02-09"]
    cells = {s["school"]: [(c["n_observations"], c["n_teachers"]) for c in s["cells"]] for s in grid["schools"]}
    assert cells == {"Grant": [(0, 0)] * 5 + [(1, 1)], "Lincoln": [(2, 1)] + [(0, 0)] * 4 + [(2, 1)]}
    load = body["observers"]
    assert [(o["observer"], o["n_observations"], o["n_teachers"]) for o in load["per_observer"]] == [
        ("Olga Observer", 3, 2), ("Omar Observer", 2, 1)]
    assert load["distribution"]["quartiles"] == {"min": 2, "q1": 2.25, "median": 2.5, "q3": 2.75, "max": 3}
    assert load["distribution"]["n_observers"] == 2


def test_feedback_loop_times_acknowledgements_ratings_and_commitments(world, api_as):
    body = report(api_as, world.staff, "feedback-loop")
    overall = body["overall"]
    assert (overall["n_observations"], overall["n_teachers"]) == (5, 3)
    released = overall["released"]
    assert (released["n_observations"], released["n_teachers"], released["share_of_visits"]) == (4, 2, 0.8)
    # 5 h from the end of obs 1, 10 h and 1 h from the start of obs 2 and 3, 3 h for obs 5.
    assert released["hours_to_release"]["quartiles"] == {"min": 1, "q1": 2.5, "median": 4, "q3": 6.25, "max": 10}
    acknowledged = overall["acknowledged"]
    assert (acknowledged["n_observations"], acknowledged["share_of_released"]) == (2, 0.5)
    assert acknowledged["hours_to_acknowledge"]["quartiles"] == {"min": 2, "q1": 9, "median": 16, "q3": 23, "max": 30}
    assert levels(overall["usefulness"]) == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    commitments = overall["commitments"]
    assert {s["state"]: s["count"] for s in commitments["states"]} == {
        "kept_on_time": 1, "kept_late": 1, "overdue": 1, "open": 1}
    assert (commitments["n_observations"], commitments["n_teachers"]) == (4, 2)
    schools = {s["school"]: s for s in body["by_school"]}
    assert schools["Grant"]["released"]["n_observations"] == 0 and schools["Grant"]["n_observations"] == 1
    assert schools["Grant"]["released"]["hours_to_release"]["quartiles"] is None
    assert schools["Lincoln"]["released"]["share_of_visits"] == 1.0


def test_core_task_demand_over_months_and_share_of_inference(world, api_as):
    body = report(api_as, world.staff, "core")
    demand = body["task_demand"]
    assert levels(demand["overall"])["Recall"] == 1 and demand["overall"]["unreadable"] == 1
    assert [(m["month"], m["n_observations"], m["n_teachers"]) for m in demand["by_month"]] == [
        ("2026-01", 1, 1), ("2026-02", 2, 2)]
    inference = body["inference"]
    assert inference["overall"] == {"n_notes": 4, "n_inference": 2, "share_inference": 0.5,
                                    "n_observations": 3, "n_teachers": 3}
    assert [(c["month"], c["school"], c["n_notes"], c["n_inference"]) for c in inference["by_month_and_school"]] == [
        ("2026-01", "Lincoln", 2, 1), ("2026-02", "Grant", 1, 0), ("2026-02", "Lincoln", 1, 1)]
    assert [(m["month"], m["share_inference"]) for m in inference["by_month"]] == [("2026-01", 0.5), ("2026-02", 0.5)]


@pytest.mark.parametrize("name", REPORTS)
def test_school_staff_see_only_their_school_and_other_districts_see_nothing(world, api_as, name):
    ours = report(api_as, world.lincoln_staff, name)
    text = str(ours)
    assert world.lincoln.id in text and world.grant.id not in text and world.t3.id not in text
    theirs = report(api_as, world.other_staff, name)
    assert world.lincoln.id not in str(theirs) and world.district.id not in str(theirs)
    assert report(api_as, world.staff, name, f"?school={world.far.id}", 422)["error"]["fields"] == {
        "school": ["No school you report on has this id."]}
    assert report(api_as, world.lincoln_staff, name, f"?school={world.grant.id}", 422)["error"]["code"] == "invalid"


def test_school_scoped_figures(world, api_as):
    v1 = template_of(report(api_as, world.lincoln_staff, "lookfors"), world.v1)
    assert levels(lookfor(v1, "target")["overall"]) == {"Yes": 2, "No": 1}
    assert report(api_as, world.lincoln_staff, "feedback-loop")["overall"]["n_observations"] == 4
    assert report(api_as, world.other_staff, "feedback-loop")["overall"]["n_observations"] == 1  # their own
    assert report(api_as, world.lincoln_staff, "core")["inference"]["overall"]["n_notes"] == 3


def test_drafts_and_deleted_walkthroughs_never_count(world, api_as):
    v1 = template_of(report(api_as, world.staff, "lookfors", "?from=2026-01-06&to=2026-01-06"), world.v1) \
        if report(api_as, world.staff, "lookfors", "?from=2026-01-06&to=2026-01-06")["templates"] else None
    assert v1 is None
    coverage = report(api_as, world.staff, "coverage", "?from=2026-01-01&to=2026-01-31")
    ana = [s for s in coverage["visits_per_teacher"]["by_school"] if s["school"] == "Lincoln"][0]
    assert ana["n_observations"] == 2
    assert report(api_as, world.staff, "core")["inference"]["overall"]["n_notes"] == 4


def test_filters_narrow_every_report(world, api_as):
    v1 = template_of(report(api_as, world.staff, "lookfors", "?grade=4&subject=ELA"), world.v1)
    assert levels(lookfor(v1, "target")["overall"]) == {"Yes": 2, "No": 0}
    assert report(api_as, world.staff, "feedback-loop", f"?school={world.grant.id}")["overall"]["n_observations"] == 1
    january = report(api_as, world.staff, "core", "?from=2026-01-01&to=2026-01-31")
    assert january["filters"] == {"school": None, "from": "2026-01-01", "to": "2026-01-31", "grade": None,
                                  "subject": None, "template": None}
    assert [m["month"] for m in january["task_demand"]["by_month"]] == ["2026-01"]


@pytest.mark.parametrize("name", REPORTS)
def test_reports_do_not_exist_for_anyone_but_district_staff(world, make, api_as, name):
    admin = make.person("admin", district=world.district)
    for person in (world.t1, world.o1, admin):
        assert report(api_as, person, name, status=404)["error"]["code"] == "not_found"
    assert report(api_as, None, name, status=401)["error"]["code"] == "unauthorized"


def test_an_observer_sees_their_own_ratings_and_no_names(world, api_as):
    mine = report(api_as, world.o1, "my-feedback")
    assert levels(mine["usefulness"]) == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    assert (mine["usefulness"]["n_observations"], mine["usefulness"]["n_teachers"]) == (1, 1)
    assert world.t1.id not in str(mine) and "Ana" not in str(mine)
    assert levels(report(api_as, world.o2, "my-feedback")["usefulness"])["5"] == 1
    assert report(api_as, world.o2, "my-feedback", "?to=2026-01-31")["usefulness"]["n_observations"] == 0
    assert report(api_as, world.t1, "my-feedback", status=404)["error"]["code"] == "not_found"
    assert report(api_as, world.staff, "my-feedback", status=404)["error"]["code"] == "not_found"


@pytest.mark.parametrize("name", [*REPORTS, "my-feedback"])
def test_every_report_view_is_audited_with_its_filters(world, api_as, name):
    person = world.o1 if name == "my-feedback" else world.staff
    report(api_as, person, name, "?to=2026-02-28")
    report(api_as, person, name, "?to=2026-02-28&format=csv")
    db.session.rollback()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "report")).all()
    report_name = name.replace("-", "_")
    assert [(e.actor_id, e.detail["report"], e.detail["filters"]["to"], e.detail["format"]) for e in events] == [
        (person.id, report_name, "2026-02-28", "json"), (person.id, report_name, "2026-02-28", "csv")]


def csv_of(api_as, person, name, query=""):
    response = api_as(person).get(f"/api/reports/{name}?format=csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_holds_exactly_the_figures_of_the_json(world, api_as):
    lines = csv_of(api_as, world.staff, "lookfors")
    yes = [l for l in lines if l["lookfor"] == "target" and l["template_version"] == "1" and l["level"] == "Yes"
           and l["measure"] == "lookfors.overall.levels.count"]
    assert [l["value"] for l in yes] == ["3"]
    median = [l for l in lines if l["lookfor"] == "questions" and l["measure"] == "lookfors.by_school.quartiles.median"
              and l["school"] == "Grant"]
    assert [l["value"] for l in median] == ["8"]
    body = report(api_as, world.staff, "feedback-loop")
    lines = csv_of(api_as, world.staff, "feedback-loop")
    numbers = [l for l in lines if l["section"] == "overall" and l["measure"] == "released.share_of_visits"]
    assert [l["value"] for l in numbers] == [str(body["overall"]["released"]["share_of_visits"])]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(world, api_as):
    lines = csv_of(api_as, world.staff, "coverage", "&to=2026-02-28")
    names = {l["teacher"] for l in lines if l["teacher"]}
    assert "'=Dee Four" in names and "=Dee Four" not in names


PARAMETERS = ("school", "from", "to", "grade", "subject", "template", "format", "days", "limit")
nasty = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                  st.sampled_from(["", "2026-02-30", "0000-01-01", "9999-12-31", "1-1-1", "-1", "0", "1e3",
                                   "9" * 30, "csv", "json", "\x00", "' OR 1=1 --", str(uuid.uuid4()), "NaN"]))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from([*REPORTS, "my-feedback"]),
       query=st.dictionaries(st.sampled_from(PARAMETERS), nasty, max_size=4))
def test_bad_filters_are_field_errors_never_a_server_error(world, api_as, name, query):
    person = world.o1 if name == "my-feedback" else world.staff
    response = api_as(person).get(f"/api/reports/{name}?{urlencode(query)}")
    assert response.status_code in (200, 422), (query, response.get_json())
    if response.status_code == 422:
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and error["fields"]
        assert set(error["fields"]) <= set(PARAMETERS), error


@pytest.mark.parametrize("query, fields", [
    ("?from=2026-03-01&to=2026-02-01", {"to": ["Must be on or after `from`."]}),
    ("?from=yesterday", {"from": ["Not a valid date."]}),
    ("?grade=", {"grade": ["Length must be between 1 and 32."]}),
    ("?format=xlsx", {"format": ["Must be one of: json, csv."]}),
    ("?template=nope", {"template": ["Not a valid UUID."]}),
    ("?colour=red", {"colour": ["Unknown field."]}),
])
def test_a_bad_filter_is_named_with_its_problem(world, api_as, query, fields):
    assert report(api_as, world.staff, "core", query, 422)["error"]["fields"] == fields


def test_a_template_of_another_district_is_a_field_error(world, make, api_as):
    assert report(api_as, world.other_staff, "lookfors", f"?template={world.v1.id}", 422)["error"]["fields"] == {
        "template": ["No template of the schools you report on has this id."]}
    assert report(api_as, world.staff, "coverage", "?days=0", 422)["error"]["fields"] == {
        "days": ["Must be greater than or equal to 1 and less than or equal to 3650."]}
