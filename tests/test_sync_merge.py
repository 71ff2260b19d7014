"""The per-field merge (sync.merge): what happens to a record when one device's op arrives,
whatever the others did meanwhile. No database: a Record below plays the server's part."""
import pytest

from sync.hlc import format_hlc
from sync.merge import Conflict, Stamp, flatten, merge, note_is_repeat, unflatten

AUTHOR, ANA, BEN = "device-author", "device-ana", "device-ben"
BASE = {"status": "draft", "task": "", "students_doing": "", "teacher_doing": "", "deleted": False,
        "lookfors": {"wait_time": 0, "questioning": None}}


def clock(ms: int, device: str) -> str:
    return format_hlc(1_700_000_000_000 + ms, 0, device)


class Record:
    """One record on the server: flat state, per-field stamps, version, and kept conflicts."""

    def __init__(self, values=None):
        self.current, self.stamps, self.version, self.conflicts = {}, {}, 0, []
        if values is not None:
            self.push(AUTHOR, 0, values, base=0, op_id="op-create")

    def push(self, device, ms, values, base=1, op_id=None):
        result = merge(self.current, self.stamps, self.version, flatten(values), base, device,
                       clock(ms, device), op_id or f"op-{device}-{ms}")
        self.current.update(result.changes)
        self.stamps.update(result.stamps)
        self.version = result.version
        self.conflicts.extend(result.conflicts)
        return result

    @property
    def values(self) -> dict:
        return unflatten(self.current)


def summary(conflict: Conflict) -> tuple:
    """A conflict without the record versions, which depend on arrival order."""
    return (conflict.field, conflict.kept_value, conflict.kept.device_id, conflict.kept.hlc, conflict.kept.op_id,
            conflict.lost_value, conflict.lost.device_id, conflict.lost.hlc, conflict.lost.op_id)


def test_a_create_applies_every_field_at_version_one():
    result = merge({}, {}, 0, flatten(BASE), 0, ANA, clock(5, ANA), "op-1")
    assert result.version == 1
    assert result.changes == flatten(BASE)
    assert unflatten(result.changes) == BASE
    assert result.stamps == {name: Stamp(1, ANA, clock(5, ANA), "op-1") for name in flatten(BASE)}
    assert result.conflicts == []
    assert result.touched


def test_an_edit_from_the_current_version_applies():
    record = Record(BASE)
    result = record.push(ANA, 10, {"status": "submitted"}, base=1)
    assert result.changes == {"status": "submitted"}
    assert result.stamps == {"status": Stamp(2, ANA, clock(10, ANA), f"op-{ANA}-10")}
    assert result.conflicts == [] and record.version == 2


def test_an_edit_from_a_version_that_includes_the_other_devices_edit_applies():
    record = Record(BASE)
    record.push(BEN, 10, {"task": "Solve 3x = 12"}, base=1)
    result = record.push(ANA, 5, {"task": "Solve 3x = 12 and explain"}, base=2)
    assert result.conflicts == []
    assert record.values["task"] == "Solve 3x = 12 and explain"


def test_the_same_device_editing_again_without_a_fresh_base_applies():
    record = Record(BASE)
    record.push(ANA, 10, {"students_doing": "Reading"}, base=1)
    result = record.push(ANA, 20, {"students_doing": "Reading in pairs"}, base=1)
    assert result.conflicts == []
    assert record.values["students_doing"] == "Reading in pairs"
    assert record.version == 3


def test_two_devices_changing_different_fields_both_apply_without_conflict():
    record = Record(BASE)
    record.push(ANA, 10, {"students_doing": "Reading"}, base=1)
    record.push(BEN, 5, {"teacher_doing": "Conferring"}, base=1)
    assert record.conflicts == []
    assert record.values["students_doing"] == "Reading"
    assert record.values["teacher_doing"] == "Conferring"
    assert record.version == 3


