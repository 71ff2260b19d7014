"""The coverage report: who has been visited, how often, when and by whom ("isolation is the
enemy of improvement").

- `not_visited`: per school, the active teachers with no counted visit in the `days` days up to
  `to` (or today); the school, grade, subject and template filters apply, the dates do not.
- `visits_per_teacher`: per school and overall, how many visits each teacher had (teachers with
  none count as 0), as quartiles and a histogram of teachers.
- `weeks`: a weeks x schools grid of visits, every week from the first to the last counted.
- `observers`: visits per observer, as a distribution and per observer.
"""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select

from server.authz import studied_schools_query
from server.extensions import db
from server.models import Observation, Person, RoleGrant, School
from server.reports.distributions import bin_width, histogram, quartiles
from server.reports.filters import Filters, counted, dated
from server.reports.sql import as_date, day_of, visit_at, week_of


def coverage_report(person: Person, filters: Filters, days: int, today: date | None = None, summary=None) -> dict:
    """The report from the observations, or from a district summary (server.reports.summary)."""
    today = today or datetime.now(timezone.utc).astimezone(ZoneInfo(filters.zone)).date()
    end = filters.to or today
    schools = _schools(person, filters)
    teachers = _teachers(person, filters)
    if summary is not None:
        summary = summary.seen_by(person)
        visits = {(school, teacher): count for (school, teacher), count in summary.counts("cv").items()}
        last = summary.last_visits(end.isoformat())
        cells = {(school, week): figures for (school, week), figures in summary.sized("cw").items()}
        observers = [(observer, count, n_teachers) for (observer,), (count, n_teachers) in summary.sized("co").items()]
    else:
        conditions = counted(person, filters)
        visits = {(school, teacher): count for school, teacher, count in db.session.execute(
            select(Observation.school_id, Observation.teacher_id, func.count()).where(*conditions)
            .group_by(Observation.school_id, Observation.teacher_id))}
        last = _last_visits(person, filters, end)
        cells = _week_cells(conditions, filters.zone)
        observers = _observer_rows(conditions)
    for teacher_id, (_name, school_id) in teachers.items():
        visits.setdefault((school_id, teacher_id), 0)
    return {"report": "coverage", "days": days,
            "not_visited": _not_visited(days, end, schools, teachers, last),
            "visits_per_teacher": _visits_per_teacher(visits, schools),
            "weeks": _weeks(cells, schools),
            "observers": _observers(observers)}


def contribute(facts, add) -> None:
    """A counted observation's share of the report's counts (server.reports.summary)."""
    add("cv", (facts.school, facts.teacher))
    add("cw", (facts.school, facts.week), facts.teacher)
    add("co", (facts.observer,), facts.teacher)


def _schools(person: Person, filters: Filters) -> dict:
    query = select(School.id, School.name).where(School.id.in_(studied_schools_query(person)))
    if filters.school is not None:
        query = query.where(School.id == filters.school)
    return dict(db.session.execute(query.order_by(School.name)).all())


def _teachers(person: Person, filters: Filters) -> dict:
    """{id: (name, school id)} of the active teachers of the schools counted."""
    query = (select(Person.id, Person.name, Person.school_id).join(RoleGrant, RoleGrant.person_id == Person.id)
             .where(RoleGrant.role == "teacher", Person.active.is_(True),
                    Person.school_id.in_(studied_schools_query(person))))
    if filters.school is not None:
        query = query.where(Person.school_id == filters.school)
    return {teacher_id: (name, school_id) for teacher_id, name, school_id in db.session.execute(query)}


def _last_visits(person, filters, end: date) -> dict:
    """{teacher id: day of their last counted visit on or before `end`}; the dates of the filters
    do not apply, the others do."""
    undated = counted(person, replace(filters, from_=None, to=None))
    return dict(db.session.execute(select(Observation.teacher_id, func.max(day_of(visit_at(), filters.zone)))
                                   .where(*undated, *dated(replace(filters, from_=None, to=end)))
                                   .group_by(Observation.teacher_id)).all())


