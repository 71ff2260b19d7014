"""Report summaries: the district reports' counts, kept current from the change feed.

A whole-district report over a million observations cannot unpack every look-for answer on
each request. Instead every counted observation (submitted, not deleted) is reduced once to its
*facts* (teacher, school, local month and week, its look-for answers, note counts, feedback
times...), and each report turns facts into additive *contributions*: counts under keys such as
("lv", [breakdown, template, look-for, group, value]), and, where a report says how many distinct
teachers, the teacher behind the count (`report_teachers`). A report then reads a few thousand
counts instead of scanning observations (`Reader`), and builds the same figures as from SQL:
`tests/test_report_summary.py` holds both ways equal.

Keeping it current: every write that devices can see goes through the change feed
(`server.sync_feed.record_changes`), so the observations changed since a district was last
summarised are those of the feed's positions after its `report_districts.position`. `refresh`
folds them in: for each, it subtracts the contributions of its facts as last summarised
(`report_facts`) and adds those of its facts now, in one transaction with the new position.
Folding an observation twice changes nothing, so the position may lag. `build` summarises a
district from scratch (a new district, a changed time zone, or after a bulk load); until a
district is built its reports are read from the observations (server.api.reports).

One process folds at a time: on PostgreSQL under a transaction advisory lock (others skip, and
read the observations instead), on SQLite inside the caller's IMMEDIATE transaction.
"""
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from server.bulk import insert_rows
from server.extensions import db
from server.local_time import local_parts
from server.models import (District, EvidenceNote, Feedback, LookForTemplate, Observation, ReportCount,
                           ReportDistrict, ReportFacts, ReportTeacher, School, SupportCommitment, SyncChange,
                           SyncClock)
from server.models.types import utcnow
from server.reports.sql import BOUND_KEY_PREFIX
from server.rounds.calibration import unfinished_co_observations_of

# Any constant works; it only has to differ from the other advisory locks on the same database.
LOCK_KEY = 0x52707274  # "Rprt"
CHUNK = 2000
# A report request folds at most this many changed observations itself; more waits for the
# scheduler (the request is answered from the observations meanwhile).
REQUEST_FOLD_LIMIT = 5000
# A request builds a district's summary itself only if it has at most this many observations.
REQUEST_BUILD_LIMIT = 20000

_counts = ReportCount.__table__
_teachers = ReportTeacher.__table__
_facts = ReportFacts.__table__


def key_text(key: tuple) -> str:
    return json.dumps(key, separators=(",", ":"), ensure_ascii=False)


