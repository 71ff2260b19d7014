"""A device learns nothing about records its person may not read: not through a record id that
collides with another record's, not through a refusal's wording, not through tombstones or
"gone" markers of records that person never could read."""
import uuid

import pytest
from sqlalchemy import insert

from server.extensions import db
from server.models import EvidenceNote, SyncChange, SyncClock
from tests.sync.helpers import Tablet

NOTE_AT = "2026-11-20T14:05:00Z"
TAKEN = {"record_id": ["This id is already used by another record; create the record with a new id."]}


def _conflicted_observation(world):
    """A submitted observation of world's school carrying one open conflict on `task`."""
    record_id = world.observation(status="submitted")
    world.laptop.pull()
    world.tablet.op("observation", record_id, {"task": "Secret A"})
    world.laptop.op("observation", record_id, {"task": "Secret B"})
    world.tablet.push()
    world.laptop.push()
    return record_id


def _outsider(make, api_as):
    """An observer and teacher of another district, with a tablet and an observation of their own."""
    school = make.school(make.district())
    observer = make.person("observer", school=school)
    teacher = make.person("teacher", school=school)
    tablet = Tablet(api_as(observer), "outsider")
    own = tablet.create_observation(school.id, teacher.id, observer.id)
    tablet.sync()
    return tablet, own, school, observer, teacher


def _everything_pulled(tablet):
    fresh = Tablet(tablet.api, "fresh")
    return [change for page in fresh.pull() for change in page["changes"]]


def test_a_note_with_the_id_of_another_districts_observation_is_refused(world, make, api_as):
    secret = _conflicted_observation(world)
    tablet, own, *_ = _outsider(make, api_as)
    tablet.op("note", secret, {"observation_id": own, "element": "task", "text": "x", "at": NOTE_AT})
    result = tablet.push()["results"][0]
    assert (result["status"], result["errors"]) == ("rejected", TAKEN)
    changes = _everything_pulled(tablet)
    assert secret not in {c["record_id"] for c in changes}
    assert all(c.get("conflicts", []) == [] for c in changes)


def test_pull_keys_conflicts_by_entity_and_record_id(world, app):
    """Even a collision written outside sync (or before ids were checked) carries no conflict."""
    secret = _conflicted_observation(world)
    with app.app_context():
        db.session.add(EvidenceNote(id=secret, observation_id=secret, author_id=world.observer.id,
                                    element="task", text="same id", at=db.func.now()))
        position = db.session.get(SyncClock, 1).position + 1
        db.session.get(SyncClock, 1).position = position
        db.session.execute(insert(SyncChange).values(entity="note", record_id=secret, observation_id=secret,
                                                     position=position))
        db.session.commit()
    changes = _everything_pulled(world.tablet)
    by_entity = {c["entity"]: c for c in changes if c["record_id"] == secret}
    assert len(by_entity["observation"]["conflicts"]) == 1
    assert by_entity["note"]["conflicts"] == []


@pytest.mark.parametrize("entity", ["observation", "note", "feedback"])
def test_a_refusal_reads_the_same_for_a_foreign_id_as_for_an_unknown_one(world, make, api_as, entity):
    """An outsider writing to a record of world's school hears exactly what they would hear for a
    record id nobody has used."""
    secret = world.observation(status="submitted")
    feedback_id, note_id = str(uuid.uuid4()), str(uuid.uuid4())
    world.tablet.op("feedback", feedback_id, {"observation_id": secret, "glow": "Good", "released": True})
    world.tablet.op("note", note_id, {"observation_id": secret, "element": "task", "text": "x", "at": NOTE_AT})
    world.tablet.push()
    foreign = {"observation": secret, "note": note_id, "feedback": feedback_id}[entity]
    tablet, own, school, observer, teacher = _outsider(make, api_as)
    bodies = {
        "observation": [{"grade": "3"}, {"school_id": school.id, "teacher_id": teacher.id, "observer_id": observer.id}],
        "note": [{"text": "y"}, {"observation_id": own, "element": "task", "text": "y", "at": NOTE_AT}],
        "feedback": [{"glow": "Hm"}, {"observation_id": own, "glow": "Hm"}],
    }[entity]
    for fields in bodies:
        answers = []
        for record_id in (foreign, str(uuid.uuid4())):
            tablet.op(entity, record_id, fields, base_version=1)
            result = tablet.push()["results"][0]
            answers.append((result["status"], result.get("errors")))
        if answers[1][0] == "applied":
            assert answers[0] == ("rejected", TAKEN)
        else:
            assert answers[0] == answers[1]


def test_the_teacher_hears_nothing_of_a_draft_about_them(world):
    """No ids, no note count, no gone markers of walkthroughs the teacher never could read."""
    draft = world.observation()
    for n in range(3):
        world.tablet.op("note", str(uuid.uuid4()), {"observation_id": draft, "element": "task", "text": f"n{n}",
                                                    "at": NOTE_AT})
    world.tablet.op("observation", draft, {"deleted": True})
    world.tablet.push()
    assert _everything_pulled(world.teacher_tablet) == []


def test_a_deleted_walkthrough_reaches_those_who_held_it_as_ids_only(world):
    shared = world.observation(status="submitted")
    world.tablet.op("note", str(uuid.uuid4()), {"observation_id": shared, "element": "task", "text": "Worksheet",
                                                "at": NOTE_AT})
    world.tablet.op("feedback", str(uuid.uuid4()), {"observation_id": shared, "glow": "Good", "released": True})
    world.tablet.push()
    world.teacher_tablet.pull()
    assert len(world.teacher_tablet.records) == 3
    world.tablet.op("observation", shared, {"deleted": True})
    world.tablet.push()
    for tablet in (world.teacher_tablet, world.laptop):
        pages = tablet.pull()
        assert tablet.records == {}
        changes = [c for p in pages for c in p["changes"]]
        assert changes and all(set(c) == {"entity", "record_id", "position", "gone"} for c in changes)
    assert world.api_as(world.teacher).get(f"/api/observations/{shared}").status_code == 404


def test_staff_learn_of_unreleased_feedback_only_once_it_was_released(world, make):
    staff_tablet = Tablet(world.api_as(make.person("district_staff", school=world.school)), "staff")
    shared = world.observation(status="submitted")
    feedback_id = str(uuid.uuid4())
    world.tablet.op("feedback", feedback_id, {"observation_id": shared, "glow": "Draft words"})
    world.tablet.op("feedback", feedback_id, {"glow": "Draft words, edited"})
    world.tablet.push()
    pulled = [c for p in staff_tablet.pull() for c in p["changes"]]
    assert [(c["entity"], c.get("gone", False)) for c in pulled] == [("observation", False)]
    world.tablet.op("feedback", feedback_id, {"released": True})
    world.tablet.op("feedback", feedback_id, {"released": False})
    world.tablet.push()
    pulled = [c for p in staff_tablet.pull() for c in p["changes"]]
    assert [(c["entity"], c.get("gone", False)) for c in pulled] == [("feedback", True)]
