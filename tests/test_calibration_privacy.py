"""Co-observers study none of a lesson they co-observe until every walkthrough of it is submitted:
not in the exports (identified or not), not in the figures of their reports, whether a report is
counted from the observations or read from the district's shared summary. Everyone else, and the
co-observer once all have submitted, studies the lesson as any other."""
import uuid

import pytest

from server.extensions import db
from server.models import District, Person
from server.reports import summary
from server.reports.filters import Filters
from server.reports.lookfors import lookfors_report
from tests.export_helpers import csv_rows, zip_tables
from tests.test_calibration import World
from tests.test_report_summary import both_ways

EXPORT = "/api/exports/observations"


@pytest.fixture
def world(make, api_as):
    return World(make, api_as)


class Lesson:
    """One co-observed lesson of the coach (district staff who observes) and Derek, Derek's
    walkthrough submitted and the coach's still being written, and two ordinary walkthroughs of
    Maria's, of two teachers."""

    def __init__(self, world):
        self.world = world
        self.co_id = str(uuid.uuid4())
        self.coach = world.walkthrough(world.coach, self.co_id, task_demand="Recall", target_posted=True)
        self.derek = world.walkthrough(world.derek, self.co_id, task_demand="Strategic thinking",
                                       target_posted=False, student_questions=4)
        self.ordinary = [world.walkthrough(world.maria, None, task_demand="Recall", target_posted=True),
                         world.walkthrough(world.maria, None, teacher=world.teacher2, task_demand="Recall",
                                           target_posted=True)]
        for person in (world.coach, world.derek, world.maria):
            world.tablet(person).push()
        world.submit(world.derek, self.derek)
        for record_id in self.ordinary:
            world.submit(world.maria, record_id)

    def submit_the_coachs(self):
        self.world.submit(self.world.coach, self.coach)


@pytest.fixture
def lesson(world):
    return Lesson(world)


def exported_ids(api, query="") -> set:
    response = api.get(EXPORT + query)
    assert response.status_code == 200, response.get_data()[:300]
    return {row["observation_id"] for row in csv_rows(response.data)}


def test_a_co_observer_exports_none_of_the_lesson_until_everyone_has_submitted(world, lesson):
    coach = world.api_as(world.coach)
    assert exported_ids(coach) == set(lesson.ordinary)
    tables, _package = zip_tables(coach.get(EXPORT + "?format=zip").data)
    for name in ("observations", "lookfor_values", "notes", "feedback"):
        assert lesson.derek not in {row.get("observation_id") for row in tables[name]}, name
    # Staff who did not co-observe export Derek's walkthrough as any submitted one.
    assert exported_ids(world.api_as(world.staff)) == {lesson.derek, *lesson.ordinary}

    lesson.submit_the_coachs()
    assert exported_ids(coach) == {lesson.coach, lesson.derek, *lesson.ordinary}


def test_the_deidentified_export_leaves_the_lesson_out_alike(world, lesson):
    def rows(person) -> int:
        response = world.api_as(person).get(EXPORT + "?deidentified=true&format=zip")
        assert response.status_code == 200
        tables, package = zip_tables(response.data)
        return len(tables["observations"]) + package["rounds_deidentified"]["withheld_rows"].get("observations", 0)

    assert rows(world.coach) == 2 and rows(world.staff) == 3
    lesson.submit_the_coachs()
    assert rows(world.coach) == rows(world.staff) == 4


def template_counts(body) -> int:
    return sum(template["n_observations"] for template in body["templates"])


def test_a_co_observers_reports_count_none_of_the_lesson_until_everyone_has_submitted(world, lesson, app):
    coach, staff = world.api_as(world.coach), world.api_as(world.staff)
    # A whole-district report reads the district's shared summary; a filtered one the observations.
    assert template_counts(coach.get("/api/reports/lookfors").get_json()) == 2
    assert template_counts(coach.get(f"/api/reports/lookfors?school={world.school.id}").get_json()) == 2
    core = coach.get("/api/reports/core").get_json()["task_demand"]["overall"]
    assert core["n_observations"] == 2 and core["n_teachers"] == 2
    assert template_counts(staff.get("/api/reports/lookfors").get_json()) == 3
    with app.app_context():
        district = db.session.get(District, world.district.id)
        # The shared summary less the hidden lesson gives the figures counted from the observations.
        raw, read = both_ways(world.coach.id, district.timezone)
        assert read == raw
        assert read["lookfors"] != both_ways(world.staff.id, district.timezone)[1]["lookfors"]

    lesson.submit_the_coachs()
    assert template_counts(coach.get("/api/reports/lookfors").get_json()) == 4
    assert template_counts(staff.get("/api/reports/lookfors").get_json()) == 4


def test_one_shared_summary_gives_each_caller_their_own_figures(world, lesson, app):
    with app.app_context():
        district = db.session.get(District, world.district.id)
        summary.refresh_all([district])
        reader = summary.Reader(district.id)
        filters = Filters(zone=district.timezone)
        coach, staff = (db.session.get(Person, person.id) for person in (world.coach, world.staff))
        assert template_counts(lookfors_report(coach, filters, summary=reader)) == 2
        assert template_counts(lookfors_report(staff, filters, summary=reader)) == 3
        assert template_counts(lookfors_report(coach, filters, summary=reader)) == 2
