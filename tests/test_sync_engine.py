"""The sync engine end to end, without a database: reading an op off the wire (sync.ops), then
the contract's promises for ops that meet on one record -- whatever order they arrive in, every
field ends with the same value (convergence), and every value sent is either the record's value
or kept in a conflict (nothing lost)."""
from itertools import permutations

import pytest
from hypothesis import given, settings, strategies as st

from sync.hlc import format_hlc
from sync.merge import unflatten
from sync.ops import MAX_SEQ, Op, op_seq, read_op
from tests.test_sync_merge import BASE, Record

OP_ID = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"
RECORD_ID = "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928"
SCHOOL = "6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"
HLC = format_hlc(1_700_000_000_000, 0, "0b6e0f4c-8f2a-4a6e-9d1c-2f7a1e5b3c9d")


MISSING = object()


def wire_op(**changes) -> dict:
    op = {"op_id": OP_ID, "seq": 7, "entity": "observation", "record_id": RECORD_ID, "base_version": 12,
          "hlc": HLC, "fields": {"status": "submitted"}}
    op.update(changes)
    return {name: value for name, value in op.items() if value is not MISSING}


def test_a_good_op_is_read_with_canonical_ids():
    raw = wire_op(op_id=OP_ID.upper(), record_id=RECORD_ID.upper())
    op, errors = read_op(raw)
    assert errors == {}
    assert op == Op(op_id=OP_ID, seq=7, entity="observation", record_id=RECORD_ID, base_version=12, hlc=HLC,
                    fields={"status": "submitted"}, resolve_conflict=None, raw=raw)


def test_a_resolution_names_its_conflict():
    op, errors = read_op(wire_op(resolve_conflict=OP_ID.upper(), base_version=0, seq=MAX_SEQ))
    assert errors == {}
    assert (op.resolve_conflict, op.base_version, op.seq) == (OP_ID, 0, MAX_SEQ)
    assert read_op(wire_op(resolve_conflict=None))[1] == {}


SEQ = ["Must be a whole number from 1 upwards."]
BASE_VERSION = ["Must be a whole number from 0 upwards (0 for a create)."]
FIELDS = ["Must be an object with at least one field."]
NOT_HLC = ["Not a hybrid logical clock: expected '<15 digits>:<5 digits>:<node>'."]


@pytest.mark.parametrize("changes, errors", [
    ({"op_id": MISSING}, {"op_id": ["Required."]}),
    ({"op_id": "op-7"}, {"op_id": ["Not a valid UUID."]}),
    ({"op_id": None}, {"op_id": ["Must be a UUID string."]}),
    ({"record_id": MISSING}, {"record_id": ["Required."]}),
    ({"record_id": 42}, {"record_id": ["Must be a UUID string."]}),
    ({"seq": 0}, {"seq": SEQ}), ({"seq": -1}, {"seq": SEQ}), ({"seq": "1"}, {"seq": SEQ}),
    ({"seq": True}, {"seq": SEQ}), ({"seq": 1.5}, {"seq": SEQ}), ({"seq": 1.0}, {"seq": SEQ}),
    ({"seq": MISSING}, {"seq": SEQ}), ({"seq": MAX_SEQ + 1}, {"seq": SEQ}),
    ({"base_version": -1}, {"base_version": BASE_VERSION}), ({"base_version": True}, {"base_version": BASE_VERSION}),
    ({"base_version": "12"}, {"base_version": BASE_VERSION}), ({"base_version": 1.5}, {"base_version": BASE_VERSION}),
    ({"base_version": MISSING}, {"base_version": BASE_VERSION}),
    ({"entity": "lesson"}, {"entity": ["Must be one of: observation, note, feedback."]}),
    ({"entity": MISSING}, {"entity": ["Must be one of: observation, note, feedback."]}),
    ({"hlc": "yesterday"}, {"hlc": NOT_HLC}), ({"hlc": HLC.upper()}, {"hlc": NOT_HLC}),
    ({"hlc": 1_700_000_000_000}, {"hlc": NOT_HLC}), ({"hlc": MISSING}, {"hlc": NOT_HLC}),
    ({"fields": {}}, {"fields": FIELDS}), ({"fields": []}, {"fields": FIELDS}),
    ({"fields": [["status", "draft"]]}, {"fields": FIELDS}), ({"fields": "status=draft"}, {"fields": FIELDS}),
    ({"fields": None}, {"fields": FIELDS}), ({"fields": MISSING}, {"fields": FIELDS}),
    ({"device_id": OP_ID}, {"device_id": ["Unknown field."]}),
    ({"resolve_conflict": "conflict-3"}, {"resolve_conflict": ["Not a valid UUID."]}),
    ({"resolve_conflict": 3}, {"resolve_conflict": ["Must be a UUID string."]}),
])
def test_each_envelope_problem_is_reported_on_its_own_field(changes, errors):
    assert read_op(wire_op(**changes)) == (None, errors)


