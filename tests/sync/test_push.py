"""POST /api/sync/push, as SYNC.md promises it."""
import uuid

from sqlalchemy import func, select

from server.extensions import db
from server.models import Observation, RejectedOp, SyncConflict, SyncOp
from sync.hlc import format_hlc, now_ms


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def statuses(body):
    return [result["status"] for result in body["results"]]


def test_ops_apply_in_seq_order_whatever_order_they_arrive_in(world):
    record_id = world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)
    world.tablet.op("observation", record_id, {"grade": "4"}, base_version=1)
    world.tablet.op("observation", record_id, {"grade": "5"}, base_version=1)
    body = world.tablet.push_raw(list(reversed(world.tablet.outbox))).get_json()
    assert body["acked_seq"] == 3 and body["expected_seq"] is None
    assert statuses(body) == ["applied"] * 3
    world.tablet.outbox.clear()
    world.tablet.pull()
    assert world.tablet.records[("observation", record_id)]["data"]["grade"] == "5"


def test_a_resent_push_is_acknowledged_and_not_applied_again(world, app):
    world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)
    batch = list(world.tablet.outbox)
    first = world.tablet.push_raw(batch).get_json()
    again = world.tablet.push_raw(batch).get_json()
    assert statuses(first) == ["applied"] and statuses(again) == ["duplicate"]
    assert again["acked_seq"] == 1
    assert count(app, Observation) == 1 and count(app, SyncOp) == 1


def test_a_reused_seq_with_a_different_op_is_a_mismatch_and_changes_nothing(world, app):
    record_id = world.observation(grade="3")
    forged = dict(world.tablet.op("observation", record_id, {"grade": "9"}), seq=1)
    body = world.tablet.push_raw([forged]).get_json()
    assert statuses(body) == ["mismatch"]
    world.tablet.pull()
    assert world.tablet.records[("observation", record_id)]["data"]["grade"] == "3"
    assert count(app, RejectedOp) == 1


def test_a_reused_op_id_is_a_mismatch_even_under_a_new_seq(world, app):
    record_id = world.observation()
    with app.app_context():
        used = db.session.scalar(select(SyncOp.op_id))
    world.tablet.op("observation", record_id, {"grade": "7"}, op_id=used)
    world.tablet.outbox[-1]["op_id"] = used
    body = world.tablet.push()
    assert statuses(body) == ["mismatch"] and body["acked_seq"] == 2


def test_a_gap_in_seq_applies_nothing_after_it_and_names_the_expected_seq(world, app):
    world.observation()
    world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)  # seq 2
    world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)  # seq 3
    body = world.tablet.push_raw([world.tablet.outbox[1]]).get_json()
    assert body["expected_seq"] == 2 and body["acked_seq"] == 1 and body["results"] == []
    assert count(app, Observation) == 1
    body = world.tablet.push()
    assert body["acked_seq"] == 3 and count(app, Observation) == 3


def test_bad_ops_are_rejected_with_messages_while_the_rest_of_the_batch_applies(world, app, make):
    other_school = make.school(make.district())
    stranger_teacher = make.person("teacher", school=other_school)
    good = world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)
    t = world.tablet
    bad = {
        "wrong types": t.op("observation", good, {"students_present": "twenty", "status": 3}),
        "unknown entity": t.op("lesson", str(uuid.uuid4()), {"x": 1}),
        "unknown field": t.op("observation", good, {"colour": "blue"}),
        "invalid uuid": t.op("observation", "not-a-uuid", {"grade": "3"}),
        "huge string": t.op("observation", good, {"task": "x" * 20_001}),
        "another school": t.op("observation", str(uuid.uuid4()), {
            "school_id": other_school.id, "teacher_id": stranger_teacher.id, "observer_id": world.observer.id}),
    }
    fine = t.op("observation", good, {"grade": "2"}, base_version=1)
    body = t.push()
    by_op = {r["op_id"]: r for r in body["results"]}
    assert body["acked_seq"] == t.seq
    for name, op in bad.items():
        assert by_op[op["op_id"]]["status"] == "rejected", name
        assert by_op[op["op_id"]]["errors"], name
    assert by_op[bad["wrong types"]["op_id"]]["errors"] == {
        "students_present": ["Must be a whole number."], "status": ["Must be one of: draft, submitted."]}
    assert by_op[bad["another school"]["op_id"]]["errors"]["school_id"] == ["Not a school you observe in."]
    assert by_op[fine["op_id"]]["status"] == "applied"
    assert count(app, RejectedOp) == len(bad)


