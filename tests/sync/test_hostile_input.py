"""No input produces a 5xx, and one bad op never blocks a tablet's queue: each unusable op is
refused with field messages and kept like any other refusal, and the rest of the batch applies."""
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.extensions import db
from server.models import RejectedOp

NOTE_AT = "2026-11-20T14:05:00Z"


def _push(tablet, ops):
    response = tablet.push_raw(ops)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def _note(tablet, observation_id, **overrides):
    tablet.seq += 1
    op = {"op_id": str(uuid.uuid4()), "seq": tablet.seq, "entity": "note", "record_id": str(uuid.uuid4()),
          "base_version": 0, "hlc": tablet.clock.tick(),
          "fields": {"observation_id": observation_id, "element": "task", "text": "Worksheet", "at": NOTE_AT}}
    op.update(overrides)
    return op


def _kept_refusals(app):
    with app.app_context():
        return db.session.scalars(select(RejectedOp).order_by(RejectedOp.id)).all()


@pytest.mark.parametrize("entity", ["note", "feedback"])
@pytest.mark.parametrize("parent", ["not-a-uuid", "", "12345", "x" * 300, "\x00", "\ud800"])
def test_a_child_op_whose_observation_id_is_not_a_uuid_is_refused_and_the_batch_goes_on(world, app, entity, parent):
    observation_id = world.observation()
    bad = _note(world.tablet, parent, entity=entity)
    if entity == "feedback":
        bad["fields"] = {"observation_id": parent, "glow": "Good"}
    good = _note(world.tablet, observation_id)
    body = _push(world.tablet, [bad, good])
    assert body["acked_seq"] == good["seq"]
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["errors"]["observation_id"]
    kept = _kept_refusals(app)
    assert [json.loads(r.payload) for r in kept] == [bad]


@pytest.mark.parametrize("op_id", ["\x00", "a\x00b", "\ud800", "\udfff" * 3, "0" * 500])
def test_an_op_id_no_database_could_store_is_refused_and_kept_exactly(world, app, op_id):
    observation_id = world.observation()
    bad = _note(world.tablet, observation_id, op_id=op_id)
    good = _note(world.tablet, observation_id)
    body = _push(world.tablet, [bad, good])
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["errors"]["op_id"] == ["Not a valid UUID."]
    kept = _kept_refusals(app)
    assert len(kept) == 1 and json.loads(kept[0].payload) == bad


@pytest.mark.parametrize("name", ["\x00", "bad\x00name", "\ud800", "lone\udc00"])
@pytest.mark.parametrize("where", ["envelope", "fields", "lookfors"])
def test_an_unknown_field_name_no_database_could_store_is_refused_and_kept(world, app, name, where):
    observation_id = world.observation()
    world.tablet.op("observation", observation_id, {"grade": "4"})
    bad = world.tablet.outbox.pop()
    if where == "envelope":
        bad[name] = 1
    elif where == "fields":
        bad["fields"][name] = 1
    else:
        bad["fields"]["lookfors"] = {name: True}
    good = _note(world.tablet, observation_id)
    body = _push(world.tablet, [bad, good])
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    kept = _kept_refusals(app)
    assert len(kept) == 1 and json.loads(kept[0].payload) == bad
    listed = world.api_as(world.observer).get("/api/sync/rejected")
    assert listed.status_code == 200
    assert listed.get_json()["rejected"][0]["errors"] == kept[0].errors


def test_a_timestamp_with_a_trailing_nul_is_refused_not_trimmed(world):
    observation_id = world.observation()
    bad = _note(world.tablet, observation_id)
    bad["fields"]["at"] = NOTE_AT + "\x00"
    body = _push(world.tablet, [bad])
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["errors"]["at"]


def test_resolving_a_conflict_on_a_note_is_refused_not_ignored(world):
    observation_id = world.observation()
    note = _note(world.tablet, observation_id)
    _push(world.tablet, [note])
    world.tablet.seq += 1
    again = {**note, "op_id": str(uuid.uuid4()), "seq": world.tablet.seq, "resolve_conflict": str(uuid.uuid4())}
    body = _push(world.tablet, [again])
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["errors"] == {"resolve_conflict": ["Evidence notes never conflict; there is nothing to resolve."]}


def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("route,method", [
    ("/api/auth/login", "post"), ("/api/devices", "post"), ("/api/sync/push", "post"),
    ("/api/templates", "post"), ("/api/admin/people/00000000-0000-0000-0000-000000000000", "patch"),
])
@pytest.mark.parametrize("depth", [100, 1200, 100_000])
def test_deeply_nested_json_is_refused_on_every_json_route(world, route, method, depth):
    for client, headers in ((world.api_as(None), {}), (world.tablet.api, world.tablet.headers)):
        response = client.open(method.upper(), route, data='{"ops": ' + _nested(depth) + "}",
                               content_type="application/json", headers=headers)
        assert response.status_code in (400, 401, 403, 404), (route, depth, response.status_code)
        assert response.get_json()["error"]["code"]


def test_an_op_nested_deeply_inside_a_push_is_refused_with_a_clear_message(world):
    observation_id = world.observation()
    bad = _note(world.tablet, observation_id)
    bad["fields"]["text"] = json.loads(_nested(200))
    response = world.tablet.push_raw([bad])
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("query", ["cursor=9223372036854775808", "cursor=99999999999999999999999",
                                   "cursor=1e400", "limit=9223372036854775808"])
def test_pull_cursor_beyond_64_bits_is_a_field_error(world, query):
    response = world.tablet.api.client.get(f"/api/sync/pull?{query}", headers=world.tablet.headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


def test_pull_at_the_largest_cursor_answers_an_empty_page(world):
    response = world.tablet.api.client.get("/api/sync/pull?cursor=9223372036854775807", headers=world.tablet.headers)
    assert response.status_code == 200
    assert response.get_json()["changes"] == []


@pytest.mark.parametrize("query", ["offset=9223372036854775808", "offset=99999999999999999999", "limit=9223372036854775808"])
def test_observation_list_offset_beyond_64_bits_is_a_field_error(world, query):
    response = world.api_as(world.observer).get(f"/api/observations?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                         st.floats(allow_nan=False), st.text(max_size=40))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)), max_leaves=12)
ENVELOPE_KEYS = ["op_id", "seq", "entity", "record_id", "base_version", "hlc", "fields", "resolve_conflict"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.lists(st.dictionaries(st.sampled_from(ENVELOPE_KEYS) | st.text(max_size=8), JSON_VALUES,
                                        max_size=6), min_size=1, max_size=4))
def test_generated_garbage_ops_never_break_a_push_or_block_the_queue(world, garbage):
    observation_id = world.observation() if not world.tablet.records else next(iter(world.tablet.records))[1]
    tail = _note(world.tablet, observation_id)
    for op in garbage:
        op.pop("seq", None)
    response = world.tablet.push_raw([*garbage, tail])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["acked_seq"] == tail["seq"]
    assert body["results"][-1]["status"] == "applied"
    assert all(r["status"] == "rejected" for r in body["results"][:-1])
