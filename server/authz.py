"""Who may see and change what. Every per-object decision in the API is made here.

Scope: a person belongs to one district; `school_id` None means their roles reach every school
of the district. Rules, in the product's words:
- Admins manage people, devices and templates within their scope.
- District staff write templates within their scope and read submitted observations there.
- An observer reads the observations they wrote.
- A teacher reads every submitted observation of their own teaching, nothing hidden
  (a draft is still being written and is the observer's alone).
- A device is managed by its owner, or by an admin whose scope holds the owner.
- District staff study (export, report on) the submitted observations of the schools in their
  scope; no one else may use those routes.
- Co-observers of one lesson (a calibration visit) never read each other's walkthroughs, not even
  as district staff: they compare them only in their calibration results, once all have
  submitted (server.rounds.calibration).
Objects outside these rules do not exist for the caller: handlers answer 404, not 403.
"""
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from server.errors import not_found
from server.extensions import db
from server.ids import canonical_id
from server.models import Device, Feedback, LookForTemplate, Observation, Person, School

TEMPLATE_WRITERS = ("admin", "district_staff")


def find_visible(query, model, record_id: str, what: str):
    """The `model` row with id `record_id` among `query` (what the caller may see), else 404,
    also for an id that is not a UUID: the caller learns nothing of what they may not see."""
    try:
        wanted = canonical_id(record_id)
    except ValueError:
        raise not_found(what) from None
    found = db.session.scalar(query.where(model.id == wanted))
    if found is None:
        raise not_found(what)
    return found


def in_scope(person: Person, district_id: str, school_id: str | None) -> bool:
    """True if a thing in (`district_id`, `school_id`) lies within `person`'s scope.

    A district-wide thing (school_id None) is within scope only of district-wide people.
    """
    if person.district_id != district_id:
        return False
    return person.school_id is None or person.school_id == school_id


def schools_query(person: Person):
    query = select(School).where(School.district_id == person.district_id)
    if person.school_id is not None:
        query = query.where(School.id == person.school_id)
    return query.order_by(School.name)


def administered_people_query(person: Person):
    """People an admin may see and manage; nobody for anyone else."""
    if not person.has_role("admin"):
        return select(Person).where(false())
    query = select(Person).where(Person.district_id == person.district_id)
    if person.school_id is not None:
        query = query.where(Person.school_id == person.school_id)
    return query


def managed_devices_query(person: Person):
    administered = administered_people_query(person).with_only_columns(Person.id)
    return select(Device).where(or_(Device.person_id == person.id, Device.person_id.in_(administered)))


def may_write_template(person: Person, district_id: str, school_id: str | None) -> bool:
    return person.has_role(*TEMPLATE_WRITERS) and in_scope(person, district_id, school_id)


def templates_query(person: Person):
    """Templates the person may read: published ones that apply to their schools, and, for
    template writers, every version within their scope."""
    applies = LookForTemplate.district_id == person.district_id
    if person.school_id is not None:
        applies = and_(applies, or_(LookForTemplate.school_id.is_(None),
                                    LookForTemplate.school_id == person.school_id))
    readable = LookForTemplate.status == "published"
    if person.has_role(*TEMPLATE_WRITERS):
        if person.school_id is None:
            readable = or_(readable, LookForTemplate.district_id == person.district_id)
        else:
            readable = or_(readable, LookForTemplate.school_id == person.school_id)
    return select(LookForTemplate).where(applies, readable)


def observation_read_rules(person: Person, entity_column=None):
    """(readable, held): filters over Observation, for the rules above.

    With `entity_column` (rows of several entities joined to their Observation and, outer, to
    Feedback), feedback is readable by anyone but its observer only once released. A deleted
    observation is readable by no one.
    Held: the person could read the record at some point (the observer always; the teacher and
    district staff once the observation was first submitted and, for feedback, first released),
    so a device of theirs may hold it and must be told, by id alone, when it leaves their view.
    """
    present = Observation.deleted.is_(False)
    submitted = and_(Observation.status == "submitted", present)
    was_shared = Observation.shared_at.is_not(None)
    if entity_column is None:
        released, was_released = true(), true()
    else:
        released = or_(entity_column != "feedback", Feedback.released.is_(True))
        was_released = or_(entity_column != "feedback", Feedback.released_at.is_not(None))
    readable = [and_(Observation.observer_id == person.id, present),
                and_(Observation.teacher_id == person.id, submitted, released)]
    held = [Observation.observer_id == person.id, and_(Observation.teacher_id == person.id, was_shared, was_released)]
    if person.has_role("district_staff"):
        schools = Observation.school_id.in_(schools_query(person).with_only_columns(School.id))
        readable.append(and_(schools, submitted, released, ~co_observed_by(person)))
        held.append(and_(schools, was_shared, was_released))
    return or_(*readable), or_(*held)


