"""Which observations an export or a report holds: the schools in scope, then the filters.

A `Scope` is a district and the schools of it that may be studied (a person's
`studied_schools_query`, or every school for the command line). `criteria(scope, filters)` turns
loaded filters (schemas.exports' ExportFiltersSchema, which the reports' query extends) into
conditions on Observation; only submitted, non-deleted observations of schools in scope ever
match. A visit's day is that of its start (or of its record, if it has no start) in the
district's time zone; `from` and `to` are such days, both included.
A person who co-observes a lesson (a calibration visit) whose walkthroughs are not all submitted
yet studies none of that lesson's walkthroughs, their own included, until they are: `hidden` lists
those co-observations (server.rounds.calibration.unfinished_co_observations_of).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, or_, select

from server.authz import studied_schools_query
from server.extensions import db
from server.models import District, LookForTemplate, Observation, Person, School
from server.reports.sql import visit_at
from server.rounds.calibration import unfinished_co_observations_of

# What a school or template outside the scope hears, per purpose: the same words whether the
# thing does not exist or lies outside the scope.
WORDS = {
    "export": {"school": "Not a school you may export.", "template": "Not a template of your district."},
    "report": {"school": "No school you report on has this id.",
               "template": "No template of the schools you report on has this id."},
}


@dataclass(frozen=True)
class Scope:
    district: District
    school_ids: Select
    # Every school of the district (district-wide staff, the command line), not one school.
    district_wide: bool = True
    # The one school of school-scoped staff, whose templates they may name beside the district's.
    school_id: str | None = None
    # Ids of the co-observations left out until all their walkthroughs are submitted.
    hidden: tuple[str, ...] = ()

    @classmethod
    def of_person(cls, person: Person) -> "Scope":
        return cls(db.session.get(District, person.district_id), studied_schools_query(person),
                   district_wide=person.school_id is None, school_id=person.school_id,
                   hidden=tuple(unfinished_co_observations_of(person)))

    @property
    def zone(self) -> str:
        return self.district.timezone

    @classmethod
    def of_district(cls, district: District) -> "Scope":
        return cls(district, select(School.id).where(School.district_id == district.id))

    def schools(self) -> set[str]:
        """The ids of the schools in scope."""
        return set(db.session.scalars(self.school_ids))


def filter_errors(scope: Scope, filters: dict, purpose: str = "export") -> dict:
    """Field messages for a school or template the scope does not hold ({} if none): a template
    of the district, or of the one school of school-scoped staff."""
    errors = {}
    if filters.get("school") is not None and not db.session.scalar(
            select(School.id).where(School.id == filters["school"], School.id.in_(scope.school_ids))):
        errors["school"] = [WORDS[purpose]["school"]]
    applies = LookForTemplate.district_id == scope.district.id
    if scope.school_id is not None:
        applies = and_(applies, or_(LookForTemplate.school_id.is_(None), LookForTemplate.school_id == scope.school_id))
    if filters.get("template") is not None and not db.session.scalar(
            select(LookForTemplate.id).where(LookForTemplate.id == filters["template"], applies)):
        errors["template"] = [WORDS[purpose]["template"]]
    return errors


def criteria(scope: Scope, filters: dict) -> list:
    """Conditions on Observation for the observations `filters` select within `scope` (a filter
    that is absent or None does not narrow)."""
    conditions = [Observation.status == "submitted", Observation.deleted.is_(False),
                  Observation.school_id.in_(scope.school_ids)]
    if scope.hidden:
        conditions.append(or_(Observation.co_observation_id.is_(None),
                              Observation.co_observation_id.not_in(scope.hidden)))
    conditions += dated(scope.zone, filters.get("from_"), filters.get("to"))
    for column, name in ((Observation.school_id, "school"), (Observation.grade, "grade"),
                         (Observation.subject, "subject"), (Observation.template_id, "template")):
        if filters.get(name) is not None:
            conditions.append(column == filters[name])
    return conditions


def dated(zone: str, first: date | None, last: date | None) -> list:
    """Conditions keeping visits from day `first` to day `last` in `zone`, both included."""
    conditions = []
    if first is not None:
        conditions.append(visit_at() >= day_start(first, zone))
    if last is not None:
        conditions.append(visit_at() < day_start(last + timedelta(days=1), zone))
    return conditions


def day_start(day: date, zone: str) -> datetime:
    """The first moment of `day` in `zone`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def described(filters: dict) -> dict:
    """The filters as the audit event and the data package state them (JSON values)."""
    names = {"from_": "from"}
    return {names.get(key, key): value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in sorted(filters.items())}
