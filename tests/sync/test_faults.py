"""Faults: a response lost after the commit, a crash in the middle of a batch."""
import pytest
from flask import request
from sqlalchemy import func, select

import server.sync_push
from server.extensions import db
from server.models import Device, EvidenceNote, Observation, SyncChange, SyncOp


def counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Observation, EvidenceNote, SyncOp, SyncChange)}


def queue_walkthrough(world, notes=3):
    record_id = world.tablet.create_observation(world.school.id, world.teacher.id, world.observer.id)
    for n in range(notes):
        world.tablet.op("note", f"00000000-0000-4000-8000-{n:012d}", {
            "observation_id": record_id, "element": "students", "text": f"note {n}", "at": "2026-11-20T14:05:00Z"})
    return record_id


@pytest.fixture
def lost_responses(app):
    """Drops the first push response after the push committed: the work is saved, the device never
    hears of it (a connection cut between commit and response). Registered before any request."""
    lost = []

    @app.after_request
    def drop_the_first_push_response(response):
        if request.path == "/api/sync/push" and not lost:
            lost.append(response.get_json())
            raise ConnectionResetError("connection dropped before the response was sent")
        return response

    return lost


def test_a_response_lost_after_commit_is_answered_duplicate_on_retry(lost_responses, world, app):
    queue_walkthrough(world)
    lost = lost_responses
    batch = list(world.tablet.outbox)
    with pytest.raises(ConnectionResetError):
        world.tablet.push_raw(batch)
    assert lost[0]["acked_seq"] == 4
    committed = counts(app)
    assert committed["Observation"] == 1 and committed["EvidenceNote"] == 3 and committed["SyncOp"] == 4
    retry = world.tablet.push_raw(batch).get_json()
    assert [r["status"] for r in retry["results"]] == ["duplicate"] * 4 and retry["acked_seq"] == 4
    assert counts(app) == committed


def test_a_crash_in_the_middle_of_a_batch_applies_nothing_of_it(world, app, monkeypatch):
    queue_walkthrough(world)
    real_merge, calls = server.sync_push.merge, []

    def merge_that_crashes(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            return real_merge(*args, **kwargs)
        raise RuntimeError("the server process died here")

    monkeypatch.setattr(server.sync_push, "merge", merge_that_crashes)
    world.tablet.op("observation", world.tablet.outbox[0]["record_id"], {"grade": "5"}, base_version=1)
    before = counts(app)
    assert world.tablet.push_raw(world.tablet.outbox).status_code == 500
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Device, world.tablet.device_id).last_seq == 0
    monkeypatch.setattr(server.sync_push, "merge", real_merge)
    body = world.tablet.push()
    assert body["acked_seq"] == 5 and [r["status"] for r in body["results"]] == ["applied"] * 5
    assert counts(app)["EvidenceNote"] == 3


def test_a_crash_at_the_last_write_leaves_no_half_written_records(world, app, monkeypatch):
    queue_walkthrough(world, notes=2)

    def crash(*args, **kwargs):
        raise RuntimeError("crash while writing the change feed")

    monkeypatch.setattr(server.sync_push, "record_changes", crash)
    before = counts(app)
    assert world.tablet.push_raw(world.tablet.outbox).status_code == 500
    assert counts(app) == before
