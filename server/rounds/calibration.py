"""Calibration visits: the co-observed lessons whose walkthroughs are all submitted, and how alike
their observers scored each look-for (server.rounds.agreement does the arithmetic).

A co-observation is the set of walkthroughs, not deleted, that share a `co_observation_id`. It is
*complete* once it has two or more and every one is submitted: before that no member sees
another's scores anywhere (server.authz keeps co-observers out of each other's walkthroughs).

- `my_calibration(person)`: the person's own complete co-observations, each look-for with every
  member's value, and per look-for the agreement across them, overall and with each partner.
- `district_calibration(person)`: for district staff, per look-for across the complete
  co-observations of the schools they study, with n; no observer is named or counted apart.
- `unfinished_co_observations_of(person)`: the co-observations the person is a member of that
  are not complete yet; exports and reports leave those lessons out of what the person studies
  (server.analytics.scope, server.reports.summary).
"""
from collections import defaultdict

from sqlalchemy import case, func, select

from server.authz import studied_schools_query
from server.extensions import db
from server.models import LookForTemplate, Observation, Person, School
from server.rounds.agreement import lookfor_agreement, pair_agreement, rated
from sync.entities import canonical_datetime


def complete_co_observations():
    """Ids of the complete co-observations (a select of one column)."""
    waiting = func.sum(case((Observation.status != "submitted", 1), else_=0))
    return (select(Observation.co_observation_id)
            .where(Observation.co_observation_id.is_not(None), Observation.deleted.is_(False))
            .group_by(Observation.co_observation_id)
            .having(func.count() >= 2, waiting == 0))


def unfinished_co_observations_of(person: Person) -> list[str]:
    """Ids of the co-observations `person` is a member of (a walkthrough of their own, even
    deleted, as in server.authz.co_observed_by) that are not complete. Most people have none, so
    callers can use it as a short exclusion list."""
    mine = select(Observation.co_observation_id).where(Observation.observer_id == person.id,
                                                        Observation.co_observation_id.is_not(None))
    # Only the person's own co-observations are grouped, not every one of the district.
    complete = complete_co_observations().where(Observation.co_observation_id.in_(mine))
    return list(db.session.scalars(mine.where(Observation.co_observation_id.not_in(complete)).distinct()))


def _members(co_observation_ids) -> dict:
    """{co_observation_id: [Observation, ...]} of the given ids, members in the order they began."""
    query = (select(Observation)
             .where(Observation.co_observation_id.in_(co_observation_ids), Observation.deleted.is_(False))
             .order_by(Observation.started_at, Observation.id))
    grouped = defaultdict(list)
    for observation in db.session.scalars(query):
        grouped[observation.co_observation_id].append(observation)
    return grouped


def _lookfors(template_ids) -> dict:
    """{template id: [look-for as a dict]} with only the kinds that have agreement figures."""
    templates = db.session.scalars(select(LookForTemplate).where(LookForTemplate.id.in_(template_ids)))
    return {template.id: [{"key": lf.key, "label": lf.label, "kind": lf.kind, "levels": lf.levels,
                           "binds": lf.binds} for lf in template.lookfors if rated({"kind": lf.kind})]
            for template in templates}


def value_of(observation: Observation, lookfor: dict):
    """What the observer answered: a bound look-for is its observation field, others a lookfors key."""
    if lookfor["binds"]:
        return getattr(observation, lookfor["binds"], None)
    return (observation.lookfors or {}).get(lookfor["key"])


def _same_lookfor(lookfor: dict) -> tuple:
    """Look-fors are compared across visits when key, kind and levels are alike (a new template
    version that changed a scale's levels starts a new line)."""
    return lookfor["key"], lookfor["kind"], tuple(lookfor["levels"] or ())


def _closeness(lookfor: dict, values: list) -> str | None:
    """'same', 'next_level' (scales, one level apart at most) or 'different', among the values
    given; None when fewer than two members answered."""
    given = [value for value in values if value is not None]
    if len(given) < 2:
        return None
    if len(set(map(repr, given))) == 1:
        return "same"
    if lookfor["kind"] == "scale" and all(value in lookfor["levels"] for value in given):
        positions = [lookfor["levels"].index(value) for value in given]
        if max(positions) - min(positions) <= 1:
            return "next_level"
    return "different"


