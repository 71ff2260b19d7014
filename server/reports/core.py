"""The instructional-core report: what tasks asked of students, and how descriptive the evidence was.

- `task_demand`: counts per task-demand level (the levels the Capture screen offers), overall
  and per month; a value outside those levels counts as `unreadable`.
- `inference`: evidence notes and how many of them the observer marked as inference, overall,
  per month, and per month and school; n is observations and distinct teachers behind the notes.
"""
from sqlalchemy import case, distinct, func, select

from schemas.templates import CORE_FIELD_LEVELS
from server.extensions import db
from server.models import EvidenceNote, Observation, Person, School
from server.reports.distributions import level_counts
from server.reports.filters import Filters, counted
from server.reports.sql import month_of, visit_at

DEMAND_LEVELS = [(level, level) for level in CORE_FIELD_LEVELS["task_demand"]]


def core_report(person: Person, filters: Filters) -> dict:
    conditions = counted(person, filters)
    return {"report": "core", "task_demand": _task_demand(conditions), "inference": _inference(conditions)}


def _task_demand(conditions) -> dict:
    month = month_of(visit_at())
    answered = [*conditions, Observation.task_demand.is_not(None)]
    counts = {}
    for when, level, count in db.session.execute(
            select(month, Observation.task_demand, func.count()).where(*answered)
            .group_by(month, Observation.task_demand)):
        for key in (when, None):
            counts.setdefault(key, {})
            counts[key][level] = counts[key].get(level, 0) + count
    sizes = {when: (count, teachers) for when, count, teachers in db.session.execute(
        select(month, func.count(), func.count(distinct(Observation.teacher_id))).where(*answered).group_by(month))}
    sizes[None] = tuple(db.session.execute(
        select(func.count(), func.count(distinct(Observation.teacher_id))).where(*answered)).one())

    def distribution(when) -> dict:
        n, teachers = sizes.get(when, (0, 0))
        levels = level_counts(counts.get(when, {}), DEMAND_LEVELS)
        return {"n_observations": n, "n_teachers": teachers, "levels": levels,
                "unreadable": n - sum(level["count"] for level in levels)}

    return {"levels": [label for _value, label in DEMAND_LEVELS], "overall": distribution(None),
            "by_month": [{"month": when, **distribution(when)} for when in sorted(w for w in sizes if w is not None)]}


def _inference(conditions) -> dict:
    month = month_of(visit_at())
    figures = (func.count(EvidenceNote.id), func.count(case((EvidenceNote.is_inference.is_(True), 1))),
               func.count(distinct(Observation.id)), func.count(distinct(Observation.teacher_id)))
    base = select().select_from(EvidenceNote).join(Observation, Observation.id == EvidenceNote.observation_id)

    def rows(*keys):
        return db.session.execute(base.add_columns(*keys, *figures).where(*conditions).group_by(*keys)).all()

    def shown(notes, inferences, observations, teachers) -> dict:
        return {"n_notes": notes, "n_inference": inferences,
                "share_inference": round(inferences / notes, 4) if notes else None,
                "n_observations": observations, "n_teachers": teachers}

    cells = rows(month, Observation.school_id)
    names = dict(db.session.execute(select(School.id, School.name).where(
        School.id.in_({school for _m, school, *_f in cells}))).all()) if cells else {}
    return {"overall": shown(*rows()[0]) if cells else shown(0, 0, 0, 0),
            "by_month": [{"month": when, **shown(*rest)} for when, *rest in sorted(rows(month))],
            "by_month_and_school": sorted(
                ({"month": when, "school_id": school, "school": names[school], **shown(*rest)}
                 for when, school, *rest in cells), key=lambda c: (c["month"], c["school"], c["school_id"]))}
