"""Invariants 1-3 of SYNC.md, against the real server and database, by a Hypothesis state machine.

One district, two schools (Lincoln and Grant). Five devices: district observer Olive's tablet and
laptop, Lincoln teacher Theo's tablet, Lincoln observer Ian's tablet (the "intruder") and Lincoln's
district staff member Dana's tablet; Lincoln also has teacher Tess, Grant teacher Bo. Devices make
random creates (with or without a look-for template, of a teacher at their school or elsewhere),
field, look-for and status edits, notes, deletes and undeletes, feedback from both sides, writes
they may not make, and conflict resolutions, often on one record from both of Olive's devices at
once; their pushes arrive shuffled, partly dropped (the rest comes later), with duplicates, and
with responses lost and the push retried. An admin moves teachers between the schools; a person
loses a device, which is revoked and replaced, and the lost one keeps trying to sync.

Checked as each push is answered:
- Merges follow the rules (tests/sync/merge_oracle.py predicts every answer): applied or conflict,
  the new version, a clamped clock, and each conflict with its winner. The winner of a conflict is
  the write with the higher clock (except on `deleted`, where the edit wins), whatever the order.
- A create is taken exactly when its observer works at the school, the teacher teaches there now
  (not at the school they left) and its template, if any, is that school's published version;
  otherwise it is refused, naming the fields, and kept.
- A revoked device's push and pull answer 401 and change nothing.
- When Olive shares a walkthrough and its feedback and Theo's tablet pulls them, his reply (his
  half of the feedback) is taken.
- Dana's tablet, whenever it pulls, holds exactly the submitted walkthroughs of Lincoln with their
  notes and released feedback.

After every full exchange (each device pushes until its outbox is empty, then each pulls to the
end), and at the end of every example:

1. Convergence: every device holds, for every record its person may read, exactly the server's
   version, data and open conflict ids, and holds nothing else (a record that left its person's
   view must have been dropped on a "gone" change).
   Who may read what is computed from the database rows (tests/sync/model.py, readable_view).
2. Nothing lost: for every op the server took (by its first answer to it), including those of
   devices revoked since:
   - rejected: the op, exactly as sent, is kept in sync_rejected_ops under its device and op_id;
   - applied or conflict: every value it set (a look-for key by key) is
     (a) the record's current value of that field, or
     (b) the kept or lost value of a conflict row on that record and field, open or resolved, or
     (c) overwritten with knowledge of it: an accepted op C taken later sets that field, and some
         accepted op X taken before C wrote that same value to it (X may be the op itself) with
         C from X's device or C's base_version at or after the version the server answered for X.
   And the database holds every field value and stamp the merge rules predict.
3. Idempotence: an earlier batch of any device, sent again exactly as it was one to three times,
   is answered "duplicate" op by op with the same acked_seq, and changes no row of the records,
   op log, conflicts, rejected ops, change feed or its clock, nor any device's last_seq.

Also checked at each full exchange: every op a device in use made got an answer, every device's
last_seq counts the ops the server took from it, and every write its author may not make (the
intruder's on Olive's records, the teacher's on an observation, Olive's on the teacher's half of
feedback, district staff's anywhere) was rejected.

The examples are the same on every run (the "fixed" Hypothesis profile, tests/conftest.py);
HYPOTHESIS_PROFILE=deep runs many more, fresh each time (docs/testing.md).
"""
import os
import random
import sys

import pytest
from hypothesis import event, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, precondition, rule,
                                 run_state_machine_as_test)

import sync.hlc
from server.extensions import db
from tests.conftest import empty_all_tables
from tests.sync.merge_oracle import MergeOracle
from tests.sync.model import (Device, Ledger, Reader, Wall, assert_converged, assert_nothing_lost,
                              assert_replay_changes_nothing, server_state, snapshot, stable_id)

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
MACHINE_SETTINGS = settings(settings.default, max_examples=400 if DEEP else 25,
                            stateful_step_count=70 if DEEP else 40)

OLIVES = ("tablet", "laptop")
OBSERVERS = OLIVES + ("intruder",)
DEVICES = OBSERVERS + ("teacher", "staff")
LINCOLN, GRANT = 0, 1
THEO, TESS, BO = 0, 1, 2  # the teachers, as `teacher_id` strategies name them
SKEWS_MS = (0, 0, -90_000, 90_000, 10 * 60_000)  # 10 minutes ahead: the server clamps it
PICK = st.integers(0, 30)
SEED = st.integers(0, 2**32 - 1)

