"""Reference data a device needs offline: the person's schools, the people there, templates, and
the district's judgment words for the evidence-not-judgment hint (the default until it saves its own)."""
from sqlalchemy import select

from schemas.templates import templates_schema
from server.authz import schools_query, templates_query
from server.extensions import db
from server.models import LookForTemplate, Person
from server.rounds.judgment_lists import current_list, shown


def reference_data(person: Person) -> dict:
    schools = db.session.scalars(schools_query(person)).all()
    school_ids = [school.id for school in schools]
    people_query = select(Person).where(Person.district_id == person.district_id, Person.active.is_(True))
    if person.school_id is not None:
        people_query = people_query.where(Person.school_id.in_(school_ids))
    people = db.session.scalars(people_query.order_by(Person.name)).all()
    templates = db.session.scalars(templates_query(person).where(LookForTemplate.status == "published")
                                   .order_by(LookForTemplate.name, LookForTemplate.version)).all()
    return {
        "schools": [{"id": s.id, "name": s.name, "timezone": s.effective_timezone} for s in schools],
        "people": [{"id": p.id, "name": p.name, "roles": p.roles, "school_id": p.school_id} for p in people],
        "templates": templates_schema.dump(templates),
        "judgment_words": _judgment_words(person.district_id),
    }


def _judgment_words(district_id: str) -> dict:
    words = shown(current_list(district_id))
    return {"version": words["version"], "language": words["language"], "patterns": words["patterns"]}
