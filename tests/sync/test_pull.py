"""GET /api/sync/pull, /api/conflicts and /api/sync/rejected: each person gets exactly what they
may read, page by page, and nothing else."""
import uuid

from tests.sync.helpers import Tablet


def test_pull_pages_through_every_change_with_a_cursor(world):
    ids = {world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id) for _ in range(7)}
    world.tablet.push()
    pages = world.laptop.pull(limit=3)
    assert [len(p["changes"]) for p in pages] == [3, 3, 1]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert {k[1] for k in world.laptop.records} == ids
    assert world.laptop.pull()[0]["changes"] == []


def test_a_record_changed_again_comes_once_at_its_latest_version(world):
    record_id = world.observation(grade="1")
    fresh = Tablet(world.api_as(world.observer), "fresh")
    world.tablet.op("observation", record_id, {"grade": "2"})
    world.tablet.push()
    changes = fresh.pull()[0]["changes"]
    assert [(c["record_id"], c["version"], c["data"]["grade"]) for c in changes] == [(record_id, 2, "2")]


def test_teacher_receives_an_observation_with_its_notes_once_it_is_submitted(world):
    record_id = world.observation()
    world.tablet.op("note", str(uuid.uuid4()), {"observation_id": record_id, "element": "task", "text": "Worksheet",
                                                "at": "2026-11-20T14:05:00Z"})
    world.tablet.push()
    world.teacher_tablet.pull()
    assert world.teacher_tablet.records == {}
    world.tablet.op("observation", record_id, {"status": "submitted"})
    world.tablet.push()
    world.teacher_tablet.pull()
    assert sorted(k[0] for k in world.teacher_tablet.records) == ["note", "observation"]


def test_a_device_never_receives_what_its_user_may_not_read(world, make):
    world.observation(status="submitted")
    other = Tablet(world.api_as(world.other_teacher), "other")
    other.pull()
    assert other.records == {}
    stranger = make.person("observer", "teacher", school=make.school(make.district()))
    outsider = Tablet(world.api_as(stranger), "outsider")
    pages = outsider.pull()
    assert outsider.records == {}
    assert [s["id"] for s in pages[-1]["reference"]["schools"]] == [stranger.school_id]


def test_pull_brings_the_reference_data_needed_offline(world):
    reference = world.laptop.pull()[-1]["reference"]
    assert [s["id"] for s in reference["schools"]] == [world.school.id]
    names = {p["name"] for p in reference["people"]}
    assert {"Olive Observer", "Theo Teacher"} <= names


def test_conflicts_are_listed_for_everyone_who_may_read_the_record(world):
    record_id = world.observation(status="submitted")
    world.laptop.pull()
    world.tablet.op("observation", record_id, {"task": "A"})
    world.laptop.op("observation", record_id, {"task": "B"})
    world.tablet.push()
    world.laptop.push()
    for person in (world.observer, world.teacher):
        listed = world.api_as(person).get("/api/conflicts").get_json()["conflicts"]
        assert [(c["record_id"], c["field"]) for c in listed] == [(record_id, "task")]
        assert {listed[0]["kept"]["value"], listed[0]["lost"]["value"]} == {"A", "B"}
    assert world.api_as(world.other_teacher).get("/api/conflicts").get_json()["conflicts"] == []


def test_rejected_ops_are_shown_only_to_their_author(world):
    world.tablet.op("observation", str(uuid.uuid4()), {"grade": 3})
    world.tablet.push()
    mine = world.api_as(world.observer).get("/api/sync/rejected").get_json()["rejected"]
    assert len(mine) == 1 and mine[0]["op"]["fields"] == {"grade": 3}
    assert mine[0]["errors"]["grade"] == ["Must be a string."]
    assert world.api_as(world.teacher).get("/api/sync/rejected").get_json()["rejected"] == []


def test_pull_needs_a_device_and_a_sane_query(world):
    assert world.api_as(world.observer).get("/api/sync/pull").status_code == 403
    assert world.api_as(None).get("/api/sync/pull").status_code == 401
    for query in ("cursor=-1", "cursor=abc", "limit=0", "limit=1001", "since=3"):
        response = world.tablet.api.client.get(f"/api/sync/pull?{query}", headers=world.tablet.headers)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["fields"]


def test_revoked_device_can_neither_push_nor_pull(world):
    world.api_as(world.observer).delete(f"/api/devices/{world.laptop.device_id}")
    assert world.laptop.api.client.get("/api/sync/pull", headers=world.laptop.headers).status_code == 401
    assert world.laptop.push_raw([]).status_code == 401


def test_a_long_run_of_changes_a_person_may_not_read_is_skipped_in_bounded_steps(world, monkeypatch):
    import server.sync_feed as feed

    monkeypatch.setattr(feed, "WINDOW", 2)
    monkeypatch.setattr(feed, "MAX_WINDOWS", 2)
    for _ in range(9):
        world.tablet.create_observation(world.school.id, world.other_teacher.id, world.observer.id)
    world.tablet.push()
    mine = world.observation(status="submitted")
    pages = world.teacher_tablet.pull()
    assert [len(p["changes"]) for p in pages] == [0, 0, 1]
    assert [p["cursor"] for p in pages] == [4, 8, 10]
    assert list(world.teacher_tablet.records) == [("observation", mine)]


def test_a_record_that_leaves_a_persons_view_is_removed_from_their_device(world):
    record_id = world.observation(status="submitted")
    note_id = str(uuid.uuid4())
    feedback_id = str(uuid.uuid4())
    world.tablet.op("note", note_id, {"observation_id": record_id, "element": "task", "text": "Worksheet",
                                      "at": "2026-11-20T14:05:00Z"})
    world.tablet.op("feedback", feedback_id, {"observation_id": record_id, "glow": "Good", "released": True})
    world.tablet.push()
    world.teacher_tablet.pull()
    assert len(world.teacher_tablet.records) == 3
    world.tablet.op("feedback", feedback_id, {"released": False})
    world.tablet.push()
    world.teacher_tablet.pull()
    assert sorted(k[0] for k in world.teacher_tablet.records) == ["note", "observation"]
    world.tablet.op("observation", record_id, {"status": "draft"})
    world.tablet.push()
    pages = world.teacher_tablet.pull()
    assert world.teacher_tablet.records == {}
    gone = [c for p in pages for c in p["changes"]]
    assert all(set(c) == {"entity", "record_id", "position", "gone"} for c in gone)


def test_the_observed_teacher_of_a_record_never_changes(world):
    record_id = world.observation()
    world.tablet.op("observation", record_id, {"teacher_id": world.other_teacher.id})
    assert world.tablet.push()["results"][0]["errors"] == {"teacher_id": ["Cannot change once the record is created."]}