def co_observed_by(person: Person):
    """A filter over Observation: the walkthrough is of a lesson `person` co-observed (they have a
    walkthrough of their own, even deleted, with the same co_observation_id). Membership never
    ends, so what a member may read does not change with their own walkthrough's status."""
    own = aliased(Observation)
    return exists().where(own.co_observation_id == Observation.co_observation_id, own.observer_id == person.id)


def observations_query(person: Person):
    """Observations the person may read."""
    return select(Observation).where(observation_read_rules(person)[0])


def may_study(person: Person) -> bool:
    """District staff study observations in exports and reports; for anyone else those routes
    do not exist (404)."""
    return person.has_role("district_staff")


def studied_schools_query(person: Person):
    """Ids of the schools whose submitted observations the person may export and report on:
    district staff's schools within their scope (one school, or every school of the district);
    none for anyone else. Identified and de-identified exports share this scope."""
    if not may_study(person):
        return select(School.id).where(false())
    return schools_query(person).with_only_columns(School.id)


def may_read_feedback(person: Person, observation: Observation) -> bool:
    """The observer always; the observed teacher and district staff once it is released."""
    feedback = observation.feedback
    return person.id == observation.observer_id or (feedback is not None and feedback.released)


def observation_write_errors(person: Person, values: dict, existing: dict | None, directory) -> dict:
    """Why `person` may not write `values` into an observation ({} if they may).

    `existing` is the record's current wire state (None for a create); `directory` answers
    questions about schools, teachers and templates (server.sync_push.Directory). Only the
    observer who wrote an observation changes it; they observe teachers of schools in their scope.
    """
    if not person.has_role("observer"):
        return {"record_id": ["Only observers record observations."]}
    if existing is not None and existing["observer_id"] != person.id:
        return {"record_id": ["No observation of yours has this id."]}
    errors = {}
    if existing is None and values.get("observer_id") != person.id:
        errors["observer_id"] = ["Must be your own id: you record your own observations."]
    school_id = values.get("school_id") if existing is None else existing["school_id"]
    if existing is None and not directory.school_in_scope(person, school_id):
        errors["school_id"] = ["Not a school you observe in."]
    if "teacher_id" in values:
        teacher = directory.teacher(values["teacher_id"])
        if teacher is None or teacher["school_id"] != school_id:
            errors["teacher_id"] = ["Not a teacher of this school."]
        elif values["teacher_id"] == person.id:
            errors["teacher_id"] = ["You cannot observe yourself."]
    if "co_observation_id" in values:
        errors.update(_co_observation_errors(person, values, existing, directory))
    if values.get("template_id") is not None:
        template = directory.template(person, values["template_id"], school_id)
        if template is None:
            errors["template_id"] = ["Not a published template for this school."]
        elif values.get("template_version", template["version"]) != template["version"]:
            errors["template_version"] = [f"That template is version {template['version']}."]
    return errors


def _co_observation_errors(person: Person, values: dict, existing: dict | None, directory) -> dict:
    """A walkthrough joins one co-observation, once, and only one of the observer's own; its
    other members observe the same teacher at the same school. The members are those stored and
    those the same push joined before (`directory.co_observation_members`)."""
    wanted = values["co_observation_id"]
    before = existing.get("co_observation_id") if existing is not None else None
    if before is not None or wanted is None:
        return {} if before == wanted else {"co_observation_id": ["A walkthrough joins a co-observation once; it cannot change."]}
    teacher_id = values.get("teacher_id") if existing is None else existing["teacher_id"]
    school_id = values.get("school_id") if existing is None else existing["school_id"]
    members = directory.co_observation_members(wanted)
    if any(member["observer_id"] == person.id for member in members):
        return {"co_observation_id": ["You already have a walkthrough in this co-observation."]}
    if any((member["teacher_id"], member["school_id"]) != (teacher_id, school_id) for member in members):
        return {"co_observation_id": ["This co-observation is of another lesson: check the teacher and the code."]}
    return {}


OBSERVER_ONLY = "Only the observer writes this."
TEACHER_ONLY = "Only the observed teacher writes this, once the feedback is released."


def feedback_write_errors(person: Person, observation: dict, feedback: dict | None, names,
                          observer_fields, teacher_fields) -> dict:
    """Why `person` may not write the fields `names` of feedback on `observation` ({} if they
    may). The observer writes their half; the observed teacher writes theirs once released."""
    is_observer = observation["observer_id"] == person.id
    is_teacher = (observation["teacher_id"] == person.id and observation["status"] == "submitted"
                  and not observation["deleted"])
    if not (is_observer or (is_teacher and feedback is not None)):
        return {"record_id": ["No feedback you may change has this id."]}
    errors = {}
    released = feedback is not None and feedback["released"]
    for name in names:
        if name in observer_fields and not is_observer:
            errors[name] = [OBSERVER_ONLY]
        elif name in teacher_fields and not (is_teacher and released):
            errors[name] = [TEACHER_ONLY]
    if feedback is None and not is_observer:
        errors["record_id"] = ["Only the observer starts the feedback."]
    return errors
