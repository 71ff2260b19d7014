"""The look-fors report: how each look-for was answered, per template version, overall and by
school, grade, subject and month.

A template version is its own row (`Observation.template_id`), so grouping by it keeps a changed
look-for apart from its old meaning. Yes/no and scale look-fors are counts per level; count and
timer look-fors are quartiles and a histogram (the same bins in every group of one look-for, so
they compare); text look-fors only say how many answered. Every distribution carries its n:
observations with an answer, and the distinct teachers behind them; `unreadable` counts answers
that do not fit the look-for's kind (they are in n, in no level or bin).
"""
import uuid

from sqlalchemy import String, cast, distinct, func, literal, null, select, union_all

from server.extensions import db
from server.models import LookForTemplate, Observation, Person, School
from server.reports.distributions import bin_width, histogram, level_counts, quartiles
from server.reports.filters import Filters, counted
from server.reports.sql import BOUND_KEY_PREFIX, lookfor_answers, month_of, visit_at

BREAKDOWNS = ("school", "grade", "subject", "month")
YES_NO = [("true", "Yes"), ("false", "No")]
UNITS = {"count": "count", "timer": "seconds"}


def lookfors_report(person: Person, filters: Filters, summary=None) -> dict:
    """The report from the observations, or from a district summary (server.reports.summary)."""
    values, sizes, totals = gathered(summary.seen_by(person)) if summary is not None else _gather(person, filters)
    templates = db.session.scalars(select(LookForTemplate).where(LookForTemplate.id.in_(list(totals)))).all()
    schools = dict(db.session.execute(select(School.id, School.name)).all()) if totals else {}
    shown = [_template(template, totals[template.id], values, sizes, schools)
             for template in sorted(templates, key=lambda t: (t.name, t.version, t.id))]
    return {"report": "lookfors", "templates": shown}


def contribute(facts, add) -> None:
    """A counted observation's share of the report's counts (server.reports.summary)."""
    if facts.template is None:
        return
    add("lT", (facts.template,), facts.teacher)
    groups = (("", None), ("school", facts.school), ("grade", facts.grade), ("subject", facts.subject),
              ("month", facts.month))
    for key, value in facts.answers.items():
        for breakdown, group in groups:
            add("ln", (breakdown, facts.template, key, group), facts.teacher)
            add("lv", (breakdown, facts.template, key, group, value))


def gathered(summary):
    """(values, sizes, totals) as `_gather` gives them, from a summary's counts."""
    values = {}
    for (breakdown, template_id, key, group, value), count in summary.counts("lv").items():
        values.setdefault((breakdown or None, template_id, key, group), {})[value] = count
    sizes = {(breakdown or None, template_id, key, group): figures
             for (breakdown, template_id, key, group), figures in summary.sized("ln").items()}
    totals = {template_id: figures for (template_id,), figures in summary.sized("lT").items()}
    return values, sizes, totals


def _gather(person: Person, filters: Filters):
    """values {(breakdown, template, key, group): {answer: count}}, sizes {same: (observations,
    teachers)} and totals {template: (observations, teachers)}, from the observations."""
    conditions = counted(person, filters) + [Observation.template_id.is_not(None)]
    answers = lookfor_answers(
        conditions, Observation.template_id.label("template_id"), Observation.teacher_id.label("teacher_id"),
        Observation.school_id.label("school"), Observation.grade.label("grade"),
        Observation.subject.label("subject"), month_of(visit_at(), filters.zone).label("month"))
    groupings = []
    for breakdown in (None, *BREAKDOWNS):
        # One column holds every grouping's value (a school's id, a grade, a month...): as text.
        group = [cast(answers.c[breakdown] if breakdown else null(), String)]
        keys = [answers.c.template_id, answers.c.key, *([answers.c[breakdown]] if breakdown else [])]
        groupings.append(select(literal(breakdown or "").label("breakdown"), answers.c.template_id, answers.c.key,
                                *[g.label("grouped") for g in group], answers.c.value, func.count(),
                                null().label("teachers")).group_by(*keys, answers.c.value))
        groupings.append(select(literal(breakdown or "").label("breakdown"), answers.c.template_id, answers.c.key,
                                *[g.label("grouped") for g in group], null().label("value"), func.count(),
                                func.count(distinct(answers.c.teacher_id))).group_by(*keys))
    values, sizes = {}, {}
    for breakdown, template_id, key, grouped, value, count, teachers in db.session.execute(union_all(*groupings)):
        if breakdown == "school":  # as text, SQLite's ids lack their dashes
            grouped = str(uuid.UUID(str(grouped)))
        where = (breakdown or None, template_id, key, grouped)
        if teachers is None:
            values.setdefault(where, {})[value] = count
        else:
            sizes[where] = (count, teachers)
    totals = {template_id: (count, teachers) for template_id, count, teachers in db.session.execute(
        select(Observation.template_id, func.count(), func.count(distinct(Observation.teacher_id)))
        .where(*conditions).group_by(Observation.template_id))}
    return values, sizes, totals


