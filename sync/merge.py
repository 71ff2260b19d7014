"""Per-field merge of one op into one record, against the version the device had.

State is flat: `lookfors` is spread into one field per key ("lookfors.<key>"), so two observers'
look-for edits merge key by key. Each field carries a Stamp: the record version, device, clock
and op that last changed it.

Rules (SYNC.md), for each field the op sends:
- unchanged since the op's base_version, or last changed by the same device: applied;
- changed since then by another device to the same value: no conflict; the field keeps the
  higher of the two clocks, so that a third concurrent write meets the same winner in any order;
- changed since then by another device to a different value: a conflict. The higher clock wins
  (the same answer on every replica); the other value is kept in the conflict.
A write is recorded (stamped) even when it repeats the current value: the device asserted it.
Values compare by type as well (1 is not true), since look-fors may hold either.
Tombstones: an edit concurrent with a delete wins, and the record carries a conflict on `deleted`.
"""
from dataclasses import dataclass, field

LOOKFOR_PREFIX = "lookfors."


@dataclass(frozen=True)
class Stamp:
    version: int
    device_id: str
    hlc: str
    op_id: str

    def to_json(self) -> list:
        return [self.version, self.device_id, self.hlc, self.op_id]

    @classmethod
    def from_json(cls, data) -> "Stamp":
        return cls(*data)


@dataclass(frozen=True)
class Conflict:
    """A field on which two devices disagreed: `kept` is the value the record now holds."""

    field: str
    kept_value: object
    kept: Stamp
    lost_value: object
    lost: Stamp


@dataclass
class Merge:
    """The outcome: `changes` maps flat fields to new values, `stamps` the fields whose stamps
    changed; `version` is the record's new version (bumped when anything was recorded)."""

    changes: dict = field(default_factory=dict)
    stamps: dict = field(default_factory=dict)
    conflicts: list = field(default_factory=list)
    version: int = 0

    @property
    def touched(self) -> bool:
        return bool(self.changes or self.stamps or self.conflicts)


def pack_stamps(stamps: dict) -> dict:
    """Stamps as stored: each distinct stamp once, and per field the index of its stamp. A record
    created by one op has one stamp for all its fields, so this keeps the column small."""
    distinct, index, fields = [], {}, {}
    for name, stamp in stamps.items():
        # By identity: one op's fields share one Stamp object, and hashing a dataclass per
        # field is the slow part of a 500-op push. Equal copies are merely stored twice.
        key = id(stamp)
        if key not in index:
            index[key] = len(distinct)
            distinct.append(stamp.to_json())
        fields[name] = index[key]
    return {"stamps": distinct, "fields": fields}


def unpack_stamps(data: dict) -> dict:
    if not data:
        return {}
    distinct = [Stamp.from_json(item) for item in data["stamps"]]
    return {name: distinct[i] for name, i in data["fields"].items()}


def flatten(values: dict) -> dict:
    flat = {k: v for k, v in values.items() if k != "lookfors"}
    for key, value in (values.get("lookfors") or {}).items():
        flat[LOOKFOR_PREFIX + key] = value
    return flat


def unflatten(flat: dict) -> dict:
    values = {k: v for k, v in flat.items() if not k.startswith(LOOKFOR_PREFIX)}
    values["lookfors"] = {k[len(LOOKFOR_PREFIX):]: v for k, v in flat.items() if k.startswith(LOOKFOR_PREFIX)}
    return values


def merge(current: dict, stamps: dict, version: int, incoming: dict, base_version: int,
          device_id: str, hlc: str, op_id: str) -> Merge:
    """Merge flat `incoming` values into the flat `current` state of a record at `version`.

    For a record that does not exist yet pass current={}, stamps={}, version=0.
    """
    result = Merge(version=version + 1)
    mine = Stamp(version + 1, device_id, hlc, op_id)

    def concurrent(stamp: Stamp | None) -> bool:
        return stamp is not None and stamp.version > base_version and stamp.device_id != device_id

    def apply(name, value):
        if not same(current.get(name), value) or name not in current:
            result.changes[name] = value
        result.stamps[name] = mine

    concurrent_edits = [s for n, s in stamps.items() if n != "deleted" and concurrent(s)]
    for name, value in incoming.items():
        stamp = stamps.get(name)
        if name == "deleted" and value is True and not current.get("deleted") and concurrent_edits:
            # Deleting a record someone else edited meanwhile: the edit wins.
            latest = max(concurrent_edits, key=lambda s: s.version)
            result.conflicts.append(Conflict("deleted", False, latest, True, mine))
        elif not concurrent(stamp):
            apply(name, value)
        elif same(current.get(name), value):
            if hlc > stamp.hlc:
                result.stamps[name] = mine
        elif name == "deleted":
            # Undeleting (value False) a record deleted meanwhile is an edit: it wins. Deleting one
            # that was undeleted meanwhile loses to that edit.
            if value is False:
                apply(name, value)
                result.conflicts.append(Conflict("deleted", False, mine, True, stamp))
            else:
                result.conflicts.append(Conflict("deleted", False, stamp, True, mine))
        elif hlc > stamp.hlc:
            apply(name, value)
            result.conflicts.append(Conflict(name, value, mine, current.get(name), stamp))
        else:
            result.conflicts.append(Conflict(name, current.get(name), stamp, value, mine))

    deleted_stamp = stamps.get("deleted")
    edits = [n for n in incoming if n != "deleted"]
    if current.get("deleted") and "deleted" not in incoming and edits and concurrent(deleted_stamp):
        # Editing a record that another device deleted meanwhile brings it back.
        apply("deleted", False)
        result.conflicts.append(Conflict("deleted", False, mine, True, deleted_stamp))

    if not result.touched:
        result.version = version
    return result


def same(a, b) -> bool:
    return type(a) is type(b) and a == b


def note_is_repeat(existing: dict, incoming: dict) -> bool:
    """Evidence notes are append-only: an op for a note that exists must carry exactly the
    values it has (a resend); anything else is refused by the caller."""
    return all(same(existing.get(name), value) for name, value in incoming.items())