def test_an_observation_created_in_another_observers_name_is_refused(world, app, make):
    colleague = make.person("observer", school=world.school)
    before = count(app, Observation)
    op = world.tablet.op("observation", str(uuid.uuid4()), {
        "school_id": world.school.id, "teacher_id": world.teacher.id, "observer_id": colleague.id})
    body = world.tablet.push()
    result = {r["op_id"]: r for r in body["results"]}[op["op_id"]]
    assert result["status"] == "rejected"
    assert result["errors"] == {"observer_id": ["Must be your own id: you record your own observations."]}
    assert count(app, Observation) == before


def test_a_negative_seq_is_rejected_and_kept_without_blocking_the_queue(world, app):
    record_id = world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)
    negative = dict(world.tablet.outbox[0], seq=-4, op_id=str(uuid.uuid4()))
    body = world.tablet.push_raw([negative, world.tablet.outbox[0]]).get_json()
    assert statuses(body) == ["rejected", "applied"] and body["acked_seq"] == 1
    assert body["results"][0]["errors"]["seq"]
    rejected = world.api_as(world.observer).get("/api/sync/rejected").get_json()["rejected"]
    assert rejected[0]["op"]["seq"] == -4 and rejected[0]["op"]["record_id"] == record_id


def test_a_clock_a_year_ahead_is_pulled_back_to_server_time(world):
    record_id = world.observation()
    year_ahead = format_hlc(now_ms() + 365 * 24 * 3600 * 1000, 0, world.laptop.device_id)
    world.laptop.op("observation", record_id, {"grade": "8"}, base_version=1, hlc=year_ahead)
    world.laptop.outbox[-1]["hlc"] = year_ahead
    result = world.laptop.push()["results"][0]
    assert result["status"] == "applied"
    assert result["clamped_hlc"] < year_ahead and result["clamped_hlc"].endswith(world.laptop.device_id)


def test_concurrent_edits_of_one_field_keep_both_values_and_the_later_clock_wins(world, app):
    record_id = world.observation(task="Read the passage.")
    world.laptop.pull()
    first = world.tablet.op("observation", record_id, {"task": "Compare two passages."})
    second = world.laptop.op("observation", record_id, {"task": "Summarise the passage."})
    later, earlier = sorted([first, second], key=lambda op: op["hlc"], reverse=True)
    world.tablet.push()
    result = world.laptop.push()["results"][0]
    assert result["status"] == "conflict"
    conflict = result["conflicts"][0]
    assert conflict["field"] == "task" and conflict["kept"]["value"] == later["fields"]["task"]
    assert conflict["lost"]["value"] == earlier["fields"]["task"]
    assert conflict["lost"]["by_name"] == "Olive Observer" and conflict["lost"]["op_id"] == earlier["op_id"]
    for tablet in (world.tablet, world.laptop):
        tablet.pull()
        record = tablet.records[("observation", record_id)]
        assert record["data"]["task"] == later["fields"]["task"]
        assert [c["id"] for c in record["conflicts"]] == [conflict["id"]]
    assert count(app, SyncConflict) == 1


def test_different_fields_edited_concurrently_merge_without_conflict(world):
    record_id = world.observation(lookfors={"target_posted": False})
    world.laptop.pull()
    world.tablet.op("observation", record_id, {"grade": "6", "lookfors": {"target_posted": True}})
    world.laptop.op("observation", record_id, {"subject": "Math", "lookfors": {"student_questions": 3}})
    assert statuses(world.tablet.push()) == ["applied"]
    assert statuses(world.laptop.push()) == ["applied"]
    world.tablet.pull()
    data = world.tablet.records[("observation", record_id)]["data"]
    assert (data["grade"], data["subject"]) == ("6", "Math")
    assert data["lookfors"] == {"target_posted": True, "student_questions": 3}


