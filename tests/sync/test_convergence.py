"""Invariants 1-3 of SYNC.md, against the real server and database, by a Hypothesis state machine.

Four devices: observer Olive's tablet and laptop, observed teacher Theo's tablet, and observer
Ian's tablet (the "intruder"). They make random creates, field, look-for and status edits, notes,
deletes and undeletes, feedback from both sides, writes they may not make, and conflict
resolutions, often on one record from both of Olive's devices at once; their pushes arrive
shuffled, partly dropped (the rest comes later), with duplicates, and with responses lost and the
push retried. After every full exchange (each device pushes until its outbox is empty, then each
pulls to the end), and at the end of every example:

1. Convergence: every device holds, for every record its person may read, exactly the server's
   version, data and open conflict ids, and holds nothing else (a record that left its person's
   view must have been dropped on a "gone" change).
   Who may read what is computed from the database rows (tests/sync/model.py, readable_view).
2. Nothing lost: for every op the server took (by its first answer to it):
   - rejected: the op, exactly as sent, is kept in sync_rejected_ops under its device and op_id;
   - applied or conflict: every value it set (a look-for key by key) is
     (a) the record's current value of that field, or
     (b) the kept or lost value of a conflict row on that record and field, open or resolved, or
     (c) overwritten with knowledge of it: an accepted op C taken later sets that field, and some
         accepted op X taken before C wrote that same value to it (X may be the op itself) with
         C from X's device or C's base_version at or after the version the server answered for X.
3. Idempotence: an earlier batch of any device, sent again exactly as it was one to three times,
   is answered "duplicate" op by op with the same acked_seq, and changes no row of the records,
   op log, conflicts, rejected ops, change feed or its clock, nor any device's last_seq.

Also checked at each full exchange: every op a device made got an answer, and every write its
author may not make (the intruder's on Olive's records, the teacher's on an observation, Olive's on
the teacher's half of feedback) was rejected.

The "sync-ci" Hypothesis profile runs by default; ROUNDS_SYNC_PROFILE=deep runs "sync-deep".
"""
import os
import random
import sys

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, precondition, rule,
                                 run_state_machine_as_test)

import sync.hlc
from server.extensions import db
from tests.conftest import empty_all_tables
from tests.sync.model import (Device, Ledger, Wall, assert_converged, assert_nothing_lost,
                              assert_replay_changes_nothing, server_state, stable_id)

