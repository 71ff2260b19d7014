"""The fixed grid of a de-identified export: look-for figures of a whole district, by template
version and month (the district's timezone), at three levels, with suppression decided once.

A node is (template, month, level, school, grade, subject): the district margin ("district": every
school), a school margin ("school": one school, every grade and subject) or a cell ("cell": one
school, grade and subject). Its population is the district's submitted, non-deleted observations
of that template version in that month and place (template None: observations made without one).
The grid never depends on an export's filters or on who asks, so a node has the same figures and
the same suppression in every export; filters and scope only choose which nodes an export shows
(`Grid.selected`). Only counts are held in memory, never observations.
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select

from schemas.templates import CORE_FIELD_LEVELS
from server.analytics.suppression import suppressed
from server.analytics.tables import BATCH, answered, templates_of
from server.extensions import db
from server.models import District, LookFor, LookForTemplate, Observation, School
from server.reports.sql import visit_at

LEVELS = ("district", "school", "cell")


class Node(NamedTuple):
    template_id: str | None
    month: str
    level: str
    school_id: str | None = None
    grade: str | None = None
    subject: str | None = None


@dataclass
class Figures:
    """What a node counts: observations, their distinct teachers, and {key: {answer: how many}}."""
    observations: int = 0
    teachers: set | int = field(default_factory=set)
    answers: dict = field(default_factory=dict)


def nodes_of(template_id, month: str, school_id, grade, subject) -> tuple[Node, Node, Node]:
    """The cell, school margin and district margin an observation counts in."""
    return (Node(template_id, month, "cell", school_id, grade, subject), Node(template_id, month, "school", school_id),
            Node(template_id, month, "district"))


@dataclass
class Grid:
    k: int
    zone: ZoneInfo
    figures: dict  # {Node: Figures}, teachers counted
    status: dict  # {Node: False | "fewer_than_k" | "complementary"}

    @classmethod
    def of_district(cls, district: District, k: int) -> "Grid":
        zone = ZoneInfo(district.timezone)
        templates = templates_of(district.id)
        figures: dict = {}
        query = (select(Observation.teacher_id, Observation.school_id, Observation.grade, Observation.subject,
                        Observation.template_id, visit_at(), Observation.lookfors,
                        *[getattr(Observation, name) for name in CORE_FIELD_LEVELS])
                 .join(School, School.id == Observation.school_id)
                 .where(School.district_id == district.id, Observation.status == "submitted",
                        Observation.deleted.is_(False)))
        result = db.session.connection().execute(query.execution_options(yield_per=BATCH))
        try:
            for teacher_id, school_id, grade, subject, template_id, at, answers, *core in result:
                month = at.astimezone(zone).strftime("%Y-%m")
                given = list(answered(templates.get(template_id, {}), answers, core)) if template_id else []
                for node in nodes_of(template_id, month, school_id, grade, subject):
                    counted = figures.setdefault(node, Figures())
                    counted.observations += 1
                    counted.teachers.add(teacher_id)
                    for key, value in given:
                        values = counted.answers.setdefault(key, {})
                        values[value] = values.get(value, 0) + 1
        finally:
            result.close()
        for counted in figures.values():
            counted.teachers = len(counted.teachers)
        parent_of = {}
        for node in figures:
            if node.level == "cell":
                parent_of[node] = Node(node.template_id, node.month, "school", node.school_id)
            elif node.level == "school":
                parent_of[node] = Node(node.template_id, node.month, "district")
        status = suppressed({node: counted.teachers for node, counted in figures.items()}, parent_of, k)
        return cls(k, zone, figures, status)

    def placement(self, template_id, month: str, school_id, grade, subject) -> str | None:
        """The finest published level of an observation's nodes ("cell", "school" or "district"),
        or None if even its district margin is suppressed (the row is withheld)."""
        for node in nodes_of(template_id, month, school_id, grade, subject):
            if not self.status.get(node, "fewer_than_k"):
                return node.level
        return None

    def selected(self, school_ids: set, district_wide: bool, filters: dict) -> Iterator[Node]:
        """The nodes an export shows, in the grid's order: of the chosen schools (a school filter,
        else the caller's), months the from/to range touches (whole), the template chosen, cells of
        the grade and subject chosen and the margins above those cells; the district margin only
        for district-wide callers without a school filter."""
        schools = {filters["school"]} if "school" in filters else set(school_ids)
        with_district = district_wide and "school" not in filters
        first = filters["from_"].strftime("%Y-%m") if "from_" in filters else None
        last = filters["to"].strftime("%Y-%m") if "to" in filters else None
        cells = [node for node in self.figures if node.level == "cell" and node.school_id in schools
                 and (first is None or node.month >= first) and (last is None or node.month <= last)
                 and node.template_id == filters.get("template", node.template_id)
                 and node.grade == filters.get("grade", node.grade)
                 and node.subject == filters.get("subject", node.subject)]
        margins = {Node(cell.template_id, cell.month, "school", cell.school_id) for cell in cells}
        if with_district:
            margins |= {Node(cell.template_id, cell.month, "district") for cell in cells}
        return iter(sorted([*margins, *cells], key=_order))


def _order(node: Node) -> tuple:
    return (node.template_id is None, node.template_id or "", node.month, LEVELS.index(node.level),
            *((part is not None, part or "") for part in (node.school_id, node.grade, node.subject)))


def lookfors_by_template(district_id: str) -> dict:
    """{template id: (name, version, [(key, label, kind, levels)] in position order)}."""
    templates: dict = {}
    rows = db.session.execute(
        select(LookForTemplate.id, LookForTemplate.name, LookForTemplate.version, LookFor.key, LookFor.label,
               LookFor.kind, LookFor.levels)
        .join(LookFor, LookFor.template_id == LookForTemplate.id)
        .where(LookForTemplate.district_id == district_id).order_by(LookForTemplate.id, LookFor.position))
    for template_id, name, version, key, label, kind, levels in rows:
        templates.setdefault(template_id, (name, version, []))[2].append((key, label, kind, levels or []))
    return templates
