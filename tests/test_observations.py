"""Reading observations: each person sees exactly what the authorization rules give them."""
import uuid
from datetime import timedelta

import pytest

from server.extensions import db
from server.models import EvidenceNote, Feedback, Observation
from server.models.types import utcnow
from tests.sync.helpers import Tablet


@pytest.fixture
def school_world(make):
    school = make.school()
    return {
        "school": school,
        "teacher": make.person("teacher", school=school),
        "other_teacher": make.person("teacher", school=school),
        "observer": make.person("observer", school=school),
        "staff": make.person("district_staff", district=school.district),
        "admin": make.person("admin", school=school),
    }


def observation(world, status="submitted", released=None, minutes_ago=60, deleted=False):
    started = utcnow() - timedelta(minutes=minutes_ago)
    record = Observation(id=str(uuid.uuid4()), school_id=world["school"].id, teacher_id=world["teacher"].id,
                         observer_id=world["observer"].id, started_at=started, status=status,
                         deleted=deleted, teacher_doing="Asks 'why?' twice", lookfors={"target_posted": True})
    db.session.add(record)
    db.session.add(EvidenceNote(id=str(uuid.uuid4()), observation_id=record.id, author_id=world["observer"].id,
                                element="students", text="S: 'because the tens'", at=started,
                                is_inference=True))
    if released is not None:
        db.session.add(Feedback(id=str(uuid.uuid4()), observation_id=record.id, glow="Good questions",
                                released=released))
    db.session.commit()
    return record.id


def test_teacher_reads_the_whole_submitted_observation_of_their_teaching(school_world, api_as):
    observation_id = observation(school_world, released=True)
    shown = api_as(school_world["teacher"]).get(f"/api/observations/{observation_id}").get_json()
    assert shown["teacher_doing"] == "Asks 'why?' twice"
    assert shown["lookfors"] == {"target_posted": True}
    assert shown["notes"][0]["is_inference"] is True
    assert shown["feedback"]["glow"] == "Good questions"


def test_teacher_cannot_read_other_teachers_observation(school_world, api_as):
    observation_id = observation(school_world, released=True)
    response = api_as(school_world["other_teacher"]).get(f"/api/observations/{observation_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_draft_belongs_to_its_observer_until_submitted(school_world, api_as):
    observation_id = observation(school_world, status="draft")
    assert api_as(school_world["teacher"]).get(f"/api/observations/{observation_id}").status_code == 404
    assert api_as(school_world["staff"]).get(f"/api/observations/{observation_id}").status_code == 404
    assert api_as(school_world["observer"]).get(f"/api/observations/{observation_id}").status_code == 200


def test_unreleased_feedback_is_the_observers_alone(school_world, api_as):
    observation_id = observation(school_world, released=False)
    assert api_as(school_world["teacher"]).get(f"/api/observations/{observation_id}").get_json()["feedback"] is None
    observer_view = api_as(school_world["observer"]).get(f"/api/observations/{observation_id}").get_json()
    assert observer_view["feedback"]["glow"] == "Good questions"


@pytest.mark.parametrize("reader", ["teacher", "staff"])
def test_teacher_and_district_staff_never_read_unreleased_feedback(school_world, api_as, reader):
    """Until the observer releases it, feedback is theirs alone: not in the walkthrough, not in the list."""
    unreleased = observation(school_world, released=False)
    api = api_as(school_world[reader])
    assert api.get(f"/api/observations/{unreleased}").get_json()["feedback"] is None
    assert [o["feedback"] for o in api.get("/api/observations").get_json()["observations"]] == [None]
    observer = api_as(school_world["observer"])
    assert observer.get(f"/api/observations/{unreleased}").get_json()["feedback"]["glow"] == "Good questions"
    assert observer.get("/api/observations").get_json()["observations"][0]["feedback"]["glow"] == "Good questions"


@pytest.mark.parametrize("reader", ["teacher", "staff"])
def test_teacher_and_district_staff_read_feedback_once_released(school_world, api_as, reader):
    released = observation(school_world, released=True)
    api = api_as(school_world[reader])
    assert api.get(f"/api/observations/{released}").get_json()["feedback"]["glow"] == "Good questions"
    assert [o["feedback"]["glow"] for o in api.get("/api/observations").get_json()["observations"]] == [
        "Good questions"]


def test_sync_brings_feedback_to_teacher_and_district_staff_only_once_released(school_world, api_as):
    """Through a pull too: the observer's devices get the feedback at once, the observed teacher's
    and district staff's only after it is released."""
    world = school_world
    tablet, laptop = Tablet(api_as(world["observer"]), "tablet"), Tablet(api_as(world["observer"]), "laptop")
    readers = {name: Tablet(api_as(world[name]), name) for name in ("teacher", "staff")}
    walkthrough = tablet.create_observation(world["school"].id, world["teacher"].id, world["observer"].id,
                                            status="submitted")
    feedback_id = str(uuid.uuid4())
    tablet.op("feedback", feedback_id, {"observation_id": walkthrough, "glow": "Not shared yet"})
    tablet.push()

    def held(device):
        device.pull()
        return sorted((entity, data["data"].get("glow")) for (entity, _id), data in device.records.items())

    assert held(laptop) == [("feedback", "Not shared yet"), ("observation", None)]
    for device in readers.values():
        assert held(device) == [("observation", None)]
    tablet.op("feedback", feedback_id, {"released": True})
    tablet.push()
    for device in readers.values():
        assert held(device) == [("feedback", "Not shared yet"), ("observation", None)]


def test_deleted_observation_is_gone_for_the_teacher(school_world, api_as):
    observation_id = observation(school_world, deleted=True)
    assert api_as(school_world["teacher"]).get(f"/api/observations/{observation_id}").status_code == 404


def test_lists_hold_only_what_each_person_may_read(school_world, api_as, make):
    submitted = observation(school_world, minutes_ago=30)
    draft = observation(school_world, status="draft", minutes_ago=10)

    def listed(person):
        return [o["id"] for o in api_as(person).get("/api/observations").get_json()["observations"]]

    assert listed(school_world["observer"]) == [draft, submitted]
    assert listed(school_world["teacher"]) == [submitted]
    assert listed(school_world["staff"]) == [submitted]
    assert listed(school_world["other_teacher"]) == []
    assert listed(school_world["admin"]) == []
    assert listed(make.person("district_staff", district=make.district())) == []


def test_list_pages_through_observations(school_world, api_as):
    ids = [observation(school_world, minutes_ago=m) for m in (10, 20, 30)]
    api = api_as(school_world["observer"])
    first = api.get("/api/observations?limit=2").get_json()["observations"]
    second = api.get("/api/observations?limit=2&offset=2").get_json()["observations"]
    assert [o["id"] for o in first + second] == ids


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "offset=-1", "colour=blue"])
def test_bad_list_queries_get_field_messages(school_world, api_as, query):
    response = api_as(school_world["observer"]).get(f"/api/observations?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


def test_malformed_observation_id_is_not_found(school_world, api_as):
    assert api_as(school_world["observer"]).get("/api/observations/123").status_code == 404