# --- facts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """What the reports read of one counted observation (see `facts_of`)."""

    teacher: str
    school: str
    observer: str
    template: str | None
    grade: str | None
    subject: str | None
    day: str
    month: str
    week: str
    answers: dict            # shown look-for key -> the answer as text ("" for text look-fors)
    task_demand: str | None
    notes: int
    inferences: int
    feedback: dict | None    # released, release_hours, acknowledged, acknowledge_hours, usefulness, commitment

    def stored(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def loaded(cls, raw: str) -> "Facts":
        return cls(**json.loads(raw))


def answer_text(value) -> str | None:
    """A look-for answer as the reports' SQL reads it from the JSON document (None: no answer)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def whole_hours(start: datetime | None, end: datetime | None) -> int | None:
    """Hours from `start` to `end`: whole seconds (half away from zero), then rounded down, as
    server.reports.sql.whole_hours."""
    if start is None or end is None:
        return None
    micro = (end - start) // timedelta(microseconds=1)
    seconds = (abs(micro) + 500_000) // 1_000_000 * (1 if micro >= 0 else -1)
    return seconds // 3600


def commitment_state(due_on, kept_day: str | None) -> str:
    """"on_time" or "late" once kept; else "due:<day>" (or "due:" with no due day), which a
    report turns into overdue or open on the day it is read."""
    if kept_day is not None:
        return "on_time" if due_on is None or kept_day <= due_on.isoformat() else "late"
    return "due:" + (due_on.isoformat() if due_on is not None else "")


class Templates:
    """The look-fors each template shows: [(shown key, kind, bound core field or None)]."""

    def __init__(self):
        self._shown = {}

    def shown(self, template_id: str | None) -> list:
        if template_id is None:
            return []
        if template_id not in self._shown:
            template = db.session.get(LookForTemplate, template_id)
            self._shown[template_id] = [
                (BOUND_KEY_PREFIX + lookfor.binds if lookfor.binds else lookfor.key, lookfor.kind, lookfor.binds)
                for lookfor in (template.lookfors if template is not None else [])]
        return self._shown[template_id]


def _answers(templates: Templates, template_id, lookfors: dict, task_demand) -> dict:
    answers = {}
    for key, kind, binds in templates.shown(template_id):
        if binds is not None:
            value = task_demand if binds == "task_demand" else None
        else:
            value = answer_text((lookfors or {}).get(key))
        if value is not None:
            answers[key] = "" if kind == "text" else value
    return answers


_OBSERVATION_COLUMNS = (Observation.id, Observation.teacher_id, Observation.school_id, Observation.observer_id,
                        Observation.template_id, Observation.grade, Observation.subject, Observation.started_at,
                        Observation.created_at, Observation.ended_at, Observation.task_demand, Observation.lookfors)


def counted_in(district_id: str):
    return [Observation.status == "submitted", Observation.deleted.is_(False),
            Observation.school_id.in_(select(School.id).where(School.district_id == district_id))]


def facts_of(district_id: str, zone: str, conditions: list, templates: Templates) -> Iterator[tuple[str, Facts]]:
    """(observation id, facts) of the district's counted observations meeting `conditions`."""
    query = (select(*_OBSERVATION_COLUMNS).where(*counted_in(district_id), *conditions)
             .order_by(Observation.id).execution_options(yield_per=CHUNK))
    for partition in db.session.execute(query).partitions():
        ids = [row.id for row in partition]
        notes = {observation_id: (n, inferences) for observation_id, n, inferences in db.session.execute(
            select(EvidenceNote.observation_id, func.count(),
                   func.count(case((EvidenceNote.is_inference.is_(True), 1))))
            .where(EvidenceNote.observation_id.in_(ids)).group_by(EvidenceNote.observation_id))}
        feedback = {row.observation_id: row for row in db.session.execute(
            select(Feedback.observation_id, Feedback.id, Feedback.released, Feedback.released_at,
                   Feedback.acknowledged_at, Feedback.usefulness).where(Feedback.observation_id.in_(ids)))}
        commitments = {row.feedback_id: row for row in db.session.execute(
            select(SupportCommitment.feedback_id, SupportCommitment.due_on, SupportCommitment.kept_at)
            .where(SupportCommitment.feedback_id.in_([f.id for f in feedback.values()])))} if feedback else {}
        for row in partition:
            visit = row.started_at or row.created_at
            day, month, week = local_parts(visit, zone)
            n_notes, n_inferences = notes.get(row.id, (0, 0))
            yield row.id, Facts(
                teacher=row.teacher_id, school=row.school_id, observer=row.observer_id, template=row.template_id,
                grade=row.grade, subject=row.subject, day=day, month=month, week=week,
                answers=_answers(templates, row.template_id, row.lookfors, row.task_demand),
                task_demand=row.task_demand, notes=n_notes, inferences=n_inferences,
                feedback=_feedback_facts(feedback.get(row.id), commitments, row.ended_at or visit, zone))


def _feedback_facts(row, commitments: dict, visit_end, zone: str) -> dict | None:
    if row is None:
        return None
    released = bool(row.released)
    acknowledged = released and row.acknowledged_at is not None
    commitment = commitments.get(row.id)
    return {
        "released": released,
        "release_hours": whole_hours(visit_end, row.released_at) if released else None,
        "acknowledged": acknowledged,
        "acknowledge_hours": whole_hours(row.released_at, row.acknowledged_at) if acknowledged else None,
        "usefulness": row.usefulness if released else None,
        "commitment": None if commitment is None else commitment_state(
            commitment.due_on, local_parts(commitment.kept_at, zone)[0] if commitment.kept_at else None),
    }


# --- contributions ---------------------------------------------------------------------------

@dataclass
class Contributions:
    """Counts and per-teacher counts, added (sign 1) or taken away (sign -1)."""

    counts: Counter = field(default_factory=Counter)
    teachers: Counter = field(default_factory=Counter)
    sign: int = 1

    def add(self, kind: str, key: tuple, teacher: str | None = None, amount: int = 1) -> None:
        self.counts[(kind, key)] += self.sign * amount
        if teacher is not None:
            self.teachers[(kind, key, teacher)] += self.sign

    def of(self, facts: Facts) -> None:
        from server.reports import core, coverage, feedback_loop, lookfors

        for report in (lookfors, coverage, feedback_loop, core):
            report.contribute(facts, self.add)


# --- reading -------------------------------------------------------------------------------

class Reader:
    """A built district's counts, by kind: {key as a tuple: n}.

    The counts are shared by every caller; `seen_by(person)` gives a reader that takes away the
    contributions of the walkthroughs the person may not study yet (server.analytics.scope: the
    lessons of their unfinished co-observations), read from those few observations' stored facts.
    """

    def __init__(self, district_id: str, hidden_ids: tuple = ()):
        self.district_id = district_id
        self.hidden_ids = hidden_ids
        self._less = Contributions(sign=-1)
        if hidden_ids:
            for raw in db.session.scalars(select(ReportFacts.facts).where(
                    ReportFacts.district_id == district_id, ReportFacts.observation_id.in_(hidden_ids))):
                self._less.of(Facts.loaded(raw))

    def seen_by(self, person) -> "Reader":
        """This district's counts less the observations `person` may not study yet."""
        hidden = unfinished_co_observations_of(person)
        if not hidden:
            return Reader(self.district_id)
        ids = tuple(db.session.scalars(select(Observation.id).where(Observation.co_observation_id.in_(hidden))))
        return Reader(self.district_id, ids)

    def counts(self, kind: str) -> dict:
        found = {tuple(json.loads(key)): n for key, n in db.session.execute(
            select(ReportCount.key, ReportCount.n).where(ReportCount.district_id == self.district_id,
                                                         ReportCount.kind == kind))}
        if kind.endswith("#"):
            self._fewer_teachers(kind[:-1], found)
        else:
            for (less_kind, key), n in self._less.counts.items():
                if less_kind == kind:
                    key = tuple(json.loads(key_text(key)))
                    found[key] = found.get(key, 0) + n
        return {key: n for key, n in found.items() if n}

    def _fewer_teachers(self, kind: str, found: dict) -> None:
        """A key's distinct teachers lose one for each teacher all of whose counts there are taken away."""
        taken = {(key_text(key), teacher): n for (less_kind, key, teacher), n in self._less.teachers.items()
                 if less_kind == kind and n}
        if not taken:
            return
        stored = {(key, str(teacher)): n for key, teacher, n in db.session.execute(
            select(ReportTeacher.key, ReportTeacher.teacher_id, ReportTeacher.n).where(
                ReportTeacher.district_id == self.district_id, ReportTeacher.kind == kind,
                ReportTeacher.teacher_id.in_({teacher for _key, teacher in taken})))}
        for (key, teacher), n in taken.items():
            if stored.get((key, teacher), 0) + n <= 0:
                shown = tuple(json.loads(key))
                found[shown] = found.get(shown, 0) - 1

    def sized(self, kind: str) -> dict:
        """{key: (n, distinct teachers)} of a kind counted with its teachers."""
        teachers = self.counts(kind + "#")
        return {key: (n, teachers.get(key, 0)) for key, n in self.counts(kind).items()}

    def last_visits(self, through_day: str) -> dict:
        """{teacher id: their last visit's day (text), on or before `through_day`}."""
        return dict(db.session.execute(
            select(ReportFacts.teacher_id, func.max(ReportFacts.day))
            .where(ReportFacts.district_id == self.district_id, ReportFacts.day <= through_day,
                   ReportFacts.observation_id.not_in(self.hidden_ids))
            .group_by(ReportFacts.teacher_id)).all())


# --- keeping it current ----------------------------------------------------------------------

def _locked() -> bool:
    """True once this transaction may fold (always on SQLite: the caller holds the write lock)."""
    if db.engine.dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}))


