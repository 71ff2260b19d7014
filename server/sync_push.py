"""Applying a push: the one place where sync ops become database writes.

`push(person, device_id, raw_ops)` runs inside the caller's transaction, which must have been
begun for writing (server.api.sync does that) and is committed by the caller after this returns.
Ops are taken in seq order. Every op that takes a seq slot is written to the op log; a refused op
is also kept raw in the rejected-ops table; every change lands in the change feed at the end.
"""
import json
import uuid
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, update

from server import authz
from server.bulk import insert_rows
from server.extensions import db
from server.jsonutil import dumps_storable
from server.models import Device, LookForTemplate, Observation, Person, RejectedOp, School, SyncConflict, SyncOp
from server.models.observation import first_shared
from server.models.types import utcnow
from server.sync_conflicts import conflict_row, show_all
from server.notify import after_change
from server.sync_feed import record_changes
from server.sync_records import TABLES, row_values, wire_state
from sync import hlc as clocks
from sync.entities import (ENTITIES, FEEDBACK, NOTE, OBSERVATION, OBSERVER_FEEDBACK_FIELDS,
                           TEACHER_FEEDBACK_FIELDS, UUID_FORM, field_label)
from sync.merge import flatten, merge, note_is_repeat, pack_stamps, unpack_stamps
from sync.ops import op_seq, read_op

# A change to these fields changes who may read an observation's notes and feedback (who is
# named on it never changes: see sync.entities.OBSERVATION.immutable).
VISIBILITY_FIELDS = {"status", "deleted"}


# What an op on a record id that is taken, by another entity or by a record the person may not
# change, hears; the same whichever record it is, so that it tells nothing about that record.
ID_TAKEN = {"record_id": ["This id is already used by another record; create the record with a new id."]}


class Rejected(Exception):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Record:
    """A record as this push sees it: flat wire state, field stamps, version."""

    entity: str
    id: str
    state: dict
    stamps: dict
    version: int
    stored: bool
    extra: dict = field(default_factory=dict)
    dirty: bool = False

    @property
    def observation_id(self) -> str:
        return self.id if self.entity == "observation" else self.state["observation_id"]


class Directory:
    """Cached answers about schools, teachers and templates for authorization within one push,
    and the co-observations as this push has left them so far (`records`: the push's records)."""

    def __init__(self, records: dict):
        self._schools, self._teachers, self._templates = None, {}, {}
        self._records = records

    def school_in_scope(self, person, school_id) -> bool:
        if self._schools is None:
            self._schools = set(db.session.scalars(authz.schools_query(person).with_only_columns(School.id)))
        return school_id in self._schools

    def teacher(self, person_id):
        if person_id not in self._teachers:
            person = db.session.get(Person, person_id)
            ok = person is not None and person.active and person.has_role("teacher")
            self._teachers[person_id] = {"school_id": person.school_id} if ok else None
        return self._teachers[person_id]

    def co_observation_members(self, co_observation_id: str) -> list[dict]:
        """The walkthroughs of a co-observation, even deleted ({observer_id, teacher_id,
        school_id}): those stored, with the ops this push has accepted so far over them, so two
        walkthroughs joined in one push meet each other."""
        members = {row.id: dict(row._mapping) for row in db.session.execute(
            select(Observation.id, Observation.observer_id, Observation.teacher_id, Observation.school_id)
            .where(Observation.co_observation_id == co_observation_id))}
        for (entity, record_id), record in self._records.items():
            if entity != "observation":
                continue
            if record.state.get("co_observation_id") == co_observation_id:
                members[record_id] = {name: record.state[name] for name in ("observer_id", "teacher_id", "school_id")}
            else:
                members.pop(record_id, None)
        return [{name: member[name] for name in ("observer_id", "teacher_id", "school_id")}
                for member in members.values()]

    def template(self, person, template_id, school_id):
        key = (template_id, school_id)
        if key not in self._templates:
            template = db.session.scalar(authz.templates_query(person).where(
                LookForTemplate.id == template_id, LookForTemplate.status == "published"))
            applies = template is not None and template.school_id in (None, school_id)
            self._templates[key] = {"version": template.version} if applies else None
        return self._templates[key]


