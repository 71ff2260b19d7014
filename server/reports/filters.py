"""Which observations a report counts: the caller's scope and the filters they chose.

Only submitted, non-deleted observations of the schools the caller studies
(`server.authz.studied_schools_query`) ever count. A school or template outside that scope is a
field error (422), worded so that it says nothing of whether the thing exists elsewhere. Days
(`from`, `to`) are of the district's time zone (`zone`), as are the reports' months and weeks.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from marshmallow import ValidationError
from sqlalchemy import and_, or_, select

from server.authz import studied_schools_query
from server.extensions import db
from server.models import District, LookForTemplate, Observation, Person, School
from server.reports.sql import visit_at


@dataclass(frozen=True)
class Filters:
    school: str | None = None
    from_: date | None = None
    to: date | None = None
    grade: str | None = None
    subject: str | None = None
    template: str | None = None
    zone: str = "UTC"

    def filtered(self) -> bool:
        """True if any filter narrows the report (the time zone is not a filter)."""
        return any(getattr(self, name) is not None for name in ("school", "from_", "to", "grade", "subject", "template"))

    def shown(self) -> dict:
        """The filters as the answer and the audit event state them (dates as ISO text)."""
        return {"school": self.school, "from": self.from_.isoformat() if self.from_ else None,
                "to": self.to.isoformat() if self.to else None, "grade": self.grade,
                "subject": self.subject, "template": self.template}


def load_filters(person: Person, query: dict) -> Filters:
    """Filters from a loaded report query (schemas.reports), checked against the caller's scope."""
    filters = Filters(**{name: query.get(name) for name in Filters.__dataclass_fields__ if name != "zone"},
                      zone=district_zone(person))
    errors = {}
    if filters.school is not None and db.session.scalar(
            studied_schools_query(person).where(School.id == filters.school)) is None:
        errors["school"] = ["No school you report on has this id."]
    if filters.template is not None and db.session.scalar(select(LookForTemplate.id).where(
            LookForTemplate.id == filters.template, _template_in_scope(person))) is None:
        errors["template"] = ["No template of the schools you report on has this id."]
    if errors:
        raise ValidationError(errors)
    return filters


def _template_in_scope(person: Person):
    applies = LookForTemplate.district_id == person.district_id
    if person.school_id is None:
        return applies
    return and_(applies, or_(LookForTemplate.school_id.is_(None), LookForTemplate.school_id == person.school_id))


def district_zone(person: Person) -> str:
    return db.session.scalar(select(District.timezone).where(District.id == person.district_id)) or "UTC"


def start_of(day: date, zone: str) -> datetime:
    """The first moment of `day` in `zone`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def after(day: date, zone: str) -> datetime:
    """The first moment after `day` in `zone`, in UTC."""
    return start_of(day + timedelta(days=1), zone)


def counted(person: Person, filters: Filters) -> list:
    """Conditions on Observation: what the report counts for `person` with `filters`."""
    conditions = [Observation.status == "submitted", Observation.deleted.is_(False),
                  Observation.school_id.in_(studied_schools_query(person))]
    conditions += dated(filters)
    for column, value in ((Observation.school_id, filters.school), (Observation.grade, filters.grade),
                          (Observation.subject, filters.subject), (Observation.template_id, filters.template)):
        if value is not None:
            conditions.append(column == value)
    return conditions


def dated(filters: Filters) -> list:
    """Conditions keeping visits from `from` to `to`, both days included (the district's days)."""
    conditions = []
    if filters.from_ is not None:
        conditions.append(visit_at() >= start_of(filters.from_, filters.zone))
    if filters.to is not None:
        conditions.append(visit_at() < after(filters.to, filters.zone))
    return conditions