def _clock() -> int:
    return db.session.scalar(select(SyncClock.position).where(SyncClock.id == 1)) or 0


def state_of(district: District) -> ReportDistrict | None:
    """The district's summary state if it is built in the district's current time zone."""
    state = db.session.get(ReportDistrict, district.id)
    return state if state is not None and state.timezone == district.timezone else None


def refresh(limit: int | None = None) -> dict:
    """Fold the observations changed since each built district's position. With `limit`, fold
    nothing if more than `limit` observations changed. Returns {"folded", "pending", "skipped"}."""
    if not _locked():
        return {"folded": 0, "pending": None, "skipped": "locked"}
    states = {state.district_id: state for state in db.session.scalars(select(ReportDistrict))}
    if not states:
        return {"folded": 0, "pending": 0, "skipped": None}
    top = _clock()
    low = min(state.position for state in states.values())
    changed = select(SyncChange.observation_id).where(SyncChange.position > low,
                                                      SyncChange.position <= top).distinct()
    if limit is not None:
        pending = db.session.scalar(select(func.count()).select_from(changed.subquery()))
        if pending > limit:
            return {"folded": 0, "pending": pending, "skipped": "too many"}
    ids = list(db.session.scalars(changed))
    districts = {d.id: d for d in db.session.scalars(select(District).where(District.id.in_(list(states))))}
    folded = 0
    for district_id, state in states.items():
        district = districts.get(district_id)
        if district is None or district.timezone != state.timezone:
            continue  # to be built again
        folded += fold(district, ids)
        state.position = max(state.position, top)
    db.session.flush()
    return {"folded": folded, "pending": 0, "skipped": None}


