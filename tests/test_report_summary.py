"""The district summaries (server.reports.summary) give exactly the figures counted from the
observations, on both engines: after a build, after every kind of change folded in from the
change feed (through the real sync API, and in generated sequences), in the district's time
zone; and a whole-district report reads them only when they are current."""
import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select, text

from server.extensions import db
from server.models import (District, EvidenceNote, Feedback, LookFor, LookForTemplate, Observation, Person,
                           ReportCount, ReportDistrict, ReportTeacher)
from server.notify import after_change
from server.reports import summary
from server.reports.core import core_report
from server.reports.coverage import coverage_report
from server.reports.feedback_loop import feedback_loop_report
from server.reports.filters import Filters
from server.reports.lookfors import lookfors_report
from server.sync_feed import record_changes
from tests.sync.helpers import Tablet
from tests.test_reports import LOOKFORS, World

TODAY = date(2026, 3, 20)


@pytest.fixture
def world(make):
    return World(make)


def both_ways(staff_id: str, zone: str) -> tuple[dict, dict]:
    """Every report counted from the observations, and read from the (current) summary."""
    person = db.session.get(Person, staff_id)
    filters = Filters(zone=zone)
    reader = summary.Reader(person.district_id)
    made = {}
    for source in (None, reader):
        made[source is None] = {
            "lookfors": lookfors_report(person, filters, summary=source),
            "coverage": coverage_report(person, filters, 30, TODAY, summary=source),
            "feedback_loop": feedback_loop_report(person, filters, TODAY, summary=source),
            "core": core_report(person, filters, summary=source),
        }
    return made[True], made[False]


def stored(district_id: str) -> tuple[set, set]:
    counts = {(r.kind, r.key, r.n) for r in db.session.scalars(
        select(ReportCount).where(ReportCount.district_id == district_id))}
    teachers = {(r.kind, r.key, r.teacher_id, r.n) for r in db.session.scalars(
        select(ReportTeacher).where(ReportTeacher.district_id == district_id))}
    return counts, teachers


def assert_current(district_id: str, staff_id: str) -> None:
    """Fold what changed, then: the same figures both ways, and the same counts as a fresh build."""
    summary.refresh_all([])
    district = db.session.get(District, district_id)
    raw, read = both_ways(staff_id, district.timezone)
    assert read == raw
    folded = stored(district_id)
    summary.build(district)
    db.session.commit()
    assert stored(district_id) == folded


def test_a_built_summary_gives_the_figures_counted_from_the_observations(world, app):
    with app.app_context():
        district = db.session.get(District, world.district.id)
        assert summary.refresh_all([district])["built"] == 1
        raw, read = both_ways(world.staff.id, district.timezone)
        assert read == raw
        assert raw["lookfors"]["templates"] and raw["coverage"]["weeks"]["weeks"]
        # Another district's observations are in no count of this one.
        assert db.session.scalar(select(ReportDistrict.position).where(
            ReportDistrict.district_id == world.district.id)) is not None


def test_months_and_weeks_are_the_districts_local_ones(make, app):
    """A visit on Sunday 1 March 03:00 UTC is on Saturday 28 February in Chicago: February, and
    the week of Monday 23 February, both ways."""
    district = make.district("Zoned", timezone="America/Chicago")
    school = make.school(district, "North")
    teacher, observer = make.person("teacher", school=school), make.person("observer", school=school)
    staff = make.person("district_staff", district=district)
    observation = Observation(id=str(uuid.uuid4()), school_id=school.id, teacher_id=teacher.id,
                              observer_id=observer.id, task_demand="Recall", status="submitted",
                              started_at=datetime(2026, 3, 1, 3, tzinfo=timezone.utc))
    db.session.add(observation)
    db.session.add(EvidenceNote(id=str(uuid.uuid4()), observation_id=observation.id, author_id=observer.id,
                                element="task", text="Seen", at=observation.started_at))
    db.session.commit()
    with app.app_context():
        summary.refresh_all([db.session.get(District, district.id)])
        raw, read = both_ways(staff.id, "America/Chicago")
        assert read == raw
        assert [m["month"] for m in raw["core"]["task_demand"]["by_month"]] == ["2026-02"]
        assert raw["coverage"]["weeks"]["weeks"] == ["2026-02-23"]


