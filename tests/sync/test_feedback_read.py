"""`read_at`: when the observed teacher first opened the shared feedback. The teacher's tablet
writes it, like `acknowledged_at`; the observer and the school's district staff read it, so
that an observer knows which feedback was read without asking."""
from tests.sync.helpers import Tablet

READ = "2026-11-21T08:00:00Z"


def shared_walkthrough(world, **feedback):
    """A submitted walkthrough of world.teacher with released feedback; returns (id, feedback id)."""
    observation_id = world.observation(status="submitted")
    feedback_id = "5e0c1a52-3f0e-4d7c-9b1e-2a9d5c1e7b31"
    world.tablet.op("feedback", feedback_id, {"observation_id": observation_id, "next_step": "Try a why prompt.",
                                              "released": True, **feedback})
    world.tablet.sync()
    return observation_id, feedback_id


def result(tablet) -> dict:
    [answer] = tablet.push()["results"]
    return answer


def test_the_teacher_records_first_reading_and_the_observer_and_district_staff_see_it(world, make, api_as):
    observation_id, feedback_id = shared_walkthrough(world)
    world.teacher_tablet.pull()
    world.teacher_tablet.op("feedback", feedback_id, {"read_at": "2026-11-21T09:00:00+01:00"})
    assert result(world.teacher_tablet)["status"] == "applied"

    world.tablet.pull()
    assert world.tablet.records[("feedback", feedback_id)]["data"]["read_at"] == READ
    staff = make.person("district_staff", district=world.school.district)
    shown = api_as(staff).get(f"/api/observations/{observation_id}").get_json()
    assert shown["feedback"]["read_at"].startswith("2026-11-21T08:00:00")
    assert shown["feedback"]["acknowledged_at"] is None


def test_only_the_observed_teacher_writes_read_at(world, make, api_as):
    _observation_id, feedback_id = shared_walkthrough(world)
    world.tablet.op("feedback", feedback_id, {"read_at": READ})
    refused = result(world.tablet)
    assert refused["status"] == "rejected"
    assert refused["errors"] == {"read_at": ["Only the observed teacher writes this, once the feedback is released."]}

    staff = Tablet(api_as(make.person("district_staff", district=world.school.district)), "staff tablet")
    staff.pull()
    staff.op("feedback", feedback_id, {"read_at": READ})
    assert result(staff)["status"] == "rejected"
    world.tablet.pull()
    assert world.tablet.records[("feedback", feedback_id)]["data"]["read_at"] is None


def test_read_at_must_be_a_moment_with_its_time_zone(world):
    _observation_id, feedback_id = shared_walkthrough(world)
    world.teacher_tablet.pull()
    world.teacher_tablet.op("feedback", feedback_id, {"read_at": "2026-11-21T08:00:00"})
    refused = result(world.teacher_tablet)
    assert refused["status"] == "rejected"
    assert refused["errors"] == {"read_at": ["Must include a time zone, e.g. 'Z' for UTC."]}
