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


def core_report(person: Person, filters: Filters, summary=None) -> dict:
    """The report from the observations, or from a district summary (server.reports.summary)."""
    if summary is not None:
        summary = summary.seen_by(person)
        counts = {}
        for (when, level), count in summary.counts("kd").items():
            counts.setdefault(when, {})[level] = count
        sizes = {when: figures for (when,), figures in summary.sized("kn").items()}
        sizes.setdefault(None, (0, 0))
        notes, inferences, observations = (summary.counts(kind) for kind in ("in", "ii", "io"))
        teachers = summary.counts("io#")
        cells = {group: (notes[group], inferences.get(group, 0), observations.get(group, 0), teachers.get(group, 0))
                 for group in notes}
        inference = ([figures for group, figures in cells.items() if group[0] == "all"],
                     sorted((group[1], *figures) for group, figures in cells.items() if group[0] == "m"),
                     [(group[1], group[2], *figures) for group, figures in cells.items() if group[0] == "ms"])
        return {"report": "core", "task_demand": _task_demand(counts, sizes), "inference": _inference(*inference)}
    conditions = counted(person, filters)
    month = month_of(visit_at(), filters.zone)
    return {"report": "core", "task_demand": _task_demand(*_demand_counts(conditions, month)),
            "inference": _inference(*_inference_rows(conditions, month))}


def contribute(facts, add) -> None:
    """A counted observation's share of the report's counts (server.reports.summary)."""
    if facts.task_demand is not None:
        for group in (None, facts.month):
            add("kn", (group,), facts.teacher)
            add("kd", (group, facts.task_demand))
    if facts.notes:
        for group in (("all",), ("m", facts.month), ("ms", facts.month, facts.school)):
            add("in", group, amount=facts.notes)
            add("ii", group, amount=facts.inferences)
            add("io", group, facts.teacher)


def _demand_counts(conditions, month):
    """({month or None: {level: count}}, {month or None: (observations, teachers)})."""
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
    return counts, sizes


def _task_demand(counts: dict, sizes: dict) -> dict:

    def distribution(when) -> dict:
        n, teachers = sizes.get(when, (0, 0))
        levels = level_counts(counts.get(when, {}), DEMAND_LEVELS)
        return {"n_observations": n, "n_teachers": teachers, "levels": levels,
                "unreadable": n - sum(level["count"] for level in levels)}

    return {"levels": [label for _value, label in DEMAND_LEVELS], "overall": distribution(None),
            "by_month": [{"month": when, **distribution(when)} for when in sorted(w for w in sizes if w is not None)]}


def _inference_rows(conditions, month):
    """(overall [(notes, inferences, observations, teachers)] or [], by month [(month, ...)],
    by month and school [(month, school, ...)])."""
    figures = (func.count(EvidenceNote.id), func.count(case((EvidenceNote.is_inference.is_(True), 1))),
               func.count(distinct(Observation.id)), func.count(distinct(Observation.teacher_id)))
    base = select().select_from(EvidenceNote).join(Observation, Observation.id == EvidenceNote.observation_id)

    def rows(*keys):
        return [tuple(row) for row in
                db.session.execute(base.add_columns(*keys, *figures).where(*conditions).group_by(*keys))]

    cells = rows(month, Observation.school_id)
    return (rows() if cells else []), sorted(rows(month)), cells


def _inference(overall: list, by_month: list, cells: list) -> dict:
    def shown(notes, inferences, observations, teachers) -> dict:
        return {"n_notes": notes, "n_inference": inferences,
                "share_inference": round(inferences / notes, 4) if notes else None,
                "n_observations": observations, "n_teachers": teachers}

    names = dict(db.session.execute(select(School.id, School.name).where(
        School.id.in_({school for _m, school, *_f in cells}))).all()) if cells else {}
    return {"overall": shown(*overall[0]) if overall else shown(0, 0, 0, 0),
            "by_month": [{"month": when, **shown(*rest)} for when, *rest in by_month],
            "by_month_and_school": sorted(
                ({"month": when, "school_id": school, "school": names[school], **shown(*rest)}
                 for when, school, *rest in cells), key=lambda c: (c["month"], c["school"], c["school_id"]))}