def _template(template: LookForTemplate, total, values, sizes, schools) -> dict:
    lookfors = []
    for lookfor in template.lookfors:
        key = BOUND_KEY_PREFIX + lookfor.binds if lookfor.binds else lookfor.key
        figures = _Figures(lookfor, template.id, key, values, sizes)
        shown = {"key": lookfor.key, "label": lookfor.label, "kind": lookfor.kind, **figures.described(),
                 "overall": figures.distribution(None, None)}
        for breakdown in BREAKDOWNS:
            groups = sorted({k[3] for k in sizes if k[:3] == (breakdown, template.id, key)},
                            key=lambda g: (g is None, schools.get(g, "") if breakdown == "school" else g or ""))
            shown[f"by_{breakdown}"] = [{**_named(breakdown, group, schools), **figures.distribution(breakdown, group)}
                                        for group in groups]
        lookfors.append(shown)
    return {"template_id": template.id, "family_id": template.family_id, "name": template.name,
            "version": template.version, "n_observations": total[0], "n_teachers": total[1], "lookfors": lookfors}


def _named(breakdown: str, group, schools: dict) -> dict:
    """The fields that say which group a distribution is of."""
    return {"school_id": group, "school": schools.get(group)} if breakdown == "school" else {breakdown: group}


class _Figures:
    """One look-for's answers, turned into the distribution of any group."""

    def __init__(self, lookfor, template_id, key, values, sizes):
        self.kind, self.template_id, self.key = lookfor.kind, template_id, key
        self.values, self.sizes = values, sizes
        self.levels = YES_NO if lookfor.kind == "yes_no" else [(level, level) for level in lookfor.levels or ()]
        if self.kind in UNITS:
            overall = self._numbers(values.get((None, template_id, key, None), {}))
            present = [value for value, count in overall.items() if count]
            self.any = bool(present)
            self.low, self.high = (min(present), max(present)) if present else (0, 0)
            self.width = bin_width(self.low, self.high)

    def described(self) -> dict:
        """`levels` (labels, in order) of a yes/no or scale look-for; `unit` of a count or timer."""
        if self.kind in ("yes_no", "scale"):
            return {"levels": [label for _value, label in self.levels]}
        return {"unit": UNITS[self.kind]} if self.kind in UNITS else {}

    def distribution(self, breakdown, group) -> dict:
        answered = self.values.get((breakdown, self.template_id, self.key, group), {})
        n, teachers = self.sizes.get((breakdown, self.template_id, self.key, group), (0, 0))
        shown = {"n_observations": n, "n_teachers": teachers}
        if self.kind in ("yes_no", "scale"):
            levels = level_counts(answered, self.levels)
            return {**shown, "levels": levels, "unreadable": n - sum(level["count"] for level in levels)}
        if self.kind in UNITS:
            numbers = self._numbers(answered)
            bins = histogram(numbers, self.width, self.low, self.high) if self.any else []
            return {**shown, "quartiles": quartiles(numbers), "histogram": bins,
                    "unreadable": n - sum(numbers.values())}
        return shown

    @staticmethod
    def _numbers(answered: dict) -> dict:
        """{whole number: count} of the answers that are whole numbers (0 to 1,000,000, as sync keeps)."""
        numbers = {}
        for value, count in answered.items():
            if value.isascii() and value.isdigit():
                numbers[int(value)] = numbers.get(int(value), 0) + count
        return numbers