@pytest.mark.parametrize("ana_ms, ben_ms", [(10, 20), (20, 10)])
def test_concurrent_edits_of_one_field_keep_the_higher_clock_whichever_arrives_first(ana_ms, ben_ms):
    edits = [(ANA, ana_ms, {"task": "Ana's task"}), (BEN, ben_ms, {"task": "Ben's task"})]
    first, second = Record(BASE), Record(BASE)
    for device, ms, values in edits:
        first.push(device, ms, values, base=1)
    for device, ms, values in reversed(edits):
        second.push(device, ms, values, base=1)

    winner, loser = ("Ana's task", "Ben's task") if ana_ms > ben_ms else ("Ben's task", "Ana's task")
    assert first.values["task"] == second.values["task"] == winner
    assert len(first.conflicts) == len(second.conflicts) == 1
    assert summary(first.conflicts[0]) == summary(second.conflicts[0])
    conflict = first.conflicts[0]
    assert (conflict.field, conflict.kept_value, conflict.lost_value) == ("task", winner, loser)
    winning_device = ANA if ana_ms > ben_ms else BEN
    assert conflict.kept.device_id == winning_device and conflict.kept.hlc == clock(max(ana_ms, ben_ms), winning_device)


def test_the_losing_edit_is_recorded_as_a_conflict_and_bumps_the_version():
    record = Record(BASE)
    record.push(ANA, 20, {"task": "Ana's task"}, base=1)
    result = record.push(BEN, 10, {"task": "Ben's task"}, base=1)
    assert result.changes == {} and result.stamps == {}
    assert result.version == 3
    assert result.conflicts == [Conflict("task", "Ana's task", Stamp(2, ANA, clock(20, ANA), f"op-{ANA}-20"),
                                         "Ben's task", Stamp(3, BEN, clock(10, BEN), f"op-{BEN}-10"))]


def test_concurrent_edits_to_the_same_value_do_not_conflict():
    record = Record(BASE)
    record.push(ANA, 20, {"status": "submitted"}, base=1)
    result = record.push(BEN, 10, {"status": "submitted"}, base=1)
    assert result.conflicts == [] and result.changes == {}
    assert record.version == 2


def test_an_op_that_sends_nothing_leaves_the_version_alone():
    record = Record(BASE)
    result = record.push(ANA, 10, {"lookfors": {}}, base=1)
    assert (result.changes, result.stamps, result.conflicts) == ({}, {}, [])
    assert not result.touched and result.version == 1


def test_repeating_the_current_values_is_recorded_but_changes_nothing():
    """The device asserted those values: a later concurrent write must meet its clock."""
    record = Record(BASE)
    result = record.push(ANA, 10, {"status": "draft", "lookfors": {"wait_time": 0}}, base=1)
    assert (result.changes, result.conflicts) == ({}, [])
    assert set(result.stamps) == {"status", "lookfors.wait_time"} and result.version == 2


def test_look_fors_are_spread_into_one_field_per_key_and_back():
    values = {"status": "draft", "lookfors": {"wait_time": 3, "questioning": "high", "checked": True}}
    flat = flatten(values)
    assert flat == {"status": "draft", "lookfors.wait_time": 3, "lookfors.questioning": "high",
                    "lookfors.checked": True}
    assert unflatten(flat) == values
    assert flatten({"status": "draft"}) == {"status": "draft"}
    # A state with no look-for keys unflattens to an empty look-fors object.
    assert unflatten({"status": "draft"}) == {"status": "draft", "lookfors": {}}


def test_two_devices_editing_different_look_fors_both_survive():
    record = Record(BASE)
    record.push(ANA, 20, {"lookfors": {"wait_time": 4}}, base=1)
    record.push(BEN, 10, {"lookfors": {"questioning": "high"}}, base=1)
    assert record.conflicts == []
    assert record.values["lookfors"] == {"wait_time": 4, "questioning": "high"}


def test_two_devices_editing_the_same_look_for_conflict_on_that_key():
    record = Record(BASE)
    record.push(ANA, 20, {"lookfors": {"wait_time": 4}}, base=1)
    record.push(BEN, 10, {"lookfors": {"wait_time": 9, "questioning": "low"}}, base=1)
    assert [(c.field, c.kept_value, c.lost_value) for c in record.conflicts] == [("lookfors.wait_time", 4, 9)]
    assert record.values["lookfors"] == {"wait_time": 4, "questioning": "low"}


def test_a_look_for_changing_from_a_count_to_yes_is_a_change():
    record = Record({**BASE, "lookfors": {"checked": 1}})
    result = record.push(AUTHOR, 10, {"lookfors": {"checked": True}}, base=1)
    assert result.changes == {"lookfors.checked": True}


