"""People for admins: list those in my scope, deactivate and reactivate them."""

from schemas.people import people_schema, person_schema, person_update_schema
from server import audit
from server.api import api
from server.api.devices import revoke_all_devices
from server.auth import require_role
from server.authz import administered_people_query, find_visible
from server.browser_sessions import end_all_sessions
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.models import Person


@api.get("/admin/people")
def list_people():
    admin = require_role("admin")
    people = db.session.scalars(administered_people_query(admin).order_by(Person.name)).all()
    return {"people": people_schema.dump(people)}


@api.patch("/admin/people/<person_id>")
def update_person(person_id: str):
    """Deactivating a person signs them out everywhere: every browser session and device token
    fails at once, and reactivating them brings none back."""
    admin = require_role("admin")
    person = find_visible(administered_people_query(admin), Person, person_id, "That person")
    data = json_body(person_update_schema)
    if person.id == admin.id and not data["active"]:
        raise ApiError(422, "invalid", "You cannot deactivate yourself.", {"active": ["Ask another admin."]})
    if person.active != data["active"]:
        person.active = data["active"]
        revoked = 0 if person.active else revoke_all_devices(person.id)
        ended = 0 if person.active else end_all_sessions(person.id)
        audit.record("person_activated" if person.active else "person_deactivated", admin,
                     subject=person, devices_revoked=revoked, sessions_ended=ended)
        db.session.commit()
    return person_schema.dump(person)