TEXT = st.one_of(st.sampled_from(["", "Pairs argue about the graph", "Worksheet p. 4", "Élèves débattent ✏️"]),
                 st.text(max_size=12))
NOTE_TEXT = st.sampled_from(["S: 'it doubles'", "T asks why", "Exit ticket", "\x00 is refused"])
LOOKFOR_KEY = st.sampled_from(["target_posted", "student_talk", "questions"])
LOOKFOR_VALUE = st.one_of(st.none(), st.booleans(), st.integers(0, 3), st.sampled_from(["yes", "partly", ""]))
TEMPLATE_LOOKFORS = [{"key": "target_posted", "label": "Learning target posted", "kind": "yes_no"},
                     {"key": "student_talk", "label": "Students talk to each other", "kind": "count"}]
OBSERVATION_VALUES = {
    "teacher_doing": TEXT, "students_doing": TEXT, "task": TEXT,
    "grade": st.sampled_from([None, "K", "3", "10"]), "subject": st.sampled_from([None, "Math", "ELA"]),
    "students_present": st.one_of(st.none(), st.integers(0, 40)),
    "status": st.sampled_from(["draft", "submitted"]), "deleted": st.booleans(),
    "teacher_id": st.sampled_from([THEO, TESS, BO]),  # fixed once created: changing it is refused
}
FEEDBACK_VALUES = {
    "glow": TEXT, "wonder": TEXT, "next_step": TEXT, "support_commitment": TEXT,
    "support_due": st.sampled_from([None, "2026-12-01", "2027-01-15"]), "released": st.booleans(),
}
TEACHER_FEEDBACK_VALUES = {
    "acknowledged_at": st.sampled_from([None, "2026-11-21T08:00:00Z", "2026-11-22T16:30:00Z"]),
    "read_at": st.sampled_from([None, "2026-11-21T07:58:00Z"]), "reflection": TEXT,
    "usefulness": st.one_of(st.none(), st.integers(0, 6)),  # 0 and 6 are refused
}
# Replies and feedback the server must take: no NUL, usefulness 1 to 5.
SOUND_TEXT = st.sampled_from(["", "I'll try the prompt tomorrow", "Merci ✏️"])
TEACHER_REPLY = {**TEACHER_FEEDBACK_VALUES, "reflection": SOUND_TEXT,
                 "usefulness": st.one_of(st.none(), st.integers(1, 5))}
# Where a walkthrough is recorded: mostly where its teacher teaches now, sometimes the other school.
WHERE = st.sampled_from(["theirs", "theirs", "theirs", "elsewhere"])
# Which template it follows: none, its school's published one, or one the server must refuse.
TEMPLATE = st.sampled_from(["none", "none", "fitting", "fitting", "other school's", "draft", "wrong version"])
SCHOOL_TEMPLATE = ("lincoln", "grant")  # each school's published template
TEMPLATE_SCHOOL = {"lincoln": LINCOLN, "lincoln draft": LINCOLN, "grant": GRANT}


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


# Edits of two or three different fields (or look-for keys) of an observation.
EDITS = st.lists(changes({name: values for name, values in OBSERVATION_VALUES.items()
                          if name not in ("deleted", "teacher_id")}, lookfors=True),
                 min_size=2, max_size=3, unique_by=lambda fields: str(sorted(fields.get("lookfors", fields))))


def someone_knows(entity: str, among=OBSERVERS):
    return precondition(lambda machine: any(machine.known(machine.devices[name], entity) for name in among))


has_outbox = precondition(lambda machine: any(d.outbox for d in machine.devices.values()))
has_conflicts = precondition(lambda machine: any(machine.open_conflicts(d) for d in machine.devices.values()))