def test_an_edit_concurrent_with_a_delete_wins_and_the_record_carries_a_conflict(world):
    record_id = world.observation()
    world.laptop.pull()
    world.tablet.op("observation", record_id, {"deleted": True})
    world.laptop.op("observation", record_id, {"students_doing": "Pairs argue about the graph."})
    world.tablet.push()
    assert statuses(world.laptop.push()) == ["conflict"]
    world.tablet.pull()
    record = world.tablet.records[("observation", record_id)]
    assert record["data"]["deleted"] is False
    assert record["data"]["students_doing"] == "Pairs argue about the graph."
    assert [c["field"] for c in record["conflicts"]] == ["deleted"]


def test_resolving_a_conflict_is_an_op_that_syncs_like_any_edit(world):
    record_id = world.observation()
    world.laptop.pull()
    world.tablet.op("observation", record_id, {"grade": "3"})
    world.laptop.op("observation", record_id, {"grade": "4"})
    world.tablet.push()
    conflict = world.laptop.push()["results"][0]["conflicts"][0]
    world.tablet.pull()
    world.tablet.op("observation", record_id, {"grade": "3-4"}, resolve_conflict=conflict["id"])
    assert statuses(world.tablet.push()) == ["applied"]
    world.laptop.pull()
    record = world.laptop.records[("observation", record_id)]
    assert record["data"]["grade"] == "3-4" and record["conflicts"] == []
    assert world.api_as(world.observer).get("/api/conflicts").get_json()["conflicts"] == []


def test_resolving_an_unknown_conflict_is_rejected(world):
    record_id = world.observation()
    world.tablet.op("observation", record_id, {"grade": "3"}, resolve_conflict=str(uuid.uuid4()))
    assert world.tablet.push()["results"][0]["errors"]["resolve_conflict"]


def test_evidence_notes_are_append_only_and_never_conflict(world):
    record_id = world.observation()
    world.laptop.pull()
    note = {"observation_id": record_id, "element": "students", "text": "S: 'it doubles'",
            "at": "2026-11-20T14:05:00+00:00"}
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    world.tablet.op("note", first, note)
    world.laptop.op("note", second, {**note, "text": "S2: 'no, it squares'"})
    assert statuses(world.tablet.push()) == ["applied"] and statuses(world.laptop.push()) == ["applied"]
    world.tablet.op("note", first, {**note, "text": "edited"})
    body = world.tablet.push()
    assert statuses(body) == ["rejected"] and "append-only" in body["results"][0]["errors"]["fields"][0]
    world.tablet.pull()
    notes = {k[1]: v["data"]["text"] for k, v in world.tablet.records.items() if k[0] == "note"}
    assert notes == {first: "S: 'it doubles'", second: "S2: 'no, it squares'"}
    assert world.tablet.records[("note", first)]["data"]["at"] == "2026-11-20T14:05:00Z"


def test_only_the_observer_writes_observations_and_notes(world, make):
    record_id = world.observation()
    other_observer = make.person("observer", school=world.school)
    intruder = type(world.tablet)(world.api_as(other_observer), "intruder")
    intruder.op("observation", record_id, {"grade": "1"}, base_version=1)
    intruder.op("note", str(uuid.uuid4()), {"observation_id": record_id, "element": "task", "text": "x",
                                            "at": "2026-11-20T14:05:00Z"})
    body = intruder.push()
    assert statuses(body) == ["rejected", "rejected"]
    world.teacher_tablet.op("observation", record_id, {"grade": "1"}, base_version=1)
    assert statuses(world.teacher_tablet.push()) == ["rejected"]


def test_observer_and_teacher_each_write_their_half_of_the_feedback(world):
    record_id = world.observation(status="submitted")
    feedback_id = str(uuid.uuid4())
    world.tablet.op("feedback", feedback_id, {"observation_id": record_id, "glow": "Great questions",
                                              "next_step": "Add a turn-and-talk", "support_due": "2026-12-01"})
    assert statuses(world.tablet.push()) == ["applied"]
    world.teacher_tablet.pull()
    assert ("feedback", feedback_id) not in world.teacher_tablet.records
    world.teacher_tablet.op("feedback", feedback_id, {"reflection": "Too early"}, base_version=1)
    assert statuses(world.teacher_tablet.push()) == ["rejected"]
    world.tablet.op("feedback", feedback_id, {"released": True})
    world.tablet.push()
    world.teacher_tablet.pull()
    assert world.teacher_tablet.records[("feedback", feedback_id)]["data"]["glow"] == "Great questions"
    world.teacher_tablet.op("feedback", feedback_id, {"reflection": "I'll try it Monday", "usefulness": 5,
                                                      "acknowledged_at": "2026-11-21T08:00:00Z"})
    assert statuses(world.teacher_tablet.push()) == ["applied"]
    world.teacher_tablet.op("feedback", feedback_id, {"glow": "I wrote this myself"})
    assert world.teacher_tablet.push()["results"][0]["errors"] == {
        "glow": ["Only the observer writes this."]}
    world.tablet.op("feedback", feedback_id, {"usefulness": 1})
    assert world.tablet.push()["results"][0]["errors"]["usefulness"]
    world.tablet.pull()
    assert world.tablet.records[("feedback", feedback_id)]["data"]["usefulness"] == 5


