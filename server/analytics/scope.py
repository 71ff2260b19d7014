"""Which observations an export holds: the schools in scope, then the filters.

A `Scope` is a district and the schools of it that may be studied (a person's
`studied_schools_query`, or every school for the command line). `criteria(scope, filters)` turns
loaded filters (schemas.exports) into conditions on Observation; only submitted, non-deleted
observations of schools in scope ever match.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from server.authz import studied_schools_query
from server.extensions import db
from server.models import District, LookForTemplate, Observation, Person, School


@dataclass(frozen=True)
class Scope:
    district: District
    school_ids: Select
    # Every school of the district (district-wide staff, the command line), not one school.
    district_wide: bool = True

    @classmethod
    def of_person(cls, person: Person) -> "Scope":
        return cls(db.session.get(District, person.district_id), studied_schools_query(person),
                   district_wide=person.school_id is None)

    @classmethod
    def of_district(cls, district: District) -> "Scope":
        return cls(district, select(School.id).where(School.district_id == district.id))

    def schools(self) -> set[str]:
        """The ids of the schools in scope."""
        return set(db.session.scalars(self.school_ids))


def filter_errors(scope: Scope, filters: dict) -> dict:
    """Field messages for a school or template the scope does not hold ({} if none). The same
    words whether the thing does not exist or lies outside the scope."""
    errors = {}
    if "school" in filters and not db.session.scalar(
            select(School.id).where(School.id == filters["school"], School.id.in_(scope.school_ids))):
        errors["school"] = ["Not a school you may export."]
    if "template" in filters and not db.session.scalar(
            select(LookForTemplate.id).where(LookForTemplate.id == filters["template"],
                                             LookForTemplate.district_id == scope.district.id)):
        errors["template"] = ["Not a template of your district."]
    return errors


def criteria(scope: Scope, filters: dict) -> list:
    """Conditions on Observation for the observations `filters` select within `scope`.

    `from` and `to` are days in the district's timezone, both included, compared with started_at.
    """
    zone = ZoneInfo(scope.district.timezone)
    conditions = [Observation.status == "submitted", Observation.deleted.is_(False),
                  Observation.school_id.in_(scope.school_ids)]
    if "school" in filters:
        conditions.append(Observation.school_id == filters["school"])
    if "from_" in filters:
        conditions.append(Observation.started_at >= _day_start(filters["from_"], zone))
    if "to" in filters:
        conditions.append(Observation.started_at < _day_start(filters["to"] + timedelta(days=1), zone))
    if "grade" in filters:
        conditions.append(Observation.grade == filters["grade"])
    if "subject" in filters:
        conditions.append(Observation.subject == filters["subject"])
    if "template" in filters:
        conditions.append(Observation.template_id == filters["template"])
    return conditions


def _day_start(day, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def described(filters: dict) -> dict:
    """The filters as the audit event and the data package state them (JSON values)."""
    names = {"from_": "from"}
    return {names.get(key, key): value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in sorted(filters.items())}
