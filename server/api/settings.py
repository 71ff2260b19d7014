"""The district's settings and its schools, for admins.

Every admin reads their district's name, time zone and settings. Only an admin of the whole
district (no school of their own) changes them or adds a school; a school admin changes their own
school's name and time zone, and sees no other school. Every change is audited with what it was
before and after.
"""
from sqlalchemy import select

from schemas.settings import (district_settings_schema, district_update_schema, new_school_schema, school_list_schema,
                              school_schema, school_update_schema)
from server import audit
from server.api import api
from server.auth import require_admin
from server.authz import find_visible, schools_query
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.models import District, Person, School
from server.settings import SETTINGS, settings_of, validate


@api.get("/admin/settings")
def read_settings():
    """The admin's district: its name, time zone, and every setting with its value, default and
    what it means."""
    admin = require_admin()
    return _shown(db.session.get(District, admin.district_id), admin)


@api.patch("/admin/settings")
def change_settings():
    """Change the district's name, time zone or settings (those given; settings one by one, the
    others keep their values). A new time zone changes the local days and months every report
    counts by, from the next report on. Admins of the whole district only."""
    admin = _district_admin()
    district = db.session.get(District, admin.district_id)
    data = json_body(district_update_schema)
    current = settings_of(district)
    clean, errors = validate(data.get("settings", {}), current)
    fields = {"settings": errors} if errors else {}
    if data.get("name", district.name) != district.name and db.session.scalar(
            select(District.id).where(District.name == data["name"], District.id != district.id)):
        fields["name"] = ["Another district has this name."]
    if fields:
        raise ApiError(422, "invalid", "Some fields are not valid.", fields)
    before, after = {}, {}
    for name in ("name", "timezone"):
        if name in data and data[name] != getattr(district, name):
            before[name], after[name] = getattr(district, name), data[name]
            setattr(district, name, data[name])
    changed = {name: value for name, value in clean.items() if value != current[name]}
    if changed:
        before["settings"] = {name: current[name] for name in changed}
        after["settings"] = changed
        district.settings = {**(district.settings or {}), **changed}
    if after:
        audit.record("settings_changed", admin, subject=district, before=before, after=after)
    db.session.commit()
    return _shown(district, admin)


@api.get("/admin/schools")
def list_schools():
    """The schools the admin administers: every school of the district, or a school admin's own."""
    admin = require_admin()
    return school_list_schema.dump({"schools": [_school(s) for s in db.session.scalars(schools_query(admin))]})


@api.post("/admin/schools")
def add_school():
    """Add a school to the district, with its own time zone or (null) the district's. Names are
    unique within the district, whatever their case. Admins of the whole district only."""
    admin = _district_admin()
    data = json_body(new_school_schema)
    _refuse_taken_name(admin.district_id, data["name"], None)
    school = School(district_id=admin.district_id, name=data["name"], timezone=data["timezone"])
    db.session.add(school)
    db.session.flush()
    audit.record("school_added", admin, subject=school, after={"name": school.name, "timezone": school.timezone})
    db.session.commit()
    return school_schema.dump(_school(school)), 201


@api.patch("/admin/schools/<school_id>")
def change_school(school_id: str):
    """Change a school's name or time zone (null: the district's), within the admin's scope."""
    admin = require_admin()
    school = find_visible(schools_query(admin), School, school_id, "That school")
    data = json_body(school_update_schema)
    if "name" in data:
        _refuse_taken_name(school.district_id, data["name"], school.id)
    before, after = {}, {}
    for name in ("name", "timezone"):
        if name in data and data[name] != getattr(school, name):
            before[name], after[name] = getattr(school, name), data[name]
            setattr(school, name, data[name])
    if after:
        audit.record("school_changed", admin, subject=school, before=before, after=after)
    db.session.commit()
    return school_schema.dump(_school(school))


def _district_admin() -> Person:
    admin = require_admin()
    if admin.school_id is not None:
        raise ApiError(403, "forbidden", "Only an admin of the whole district changes this; "
                                         "you change your own school's name and time zone.")
    return admin


def _refuse_taken_name(district_id: str, name: str, school_id: str | None) -> None:
    others = select(School.name).where(School.district_id == district_id)
    if school_id is not None:
        others = others.where(School.id != school_id)
    if name.casefold() in {other.casefold() for other in db.session.scalars(others)}:
        raise ApiError(422, "invalid", "Some fields are not valid.",
                       {"name": ["Another school of the district has this name."]})


def _school(school: School) -> dict:
    return {"id": school.id, "name": school.name, "timezone": school.timezone,
            "effective_timezone": school.effective_timezone}


def _shown(district: District, admin: Person) -> dict:
    values = settings_of(district)
    settings = [{"name": s.name, "kind": s.kind, "group": s.group, "value": values[s.name], "default": s.default,
                 "description": s.description, "minimum": s.minimum, "maximum": s.maximum} for s in SETTINGS]
    return district_settings_schema.dump({"id": district.id, "name": district.name, "timezone": district.timezone,
                                          "settings": settings, "may_change": admin.school_id is None})