@pytest.mark.parametrize("entity", [["note"], {"name": "note"}])
def test_an_entity_that_is_not_a_string_is_reported_on_entity(entity):
    assert read_op(wire_op(entity=entity)) == (None, {"entity": ["Must be one of: observation, note, feedback."]})


def test_every_envelope_problem_is_reported_at_once():
    op, errors = read_op({"seq": 0, "hlc": "x", "extra": 1})
    assert op is None
    assert set(errors) == {"op_id", "record_id", "seq", "base_version", "entity", "hlc", "fields", "extra"}


@pytest.mark.parametrize("raw", [None, [], "op", 7])
def test_an_op_must_be_an_object(raw):
    assert read_op(raw) == (None, {"op": ["Each op must be an object."]})
    assert op_seq(raw) is None


@pytest.mark.parametrize("seq, usable", [(1, 1), (7, 7), (MAX_SEQ, MAX_SEQ), (0, None), (-1, None), ("1", None),
                                         (True, None), (1.5, None), (1.0, None), (None, None), (MAX_SEQ + 1, None)])
def test_op_seq_is_a_whole_number_from_one_or_none(seq, usable):
    assert op_seq({"seq": seq}) == usable
    assert op_seq({}) is None


def arrive(ops, order) -> Record:
    record = Record(BASE)
    for index in order:
        device, ms, flat = ops[index]
        record.push(device, ms, unflatten(flat), base=1)
    return record


def check_convergence_and_nothing_lost(ops):
    records = [arrive(ops, order) for order in permutations(range(len(ops)))]
    finals = [record.current for record in records]
    assert all(final == finals[0] for final in finals), f"diverged: {finals}"
    for record in records:
        kept = {(c.field, v) for c in record.conflicts for v in (c.kept_value, c.lost_value)}
        for _device, _ms, flat in ops:
            for name, value in flat.items():
                assert record.current.get(name) == value or (name, value) in kept, f"lost {name}={value!r}"


DEVICES = ("device-a", "device-b", "device-c")
EDITABLE = ("task", "students_doing", "teacher_doing", "status", "lookfors.wait_time", "lookfors.questioning")


@st.composite
def concurrent_ops(draw, values_for):
    """Two or three ops from different devices, all made from version 1 of the same record."""
    devices = draw(st.permutations(DEVICES))[:draw(st.integers(2, 3))]
    ops = []
    for device in devices:
        ms = draw(st.integers(0, 5))  # equal clocks are allowed: the node breaks the tie
        ops.append((device, ms, draw(values_for(device))))
    return ops


def any_fields(_device):
    value = st.sampled_from(["", "x", "y"]) | st.sampled_from([0, 1, None])
    edits = st.dictionaries(st.sampled_from(EDITABLE), value)
    return st.tuples(edits, st.sampled_from([{}, {"deleted": True}, {"deleted": False}])).map(
        lambda pair: {**pair[0], **pair[1]}).filter(bool)


def fresh_fields(device):
    """Every value is new: different from the base and from what any other device sends. An op
    either deletes the record or edits it, never both."""
    edits = st.lists(st.sampled_from(EDITABLE), min_size=1, unique=True).map(
        lambda names: {name: f"{name} by {device}" for name in names})
    return edits | st.just({"deleted": True})


@given(concurrent_ops(fresh_fields))
def test_fresh_concurrent_values_converge_and_none_is_lost(ops):
    check_convergence_and_nothing_lost(ops)


def test_any_concurrent_values_converge_and_none_is_lost():
    counterexamples = []

    # The search collects failures rather than failing, so that the smallest one is reported here.
    @settings(derandomize=True, database=None, max_examples=300)
    @given(concurrent_ops(any_fields))
    def search(ops):
        try:
            check_convergence_and_nothing_lost(ops)
        except AssertionError as failure:
            counterexamples.append((ops, str(failure).splitlines()[0]))

    search()
    assert sorted(counterexamples, key=lambda found: len(repr(found[0])))[:3] == []


def test_resending_the_base_value_converges():
    check_convergence_and_nothing_lost([("device-a", 1, {"task": "ana"}), ("device-b", 2, {"task": ""})])


def test_resending_the_base_value_with_the_lower_clock_loses_nothing():
    check_convergence_and_nothing_lost([("device-a", 1, {"task": ""}), ("device-b", 2, {"task": "ben"})])


def test_three_devices_two_sending_the_same_value_converge():
    check_convergence_and_nothing_lost([("device-a", 1, {"task": "v"}), ("device-b", 2, {"task": "w"}),
                                        ("device-c", 3, {"task": "v"})])


def test_a_delete_with_an_edit_converges():
    check_convergence_and_nothing_lost([("device-a", 2, {"deleted": True, "task": "ana"}),
                                        ("device-b", 1, {"task": "ben"})])


def test_a_concurrent_delete_and_not_deleted_converge():
    check_convergence_and_nothing_lost([("device-a", 1, {"deleted": True}), ("device-b", 2, {"deleted": False})])
