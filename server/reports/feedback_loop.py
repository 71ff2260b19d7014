"""The feedback-loop report: does every visit close its loop? Per school and overall:

- `released`: visits whose feedback the teacher can read, and the hours from the visit (its end,
  else its start) to the feedback's first release, as quartiles and a histogram;
- `acknowledged`: of those, how many the teacher acknowledged, and the hours from release to
  acknowledgement;
- `usefulness`: the teachers' ratings (1 to 5) as counts per rating;
- `commitments`: the observers' support commitments kept on time, late, overdue or open
  (kept on or before the due day is on time; kept with no due day is on time; not kept and past
  the due day is overdue; anything else is open).
Also `my_feedback_report`: an observer's own ratings, with no one's name.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, select

from server.extensions import db
from server.models import Feedback, Observation, Person, School, SupportCommitment
from server.reports.distributions import bin_width, histogram, level_counts, quartiles
from server.analytics.scope import Scope
from server.reports.filters import Filters, counted, dated
from server.reports.sql import day_of, whole_hours

RATINGS = [(rating, str(rating)) for rating in range(1, 6)]
STATES = ("kept_on_time", "kept_late", "overdue", "open")

_released = Feedback.released.is_(True)
_acknowledged = and_(_released, Feedback.acknowledged_at.is_not(None))
_rated = and_(_released, Feedback.usefulness.is_not(None))
_committed = SupportCommitment.id.is_not(None)
# (name, condition): each is counted, with its distinct teachers, in one pass per grouping.
PARTS = (("visits", None), ("released", _released), ("acknowledged", _acknowledged), ("rated", _rated),
         ("commitments", _committed))


def _visit_end():
    return func.coalesce(Observation.ended_at, Observation.started_at, Observation.created_at)


def _joined(query):
    return (query.select_from(Observation).outerjoin(Feedback, Feedback.observation_id == Observation.id)
            .outerjoin(SupportCommitment, SupportCommitment.feedback_id == Feedback.id))


def feedback_loop_report(person: Person, filters: Filters, today: date | None = None, summary=None) -> dict:
    """The report from the observations, or from a district summary (server.reports.summary)."""
    today = today or datetime.now(timezone.utc).astimezone(ZoneInfo(filters.zone)).date()
    if summary is not None:
        sizes, release_hours, acknowledge_hours, ratings, states = _from_summary(summary.seen_by(person), today)
    else:
        conditions = counted(person, filters)
        sizes = _sizes(conditions)
        release_hours = _grouped(conditions, _released, whole_hours(_visit_end(), Feedback.released_at))
        acknowledge_hours = _grouped(conditions, _acknowledged,
                                     whole_hours(Feedback.released_at, Feedback.acknowledged_at))
        ratings = _grouped(conditions, _rated, Feedback.usefulness)
        states = _grouped(conditions, _committed, _state(today, filters.zone))
    bins = {name: _bins(hours) for name, hours in (("release", release_hours), ("acknowledge", acknowledge_hours))}
    schools = dict(db.session.execute(select(School.id, School.name).where(School.id.in_(
        [school for school in sizes if school is not None]))).all()) if sizes else {}

    def group(school):
        n = sizes.get(school, {name: (0, 0) for name, _ in PARTS})
        released, acknowledged = n["released"][0], n["acknowledged"][0]
        return {
            "n_observations": n["visits"][0], "n_teachers": n["visits"][1],
            "released": {**_n(n["released"]),
                         "share_of_visits": _share(released, n["visits"][0]),
                         "hours_to_release": _numbers(release_hours.get(school, {}), bins["release"])},
            "acknowledged": {**_n(n["acknowledged"]), "share_of_released": _share(acknowledged, released),
                             "hours_to_acknowledge": _numbers(acknowledge_hours.get(school, {}), bins["acknowledge"])},
            "usefulness": {**_n(n["rated"]), "levels": level_counts(ratings.get(school, {}), RATINGS)},
            "commitments": {**_n(n["commitments"]), "states": [
                {"state": state, "count": states.get(school, {}).get(state, 0)} for state in STATES]},
        }

    by_school = sorted(({"school_id": school, "school": schools[school], **group(school)}
                        for school in sizes if school is not None), key=lambda s: (s["school"], s["school_id"]))
    return {"report": "feedback_loop", "overall": group(None), "by_school": by_school}


def contribute(facts, add) -> None:
    """A counted observation's share of the report's counts (server.reports.summary)."""
    feedback = facts.feedback or {}
    for group in (None, facts.school):
        add("fp", ("visits", group), facts.teacher)
        if feedback.get("released"):
            add("fp", ("released", group), facts.teacher)
            add("fr", (group, feedback["release_hours"]))
        if feedback.get("acknowledged"):
            add("fp", ("acknowledged", group), facts.teacher)
            add("fa", (group, feedback["acknowledge_hours"]))
        if feedback.get("usefulness") is not None:
            add("fp", ("rated", group), facts.teacher)
            add("fu", (group, feedback["usefulness"]))
        if feedback.get("commitment") is not None:
            add("fp", ("commitments", group), facts.teacher)
            add("fc", (group, feedback["commitment"]))


def _from_summary(summary, today: date):
    """(sizes, release hours, acknowledge hours, ratings, states) as from the observations."""
    parts = summary.sized("fp")
    sizes = {}
    for (part, group), figures in parts.items():
        if part == "visits" and figures[0]:
            sizes[group] = {name: parts.get((name, group), (0, 0)) for name, _c in PARTS}

    def grouped(kind, value=lambda v: v):
        found = {}
        for (group, raw), count in summary.counts(kind).items():
            key = value(raw)
            found.setdefault(group, {})
            found[group][key] = found[group].get(key, 0) + count
        return found

    def state(raw: str) -> str:
        if not raw.startswith("due:"):
            return "kept_" + raw
        due = raw[len("due:"):]
        return "overdue" if due and date.fromisoformat(due) < today else "open"

    return sizes, grouped("fr"), grouped("fa"), grouped("fu"), grouped("fc", state)


def _sizes(conditions) -> dict:
    """{school id, or None for all: {part: (observations, distinct teachers)}}."""
    columns = []
    for _name, condition in PARTS:
        if condition is None:
            columns += [func.count(), func.count(distinct(Observation.teacher_id))]
        else:
            columns += [func.count(case((condition, 1))),
                        func.count(distinct(case((condition, Observation.teacher_id))))]
    sizes = {}
    for grouped in (False, True):
        keys = [Observation.school_id] if grouped else []
        for row in db.session.execute(_joined(select(*keys, *columns)).where(*conditions).group_by(*keys)):
            school, figures = (row[0], row[1:]) if grouped else (None, row)
            if figures[0]:
                sizes[school] = {name: tuple(figures[2 * i:2 * i + 2]) for i, (name, _c) in enumerate(PARTS)}
    return sizes


def _grouped(conditions, condition, value) -> dict:
    """{school id, or None for all: {value: count}} over the observations meeting `condition`."""
    grouped = {}
    for school, key, count in db.session.execute(
            _joined(select(Observation.school_id, value, func.count())).where(*conditions, condition)
            .group_by(Observation.school_id, value)):
        for where in (school, None):
            grouped.setdefault(where, {})
            grouped[where][key] = grouped[where].get(key, 0) + count
    return grouped


def _state(today: date, zone: str):
    """A commitment's state on `today`: kept on or before its due day (the district's days) is on time."""
    kept_day = day_of(SupportCommitment.kept_at, zone)
    due_day = func.to_char(SupportCommitment.due_on, "YYYY-MM-DD") if db.engine.dialect.name == "postgresql" \
        else SupportCommitment.due_on
    return case((and_(SupportCommitment.kept_at.is_not(None),
                      (SupportCommitment.due_on.is_(None)) | (kept_day <= due_day)), "kept_on_time"),
                (SupportCommitment.kept_at.is_not(None), "kept_late"),
                (SupportCommitment.due_on < today, "overdue"), else_="open")


def _n(pair) -> dict:
    return {"n_observations": pair[0], "n_teachers": pair[1]}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _bins(grouped: dict):
    everything = grouped.get(None, {})
    if not everything:
        return None
    low, high = min(everything), max(everything)
    return bin_width(low, high), low, high


def _numbers(counts: dict, bins) -> dict:
    return {"quartiles": quartiles(counts), "histogram": histogram(counts, *bins) if bins else []}


def my_feedback_report(person: Person, from_: date | None, to: date | None) -> dict:
    """How teachers rated the feedback of `person`'s own submitted observations: counts per
    rating, and how many observations and teachers they come from. Names no one."""
    conditions = [Observation.observer_id == person.id, Observation.status == "submitted",
                  Observation.deleted.is_(False), _rated,
                  *dated(Filters(from_=from_, to=to, zone=Scope.of_person(person).zone))]
    ratings = dict(db.session.execute(_joined(select(Feedback.usefulness, func.count())).where(*conditions)
                                      .group_by(Feedback.usefulness)).all())
    count, teachers = db.session.execute(_joined(select(func.count(), func.count(distinct(Observation.teacher_id))))
                                         .where(*conditions)).one()
    return {"report": "my_feedback",
            "usefulness": {"n_observations": count, "n_teachers": teachers, "levels": level_counts(ratings, RATINGS),
                           "quartiles": quartiles(ratings)}}