# Not "ci": Hypothesis has a built-in profile of that name, which it loads itself on CI machines.
settings.register_profile("sync-ci", max_examples=30, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("sync-deep", parent=settings.get_profile("sync-ci"), max_examples=300,
                          stateful_step_count=60)
PROFILE = settings.get_profile("sync-deep" if os.environ.get("ROUNDS_SYNC_PROFILE") == "deep" else "sync-ci")

OLIVES = ("tablet", "laptop")
OBSERVERS = OLIVES + ("intruder",)
DEVICES = OBSERVERS + ("teacher",)
SKEWS_MS = (0, 0, -90_000, 90_000, 10 * 60_000)  # 10 minutes ahead: the server clamps it
PICK = st.integers(0, 30)
SEED = st.integers(0, 2**32 - 1)

TEXT = st.one_of(st.sampled_from(["", "Pairs argue about the graph", "Worksheet p. 4", "Élèves débattent ✏️"]),
                 st.text(max_size=12))
NOTE_TEXT = st.sampled_from(["S: 'it doubles'", "T asks why", "Exit ticket", "\x00 is refused"])
LOOKFOR_KEY = st.sampled_from(["target_posted", "student_talk", "questions"])
LOOKFOR_VALUE = st.one_of(st.none(), st.booleans(), st.integers(0, 3), st.sampled_from(["yes", "partly", ""]))
OBSERVATION_VALUES = {
    "teacher_doing": TEXT, "students_doing": TEXT, "task": TEXT,
    "grade": st.sampled_from([None, "K", "3", "10"]), "subject": st.sampled_from([None, "Math", "ELA"]),
    "students_present": st.one_of(st.none(), st.integers(0, 40)),
    "status": st.sampled_from(["draft", "submitted"]), "deleted": st.booleans(),
    "teacher_id": st.sampled_from([0, 1]),  # which of the school's two teachers; fixed once created
}
FEEDBACK_VALUES = {
    "glow": TEXT, "wonder": TEXT, "next_step": TEXT, "support_commitment": TEXT,
    "support_due": st.sampled_from([None, "2026-12-01", "2027-01-15"]), "released": st.booleans(),
}
TEACHER_FEEDBACK_VALUES = {
    "acknowledged_at": st.sampled_from([None, "2026-11-21T08:00:00Z", "2026-11-22T16:30:00Z"]),
    "reflection": TEXT, "usefulness": st.one_of(st.none(), st.integers(0, 6)),  # 0 and 6 are refused
}


def changes(values: dict, lookfors: bool):
    """One op's `fields`: one field, or (observations) one or two look-fors."""
    one_field = st.one_of([st.fixed_dictionaries({name: values[name]}) for name in sorted(values)])
    if not lookfors:
        return one_field
    return st.one_of(one_field, st.fixed_dictionaries(
        {"lookfors": st.dictionaries(LOOKFOR_KEY, LOOKFOR_VALUE, min_size=1, max_size=2)}))


def same_field_changes(values: dict, lookfors: bool):
    """Two or three changes of one field (or look-for key), for concurrent edits to meet."""
    def twice_or_thrice(change):
        return st.lists(change, min_size=2, max_size=3)
    each = [twice_or_thrice(st.fixed_dictionaries({name: values[name]})) for name in sorted(values)]
    if lookfors:
        each.append(LOOKFOR_KEY.flatmap(lambda key: twice_or_thrice(
            st.fixed_dictionaries({"lookfors": st.fixed_dictionaries({key: LOOKFOR_VALUE})}))))
    return st.one_of(each)


def concurrent_changes(values: dict, lookfors: bool):
    either = st.lists(changes(values, lookfors), min_size=2, max_size=4)
    if "deleted" in values:
        # A delete meeting an edit, and an undelete meeting a delete, have merge rules of their own.
        tombstone = st.sampled_from([{"deleted": True}, {"deleted": False}])
        either = st.one_of(either, st.tuples(tombstone, st.one_of(tombstone, changes(values, lookfors))).map(list))
    return st.one_of(same_field_changes(values, lookfors), either)


def someone_knows(entity: str, among=OBSERVERS):
    return precondition(lambda machine: any(machine.known(machine.devices[name], entity) for name in among))


has_outbox = precondition(lambda machine: any(d.outbox for d in machine.devices.values()))
has_conflicts = precondition(lambda machine: any(machine.open_conflicts(d) for d in machine.devices.values()))


class SyncNetwork(RuleBasedStateMachine):
    """One school with observer Olive, teacher Theo, a second teacher and observer Ian; each
    example starts from an empty database."""

    def __init__(self, app, make, api_as, wall: Wall):
        super().__init__()
        self.app, self.wall = app, wall
        wall.reset()
        with app.app_context():
            empty_all_tables()
        school = make.school()
        olive = make.person("observer", school=school, name="Olive Observer")
        theo = make.person("teacher", school=school, name="Theo Teacher")
        other_teacher = make.person("teacher", school=school)
        ian = make.person("observer", school=school, name="Ian Intruder")
        self.school_id, self.teacher_ids = school.id, (theo.id, other_teacher.id)
        self.people = {"tablet": olive.id, "laptop": olive.id, "teacher": theo.id, "intruder": ian.id}
        self.apis = {"tablet": api_as(olive), "laptop": api_as(olive), "teacher": api_as(theo),
                     "intruder": api_as(ian)}
        db.session.close()  # ends the builder's transaction: the next example empties these tables
        self.devices: dict[str, Device] = {}
        self.ledger = Ledger()
        self.registry = {"observation": [], "feedback": []}  # record ids in creation order
        self.owner = {}  # observation id -> its observer's id
        self.forbidden = []  # op ids of writes their author may not make
        self.notes = 0

    @initialize(skews=st.lists(st.sampled_from(SKEWS_MS), min_size=len(DEVICES), max_size=len(DEVICES)),
                statuses=st.lists(OBSERVATION_VALUES["status"], min_size=1, max_size=3), with_notes=st.booleans())
    def start_the_day(self, skews, statuses, with_notes):
        """Enrol the devices; Olive's tablet records an observation or three (each with a note, or
        not) and syncs them, and her laptop pulls them (so that edits have something to start from)."""
        for name, skew in zip(DEVICES, skews):
            self.devices[name] = Device(self.apis[name], name, self.people[name], self.wall, skew)
        for pick, status in enumerate(statuses):
            self.create_observation("tablet", {"teacher_id": 0, "status": status})
            if with_notes:
                self.add_note("tablet", pick, "students", "S: 'it doubles'", False)
        self.sync("tablet")
        self.pull("laptop", limit=500)

    # --- what devices know ---------------------------------------------------------------

    def known(self, device: Device, entity: str) -> list:
        return [record_id for record_id in self.registry[entity] if device.knows(entity, record_id)]

    def target(self, name: str, entity: str, pick: int, among=OBSERVERS) -> tuple[Device, str | None]:
        """Device `name` and the `pick`-th record of `entity` it knows; if it knows none, the first
        device `among` these that knows one (so that few drawn steps do nothing)."""
        for d in [self.devices[name]] + [self.devices[other] for other in among]:
            known = self.known(d, entity)
            if known:
                return d, known[pick % len(known)]
        return self.devices[name], None

    def shared(self, entity: str) -> list:
        """Records both of Olive's devices know, so both can edit them concurrently."""
        tablet, laptop = (self.devices[name] for name in OLIVES)
        return [record_id for record_id in self.known(tablet, entity) if laptop.knows(entity, record_id)]

    def open_conflicts(self, device: Device) -> list:
        found = [(record_id, conflict) for (_entity, record_id), change in device.records.items()
                 for conflict in change["conflicts"]]
        return sorted(found, key=lambda item: (item[0], item[1]["field"], item[1]["kept"]["op_id"],
                                               item[1]["lost"]["op_id"]))

    def with_outbox(self, name: str) -> Device:
        """Device `name`, or if its outbox is empty the first device with ops waiting."""
        waiting = [d for d in self.devices.values() if d.outbox]
        return self.devices[name] if self.devices[name].outbox or not waiting else waiting[0]

    def observation_fields(self, fields: dict) -> dict:
        if "teacher_id" in fields:
            return {**fields, "teacher_id": self.teacher_ids[fields["teacher_id"]]}
        return fields

    # --- edits ---------------------------------------------------------------------------

    @rule(device=st.sampled_from(OBSERVERS),
          fields=st.fixed_dictionaries({"teacher_id": OBSERVATION_VALUES["teacher_id"]},
                                       optional={"status": OBSERVATION_VALUES["status"],
                                                 "grade": OBSERVATION_VALUES["grade"]}))
    def create_observation(self, device, fields):
        d = self.devices[device]
        record_id = stable_id("observation", len(self.registry["observation"]))
        self.registry["observation"].append(record_id)
        self.owner[record_id] = d.person_id
        d.created.add(("observation", record_id))
        d.op("observation", record_id, {"school_id": self.school_id, "observer_id": d.person_id,
                                        **self.observation_fields(fields)})

    @rule(device=st.sampled_from(OBSERVERS), pick=PICK, fields=changes(OBSERVATION_VALUES, lookfors=True))
    def edit_observation(self, device, pick, fields):
        """A field, one or two look-fors, the status, deleted: true/false, or the observed teacher
        (refused unless unchanged: who was observed never changes)."""
        d, record_id = self.target(device, "observation", pick)
        d.op("observation", record_id, self.observation_fields(fields))

    @rule(device=st.sampled_from(OBSERVERS), pick=PICK, status=OBSERVATION_VALUES["status"])
    def submit_or_take_back(self, device, pick, status):
        """Status decides what the observed teacher may read, so it gets a rule of its own."""
        d, record_id = self.target(device, "observation", pick)
        d.op("observation", record_id, {"status": status})

    @rule(device=st.sampled_from(OBSERVERS), pick=PICK, element=st.sampled_from(["teacher", "students", "task"]),
          text=NOTE_TEXT, is_inference=st.booleans())
    def add_note(self, device, pick, element, text, is_inference):
        d, observation_id = self.target(device, "observation", pick)
        self.notes += 1
        d.op("note", stable_id("note", self.notes), {"observation_id": observation_id, "element": element,
                                                      "text": text, "at": "2026-11-20T14:05:00Z",
                                                      "is_inference": is_inference})

    @rule(device=st.sampled_from(OBSERVERS), pick=PICK, glow=TEXT)
    def start_feedback(self, device, pick, glow):
        """The feedback id follows from the observation's, so both of Olive's devices may start
        the same record."""
        d, observation_id = self.target(device, "observation", pick)
        record_id = stable_id("feedback", observation_id)
        if record_id not in self.registry["feedback"]:
            self.registry["feedback"].append(record_id)
        d.created.add(("feedback", record_id))
        d.op("feedback", record_id, {"observation_id": observation_id, "glow": glow})

    @someone_knows("feedback")
    @rule(device=st.sampled_from(OBSERVERS), pick=PICK, fields=changes(FEEDBACK_VALUES, lookfors=False))
    def edit_feedback(self, device, pick, fields):
        """The observer's half, release included."""
        d, record_id = self.target(device, "feedback", pick)
        d.op("feedback", record_id, fields)

    @someone_knows("feedback")
    @rule(device=st.sampled_from(OBSERVERS), pick=PICK, released=st.booleans())
    def release_or_take_back_feedback(self, device, pick, released):
        d, record_id = self.target(device, "feedback", pick)
        d.op("feedback", record_id, {"released": released})

    @precondition(lambda machine: machine.registry["feedback"])
    @rule(pick=PICK, fields=changes(TEACHER_FEEDBACK_VALUES, lookfors=False), blind=st.booleans())
    def teacher_writes_their_half(self, pick, fields, blind):
        """On feedback the teacher pulled, or (blind) on any feedback id: refused until it is
        released to them, and kept."""
        feedback = self.registry["feedback"]
        record_id = feedback[pick % len(feedback)] if blind else self.target("teacher", "feedback", pick, ())[1]
        if record_id is not None:
            self.devices["teacher"].op("feedback", record_id, fields)

    @rule(pick=PICK, entity=st.sampled_from(["observation", "feedback"]), first=st.sampled_from(OLIVES),
          observation=concurrent_changes(OBSERVATION_VALUES, lookfors=True),
          feedback=concurrent_changes(FEEDBACK_VALUES, lookfors=False))
    def sync_then_edit_concurrently(self, pick, entity, first, observation, feedback):
        """Olive's tablet and laptop sync, go offline, and take turns changing one record."""
        for d in (self.devices[name] for name in OLIVES):
            self.send(d, list(d.outbox))
            d.pull()
        if not self.shared(entity):
            entity = "feedback" if entity == "observation" else "observation"
        shared = self.shared(entity)
        if not shared:
            return
        record_id = shared[pick % len(shared)]
        turns = OLIVES if first == OLIVES[0] else OLIVES[::-1]
        for n, fields in enumerate(observation if entity == "observation" else feedback):
            fields = self.observation_fields(fields) if entity == "observation" else fields
            self.devices[turns[n % 2]].op(entity, record_id, fields)

    @rule(pick=PICK, kind=st.sampled_from(["observation", "note", "feedback", "teacher edits observation",
                                           "observer writes the teacher's half"]))
    def write_what_is_not_yours(self, pick, kind):
        """Every one of these must be refused, and kept as a rejected op."""
        olives = [r for r in self.registry["observation"] if self.owner[r] == self.people["tablet"]]
        observation_id = olives[pick % len(olives)]
        feedback_id = stable_id("feedback", observation_id)
        intruder, teacher, tablet = (self.devices[name] for name in ("intruder", "teacher", "tablet"))
        if kind == "observation":
            op = intruder.op("observation", observation_id, {"grade": "1"}, base_version=1)
        elif kind == "note":
            self.notes += 1
            op = intruder.op("note", stable_id("note", self.notes), {
                "observation_id": observation_id, "element": "task", "text": "Not mine", "at": "2026-11-20T14:05:00Z"})
        elif kind == "feedback":
            op = intruder.op("feedback", feedback_id, {"observation_id": observation_id, "glow": "Not mine"})
        elif kind == "teacher edits observation":
            op = teacher.op("observation", observation_id, {"task": "Rewritten by the teacher"})
        elif tablet.knows("feedback", feedback_id):
            op = tablet.op("feedback", feedback_id, {"reflection": "Written by the observer"})
        else:
            return
        self.forbidden.append(op["op_id"])

    @has_conflicts
    @rule(device=st.sampled_from(DEVICES), pick=PICK, side=st.sampled_from(["kept", "lost"]))
    def resolve_conflict(self, device, pick, side):
        """Choose one side of an open conflict the device pulled (or else the first device that
        has one), on the version it pulled."""
        d = next(d for d in [self.devices[device], *self.devices.values()] if self.open_conflicts(d))
        conflicts = self.open_conflicts(d)
        record_id, conflict = conflicts[pick % len(conflicts)]
        name, value = conflict["field"], conflict[side]["value"]
        fields = {"lookfors": {name.split(".", 1)[1]: value}} if name.startswith("lookfors.") else {name: value}
        d.op(conflict["entity"], record_id, fields, resolve_conflict=conflict["id"])

    # --- the network ---------------------------------------------------------------------

    def send(self, d: Device, ops: list, heard: bool = True) -> dict:
        body = d.send(ops, heard)
        self.ledger.record(d, ops, body)
        assert body["acked_seq"] <= d.seq and body["expected_seq"] in (None, body["acked_seq"] + 1), body
        return body

    @has_outbox
    @rule(device=st.sampled_from(DEVICES), seed=SEED)
    def push_shuffled(self, device, seed):
        d = self.with_outbox(device)
        batch = list(d.outbox)
        random.Random(seed).shuffle(batch)
        self.send(d, batch)

    @has_outbox
    @rule(device=st.sampled_from(DEVICES), seed=SEED)
    def push_some_drop_the_rest(self, device, seed):
        """The server applies up to the first missing seq; the device resends the rest later."""
        d, rnd = self.with_outbox(device), random.Random(seed)
        batch = [op for op in d.outbox if rnd.random() < 0.6]
        rnd.shuffle(batch)
        self.send(d, batch)

    @has_outbox
    @rule(device=st.sampled_from(DEVICES), seed=SEED)
    def push_with_repeats(self, device, seed):
        """The outbox plus copies of ops sent before or in this very batch."""
        d, rnd = self.with_outbox(device), random.Random(seed)
        batch = list(d.outbox) + rnd.sample(d.made, min(len(d.made), rnd.randint(1, 3)))
        rnd.shuffle(batch)
        self.send(d, batch)

    @has_outbox
    @rule(device=st.sampled_from(DEVICES), seed=SEED, whole=st.booleans())
    def lose_the_response_and_retry(self, device, seed, whole):
        d, rnd = self.with_outbox(device), random.Random(seed)
        batch = [op for op in d.outbox if whole or rnd.random() < 0.6]
        rnd.shuffle(batch)
        self.send(d, batch, heard=False)
        self.send(d, batch)

    @rule(device=st.sampled_from(DEVICES), limit=st.sampled_from([2, 500]))
    def pull(self, device, limit):
        self.devices[device].pull(limit=limit)

    @rule(device=st.sampled_from(DEVICES))
    def sync(self, device):
        d = self.devices[device]
        self.send(d, list(d.outbox))
        d.pull()

    @rule(seed=SEED, limit=st.sampled_from([2, 500]))
    def full_exchange(self, seed, limit):
        for d in self.devices.values():
            while d.outbox:
                assert self.send(d, list(d.outbox))["expected_seq"] is None
        for d in self.devices.values():
            d.pull(limit=limit)
        unanswered = [op for d in self.devices.values() for op in d.made if op["op_id"] not in self.ledger.outcomes]
        assert not unanswered, f"Pushed and acknowledged, but never answered: {unanswered}"
        allowed = [self.ledger.outcomes[op_id] for op_id in self.forbidden
                   if self.ledger.outcomes[op_id].status != "rejected"]
        assert not allowed, f"Writes their author may not make were taken: {allowed}"
        state = server_state(self.app)
        for d in self.devices.values():
            assert_converged(d, state)
        assert_nothing_lost(self.ledger, state)
        rnd = random.Random(seed)
        batches = [(d, batch) for d in self.devices.values() for batch in d.batches if batch]
        if batches:
            assert_replay_changes_nothing(self.app, *rnd.choice(batches), times=rnd.randint(1, 3))

    def teardown(self):
        # Every example ends with a checked exchange, unless a step has already failed.
        if self.devices and sys.exc_info()[0] is None:
            self.full_exchange(seed=0, limit=500)


@pytest.fixture
def wall(monkeypatch):
    """The server reads the fake wall too, so that its times, and every clock a device stamps
    after seeing one, are the same in every replay of an example."""
    clock = Wall()
    monkeypatch.setattr(sync.hlc, "now_ms", clock.now)
    return clock


def test_devices_converge_and_lose_nothing_whatever_the_network_does(app, make, api_as, wall):
    run_state_machine_as_test(lambda: SyncNetwork(app, make, api_as, wall), settings=PROFILE)