def test_one_feedback_per_observation(world):
    record_id = world.observation()
    world.tablet.op("feedback", str(uuid.uuid4()), {"observation_id": record_id, "glow": "a"})
    world.laptop.op("feedback", str(uuid.uuid4()), {"observation_id": record_id, "glow": "b"})
    world.tablet.push()
    body = world.laptop.push()
    assert statuses(body) == ["rejected"] and "already has feedback" in body["results"][0]["errors"]["record_id"][0]


def test_push_needs_the_device_token_and_its_own_device_id(world):
    observer_api = world.api_as(world.observer)
    response = observer_api.post("/api/sync/push", json={"device_id": world.tablet.device_id, "ops": []})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "device_required"
    response = world.tablet.api.client.post("/api/sync/push", headers=world.tablet.headers,
                                            json={"device_id": world.laptop.device_id, "ops": []})
    assert response.status_code == 422 and "device_id" in response.get_json()["error"]["fields"]


def test_malformed_push_bodies_get_field_messages(world, app):
    client, headers = world.tablet.api.client, world.tablet.headers
    cases = [({"ops": []}, "device_id"), ({"device_id": world.tablet.device_id}, "ops"),
             ({"device_id": world.tablet.device_id, "ops": {}}, "ops"),
             ({"device_id": world.tablet.device_id, "ops": [], "extra": 1}, "extra"),
             ({"device_id": world.tablet.device_id, "ops": [None] * 1001}, "ops")]
    for body, field in cases:
        response = client.post("/api/sync/push", json=body, headers=headers)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], body
    assert client.post("/api/sync/push", data="{", content_type="application/json",
                       headers=headers).status_code == 400
    body = {"device_id": world.tablet.device_id, "ops": [None, "x", 5]}
    response = client.post("/api/sync/push", json=body, headers=headers).get_json()
    assert statuses(response) == ["rejected"] * 3
    assert count(app, Observation) == 0


def test_a_record_written_outside_sync_enters_the_feed_when_edited(world, app):
    record_id = str(uuid.uuid4())
    with app.app_context():
        db.session.add(Observation(id=record_id, school_id=world.school.id, teacher_id=world.teacher.id,
                                   observer_id=world.observer.id, status="draft"))
        db.session.commit()
    world.tablet.op("observation", record_id, {"grade": "6"}, base_version=1)
    assert statuses(world.tablet.push()) == ["applied"]
    world.laptop.pull()
    assert world.laptop.records[("observation", record_id)]["data"]["grade"] == "6"


def test_what_a_tablet_sends_is_kept_exactly_even_where_no_database_could_store_it(world):
    odd = {"grade": "3\u0000", "task": "\ud800", "students_present": 2**70}
    world.tablet.op("observation", str(uuid.uuid4()), odd)
    body = world.tablet.push()
    assert statuses(body) == ["rejected"]
    assert set(body["results"][0]["errors"]) >= {"grade", "task", "students_present"}
    kept = world.api_as(world.observer).get("/api/sync/rejected").get_json()["rejected"][0]["op"]
    assert kept["fields"] == odd


def test_a_refused_create_leaves_nothing_behind_for_the_next_op_on_that_record(world):
    record_id = world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)
    world.tablet.outbox[0]["resolve_conflict"] = str(uuid.uuid4())
    world.tablet.op("observation", record_id, {"school_id": world.school.id, "teacher_id": world.teacher.id,
                                               "observer_id": world.observer.id, "grade": "2"})
    body = world.tablet.push()
    assert statuses(body) == ["rejected", "applied"]
    world.laptop.pull()
    assert world.laptop.records[("observation", record_id)]["data"]["grade"] == "2"
