"""People for admins: list those in my scope, read one, add one, change one (name, roles, school, active),
and make a one-time link for them to set a password; and the public route that link leads to."""
from flask import request

from schemas.people import (new_person_schema, password_link_schema, people_schema, person_changed_schema,
                            person_schema, person_update_schema, set_password_schema)
from server import audit
from server.api import api
from server.api.devices import revoke_all_devices, unsent_of_live_devices
from server.auth import require_admin
from server.authz import administered_people_query, find_visible
from server.browser_sessions import end_all_sessions
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.models import District, Person, School
from server.password_links import claim, drop_links, make_link
from server.passwords import hash_password
from server.roster import _scope_problems

# What the roster import refuses (server.roster decides), said as field errors of this API.
REFUSED_COLUMNS = {"school": ("school_id", "Outside the schools you administer."),
                   "email": ("email", "This person is outside the schools you administer."),
                   "roles": ("roles", "You cannot remove your own admin role.")}


@api.get("/admin/people")
def list_people():
    admin = require_admin()
    people = db.session.scalars(administered_people_query(admin).order_by(Person.name)).all()
    return {"people": people_schema.dump(people)}


@api.get("/admin/people/<person_id>")
def get_person(person_id: str):
    """One person the admin administers; anyone else, of another school or district, is a 404."""
    admin = require_admin()
    return person_schema.dump(find_visible(administered_people_query(admin), Person, person_id, "That person"))


@api.post("/admin/people")
def add_person():
    """Add a person to the admin's district, by the rules of a roster row the admin imports: a
    school admin adds people of their school only. They sign in once they have set a password
    through a one-time link (POST /api/admin/people/<id>/password-link)."""
    admin = require_admin()
    data = json_body(new_person_schema)
    school = _placed(admin, data, None, data["roles"], data["school_id"])
    if Person.by_email(data["email"]) is not None:
        raise _invalid({"email": ["A person with this email already exists."]})
    person = Person(district_id=admin.district_id, school_id=school.id if school else None, name=data["name"],
                    email=data["email"], active=True)
    person.set_roles(data["roles"])
    db.session.add(person)
    db.session.flush()
    audit.record("person_created", admin, subject=person, email=person.email, roles=person.roles,
                 school_id=person.school_id)
    db.session.commit()
    return person_schema.dump(person), 201


@api.patch("/admin/people/<person_id>")
def update_person(person_id: str):
    """Change a person's name, roles, school or active flag (those given), within the admin's
    scope. New roles end the person's browser sessions. Deactivating a person signs them out
    everywhere: every browser session and device token fails at once (reactivating brings none
    back), and the answer's `effect` says how many tablets that was and how many changes they had
    not sent when they last synced."""
    admin = require_admin()
    person = find_visible(administered_people_query(admin), Person, person_id, "That person")
    data = json_body(person_update_schema)
    if person.id == admin.id and data.get("active") is False:
        raise _invalid({"active": ["You cannot deactivate yourself; ask another admin."]})
    roles = data.get("roles", person.roles)
    school_id = data["school_id"] if "school_id" in data else person.school_id
    school = _placed(admin, data, person, roles, school_id)
    changes = {}
    if data.get("name", person.name) != person.name:
        changes["name"], person.name = data["name"], data["name"]
    if school_id != person.school_id:
        changes["school_id"], person.school_id = school_id, school.id if school else None
    if roles != person.roles:
        changes["roles"] = roles
        person.set_roles(roles)
        changes["sessions_ended"] = end_all_sessions(person.id)
    if changes:
        audit.record("person_changed", admin, subject=person, **changes)
    effect = None
    if data.get("active", person.active) != person.active:
        person.active = data["active"]
        effect = None if person.active else _deactivate(person)
        audit.record("person_activated" if person.active else "person_deactivated", admin, subject=person,
                     **({"devices_revoked": effect["devices_revoked"], "sessions_ended": effect["sessions_ended"],
                         "unsent_changes": effect["unsent_changes"]} if effect else {}))
    db.session.commit()
    return person_changed_schema.dump({**person_schema.dump(person), **({"effect": effect} if effect else {})})


@api.post("/admin/people/<person_id>/password-link")
def make_password_link(person_id: str):
    """A one-time link for the person to set their password, valid 72 hours; the person's earlier
    links stop working. The link is in this answer only: give it to the person yourself."""
    admin = require_admin()
    person = find_visible(administered_people_query(admin), Person, person_id, "That person")
    if not person.active:
        raise ApiError(409, "person_inactive", "This person is deactivated; reactivate them first.")
    token, link = make_link(person, admin)
    audit.record("password_link_made", admin, subject=person, expires_at=link.expires_at.isoformat())
    db.session.commit()
    return password_link_schema.dump({"url": f"{request.host_url.rstrip('/')}/#/set-password/{token}",
                                      "person_id": person.id, "expires_at": link.expires_at}), 201


@api.post("/auth/password")
def set_password():
    """Set a password with a one-time link's token (no sign-in needed). The token is used up and
    every browser session of the person ends; their devices keep working. A used, expired or
    unknown token answers 422 `link_not_valid`, always in the same words."""
    data = json_body(set_password_schema)
    person = claim(data["token"], request.remote_addr)
    person.password_hash = hash_password(data["password"])
    ended = end_all_sessions(person.id)
    audit.record("password_set_by_link", person, subject=person, sessions_ended=ended)
    db.session.commit()
    return {"email": person.email, "message": "Your password is set. Sign in with your email and the new password."}


def _placed(admin: Person, data: dict, person: Person | None, roles: list, school_id: str | None) -> School | None:
    """The school (None: district-wide) `person` (None: a new person) would have with `roles`,
    if the admin may place them there with those roles (the roster import's rules), else 422."""
    school = db.session.get(School, school_id) if school_id else None
    if school_id and (school is None or school.district_id != admin.district_id):
        raise _invalid({"school_id": ["Not a school of your district."]})
    if "teacher" in roles and school is None:
        raise _invalid({"school_id": ["A teacher needs a school."]})
    found = {}
    district = db.session.get(District, admin.district_id)
    for column, _message in _scope_problems(admin, district, school, person, {"roles": roles}):
        field, words = REFUSED_COLUMNS[column]
        found.setdefault(field, []).append(words)
    if found:
        raise _invalid(found)
    return school


def _deactivate(person: Person) -> dict:
    """Sign a person out everywhere and say what that did."""
    unsent, not_reporting = unsent_of_live_devices(person.id)
    revoked = revoke_all_devices(person.id)
    drop_links(person.id)
    ended = end_all_sessions(person.id)
    message = (f"{revoked} tablet{'s were' if revoked != 1 else ' was'} signed out."
               + (f" As far as the server knows, {unsent} change{'s' if unsent != 1 else ''} on "
                  f"{'them' if revoked != 1 else 'it'} had not been sent: they stay on the tablet and can no "
                  "longer reach the server." if revoked else "")
               + (f" {not_reporting} of them never said how many changes it held." if not_reporting else ""))
    return {"devices_revoked": revoked, "unsent_changes": unsent, "devices_not_reporting": not_reporting,
            "sessions_ended": ended, "message": message}


def _invalid(fields: dict) -> ApiError:
    return ApiError(422, "invalid", "Some fields are not valid.", fields)