@pytest.fixture
def loop(make):
    """A district with a published template, two schools, tablets' people and district staff."""
    district = make.district("Summary District")
    north, south = make.school(district, "North"), make.school(district, "South")
    people = {
        "observer": make.person("observer", district=district, name="Olga"),
        "t_north": make.person("teacher", school=north, name="Nia"),
        "t_south": make.person("teacher", school=south, name="Sol"),
        "staff": make.person("district_staff", district=district),
    }
    template = LookForTemplate(family_id=str(uuid.uuid4()), version=1, district_id=district.id, name="Walkthrough",
                               status="published", published_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    template.lookfors = [LookFor(position=n, key=l["key"], label=l["label"], kind=l["kind"], levels=l.get("levels"),
                                 binds=l.get("binds")) for n, l in enumerate(LOOKFORS)]
    db.session.add(template)
    db.session.commit()
    return {"district": district, "north": north, "south": south, "template": template, **people}


def test_every_change_synced_by_tablets_is_folded_in(loop, app, api_as):
    observer = Tablet(api_as(loop["observer"]), "observer")
    teacher = Tablet(api_as(loop["t_north"]), "teacher")
    district_id, staff_id = loop["district"].id, loop["staff"].id

    def check():
        with app.app_context():
            assert_current(district_id, staff_id)

    with app.app_context():
        summary.refresh_all([db.session.get(District, district_id)])
    template = {"template_id": loop["template"].id, "template_version": 1}
    first = observer.create_observation(
        loop["north"].id, loop["t_north"].id, loop["observer"].id, grade="3", subject="Math", status="submitted",
        started_at="2026-03-02T15:00:00Z", ended_at="2026-03-02T15:20:00Z", task_demand="Recall",
        lookfors={"target": True, "voice": "Some", "questions": 3, "talk": 95, "evidence": "Pairs talk"}, **template)
    second = observer.create_observation(
        loop["south"].id, loop["t_south"].id, loop["observer"].id, grade="5", subject="ELA", status="submitted",
        started_at="2026-02-27T15:00:00Z", lookfors={"target": False, "questions": 7}, **template)
    draft = observer.create_observation(loop["north"].id, loop["t_north"].id, loop["observer"].id,
                                        started_at="2026-03-03T15:00:00Z", lookfors={"target": True}, **template)
    for observation, inference in ((first, False), (first, True), (second, True), (draft, False)):
        observer.op("note", str(uuid.uuid4()), {"observation_id": observation, "element": "task", "text": "Seen",
                                                "at": "2026-03-02T15:05:00Z", "is_inference": inference})
    observer.sync()
    check()

    # Answers edited after submitting; a visit moved to another month; the draft submitted.
    observer.op("observation", first, {"lookfors": {"target": False, "voice": "All", "questions": 12, "talk": 300}})
    observer.op("observation", second, {"started_at": "2026-03-04T15:00:00Z", "task_demand": "Odd"})
    observer.op("observation", draft, {"status": "submitted"})
    feedback = str(uuid.uuid4())
    observer.op("feedback", feedback, {"observation_id": first, "glow": "Pairs explained.", "released": True,
                                       "support_commitment": "Co-plan", "support_due": "2026-03-10"})
    observer.sync()
    check()

    # The teacher acknowledges and rates; the observer keeps the promise late.
    teacher.pull()
    teacher.op("feedback", feedback, {"acknowledged_at": "2026-03-03T18:00:00Z", "usefulness": 4})
    teacher.sync()
    observer.pull()
    observer.op("feedback", feedback, {"support_kept_at": "2026-03-12T16:00:00Z", "support_kept_note": "Done"})
    observer.sync()
    check()

    # Back to draft, and deleted: they leave every count.
    observer.op("observation", draft, {"status": "draft"})
    observer.op("observation", second, {"deleted": True})
    observer.sync()
    check()
    with app.app_context():
        raw, _read = both_ways(staff_id, "America/Chicago")
        assert raw["feedback_loop"]["overall"]["n_observations"] == 1


def test_a_whole_district_report_reads_the_summary_and_a_filtered_one_the_observations(world, app, api_as):
    body = api_as(world.staff).get("/api/reports/lookfors").get_json()
    with app.app_context():
        # The first whole-district report built the (small) district's summary.
        assert db.session.get(ReportDistrict, world.district.id) is not None
        # Counts changed behind the summary's back show whether a report reads it.
        db.session.execute(text("UPDATE report_counts SET n = n + 1000 WHERE kind = 'lT'"))
        db.session.commit()
    tampered = api_as(world.staff).get("/api/reports/lookfors").get_json()
    assert [t["n_observations"] for t in tampered["templates"]] == [t["n_observations"] + 1000
                                                                     for t in body["templates"]]
    filtered = api_as(world.staff).get(f"/api/reports/lookfors?school={world.lincoln.id}").get_json()
    assert all(t["n_observations"] < 1000 for t in filtered["templates"])
    school_staff = api_as(world.lincoln_staff).get("/api/reports/lookfors").get_json()
    assert all(t["n_observations"] < 1000 for t in school_staff["templates"])


def test_a_report_with_too_much_to_fold_is_counted_from_the_observations(world, app, api_as, monkeypatch):
    first = api_as(world.staff).get("/api/reports/core").get_json()
    with app.app_context():
        # Two changed observations in the feed, and a limit of one: nothing is folded by the request.
        record_changes({("observation", world.obs[1]): world.obs[1], ("observation", world.obs[2]): world.obs[2]})
        db.session.execute(text("UPDATE report_counts SET n = n + 1000 WHERE kind = 'kd'"))
        db.session.commit()
    monkeypatch.setattr(summary, "REQUEST_FOLD_LIMIT", 1)
    assert api_as(world.staff).get("/api/reports/core").get_json() == first


def test_a_changed_time_zone_rebuilds_the_summary(world, app):
    with app.app_context():
        district = db.session.get(District, world.district.id)
        summary.refresh_all([district])
        district.timezone = "Pacific/Auckland"
        db.session.commit()
        assert world.district.id in [d.id for d in summary.unbuilt()]
        assert summary.current(district) is not None
        db.session.commit()
        assert db.session.get(ReportDistrict, world.district.id).timezone == "Pacific/Auckland"
        raw, read = both_ways(world.staff.id, "Pacific/Auckland")
        assert read == raw


def test_the_refresh_command_builds_and_folds(world, app, runner):
    result = runner.invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    assert "built 2 districts" in result.output
    with app.app_context():
        assert db.session.get(ReportDistrict, world.district.id) is not None


# --- generated sequences of changes ------------------------------------------------------------

KINDS = {"target": st.booleans(), "voice": st.sampled_from(["None", "Some", "All", "Odd"]),
         "questions": st.integers(0, 40), "talk": st.integers(0, 1500), "evidence": st.text(max_size=5)}
MOMENTS = st.datetimes(datetime(2026, 1, 25), datetime(2026, 4, 5)).map(lambda m: m.replace(tzinfo=timezone.utc))
ANSWERS = st.dictionaries(st.sampled_from(sorted(KINDS)), st.none(), max_size=5).flatmap(
    lambda keys: st.fixed_dictionaries({key: st.one_of(st.none(), KINDS[key]) for key in keys}))
CHANGES = st.lists(st.one_of(
    st.tuples(st.just("create"), st.integers(0, 2), st.integers(0, 1), MOMENTS, ANSWERS,
              st.sampled_from([None, "Recall", "Strategic thinking", "Odd"]),
              st.sampled_from([None, "3", "4"]), st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 20), st.sampled_from(["draft", "submitted"])),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("answers"), st.integers(0, 20), ANSWERS),
    st.tuples(st.just("move"), st.integers(0, 20), MOMENTS),
    st.tuples(st.just("note"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("feedback"), st.integers(0, 20), st.booleans(), st.integers(-2, 200),
              st.one_of(st.none(), st.integers(0, 100)), st.one_of(st.none(), st.integers(1, 5)),
              st.one_of(st.none(), st.integers(-5, 20)), st.one_of(st.none(), st.integers(-5, 30)),
              st.integers(0, 999_999)),
    st.tuples(st.just("fold")),
), min_size=1, max_size=14)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=CHANGES)
def test_generated_changes_folded_in_give_the_figures_of_the_observations(make, app, changes):
    district = make.district(timezone="America/Chicago")
    schools = [make.school(district), make.school(district)]
    teachers = [make.person("teacher", school=schools[n % 2]) for n in range(3)]
    observers = [make.person("observer", district=district) for _ in range(2)]
    staff = make.person("district_staff", district=district)
    template = LookForTemplate(family_id=str(uuid.uuid4()), version=1, district_id=district.id, name="W",
                               status="published", published_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    template.lookfors = [LookFor(position=n, key=l["key"], label=l["label"], kind=l["kind"], levels=l.get("levels"),
                                 binds=l.get("binds")) for n, l in enumerate(LOOKFORS)]
    db.session.add(template)
    db.session.commit()
    ids = []
    with app.app_context():
        summary.refresh_all([db.session.get(District, district.id)])
        for change in changes:
            _apply(change, ids, teachers, observers, template)
            if change[0] == "fold":
                summary.refresh_all([])
        assert_current(district.id, staff.id)


def _apply(change, ids, teachers, observers, template) -> None:
    kind, *rest = change
    if kind == "fold":
        return
    if kind == "create":
        teacher, observer, moment, answers, demand, grade, submitted = rest
        teacher = db.session.get(Person, teachers[teacher].id)
        observation = Observation(id=str(uuid.uuid4()), school_id=teacher.school_id, teacher_id=teacher.id,
                                  observer_id=observers[observer].id, template_id=template.id, template_version=1,
                                  started_at=moment, ended_at=moment + timedelta(minutes=20), grade=grade,
                                  subject="Math" if grade else None, lookfors=answers, task_demand=demand,
                                  status="submitted" if submitted else "draft")
        db.session.add(observation)
        ids.append(observation.id)
        changed = {("observation", observation.id): observation.id}
    else:
        if not ids:
            return
        observation = db.session.get(Observation, ids[rest[0] % len(ids)])
        changed = {("observation", observation.id): observation.id}
        if kind == "status":
            observation.status = rest[1]
        elif kind == "delete":
            observation.deleted = True
        elif kind == "answers":
            observation.lookfors = rest[1]
        elif kind == "move":
            observation.started_at, observation.ended_at = rest[1], rest[1] + timedelta(minutes=15)
        elif kind == "note":
            note = EvidenceNote(id=str(uuid.uuid4()), observation_id=observation.id, author_id=observation.observer_id,
                                element="task", text="Seen", at=observation.started_at, is_inference=rest[1])
            db.session.add(note)
            changed = {("note", note.id): observation.id}
        elif kind == "feedback":
            released, release_h, acknowledge_h, usefulness, due_days, kept_days, jitter = rest[1:]
            feedback = db.session.scalar(select(Feedback).where(Feedback.observation_id == observation.id))
            if feedback is None:
                feedback = Feedback(id=str(uuid.uuid4()), observation_id=observation.id)
                db.session.add(feedback)
            base = observation.started_at
            feedback.released = released
            # A hair (under a second) short of whole hours: hours count from whole seconds.
            end = observation.ended_at or base
            feedback.released_at = end + timedelta(hours=release_h, microseconds=-jitter) if released else None
            feedback.acknowledged_at = (feedback.released_at + timedelta(hours=acknowledge_h)
                                        if released and acknowledge_h is not None else None)
            feedback.usefulness = usefulness
            feedback.support_commitment = "Co-plan" if due_days is not None or kept_days is not None else ""
            feedback.support_due = (base + timedelta(days=due_days)).date() if due_days is not None else None
            feedback.support_kept_at = base + timedelta(days=kept_days, hours=5) if kept_days is not None else None
            db.session.flush()
            changed = {("feedback", feedback.id): observation.id}
    db.session.flush()
    after_change([observation.id])
    record_changes(changed)
    db.session.commit()


@pytest.mark.parametrize("seconds", [0, 0.4, 0.5, 0.6, 3599.4, 3599.5, 3599.6, 3600, 7199.999, 18000.2,
                                     -0.4, -0.6, -3600.5, -3599.4])
def test_hours_are_counted_alike_in_python_and_in_sql(app, seconds):
    """Whole seconds first (half away from zero), then whole hours rounded down, on both engines."""
    from sqlalchemy import literal
    from server.models.types import UTCDateTime
    from server.reports.sql import whole_hours as sql_hours

    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    end = start + timedelta(seconds=seconds)
    with app.app_context():
        in_sql = db.session.scalar(select(sql_hours(literal(start, UTCDateTime()), literal(end, UTCDateTime()))))
    assert summary.whole_hours(start, end) == in_sql == int((abs(seconds) + 0.5) // 1 * (1 if seconds >= 0 else -1)) // 3600


def test_the_scheduler_job_builds_the_summaries(world, app):
    from server.scheduler import summaries_job

    summaries_job(app)
    with app.app_context():
        assert db.session.get(ReportDistrict, world.district.id) is not None
        raw, read = both_ways(world.staff.id, "America/Chicago")
        assert read == raw


def test_while_another_process_folds_a_report_is_counted_from_the_observations(world, app, api_as):
    first = api_as(world.staff).get("/api/reports/lookfors").get_json()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's folds queue behind its one write lock instead")
        db.session.execute(text("UPDATE report_counts SET n = n + 1000 WHERE kind = 'lT'"))
        db.session.commit()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": summary.LOCK_KEY})
            try:
                assert api_as(world.staff).get("/api/reports/lookfors").get_json() == first
            finally:
                other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": summary.LOCK_KEY})
                other.commit()