def test_concurrent_count_and_yes_on_one_look_for_conflict():
    record = Record({**BASE, "lookfors": {"checked": None}})
    record.push(ANA, 10, {"lookfors": {"checked": 1}}, base=1)
    record.push(BEN, 20, {"lookfors": {"checked": True}}, base=1)
    assert record.values["lookfors"]["checked"] is True
    assert [(c.field, c.kept_value, c.lost_value) for c in record.conflicts] == [("lookfors.checked", True, 1)]


def test_a_delete_concurrent_with_another_devices_edit_loses_and_conflicts():
    record = Record(BASE)
    record.push(ANA, 10, {"students_doing": "Reading"}, base=1)
    result = record.push(BEN, 20, {"deleted": True}, base=1)
    assert record.values["deleted"] is False
    assert result.changes == {} and result.version == 3
    assert result.conflicts == [Conflict("deleted", False, Stamp(2, ANA, clock(10, ANA), f"op-{ANA}-10"),
                                         True, Stamp(3, BEN, clock(20, BEN), f"op-{BEN}-20"))]


def test_an_edit_arriving_after_a_concurrent_delete_brings_the_record_back():
    record = Record(BASE)
    record.push(BEN, 20, {"deleted": True}, base=1)
    assert record.values["deleted"] is True
    result = record.push(ANA, 10, {"students_doing": "Reading"}, base=1)
    assert record.values["deleted"] is False
    assert record.values["students_doing"] == "Reading"
    assert result.changes == {"students_doing": "Reading", "deleted": False}
    assert result.conflicts == [Conflict("deleted", False, Stamp(3, ANA, clock(10, ANA), f"op-{ANA}-10"),
                                         True, Stamp(2, BEN, clock(20, BEN), f"op-{BEN}-20"))]


def test_a_delete_from_a_version_that_includes_every_edit_deletes():
    record = Record(BASE)
    record.push(ANA, 10, {"students_doing": "Reading"}, base=1)
    result = record.push(BEN, 5, {"deleted": True}, base=2)
    assert result.conflicts == []
    assert record.values["deleted"] is True


def test_a_device_deleting_after_its_own_edit_deletes():
    record = Record(BASE)
    record.push(ANA, 10, {"students_doing": "Reading"}, base=1)
    record.push(ANA, 20, {"deleted": True}, base=1)
    assert record.conflicts == []
    assert record.values["deleted"] is True


def test_an_edit_from_a_version_that_includes_the_delete_leaves_it_deleted():
    record = Record(BASE)
    record.push(BEN, 20, {"deleted": True}, base=1)
    record.push(ANA, 30, {"students_doing": "Reading"}, base=2)
    assert record.conflicts == []
    assert record.values["deleted"] is True


def test_two_concurrent_deletes_agree():
    record = Record(BASE)
    record.push(ANA, 10, {"deleted": True}, base=1)
    result = record.push(BEN, 20, {"deleted": True}, base=1)
    assert result.conflicts == [] and record.values["deleted"] is True


def test_undeleting_a_record_deleted_meanwhile_wins_and_conflicts():
    record = Record(BASE)
    record.push(BEN, 20, {"deleted": True}, base=1)
    result = record.push(ANA, 10, {"deleted": False}, base=1)
    assert record.values["deleted"] is False
    assert [(c.field, c.kept_value, c.kept.device_id, c.lost_value, c.lost.device_id) for c in result.conflicts] \
        == [("deleted", False, ANA, True, BEN)]


def test_stamps_survive_a_json_round_trip():
    stamp = Stamp(7, ANA, clock(10, ANA), "op-7")
    assert stamp.to_json() == [7, ANA, clock(10, ANA), "op-7"]
    assert Stamp.from_json(stamp.to_json()) == stamp


NOTE = {"observation_id": "6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", "element": "students",
        "text": "Three students explained their strategy.", "at": "2024-03-05T09:15:00Z", "is_inference": False}


def test_a_resent_note_is_a_repeat():
    assert note_is_repeat(NOTE, dict(NOTE))
    assert note_is_repeat(NOTE, {"text": NOTE["text"]})


@pytest.mark.parametrize("change", [{"text": "Edited."}, {"element": "task"}, {"is_inference": True},
                                    {"at": "2024-03-05T09:16:00Z"}])
def test_a_note_with_any_different_value_is_not_a_repeat(change):
    assert not note_is_repeat(NOTE, {**NOTE, **change})
