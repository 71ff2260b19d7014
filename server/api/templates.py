"""Look-for templates over HTTP: writers create them, edit them into new versions and publish
them; everyone reads the published ones that apply to their school.

A published version never changes, because observations point at it. Editing one makes the
family's next version as a draft; a family has at most one draft at a time.
"""
from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from schemas.templates import (new_template_schema, template_edit_schema, template_list_query_schema,
                               template_schema, templates_schema)
from server import audit
from server.api import api
from server.auth import require_person, require_role
from server.authz import TEMPLATE_WRITERS, find_visible, may_write_template, schools_query, templates_query
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.models import AuditEvent, LookForTemplate, Person, School
from server.templates import create_template, edit_draft, family_draft, new_version, publish


@api.post("/templates")
def add_template():
    """Create version 1 of a template as a draft, for one school of the caller's scope or, when
    `school_id` is null or absent, for the whole district."""
    writer = require_role(*TEMPLATE_WRITERS)
    data = json_body(new_template_schema)
    school_id = data["school_id"]
    if school_id is not None and db.session.scalar(
            schools_query(writer).where(School.id == school_id)) is None:
        raise ApiError(422, "invalid", "Some fields are not valid.",
                       {"school_id": ["No school with this id is within your scope."]})
    if not may_write_template(writer, writer.district_id, school_id):
        raise ApiError(403, "forbidden", "Your scope is one school, not the whole district.",
                       {"school_id": ["Name your school; district-wide templates are for district staff."]})
    template = create_template(writer.district_id, school_id, data["name"], data["problem_of_practice"],
                               data["lookfors"], created_by=writer)
    audit.record("template_created", writer, subject=template, family_id=template.family_id)
    db.session.commit()
    return template_schema.dump(template), 201


@api.get("/templates")
def list_templates():
    """The templates the caller may read, by name then version; `?status=` draft or published."""
    person = require_person()
    wanted = template_list_query_schema.load(request.args)
    query = templates_query(person)
    if wanted["status"] is not None:
        query = query.where(LookForTemplate.status == wanted["status"])
    query = query.order_by(LookForTemplate.name, LookForTemplate.version, LookForTemplate.id)
    return {"templates": templates_schema.dump(db.session.scalars(query).all())}


@api.get("/templates/<template_id>")
def get_template(template_id: str):
    return template_schema.dump(_readable_template(require_person(), template_id))


@api.get("/templates/<template_id>/versions")
def template_versions(template_id: str):
    """The versions of this template's family that the caller may read, oldest first, each with
    the person who made it and the one who published it (null when not known)."""
    person = require_person()
    template = _readable_template(person, template_id)
    versions = db.session.scalars(templates_query(person).where(LookForTemplate.family_id == template.family_id)
                                  .order_by(LookForTemplate.version)).all()
    publishers = dict(db.session.execute(
        select(AuditEvent.subject_id, AuditEvent.actor_id).where(
            AuditEvent.kind == "template_published", AuditEvent.subject_id.in_([v.id for v in versions]))).all())
    people_ids = {v.created_by_id for v in versions} | set(publishers.values())
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(people_ids - {None})))}
    return {"family_id": template.family_id, "versions": [
        {"id": v.id, "version": v.version, "status": v.status, "name": v.name, "school_id": v.school_id,
         "created_at": v.created_at.isoformat(), "published_at": _iso(v.published_at),
         "created_by": _name(people.get(v.created_by_id)), "published_by": _name(people.get(publishers.get(v.id)))}
        for v in versions]}


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _name(person: Person | None) -> dict | None:
    return {"id": person.id, "name": person.name} if person is not None else None


@api.patch("/templates/<template_id>")
def edit_template(template_id: str):
    """Edit a draft in place (200), or make a published version's next version as a draft (201).

    A given `lookfors` replaces the whole list. 409 `draft_exists` if the family has a draft already.
    """
    writer = require_person()
    template = _writable_template(writer, template_id)
    changes = json_body(template_edit_schema)
    if not template.is_published:
        edit_draft(template, changes)
        db.session.commit()
        return template_schema.dump(template)
    family_id = template.family_id
    _refuse_second_draft(family_id)
    try:
        draft = new_version(template, changes, created_by=writer)
        audit.record("template_version_created", writer, subject=draft, family_id=family_id,
                     version=draft.version, from_version=template.version)
        db.session.commit()
    except IntegrityError:
        # Someone made this family's next version at the same moment; theirs stands. Name their
        # draft if it is one; otherwise the shared IntegrityError handler answers 409.
        db.session.rollback()
        _refuse_second_draft(family_id)
        raise
    return template_schema.dump(draft), 201


@api.post("/templates/<template_id>/publish")
def publish_template(template_id: str):
    writer = require_person()
    template = _writable_template(writer, template_id)
    if template.is_published:
        raise ApiError(409, "already_published",
                       f"Version {template.version} is already published; edit it to make a new version.")
    publish(template)
    audit.record("template_published", writer, subject=template, family_id=template.family_id,
                 version=template.version)
    db.session.commit()
    return template_schema.dump(template)


def _readable_template(person: Person, template_id: str, *, for_update: bool = False) -> LookForTemplate:
    query = templates_query(person)
    if for_update:
        # Hold the row until commit, so a draft cannot be published while it is being edited.
        query = query.with_for_update()
    return find_visible(query, LookForTemplate, template_id, "That template")


def _writable_template(person: Person, template_id: str) -> LookForTemplate:
    """A template the caller may read (404 otherwise) and write (403 otherwise), locked."""
    template = _readable_template(person, template_id, for_update=True)
    if not may_write_template(person, template.district_id, template.school_id):
        raise ApiError(403, "forbidden", "You may read this template but not change it.")
    return template


def _refuse_second_draft(family_id: str) -> None:
    draft = family_draft(family_id)
    if draft is not None:
        raise ApiError(409, "draft_exists",
                       f"This template already has a draft, version {draft.version} (id {draft.id}); "
                       "edit that draft instead.", {"id": [draft.id]})
