"""Which observations a report counts: the caller's scope and the filters they chose, by the
exports' own rules (server.analytics.scope): only submitted, non-deleted observations of the
schools the caller studies; `from` and `to` are days of the district's time zone (`zone`), as
are the reports' months and weeks. A school or template outside the scope is a field error (422).
"""
from dataclasses import asdict, dataclass
from datetime import date

from marshmallow import ValidationError
from server.analytics.scope import Scope, criteria, filter_errors
from server.analytics.scope import dated as dated_in
from server.models import Person


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
        return any(value is not None for name, value in asdict(self).items() if name != "zone")

    def shown(self) -> dict:
        """The filters as the answer and the audit event state them (dates as ISO text)."""
        return {"school": self.school, "from": self.from_.isoformat() if self.from_ else None,
                "to": self.to.isoformat() if self.to else None, "grade": self.grade,
                "subject": self.subject, "template": self.template}


def load_filters(person: Person, query: dict) -> Filters:
    """Filters from a loaded report query (schemas.reports), checked against the caller's scope."""
    scope = Scope.of_person(person)
    errors = filter_errors(scope, query, purpose="report")
    if errors:
        raise ValidationError(errors)
    return Filters(**{name: query.get(name) for name in Filters.__dataclass_fields__ if name != "zone"},
                   zone=scope.zone)


def counted(person: Person, filters: Filters) -> list:
    """Conditions on Observation: what the report counts for `person` with `filters`."""
    values = {name: value for name, value in asdict(filters).items() if name != "zone"}
    return criteria(Scope.of_person(person), values)


def dated(filters: Filters) -> list:
    """Conditions keeping visits from `from` to `to`, both days included (the district's days)."""
    return dated_in(filters.zone, filters.from_, filters.to)