class SyncNetwork(RuleBasedStateMachine):
    """The district of the module docstring; each example starts from an empty database."""

    def __init__(self, app, make, api_as, wall: Wall):
        super().__init__()
        self.app, self.wall = app, wall
        wall.reset()
        with app.app_context():
            empty_all_tables()
        district = make.district()
        schools = (make.school(district, name="Lincoln"), make.school(district, name="Grant"))
        olive = make.person("observer", district=district, name="Olive Observer")
        teachers = (make.person("teacher", school=schools[LINCOLN], name="Theo Teacher"),
                    make.person("teacher", school=schools[LINCOLN], name="Tess Teacher"),
                    make.person("teacher", school=schools[GRANT], name="Bo Teacher"))
        ian = make.person("observer", school=schools[LINCOLN], name="Ian Intruder")
        dana = make.person("district_staff", school=schools[LINCOLN], name="Dana Staff")
        admin = make.person("admin", district=district, name="Ada Admin")
        self.school_ids = tuple(school.id for school in schools)
        self.school_names = tuple(school.name for school in schools)
        self.teachers = [(t.id, t.email, t.name) for t in teachers]
        self.teacher_ids = tuple(t.id for t in teachers)
        self.school_of = [LINCOLN, LINCOLN, GRANT]  # each teacher's school now
        self.people = {"tablet": olive.id, "laptop": olive.id, "teacher": teachers[THEO].id, "intruder": ian.id,
                       "staff": dana.id}
        self.readers = {name: Reader(person_id) for name, person_id in self.people.items()}
        self.readers["staff"] = Reader(dana.id, frozenset({self.school_ids[LINCOLN]}))
        self.observer_schools = {olive.id: set(self.school_ids), ian.id: {self.school_ids[LINCOLN]}}
        self.apis = {"tablet": api_as(olive), "laptop": api_as(olive), "teacher": api_as(teachers[THEO]),
                     "intruder": api_as(ian), "staff": api_as(dana)}
        self.admin = api_as(admin)
        db.session.close()  # ends the builder's transaction: the next example empties these tables
        self.templates = {"lincoln": self.published_template(self.apis["staff"], LINCOLN),
                          "grant": self.published_template(self.admin, GRANT)}
        draft = self.apis["staff"].patch(f"/api/templates/{self.templates['lincoln'][0]}",
                                         json={"name": "Walkthrough, next year", "lookfors": TEMPLATE_LOOKFORS})
        assert draft.status_code == 201, draft.get_json()
        self.templates["lincoln draft"] = (draft.get_json()["id"], draft.get_json()["version"])
        self.devices: dict[str, Device] = {}
        self.skews: dict[str, int] = {}
        self.revoked: list[Device] = []
        self.ledger = Ledger()
        self.merges = MergeOracle()
        self.registry = {"observation": [], "feedback": []}  # record ids in creation order
        self.owner = {}  # observation id -> its observer's id
        self.observed = {}  # observation id -> which teacher
        self.taken = set()  # observations the server created
        self.creates = {}  # op id of a create -> what decides its fate (see refusals_of_create)
        self.forbidden = []  # op ids of writes their author may not make
        self.notes = 0

    def published_template(self, writer, school: int) -> tuple[str, int]:
        made = writer.post("/api/templates", json={"name": "Walkthrough", "school_id": self.school_ids[school],
                                                   "lookfors": TEMPLATE_LOOKFORS})
        assert made.status_code == 201, made.get_json()
        published = writer.post(f"/api/templates/{made.get_json()['id']}/publish")
        assert published.status_code == 200, published.get_json()
        return published.get_json()["id"], published.get_json()["version"]

    @initialize(skews=st.lists(st.sampled_from(SKEWS_MS), min_size=len(DEVICES), max_size=len(DEVICES)),
                statuses=st.lists(OBSERVATION_VALUES["status"], min_size=1, max_size=3), with_notes=st.booleans())
    def start_the_day(self, skews, statuses, with_notes):
        """Enrol the devices; Olive's tablet records an observation or three of Theo (each with a
        note, or not) and syncs them, and her laptop pulls them (so that edits have something to
        start from)."""
        for name, skew in zip(DEVICES, skews):
            self.skews[name] = skew
            self.devices[name] = Device(self.apis[name], name, self.people[name], self.wall, skew)
        for pick, status in enumerate(statuses):
            self.create_observation("tablet", THEO, "theirs", "none", {"status": status})
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

    def theos_walkthroughs(self) -> list:
        """(Olive's device, observation id): Olive's walkthroughs of Theo that the server took, each
        with the first of her devices that knows it."""
        found = []
        for record_id in self.registry["observation"]:
            olives_of_theo = self.observed[record_id] == THEO and self.owner[record_id] == self.people["tablet"]
            if record_id in self.taken and olives_of_theo:
                knowing = [self.devices[name] for name in OLIVES if self.devices[name].knows("observation", record_id)]
                if knowing:
                    found.append((knowing[0], record_id))
        return found

    # --- edits ---------------------------------------------------------------------------

    @rule(device=st.sampled_from(OBSERVERS), teacher=st.sampled_from([THEO, TESS, BO]), where=WHERE,
          template=TEMPLATE, fields=st.fixed_dictionaries({}, optional={"status": OBSERVATION_VALUES["status"],
                                                                          "grade": OBSERVATION_VALUES["grade"]}))
    def create_observation(self, device, teacher, where, template, fields):
        """Of a teacher where they teach now or at the other school; with a template or not."""
        d = self.devices[device]
        school = self.school_of[teacher] if where == "theirs" else 1 - self.school_of[teacher]
        record_id = stable_id("observation", len(self.registry["observation"]))
        self.registry["observation"].append(record_id)
        self.owner[record_id], self.observed[record_id] = d.person_id, teacher
        d.created.add(("observation", record_id))
        name = {"none": None, "fitting": SCHOOL_TEMPLATE[school], "other school's": SCHOOL_TEMPLATE[1 - school],
                "draft": "lincoln draft", "wrong version": SCHOOL_TEMPLATE[school]}[template]
        if name is not None:
            template_id, version = self.templates[name]
            fields = {**fields, "template_id": template_id, "template_version": version + (template == "wrong version"),
                      "lookfors": {"target_posted": True, "student_talk": 2}}
        op = d.op("observation", record_id, {"school_id": self.school_ids[school], "observer_id": d.person_id,
                                             "teacher_id": self.teacher_ids[teacher], **fields})
        self.creates[op["op_id"]] = (d.person_id, teacher, school, name, template == "wrong version")

    def refusals_of_create(self, observer_id, teacher, school, template, wrong_version) -> set:
        """The fields for which the server must refuse this create, were it taken now: a school the
        observer does not work at, a teacher who does not teach there (now), a template that is not
        a published one of that school and of the observer's schools, or not its version."""
        schools = self.observer_schools[observer_id]
        refused = set()
        if self.school_ids[school] not in schools:
            refused.add("school_id")
        if self.school_of[teacher] != school:
            refused.add("teacher_id")
        if template is not None:
            template_school = TEMPLATE_SCHOOL[template]
            unseen = self.school_ids[template_school] not in schools
            if template == "lincoln draft" or template_school != school or unseen:
                refused.add("template_id")
            elif wrong_version:
                refused.add("template_version")
        return refused

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
        record_id = self.feedback_of(observation_id)
        d.created.add(("feedback", record_id))
        d.op("feedback", record_id, {"observation_id": observation_id, "glow": glow})

    def feedback_of(self, observation_id: str) -> str:
        record_id = stable_id("feedback", observation_id)
        if record_id not in self.registry["feedback"]:
            self.registry["feedback"].append(record_id)
        return record_id

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

    @precondition(lambda machine: machine.theos_walkthroughs())
    @rule(pick=PICK, glow=SOUND_TEXT,
          replies=st.lists(st.fixed_dictionaries({}, optional=TEACHER_REPLY).filter(bool), min_size=1, max_size=3))
    def share_and_hear_back(self, pick, glow, replies):
        """Olive submits a walkthrough of Theo and releases its feedback; Theo's tablet pulls them
        and he acknowledges, reflects or rates it, in one to three edits. The server must take each
        (unless a concurrent edit of Olive's other device undid the sharing before he pulled)."""
        d, observation_id = self.theos_walkthroughs()[pick % len(self.theos_walkthroughs())]
        feedback_id = self.feedback_of(observation_id)
        d.created.add(("feedback", feedback_id))
        d.op("observation", observation_id, {"status": "submitted", "deleted": False})
        d.op("feedback", feedback_id, {"observation_id": observation_id, "glow": glow, "released": True})
        self.send(d, list(d.outbox))
        theo = self.devices["teacher"]
        if theo.outbox:
            self.send(theo, list(theo.outbox))
        theo.pull()
        if ("feedback", feedback_id) not in theo.records:
            event("sharing undone by a concurrent edit before Theo pulled")
            return
        sent = [theo.op("feedback", feedback_id, reply) for reply in replies]
        self.send(theo, list(theo.outbox))
        for op in sent:
            outcome = self.ledger.outcomes[op["op_id"]]
            assert outcome.status in ("applied", "conflict"), f"A reply to released feedback was refused: {outcome}"
            event("the teacher's reply taken")

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

    @rule(pick=PICK, deleter=st.sampled_from(OLIVES), edits=EDITS, delete_first=st.booleans())
    def delete_meets_edits(self, pick, deleter, edits, delete_first):
        """Olive's devices sync; offline, one edits a walkthrough field by field while the other
        deletes it. Pushed after the edits, the delete loses to the latest of them; pushed before,
        the first edit brings the walkthrough back."""
        for d in (self.devices[name] for name in OLIVES):
            self.send(d, list(d.outbox))
            d.pull()
        shared = self.shared("observation")
        if not shared:
            return
        record_id = shared[pick % len(shared)]
        deleting = self.devices[deleter]
        editing = self.devices[OLIVES[1 - OLIVES.index(deleter)]]
        for fields in edits:
            editing.op("observation", record_id, fields)
        deleting.op("observation", record_id, {"deleted": True})
        for d in (deleting, editing) if delete_first else (editing, deleting):
            self.send(d, list(d.outbox))

    @rule(pick=PICK, kind=st.sampled_from(["observation", "note", "feedback", "teacher edits observation",
                                           "observer writes the teacher's half", "staff edits observation",
                                           "staff writes feedback", "staff adds a note"]))
    def write_what_is_not_yours(self, pick, kind):
        """Every one of these must be refused, and kept as a rejected op."""
        olives = [r for r in self.registry["observation"] if self.owner[r] == self.people["tablet"]]
        observation_id = olives[pick % len(olives)]
        feedback_id = stable_id("feedback", observation_id)
        intruder, teacher, tablet, staff = (self.devices[name] for name in ("intruder", "teacher", "tablet", "staff"))
        note = {"observation_id": observation_id, "element": "task", "text": "Not mine", "at": "2026-11-20T14:05:00Z"}
        if kind == "observation":
            op = intruder.op("observation", observation_id, {"grade": "1"}, base_version=1)
        elif kind == "note":
            self.notes += 1
            op = intruder.op("note", stable_id("note", self.notes), note)
        elif kind == "feedback":
            op = intruder.op("feedback", feedback_id, {"observation_id": observation_id, "glow": "Not mine"})
        elif kind == "teacher edits observation":
            op = teacher.op("observation", observation_id, {"task": "Rewritten by the teacher"})
        elif kind == "staff edits observation":
            op = staff.op("observation", observation_id, {"status": "draft"})
        elif kind == "staff writes feedback":
            op = staff.op("feedback", feedback_id, {"observation_id": observation_id, "released": True,
                                                    "reflection": "Written by staff"})
        elif kind == "staff adds a note":
            self.notes += 1
            op = staff.op("note", stable_id("note", self.notes), note)
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

    # --- people and devices --------------------------------------------------------------

    @rule(teacher=st.sampled_from([THEO, TESS, BO]))
    def teacher_changes_school(self, teacher):
        """An admin's roster import moves the teacher to the other school. Walkthroughs recorded
        of them stay where they were; new ones must name the new school."""
        moved_to = 1 - self.school_of[teacher]
        _id, email, name = self.teachers[teacher]
        roster = f"email,name,roles,school\n{email},{name},teacher,{self.school_names[moved_to]}\n"
        imported = self.admin.post("/api/admin/roster", data=roster, content_type="text/csv")
        assert imported.status_code == 200, imported.get_json()
        assert imported.get_json()["people_updated"] == 1, imported.get_json()
        self.school_of[teacher] = moved_to

    @precondition(lambda machine: len(machine.revoked) < 2)
    @rule(device=st.sampled_from(DEVICES))
    def lose_a_device(self, device):
        """Its owner revokes it and enrols a new one, which starts from nothing. Everything the
        server had taken from the lost device stays (checked as invariant 2)."""
        lost = self.devices[device]
        revoked = self.apis[device].delete(f"/api/devices/{lost.device_id}")
        assert revoked.status_code == 204, revoked.get_json()
        self.revoked.append(lost)
        self.devices[device] = Device(self.apis[device], f"{device} {len(self.revoked)}", lost.person_id,
                                      self.wall, self.skews[device])

    @precondition(lambda machine: machine.revoked)
    @rule(pick=PICK, element=st.sampled_from(["teacher", "students"]))
    def revoked_device_tries_to_sync(self, pick, element):
        """Still offline, the lost device records a note if it can, then pushes and pulls: both
        answer 401 and nothing on the server changes."""
        lost = self.revoked[pick % len(self.revoked)]
        known = [record_id for entity, record_id in [*sorted(lost.records), *sorted(lost.created)]
                 if entity == "observation"]
        if known:
            self.notes += 1
            lost.op("note", stable_id("note", self.notes), {"observation_id": known[pick % len(known)],
                                                             "element": element, "text": "After the loss",
                                                             "at": "2026-11-20T14:05:00Z"})
        before = snapshot(self.app)
        pushed = lost.push_raw(lost.outbox)
        pulled = lost.api.client.get(f"/api/sync/pull?cursor={lost.cursor}", headers=lost.headers)
        for answer in (pushed, pulled):
            assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "unauthorized", answer.get_json()
        assert snapshot(self.app) == before

    # --- the network ---------------------------------------------------------------------

    def send(self, d: Device, ops: list, heard: bool = True) -> dict:
        body = d.send(ops, heard)
        self.ledger.record(d, ops, body)
        assert body["acked_seq"] <= d.seq and body["expected_seq"] in (None, body["acked_seq"] + 1), body
        self.check_answers(d, ops, body)
        return body

    def check_answers(self, d: Device, ops: list, body: dict) -> None:
        """The first answer to each op against what the rules predict (see the module docstring)."""
        sent = {op["op_id"]: op for op in ops}
        server_ms = int(body["server_time"].split(":", 1)[0])
        for result in body["results"]:
            if result["status"] == "duplicate":
                continue
            op = sent[result["op_id"]]
            for conflict in result.get("conflicts", []):
                if conflict["field"] != "deleted":
                    assert conflict["kept"]["hlc"] > conflict["lost"]["hlc"], f"The lower clock won: {conflict}"
                event("conflict")
            self.merges.take(d.device_id, op, result, server_ms)
            if op["op_id"] in self.creates:
                refused = self.refusals_of_create(*self.creates[op["op_id"]])
                if refused:
                    assert result["status"] == "rejected" and set(result["errors"]) == refused, (
                        f"A create the server must refuse for {sorted(refused)} was answered {result}")
                    event("create refused: " + ", ".join(sorted(refused)))
                else:
                    assert result["status"] == "applied", f"A create the server must take was answered {result}"
                    self.taken.add(op["record_id"])

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

    @rule(limit=st.sampled_from([2, 500]))
    def staff_pulls(self, limit):
        """Dana's tablet holds exactly Lincoln's submitted walkthroughs, their notes and their
        released feedback, whenever it has pulled to the end."""
        staff = self.devices["staff"]
        if staff.outbox:
            self.send(staff, list(staff.outbox))
        staff.pull(limit=limit)
        assert_converged(staff, server_state(self.app), self.readers["staff"])

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
                   if op_id in self.ledger.outcomes and self.ledger.outcomes[op_id].status != "rejected"]
        assert not allowed, f"Writes their author may not make were taken: {allowed}"
        state = server_state(self.app)
        for name, d in self.devices.items():
            assert_converged(d, state, self.readers[name])
        assert_nothing_lost(self.ledger, state)
        self.merges.assert_database_agrees(state["records"])
        taken = {}
        for outcome in self.ledger.outcomes.values():
            taken[outcome.device.device_id] = taken.get(outcome.device.device_id, 0) + 1
        last_seqs = dict(snapshot(self.app)["devices"])
        for d in [*self.devices.values(), *self.revoked]:
            assert last_seqs[d.device_id] == taken.get(d.device_id, 0), (d.name, last_seqs[d.device_id])
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
    run_state_machine_as_test(lambda: SyncNetwork(app, make, api_as, wall), settings=MACHINE_SETTINGS)