class Push:
    def __init__(self, person: Person, device_id: str):
        self.person, self.device_id = person, device_id
        self.now_ms = clocks.now_ms()
        self.now = utcnow()
        self.records: dict[tuple, Record] = {}
        self.directory = Directory(self.records)
        self.feedback_of: dict[str, str] = {}
        self.open_conflicts: dict[str, SyncConflict] = {}
        self.authors = {device_id: person.id}
        self.results, self.log, self.rejected, self.conflicts = [], [], [], []
        self.changes: dict[tuple, str] = {}
        self.logged: dict[int, tuple] = {}
        self.used_op_ids: set = set()
        self.parsed: dict = {}
        # Ids of this push's records that a record of another entity already has.
        self.taken: set = set()

    # --- the batch -------------------------------------------------------------------------

    def run(self, raw_ops: list) -> dict:
        last_seq = db.session.execute(select(Device.last_seq).where(Device.id == self.device_id)
                                      .with_for_update()).scalar_one()
        numbered = sorted((op for op in raw_ops if op_seq(op) is not None), key=op_seq)
        for raw in raw_ops:
            if op_seq(raw) is None:
                _op, errors = read_op(raw)
                self._keep_rejected(raw, errors or {"seq": ["Must be a whole number from 1 upwards."]})
                self.results.append({"op_id": _raw_op_id(raw), "status": "rejected", "errors": errors})
        self._prefetch(numbered, last_seq)
        expected, expected_seq = last_seq + 1, None
        for raw in numbered:
            seq = op_seq(raw)
            if seq < expected:
                self.results.append(self._repeat(raw, seq))
            elif seq > expected:
                expected_seq = expected
                break
            else:
                self.results.append(self._fresh(raw, seq))
                expected += 1
        self._write(expected - 1, last_seq)
        return {"acked_seq": expected - 1, "server_time": clocks.format_hlc(self.now_ms, 0, clocks.SERVER_NODE),
                "expected_seq": expected_seq, "results": self.results}

    def _repeat(self, raw, seq) -> dict:
        """A seq the server has seen: acknowledged again, never applied again."""
        _op_id, payload = self.logged.get(seq, (None, None))
        if payload is not None and json.loads(payload) == raw:
            return {"op_id": _raw_op_id(raw), "status": "duplicate"}
        self._keep_rejected(raw, {"seq": [f"Seq {seq} was already used by a different op; nothing was changed."]})
        return {"op_id": _raw_op_id(raw), "status": "mismatch"}

    def _fresh(self, raw, seq) -> dict:
        op, errors = self._read(raw)
        if op is not None and op.op_id in self.used_op_ids:
            self._log(raw, seq, None, "mismatch", op)
            self._keep_rejected(raw, {"op_id": ["Already used by another op; nothing was changed."]})
            return {"op_id": op.op_id, "status": "mismatch"}
        try:
            if errors:
                raise Rejected(errors)
            hlc, clamped = clocks.clamp(op.hlc, self.now_ms)
            result = HANDLERS[op.entity](self, op, hlc)
            if clamped:
                result["clamped_hlc"] = hlc
        except Rejected as refusal:
            self._log(raw, seq, op.op_id if op else None, "rejected", op)
            self._keep_rejected(raw, refusal.errors)
            return {"op_id": _raw_op_id(raw), "status": "rejected", "errors": refusal.errors}
        self.used_op_ids.add(op.op_id)
        self._log(raw, seq, op.op_id, result["status"], op)
        return result

    # --- entities --------------------------------------------------------------------------

    def observation(self, op, hlc) -> dict:
        record = self._own(("observation", op.record_id), lambda r: r.state["observer_id"] == self.person.id)
        clean, errors = OBSERVATION.validate(op.fields, creating=record is None)
        if errors:
            raise Rejected(errors)
        existing = record.state if record else None
        errors = authz.observation_write_errors(self.person, clean, existing, self.directory)
        errors.update(_immutable_errors(OBSERVATION, clean, existing))
        if errors:
            raise Rejected(errors)
        if record is None:
            record = self._new_record("observation", op.record_id, OBSERVATION.defaults)
        return self._merge(record, op, hlc, flatten(clean))

    def _own(self, key: tuple, writable) -> "Record | None":
        """The record at `key` if it exists and `writable(record)`, else None. A record the person
        may not change is treated exactly like one that does not exist; if the op would create
        it, `_new_record` refuses it as an id already taken."""
        record = self.records.get(key)
        return record if record is not None and writable(record) else None

    def note(self, op, hlc) -> dict:
        if op.resolve_conflict is not None:
            raise Rejected({"resolve_conflict": ["Evidence notes never conflict; there is nothing to resolve."]})
        record = self._own(("note", op.record_id), lambda r: r.extra["author_id"] == self.person.id)
        clean, errors = NOTE.validate(op.fields, creating=record is None)
        if errors:
            raise Rejected(errors)
        if record is not None:
            if not note_is_repeat(record.state, clean):
                raise Rejected({"fields": ["Evidence notes are append-only: add a new note instead."]})
            return {"op_id": op.op_id, "status": "applied", "version": record.version, "conflicts": []}
        parent = self.records.get(("observation", clean["observation_id"]))
        if parent is None or parent.state["observer_id"] != self.person.id:
            raise Rejected({"observation_id": ["No observation of yours has this id."]})
        record = self._new_record("note", op.record_id, {**NOTE.defaults, **clean})
        self.records[("note", record.id)] = record
        record.version, record.dirty = 1, True
        self.changes[("note", record.id)] = record.observation_id
        return {"op_id": op.op_id, "status": "applied", "version": 1, "conflicts": []}

    def feedback(self, op, hlc) -> dict:
        record = self._own(("feedback", op.record_id), self._may_change_feedback)
        clean, errors = FEEDBACK.validate(op.fields, creating=record is None)
        if errors:
            raise Rejected(errors)
        errors = _immutable_errors(FEEDBACK, clean, record.state if record else None)
        observation_id = record.state["observation_id"] if record else clean["observation_id"]
        parent = self.records.get(("observation", observation_id))
        if parent is None:
            raise Rejected({"observation_id": ["No observation you may see has this id."]})
        errors.update(authz.feedback_write_errors(
            self.person, parent.state, record.state if record else None, clean.keys() - {"observation_id"},
            OBSERVER_FEEDBACK_FIELDS, TEACHER_FEEDBACK_FIELDS))
        other = self.feedback_of.get(observation_id)
        if record is None and other is not None:
            errors["record_id"] = [f"This observation already has feedback {other}; send changes to that record."]
        if errors:
            raise Rejected(errors)
        if record is None:
            record = self._new_record("feedback", op.record_id, FEEDBACK.defaults)
        result = self._merge(record, op, hlc, clean)
        self.feedback_of[observation_id] = record.id
        return result

    def _may_change_feedback(self, record: Record) -> bool:
        """The observer, or the observed teacher once it was released: those who could read it."""
        parent = self.records[("observation", record.state["observation_id"])].state
        return self.person.id == parent["observer_id"] or (
            self.person.id == parent["teacher_id"] and record.extra["released_at"] is not None)

    def _merge(self, record: Record, op, hlc, incoming: dict) -> dict:
        """Merge an accepted op into `record`; a new record joins this push only from here, so an
        op refused before this point leaves nothing behind for the next op on that record."""
        resolving = self._conflict_to_resolve(op, record, incoming)
        self.records[(record.entity, record.id)] = record
        outcome = merge(record.state, record.stamps, record.version, incoming, op.base_version,
                        self.device_id, hlc, op.op_id)
        record.state.update(outcome.changes)
        for column, name, shared_value in SHARED_WHEN.get(record.entity, ()):
            # Each op counts, not only the batch's end state: released and withdrawn in one push
            # was still released, and a device may hold it.
            record.extra[column] = first_shared(record.extra[column], record.state[name] == shared_value, self.now)
        record.stamps.update(outcome.stamps)
        record.version = outcome.version
        shown = []
        if outcome.touched:
            record.dirty = True
            self.changes[(record.entity, record.id)] = record.observation_id
            if record.entity == "observation" and record.stored and VISIBILITY_FIELDS & outcome.changes.keys():
                self._reemit_children(record.id)
            rows = [SyncConflict(**conflict_row(str(uuid.uuid4()), record.entity, record.id, record.observation_id,
                                                c, self._authors(c))) for c in outcome.conflicts]
            self.conflicts.extend(rows)
            shown = show_all(rows)
        if resolving is not None and resolving.field not in {c.field for c in outcome.conflicts}:
            resolving.resolved_at, resolving.resolved_by_id, resolving.resolved_op_id = self.now, self.person.id, op.op_id
            self.changes[(record.entity, record.id)] = record.observation_id
        return {"op_id": op.op_id, "status": "conflict" if outcome.conflicts else "applied",
                "version": record.version, "conflicts": shown}

    def _conflict_to_resolve(self, op, record: Record, incoming: dict):
        if op.resolve_conflict is None:
            return None
        conflict = self.open_conflicts.get(op.resolve_conflict)
        if (conflict is None or conflict.resolved_at is not None or conflict.entity != record.entity
                or conflict.record_id != record.id or conflict.field not in incoming):
            raise Rejected({"resolve_conflict": ["No open conflict on a field this op sets has that id."]})
        return conflict

    # --- reading and writing ---------------------------------------------------------------

    def _prefetch(self, numbered: list, last_seq: int) -> None:
        seqs = [op_seq(raw) for raw in numbered if op_seq(raw) <= last_seq]
        if seqs:
            self.logged = {row.seq: (row.op_id, row.payload) for row in db.session.execute(
                select(SyncOp.seq, SyncOp.op_id, SyncOp.payload).where(
                    SyncOp.device_id == self.device_id, SyncOp.seq.in_(seqs)))}
        fresh = [raw for raw in numbered if op_seq(raw) > last_seq]
        ids = {e: set() for e in ENTITIES}
        op_ids, conflict_ids = set(), set()
        for raw in fresh:
            op, _errors = self._read(raw)
            if op is None:
                continue
            op_ids.add(op.op_id)
            ids[op.entity].add(op.record_id)
            parent = op.fields.get("observation_id")
            if op.entity != "observation" and isinstance(parent, str) and UUID_FORM.match(parent):
                ids["observation"].add(parent.lower())
            if op.resolve_conflict:
                conflict_ids.add(op.resolve_conflict)
        if op_ids:
            self.used_op_ids = set(db.session.scalars(select(SyncOp.op_id).where(SyncOp.op_id.in_(op_ids))))
        for entity in ("note", "feedback"):
            for record in self._load(entity, ids[entity]):
                ids["observation"].add(record.observation_id)
        list(self._load("observation", ids["observation"], lock=True))
        table = TABLES["feedback"]
        observation_ids = [r.id for (e, _i), r in self.records.items() if e == "observation"]
        if observation_ids:
            self.feedback_of = {observation_id: feedback_id for observation_id, feedback_id in db.session.execute(
                select(table.c.observation_id, table.c.id).where(table.c.observation_id.in_(observation_ids)))}
        if conflict_ids:
            self.open_conflicts = {c.id: c for c in db.session.scalars(
                select(SyncConflict).where(SyncConflict.id.in_(conflict_ids)))}
        for entity, table in TABLES.items():
            others = set().union(*(found for name, found in ids.items() if name != entity)) - ids[entity]
            if others:
                self.taken.update(db.session.scalars(select(table.c.id).where(table.c.id.in_(sorted(others)))))

    def _read(self, raw):
        """read_op(raw), once per op object of this push."""
        key = id(raw)
        if key not in self.parsed:
            self.parsed[key] = read_op(raw)
        return self.parsed[key]

    def _load(self, entity: str, ids: set, lock: bool = False):
        if not ids:
            return
        table = TABLES[entity]
        query = select(table).where(table.c.id.in_(sorted(ids))).order_by(table.c.id)
        if lock:
            # Rows are locked in id order, so two pushes touching the same records cannot deadlock.
            query = query.with_for_update()
        for row in db.session.execute(query).mappings():
            stamps = unpack_stamps(row.get("field_stamps"))
            record = Record(entity, row["id"], wire_state(entity, row), stamps, row.get("version", 1), stored=True,
                            extra={name: row[name] for name in EXTRA_COLUMNS[entity]})
            self.records[(entity, record.id)] = record
            yield record

    def _new_record(self, entity: str, record_id: str, defaults: dict) -> Record:
        """A record to be created; the caller adds it to `self.records` once its op is accepted.
        Refused if any record, of any entity, whether the person may see it or not, has the id."""
        if record_id in self.taken or any((name, record_id) in self.records for name in ENTITIES):
            raise Rejected(ID_TAKEN)
        extra = {"author_id": self.person.id} if entity == "note" else dict.fromkeys(EXTRA_COLUMNS[entity])
        return Record(entity, record_id, flatten(defaults) if entity == "observation" else dict(defaults),
                      {}, 0, stored=False, extra=extra)

    def _reemit_children(self, observation_id: str) -> None:
        for entity in ("note", "feedback"):
            table = TABLES[entity]
            for child_id in db.session.scalars(select(table.c.id).where(table.c.observation_id == observation_id)):
                self.changes[(entity, child_id)] = observation_id
        for (entity, _id), record in self.records.items():
            if entity != "observation" and record.dirty and record.observation_id == observation_id:
                self.changes[(entity, record.id)] = observation_id

    def _authors(self, conflict) -> dict:
        for device_id in (conflict.kept.device_id, conflict.lost.device_id):
            if device_id not in self.authors:
                self.authors[device_id] = db.session.scalar(select(Device.person_id).where(Device.id == device_id))
        return self.authors

    def _log(self, raw, seq, op_id, status, op) -> None:
        payload = dumps_storable(raw)
        self.logged[seq] = (op_id, payload)
        self.log.append({"op_id": op_id, "device_id": self.device_id, "seq": seq, "person_id": self.person.id,
                         "entity": op.entity if op else None, "record_id": op.record_id if op else None,
                         "status": status, "payload": payload, "received_at": self.now})

    def _keep_rejected(self, raw, errors: dict) -> None:
        op_id = _raw_op_id(raw)
        self.rejected.append({"person_id": self.person.id, "device_id": self.device_id,
                              "op_id": field_label(op_id)[:100] if op_id is not None else None,
                              "payload": dumps_storable(raw), "errors": errors, "received_at": self.now})

    def _write(self, acked_seq: int, last_seq: int) -> None:
        now = self.now
        for entity in ("observation", "note", "feedback"):
            dirty = [r for (e, _i), r in self.records.items() if e == entity and r.dirty]
            rows = [{"id": r.id, **row_values(entity, r.state), **r.extra, "version": r.version,
                     **({"field_stamps": pack_stamps(r.stamps)} if entity != "note" else {}),
                     **({"updated_at": now} if entity != "note" else {})} for r in dirty]
            for row, record in zip(rows, dirty):
                if not record.stored:
                    row["created_at"] = now
            table = TABLES[entity]
            inserts = [row for row, r in zip(rows, dirty) if not r.stored]
            updates = [row for row, r in zip(rows, dirty) if r.stored]
            if entity == "note":
                for row in inserts:
                    row.pop("version")
            if inserts:
                insert_rows(table, inserts)
            if updates:
                columns = [c for c in updates[0] if c != "id"]
                db.session.execute(
                    update(table).where(table.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in columns}),
                    [{f"b_{k}": v for k, v in row.items()} for row in updates])
        db.session.add_all(self.conflicts)
        db.session.flush()
        insert_rows(SyncOp.__table__, self.log)
        insert_rows(RejectedOp.__table__, self.rejected)
        if acked_seq != last_seq:
            db.session.execute(update(Device).where(Device.id == self.device_id).values(last_seq=acked_seq))
        record_changes(self.changes, frozenset((r.entity, r.id) for r in self.records.values() if not r.stored))
        # The feedback loop's outbox, in this same transaction.
        after_change({observation_id for (entity, _id), observation_id in self.changes.items() if entity != "note"},
                     now=now)


HANDLERS = {"observation": Push.observation, "note": Push.note, "feedback": Push.feedback}
# Columns a record carries beside its wire fields, read with it and written back unchanged or
# as `_write` sets them.
EXTRA_COLUMNS = {"observation": ("shared_at",), "note": ("author_id",), "feedback": ("released_at",)}
# (column, wire field, value): the column keeps when the field first took the value.
SHARED_WHEN = {"observation": [("shared_at", "status", "submitted")], "feedback": [("released_at", "released", True)]}


def _immutable_errors(entity, clean: dict, existing: dict | None) -> dict:
    if existing is None:
        return {}
    return {name: ["Cannot change once the record is created."]
            for name in entity.immutable & clean.keys() if clean[name] != existing.get(name)}


def _raw_op_id(raw):
    return raw.get("op_id") if isinstance(raw, dict) else None


def push(person: Person, device_id: str, raw_ops: list) -> dict:
    """Apply `raw_ops` from `device_id` for `person`; returns the push response of SYNC.md."""
    return Push(person, device_id).run(raw_ops)
