"""The convergence test's model: a fake wall clock shared by the server and the devices, devices
that remember every op they made and every batch they sent, a ledger of the server's first answer
to each op, who may read what, and the three invariants checked against the database. What each
merge must answer is predicted by tests/sync/merge_oracle.py.

Everything is deterministic (ids from uuid5, clocks from the fake wall), so that Hypothesis can
replay and shrink an example: a random device id would break clock ties differently on each run.
"""
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from server.extensions import db
from server.models import Device as DeviceRow, EvidenceNote, Feedback, Observation, RejectedOp, SyncConflict
from sync.entities import ENTITIES, canonical_datetime
from sync.hlc import Clock
from tests.sync.helpers import Tablet
from tests.sync.merge_oracle import canonical_fields, same, spread

NAMESPACE = uuid.UUID("6d2b8f0e-4c1a-4e7b-9a53-1f0c2d3e4b5a")
TABLES = {"observation": Observation.__table__, "note": EvidenceNote.__table__, "feedback": Feedback.__table__}


def stable_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, " ".join(str(part) for part in parts)))


class Wall:
    """Milliseconds since the epoch; every reading is one millisecond after the last."""

    START_MS = 1_795_000_000_000

    def __init__(self):
        self.ms = self.START_MS

    def reset(self) -> None:
        self.ms = self.START_MS

    def now(self) -> int:
        self.ms += 1
        return self.ms


class Device(Tablet):
    """A Tablet (pull, push_raw) with a fixed device id, op ids fixed by its seq, a clock `skew_ms`
    off the shared wall, and a memory of every op it made (`made`) and batch it sent (`batches`).
    `created` holds the records this device made itself: it knows them before it pulls them."""

    def __init__(self, api, name: str, person_id: str, wall: Wall, skew_ms: int):
        # Not Tablet.__init__: that enrols under a random device id.
        self.api, self.name, self.person_id = api, name, person_id
        self.device_id = stable_id("device", name)
        enrolled = api.post("/api/devices", json={"name": name, "device_id": self.device_id})
        assert enrolled.status_code == 201, enrolled.get_json()
        self.headers = {"Authorization": f"Bearer {enrolled.get_json()['token']}"}
        self.clock = Clock(self.device_id, physical=lambda: wall.now() + skew_ms)
        self.seq, self.cursor = 0, 0
        self.outbox, self.made, self.batches = [], [], []
        self.records, self.created = {}, set()

    def op(self, entity, record_id, fields, base_version=None, **extra):
        """Queue an op; base_version defaults to the version this device last pulled (0 if none)."""
        self.seq += 1
        if base_version is None:
            base_version = self.records.get((entity, record_id), {}).get("version", 0)
        op = {"op_id": stable_id("op", self.name, self.seq), "seq": self.seq, "entity": entity,
              "record_id": record_id, "base_version": base_version, "hlc": self.clock.tick(),
              "fields": fields, **extra}
        self.outbox.append(op)
        self.made.append(op)
        return op

    def send(self, ops: list, heard: bool = True) -> dict:
        """Push `ops` exactly as given. If the device `heard` the answer it drops what the server
        acknowledged from its outbox and takes in the server's time; if not, it learns nothing."""
        response = self.push_raw(ops)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        self.batches.append(ops)
        if heard:
            self.clock.observe(body["server_time"])
            self.outbox = [op for op in self.outbox if op["seq"] > body["acked_seq"]]
        return body

    def knows(self, entity: str, record_id: str) -> bool:
        return (entity, record_id) in self.records or (entity, record_id) in self.created


@dataclass(frozen=True)
class Outcome:
    """The server's first answer to one op: `version` is the record's version after it (None
    when rejected); `order` counts ops across all devices in the order the server took them."""

    device: Device
    op: dict
    status: str
    version: int | None
    order: int


class Ledger:
    """Every op the server has taken (applied, conflict or rejected), by op_id."""

    def __init__(self):
        self.outcomes: dict[str, Outcome] = {}

    def record(self, device: Device, ops: list, body: dict) -> None:
        sent = {op["op_id"]: op for op in ops}
        for result in body["results"]:
            op_id, status = result["op_id"], result["status"]
            if status == "duplicate":
                assert op_id in self.outcomes, f"{op_id} answered duplicate but was never taken"
                continue
            assert status in ("applied", "conflict", "rejected"), result
            assert op_id not in self.outcomes, f"{op_id} was taken twice: {result}"
            self.outcomes[op_id] = Outcome(device, sent[op_id], status, result.get("version"), len(self.outcomes))


# --- what the server holds, read from the database ----------------------------------------


def document(entity: str, row) -> dict:
    """A database row as the wire shows it: canonical UTC datetimes ending in "Z", ISO dates."""
    values = {name: row[name] for name in ENTITIES[entity].fields}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = canonical_datetime(value)
        elif isinstance(value, date):
            values[name] = value.isoformat()
    return values


def server_state(app) -> dict:
    with app.app_context():
        records = {entity: [dict(row) for row in db.session.execute(select(table)).mappings()]
                   for entity, table in TABLES.items()}
        conflicts = db.session.scalars(select(SyncConflict)).all()
        rejected = db.session.scalars(select(RejectedOp)).all()
        return {
            "records": records,
            "open_conflicts": _group((c.record_id, c.id) for c in conflicts if c.resolved_at is None),
            "conflict_values": _group(((c.record_id, c.field), value) for c in conflicts
                                      for value in (c.kept_value, c.lost_value)),
            "rejected": [(r.device_id, r.op_id, json.loads(r.payload)) for r in rejected],
        }