def fold(district: District, observation_ids: list) -> int:
    """Bring the summary of `district` up to date for these observations (any district's ids may
    be among them); returns how many of its observations it looked at."""
    templates, looked = Templates(), 0
    for start in range(0, len(observation_ids), CHUNK):
        ids = observation_ids[start:start + CHUNK]
        change = Contributions()
        before = {observation_id: Facts.loaded(raw) for observation_id, raw in db.session.execute(
            select(ReportFacts.observation_id, ReportFacts.facts).where(
                ReportFacts.district_id == district.id, ReportFacts.observation_id.in_(ids)))}
        after = dict(facts_of(district.id, district.timezone, [Observation.id.in_(ids)], templates))
        change.sign = -1
        for facts in before.values():
            change.of(facts)
        change.sign = 1
        for facts in after.values():
            change.of(facts)
        _apply(district.id, change)
        gone = list(set(before) | set(after))
        if gone:
            db.session.execute(delete(ReportFacts).where(ReportFacts.observation_id.in_(gone)))
        insert_rows(_facts, [_fact_row(district.id, observation_id, facts) for observation_id, facts in after.items()])
        looked += len(before.keys() | after.keys())
    return looked


def _fact_row(district_id: str, observation_id: str, facts: Facts) -> dict:
    return {"observation_id": observation_id, "district_id": district_id, "teacher_id": facts.teacher,
            "day": facts.day, "facts": facts.stored()}


def _insert(table):
    return (postgresql.insert(table) if db.engine.dialect.name == "postgresql" else sqlite.insert(table))


def _apply(district_id: str, change: Contributions) -> None:
    """Add `change` to the stored counts. A teacher's count of a key that rises from zero adds one
    to the key's distinct teachers ("#"); one that falls to zero takes one away."""
    teachers = [{"district_id": district_id, "kind": kind, "key": key_text(key), "teacher_id": teacher, "n": n}
                for (kind, key, teacher), n in change.teachers.items() if n]
    distinct = Counter()
    if teachers:
        upsert = _insert(_teachers)
        added = upsert.on_conflict_do_update(
            index_elements=["district_id", "kind", "key", "teacher_id"],
            set_={"n": _teachers.c.n + upsert.excluded.n}).returning(
            _teachers.c.kind, _teachers.c.key, _teachers.c.teacher_id, _teachers.c.n)
        given = {(row["kind"], row["key"], row["teacher_id"]): row["n"] for row in teachers}
        for kind, key, teacher, now in db.session.execute(added, teachers):
            before = now - given[(kind, key, str(teacher))]
            if before <= 0 < now:
                distinct[(kind + "#", key)] += 1
            elif now <= 0 < before:
                distinct[(kind + "#", key)] -= 1
    counts = [{"district_id": district_id, "kind": kind, "key": key_text(key), "n": n}
              for (kind, key), n in change.counts.items() if n]
    counts += [{"district_id": district_id, "kind": kind, "key": key, "n": n} for (kind, key), n in distinct.items() if n]
    if counts:
        upsert = _insert(_counts)
        db.session.execute(upsert.on_conflict_do_update(index_elements=["district_id", "kind", "key"],
                                                        set_={"n": _counts.c.n + upsert.excluded.n}), counts)
    # Only this fold's keys can have fallen to zero; the partial indexes find them.
    for table in (_teachers, _counts):
        db.session.execute(delete(table).where(table.c.district_id == district_id, table.c.n == 0))


