"""Enrolling devices, listing them, and revoking a lost one."""
from flask import g
from sqlalchemy import delete, select

from schemas.devices import devices_schema, enrol_device_schema
from server import audit
from server.api import api
from server.auth import device_token_hash, new_device_token, require_person
from server.authz import find_visible, managed_devices_query
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.ids import new_id
from server.models import Device, PushSubscription
from server.models.types import utcnow


@api.post("/devices")
def enrol_device():
    """Enrol (or re-enrol) a device for the caller; the token in the answer is never shown again."""
    person = require_person()
    data = json_body(enrol_device_schema)
    device = db.session.get(Device, data["device_id"]) if data["device_id"] else None
    if device is not None and (device.person_id != person.id or device.revoked_at is not None):
        raise ApiError(409, "device_id_taken", "That device id is already used; make a new one.",
                       {"device_id": ["Already enrolled by another account or revoked."]})
    if device is None:
        device = Device(id=data["device_id"] or new_id(), person_id=person.id)
        db.session.add(device)
    token = new_device_token()
    device.token_hash = device_token_hash(token)
    device.name = data["name"]
    audit.record("device_enrolled", person, subject=device)
    db.session.commit()
    return {"device_id": device.id, "token": token, "name": device.name}, 201


@api.get("/devices")
def list_devices():
    """The caller's own devices and, for an admin, those of the people they administer."""
    person = require_person()
    devices = db.session.scalars(managed_devices_query(person).order_by(Device.created_at)).all()
    return {"devices": devices_schema.dump(devices)}


@api.delete("/devices/<device_id>")
def revoke_device(device_id: str):
    person = require_person()
    device = find_visible(managed_devices_query(person), Device, device_id, "That device")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        drop_subscriptions([device.id])
        audit.record("device_revoked", person, subject=device, via_device=g.device.id if g.device else None)
        db.session.commit()
    return "", 204


def revoke_all_devices(person_id: str) -> int:
    """Revoke every live device of a person (in the caller's transaction); returns how many."""
    now = utcnow()
    devices = db.session.scalars(select(Device).where(Device.person_id == person_id,
                                                      Device.revoked_at.is_(None))).all()
    for device in devices:
        device.revoked_at = now
    drop_subscriptions([device.id for device in devices])
    return len(devices)


def drop_subscriptions(device_ids: list) -> None:
    """A revoked device is pushed nothing more (its pending deliveries go with it)."""
    if device_ids:
        db.session.execute(delete(PushSubscription).where(PushSubscription.device_id.in_(device_ids)))