def _group(pairs) -> dict:
    grouped = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return grouped


def snapshot(app) -> dict:
    """Every row a push may write: records, op log, conflicts, rejected ops, the change feed and
    its clock, and each device's last_seq."""
    with app.app_context():
        tables = {table.name: table for table in db.metadata.sorted_tables}
        names = ("observations", "evidence_notes", "feedback", "sync_conflicts", "sync_rejected_ops", "sync_ops",
                 "sync_changes", "sync_clock")
        rows = {name: db.session.execute(select(tables[name]).order_by(*tables[name].primary_key.columns)).all()
                for name in names}
        rows["devices"] = db.session.execute(select(DeviceRow.id, DeviceRow.last_seq).order_by(DeviceRow.id)).all()
        return rows


@dataclass(frozen=True)
class Reader:
    """A person as the read rules see them: their id, and the schools they oversee as district staff."""

    person_id: str
    staff_of: frozenset = frozenset()


def readable_view(state: dict, reader: Reader) -> dict:
    """(entity, record_id) -> (version, document, sorted open conflict ids) of every record
    `reader` may read: their own observations with notes and feedback; as the observed teacher, or
    as district staff of the observation's school, submitted ones and their feedback once released.
    A deleted observation, its notes and its feedback are nobody's to read (devices that held them
    were told they are gone)."""
    observations = {row["id"]: row for row in state["records"]["observation"]}

    def may_read(observation_id, feedback=None):
        observation = observations[observation_id]
        if observation["deleted"]:
            return False
        if observation["observer_id"] == reader.person_id:
            return True
        concerned = observation["teacher_id"] == reader.person_id or observation["school_id"] in reader.staff_of
        return (concerned and observation["status"] == "submitted"
                and (feedback is None or feedback["released"]))

    view = {}
    for entity, rows in state["records"].items():
        for row in rows:
            observation_id = row["id"] if entity == "observation" else row["observation_id"]
            if may_read(observation_id, row if entity == "feedback" else None):
                view[(entity, row["id"])] = (row.get("version", 1), document(entity, row),
                                             sorted(state["open_conflicts"].get(row["id"], [])))
    return view


# --- the invariants ----------------------------------------------------------------------


def assert_converged(device: Device, state: dict, reader: Reader) -> None:
    """Invariant 1 for one device of `reader` that has pushed and pulled everything."""
    expected = readable_view(state, reader)
    held = {key: (change["version"], change["data"], sorted(c["id"] for c in change["conflicts"]))
            for key, change in device.records.items()}
    extra = {key: held[key] for key in held.keys() - expected.keys()}
    missing = {key: expected[key] for key in expected.keys() - held.keys()}
    differ = {key: {"device": held[key], "server": expected[key]}
              for key in held.keys() & expected.keys() if held[key] != expected[key]}
    assert not (extra or missing or differ), (
        f"{device.name} diverged from the server. Held but not readable: {extra}; readable but not held: "
        f"{missing}; different: {differ}")


def assert_nothing_lost(ledger: Ledger, state: dict) -> None:
    """Invariant 2, in the form the module docstring of test_convergence states."""
    current = {(entity, row["id"]): spread(entity, document(entity, row))
               for entity, rows in state["records"].items() for row in rows}
    kept_rejected = [(device_id, op_id, op) for device_id, op_id, op in state["rejected"]]
    writes = defaultdict(list)  # (entity, record_id, field) -> [(outcome, value)] in the server's order
    for outcome in sorted(ledger.outcomes.values(), key=lambda o: o.order):
        if outcome.status != "rejected":
            for name, value in canonical_fields(outcome.op).items():
                writes[(outcome.op["entity"], outcome.op["record_id"], name)].append((outcome, value))

    def overwritten_knowingly(outcome, key, value) -> bool:
        return any(later.order > outcome.order and any(
            earlier.order < later.order and same(written, value)
            and (later.device is earlier.device or later.op["base_version"] >= earlier.version)
            for earlier, written in writes[key]) for later, _ in writes[key])

    lost = []
    for outcome in ledger.outcomes.values():
        op = outcome.op
        if outcome.status == "rejected":
            if (outcome.device.device_id, op["op_id"], op) not in kept_rejected:
                lost.append(("rejected op not kept", outcome.device.name, op))
            continue
        record = current.get((op["entity"], op["record_id"]), {})
        for name, value in canonical_fields(op).items():
            if name in record and same(record[name], value):
                continue
            if any(same(kept, value) for kept in state["conflict_values"].get((op["record_id"], name), [])):
                continue
            if overwritten_knowingly(outcome, (op["entity"], op["record_id"], name), value):
                continue
            lost.append((name, value, outcome.device.name, outcome.status, outcome.version, op))
    assert not lost, f"Values sent and acknowledged but found nowhere: {lost}"


def assert_replay_changes_nothing(app, device: Device, batch: list, times: int) -> None:
    """Invariant 3 for one earlier batch, sent again `times` times exactly as it was."""
    before = snapshot(app)
    for _ in range(times):
        body = device.send(batch, heard=False)
        assert [r["status"] for r in body["results"]] == ["duplicate"] * len(batch), body
        assert (body["acked_seq"], body["expected_seq"]) == (device.seq, None), body
    assert snapshot(app) == before