def build(district: District) -> int:
    """Summarise `district` from scratch; returns how many observations it holds. The district's
    position is the feed's at the start: what changes meanwhile is folded again later."""
    top = _clock()
    for table in (_facts, _counts, _teachers):
        db.session.execute(delete(table).where(table.c.district_id == district.id))
    total, templates, change, batch = 0, Templates(), Contributions(), []
    for observation_id, facts in facts_of(district.id, district.timezone, [], templates):
        change.of(facts)
        batch.append(_fact_row(district.id, observation_id, facts))
        if len(batch) >= CHUNK:
            insert_rows(_facts, batch)
            total, batch = total + len(batch), []
    insert_rows(_facts, batch)
    total += len(batch)
    distinct = Counter()
    for kind, key, _teacher in change.teachers:
        distinct[(kind + "#", key)] += 1
    insert_rows(_counts, [{"district_id": district.id, "kind": kind, "key": key_text(key), "n": n}
                          for (kind, key), n in (*change.counts.items(), *distinct.items()) if n])
    insert_rows(_teachers, [{"district_id": district.id, "kind": kind, "key": key_text(key), "teacher_id": teacher,
                             "n": n} for (kind, key, teacher), n in change.teachers.items() if n])
    state = db.session.get(ReportDistrict, district.id)
    if state is None:
        state = ReportDistrict(district_id=district.id)
        db.session.add(state)
    state.timezone, state.position, state.built_at = district.timezone, top, utcnow()
    db.session.flush()
    return total


def observations_in(district_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Observation).where(*counted_in(district_id)))


def unbuilt() -> list[District]:
    """Districts whose summary is missing or of another time zone."""
    built = {state.district_id: state.timezone for state in db.session.scalars(select(ReportDistrict))}
    return [district for district in db.session.scalars(select(District).order_by(District.name))
            if built.get(district.id) != district.timezone]


def current(district: District) -> Reader | None:
    """A Reader of the district's summary, brought up to date, or None if that cannot be done
    within a request (not built and too large, too much to fold, another process building).

    Ends the caller's transaction and begins a write transaction that stays open while the
    report reads (the caller's commit ends it): the summary does not move under the reader.
    """
    db.session.commit()
    db.session.connection(execution_options={"sqlite_immediate": True})
    if not _wait_for_lock():
        return None
    if state_of(district) is None:
        if observations_in(district.id) > REQUEST_BUILD_LIMIT:
            db.session.rollback()
            return None
        build(district)
    if refresh(limit=REQUEST_FOLD_LIMIT)["skipped"]:
        db.session.rollback()
        return None
    return Reader(district.id)


def _wait_for_lock() -> bool:
    """Take the fold lock, waiting a few seconds for a fold of another process (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        return True
    try:
        db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        db.session.execute(text("SET LOCAL lock_timeout = 0"))
        return True
    except OperationalError:
        db.session.rollback()
        return False


def refresh_all(districts: Iterable[District] | None = None) -> dict:
    """Build what is not built, then fold everything (the scheduler's and the command's work).
    Commits (what the session held before, then its own work); returns what it did."""
    districts = list(districts) if districts is not None else None
    db.session.commit()
    db.session.connection(execution_options={"sqlite_immediate": True})
    if not _locked():
        db.session.rollback()
        return {"built": 0, "folded": 0, "skipped": "locked"}
    built = 0
    for district in (districts if districts is not None else unbuilt()):
        build(district)
        built += 1
    result = refresh()
    db.session.commit()
    return {"built": built, "folded": result["folded"], "skipped": None}