def _not_visited(days, end, schools, teachers, last) -> list[dict]:
    """Per school, the teachers whose last visit is `days` days or more before `end` (or never)."""
    shown = []
    for school_id, school_name in schools.items():
        mine = [(teacher_id, name) for teacher_id, (name, school) in teachers.items() if school == school_id]
        seen = {teacher_id: as_date(last[teacher_id]) for teacher_id, _name in mine if teacher_id in last}
        missed = [{"teacher_id": teacher_id, "teacher": name,
                   "last_visit": seen[teacher_id].isoformat() if teacher_id in seen else None,
                   "days_since_last_visit": (end - seen[teacher_id]).days if teacher_id in seen else None}
                  for teacher_id, name in mine if teacher_id not in seen or (end - seen[teacher_id]).days >= days]
        missed.sort(key=lambda t: (t["last_visit"] is not None, t["last_visit"] or "", t["teacher"]))
        shown.append({"school_id": school_id, "school": school_name, "n_teachers": len(mine),
                      "n_not_visited": len(missed), "teachers": missed})
    return shown


def _visits_per_teacher(visits: dict, schools: dict) -> dict:
    """Distribution of visits per teacher: {visits: how many teachers had that many}."""
    everyone = {}
    per_school = {school_id: {} for school_id in schools}
    for (school_id, _teacher), count in visits.items():
        everyone[count] = everyone.get(count, 0) + 1
        per_school.setdefault(school_id, {})
        per_school[school_id][count] = per_school[school_id].get(count, 0) + 1
    low, high = (min(everyone), max(everyone)) if everyone else (0, 0)
    width = bin_width(low, high)

    def distribution(counts: dict) -> dict:
        return {"n_observations": sum(visits * teachers for visits, teachers in counts.items()),
                "n_teachers": sum(counts.values()), "quartiles": quartiles(counts),
                "histogram": histogram(counts, width, low, high) if everyone else []}

    return {"overall": distribution(everyone),
            "by_school": [{"school_id": school_id, "school": schools.get(school_id),
                           **distribution(per_school[school_id])} for school_id in per_school]}


def _week_cells(conditions, zone: str) -> dict:
    """{(school, week's Monday): (visits, distinct teachers)}."""
    week = week_of(visit_at(), zone)
    return {(school, when): (count, teachers) for school, when, count, teachers in db.session.execute(
        select(Observation.school_id, week, func.count(), func.count(distinct(Observation.teacher_id)))
        .where(*conditions).group_by(Observation.school_id, week))}


def _weeks(cells: dict, schools: dict) -> dict:
    weeks = []
    if cells:
        first, last = (date.fromisoformat(min(w for _s, w in cells)), date.fromisoformat(max(w for _s, w in cells)))
        weeks = [(first + timedelta(weeks=n)).isoformat() for n in range((last - first).days // 7 + 1)]
    return {"weeks": weeks, "schools": [
        {"school_id": school_id, "school": name,
         "cells": [dict(zip(("week", "n_observations", "n_teachers"), (when, *cells.get((school_id, when), (0, 0)))))
                   for when in weeks]}
        for school_id, name in schools.items()]}


def _observer_rows(conditions) -> list:
    """[(observer id, visits, distinct teachers)]."""
    return db.session.execute(
        select(Observation.observer_id, func.count(), func.count(distinct(Observation.teacher_id)))
        .where(*conditions).group_by(Observation.observer_id)).all()


def _observers(counted_rows) -> dict:
    names = dict(db.session.execute(select(Person.id, Person.name).where(
        Person.id.in_([row[0] for row in counted_rows]))).all()) if counted_rows else {}
    rows = [(observer_id, names.get(observer_id), count, teachers) for observer_id, count, teachers in counted_rows]
    load = {}
    for _id, _name, count, _teachers in rows:
        load[count] = load.get(count, 0) + 1
    low, high = (min(load), max(load)) if load else (0, 0)
    observers = sorted(({"observer_id": observer_id, "observer": name, "n_observations": count, "n_teachers": teachers}
                        for observer_id, name, count, teachers in rows),
                       key=lambda o: (-o["n_observations"], o["observer"], o["observer_id"]))
    return {"distribution": {"n_observers": len(rows), "n_observations": sum(r[2] for r in rows),
                             "quartiles": quartiles(load),
                             "histogram": histogram(load, bin_width(low, high), low, high) if load else []},
            "per_observer": observers}
