"""Enrolling devices, listing them, and revoking a lost one; for admins, a person's devices with
what each last reported."""
from flask import g
from sqlalchemy import delete, select

from schemas.devices import device_revoked_schema, devices_schema, enrol_device_schema, reported_devices_schema
from server import audit
from server.api import api
from server.auth import device_token_hash, new_device_token, require_admin, require_person
from server.authz import administered_people_query, find_visible, managed_devices_query
from server.device_reports import with_reports
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.ids import new_id
from server.models import Device, DeviceReport, Person, PushSubscription
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
        _revoke(device, person)
        db.session.commit()
    return "", 204


@api.get("/admin/people/<person_id>/devices")
def list_persons_devices(person_id: str):
    """A person's devices, revoked ones too, oldest first, each with when it last synced and what
    it reported then: its app version and how many changes it had not sent yet."""
    admin = require_admin()
    person = find_visible(administered_people_query(admin), Person, person_id, "That person")
    devices = db.session.scalars(select(Device).where(Device.person_id == person.id)
                                 .order_by(Device.created_at, Device.id)).all()
    return {"devices": reported_devices_schema.dump(with_reports(devices))}


@api.delete("/admin/people/<person_id>/devices/<device_id>")
def revoke_persons_device(person_id: str, device_id: str):
    """Revoke a person's device (a lost tablet) at once. The answer says what becomes of the
    changes it had not sent: they stay on that tablet and can no longer reach the server."""
    admin = require_admin()
    person = find_visible(administered_people_query(admin), Person, person_id, "That person")
    device = find_visible(select(Device).where(Device.person_id == person.id), Device, device_id, "That device")
    if device.revoked_at is None:
        _revoke(device, admin)
        db.session.commit()
    shown = with_reports([device])[0]
    return device_revoked_schema.dump({"device": shown, "message": _fate_of_unsent(shown["unsent"])})


def _revoke(device: Device, by: Person) -> None:
    device.revoked_at = utcnow()
    drop_subscriptions([device.id])
    report = db.session.get(DeviceReport, device.id)
    audit.record("device_revoked", by, subject=device, via_device=g.device.id if g.device else None,
                 unsent=report.unsent if report else None)


def _fate_of_unsent(unsent: int | None) -> str:
    """What becomes of a revoked device's unsent changes, in plain words."""
    fate = ("Changes not yet sent stay on that tablet and can no longer reach the server; whoever has the "
            "tablet can still save them in a backup file (Account).")
    if unsent is None:
        return f"This tablet is signed out. It never said how many changes it held. {fate}"
    if unsent == 0:
        return "This tablet is signed out. When it last synced, it had sent every change it held."
    return (f"This tablet is signed out. When it last synced, {unsent} change{'s' if unsent != 1 else ''} "
            f"on it had not been sent. {fate}")


def unsent_of_live_devices(person_id: str) -> tuple[int, int]:
    """(changes the person's live devices had not sent when they last synced, as they reported
    them; how many of those devices never reported it)."""
    rows = db.session.execute(select(DeviceReport.unsent).select_from(Device).outerjoin(
        DeviceReport, DeviceReport.device_id == Device.id).where(
        Device.person_id == person_id, Device.revoked_at.is_(None))).scalars().all()
    return sum(n for n in rows if n is not None), sum(1 for n in rows if n is None)


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