def my_calibration(person: Person) -> dict:
    mine = (select(Observation.co_observation_id)
            .where(Observation.observer_id == person.id, Observation.deleted.is_(False),
                   Observation.co_observation_id.in_(complete_co_observations())))
    groups = _members(mine)
    lookfors = _lookfors({o.template_id for members in groups.values() for o in members if o.template_id})
    names = _names({o.observer_id for members in groups.values() for o in members}
                   | {members[0].teacher_id for members in groups.values()})
    schools = _school_names({members[0].school_id for members in groups.values()})
    visits, lines = [], {}
    for co_id, members in sorted(groups.items(), key=lambda item: item[1][0].started_at or item[1][0].created_at,
                                 reverse=True):
        own = next(o for o in members if o.observer_id == person.id)
        shown = []
        for lookfor in lookfors.get(own.template_id, []):
            values = [value_of(o, lookfor) for o in members]
            shown.append({**_public(lookfor), "closeness": _closeness(lookfor, values),
                          "values": [{"observer_id": o.observer_id, "value": v} for o, v in zip(members, values)]})
            line = lines.setdefault(_same_lookfor(lookfor), {"lookfor": lookfor, "units": [], "partners": defaultdict(list)})
            line["units"].append(values)
            for other, value in zip(members, values):
                if other.observer_id != person.id:
                    line["partners"][other.observer_id].append((value_of(own, lookfor), value))
        visits.append({
            "co_observation_id": co_id, "started_at": _iso(own.started_at), "school_name": schools.get(own.school_id),
            "teacher_name": names.get(own.teacher_id), "observation_id": own.id,
            "observers": [{"id": o.observer_id, "name": names.get(o.observer_id), "you": o.observer_id == person.id}
                          for o in members],
            "lookfors": shown,
        })
    summary = []
    for line in lines.values():
        lookfor = line["lookfor"]
        partners = [{"observer_id": partner, "name": names.get(partner), **pair_agreement(lookfor, pairs)}
                    for partner, pairs in sorted(line["partners"].items(), key=lambda item: names.get(item[0]) or "")]
        summary.append({**_public(lookfor), **lookfor_agreement(lookfor, line["units"]), "partners": partners})
    return {"co_observations": visits, "lookfors": summary}


def district_calibration(person: Person) -> dict:
    """Per look-for across the district (the person's studied schools): lessons (n), exact and
    adjacent agreement over every pair of observers within a lesson, alpha, and a reading; the
    look-fors read least alike first. No observer is named."""
    complete = (select(Observation.co_observation_id)
                .where(Observation.co_observation_id.in_(complete_co_observations()),
                       Observation.school_id.in_(studied_schools_query(person)))
                .distinct())
    groups = _members(complete)
    lookfors = _lookfors({o.template_id for members in groups.values() for o in members if o.template_id})
    lines = {}
    for members in groups.values():
        first = members[0]
        for lookfor in lookfors.get(first.template_id, []):
            line = lines.setdefault(_same_lookfor(lookfor), {"lookfor": lookfor, "units": [], "schools": set()})
            line["units"].append([value_of(o, lookfor) for o in members])
            line["schools"].add(first.school_id)
    summary = [{**_public(line["lookfor"]), **lookfor_agreement(line["lookfor"], line["units"]),
                "schools": len(line["schools"])} for line in lines.values()]
    summary.sort(key=lambda item: (item["alpha"]["value"] is None, item["alpha"]["value"] or 0, item["label"]))
    return {"co_observations": len(groups), "lookfors": summary}


def _public(lookfor: dict) -> dict:
    return {"key": lookfor["key"], "label": lookfor["label"], "kind": lookfor["kind"], "levels": lookfor["levels"]}


def _names(ids) -> dict:
    return dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all()) if ids else {}


def _school_names(ids) -> dict:
    return dict(db.session.execute(select(School.id, School.name).where(School.id.in_(ids))).all()) if ids else {}


def _iso(moment):
    return canonical_datetime(moment) if moment is not None else None

