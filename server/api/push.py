"""Web push: the server's public key, a device's subscription, and the person's push choices.

A subscription belongs to the enrolled device that sent it (bearer token), so revoking the device
drops it (deliveries check the device) and nobody can subscribe for someone else.
"""
from flask import current_app
from sqlalchemy import delete, select

from schemas.push import endpoint_schema, preferences_schema, subscription_schema
from server.api import api
from server.auth import require_admin, require_device, require_person
from server.authz import administered_people_query
from server.bodies import json_body
from server.errors import ApiError
from server.extensions import db
from server.ids import new_id
from server.models import KINDS, Device, Notification, Person, PushDelivery, PushSubscription
from server.models.types import utcnow
from server.push_endpoints import endpoint_problem
from server.vapid import VapidConfigError, public_key_b64url

# What Account shows beside each kind a person can turn off.
KIND_LABELS = {
    "feedback_released": "New feedback for you",
    "feedback_acknowledged": "A teacher acknowledged your feedback",
    "feedback_rated": "A teacher rated your feedback",
    "support_requested": "A teacher asked for the support you offered",
    "support_kept": "Support offered to you was marked as kept",
    "support_confirmed": "A teacher confirmed whether your support happened",
    "digest": "The morning digest of reminders",
}


@api.get("/push/key")
def push_key():
    """The VAPID public key a browser subscribes with (its applicationServerKey)."""
    require_person()
    try:
        return {"public_key": public_key_b64url()}
    except VapidConfigError:
        raise ApiError(503, "push_not_configured", "Web push is not set up on this server; "
                       "notifications still show in the inbox in Rounds.") from None


@api.post("/push/subscriptions")
def subscribe():
    """Keep this device's subscription; the same endpoint again only updates its keys."""
    person, device = require_device()
    data = json_body(subscription_schema)
    problem = endpoint_problem(data["endpoint"], current_app.config["PUSH_ALLOW_LOCAL_ENDPOINTS"])
    if problem:
        raise ApiError(422, "validation_failed", "This push endpoint cannot be used.", {"endpoint": [problem]})
    existing = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"]))
    if existing is not None and existing.device_id != device.id:
        # A browser's endpoint is its own; another device sending it means the tablet changed hands
        # (or someone copied it): the newest sender keeps it, and the old one's deliveries go.
        db.session.delete(existing)
        db.session.flush()
        existing = None
    if existing is None:
        existing = PushSubscription(id=new_id(), endpoint=data["endpoint"], created_at=utcnow())
        db.session.add(existing)
    existing.person_id, existing.device_id = person.id, device.id
    existing.p256dh, existing.auth = data["keys"]["p256dh"], data["keys"]["auth"]
    existing.updated_at = utcnow()
    db.session.commit()
    return {"id": existing.id}, 201


@api.delete("/push/subscriptions")
def unsubscribe():
    """Forget this device's subscription (the browser unsubscribed or notifications were turned off)."""
    _person, device = require_device()
    data = json_body(endpoint_schema)
    db.session.execute(delete(PushSubscription).where(PushSubscription.endpoint == data["endpoint"],
                                                      PushSubscription.device_id == device.id))
    db.session.commit()
    return "", 204


@api.get("/push/preferences")
def get_preferences():
    person = require_person()
    return {"push_off": list(person.push_off or []),
            "kinds": [{"kind": kind, "label": label} for kind, label in KIND_LABELS.items()]}


@api.put("/push/preferences")
def put_preferences():
    """Which kinds are not pushed to this person; the inbox always has everything."""
    person = require_person()
    data = json_body(preferences_schema)
    person.push_off = sorted(set(data["push_off"]) & set(KINDS))
    db.session.commit()
    return get_preferences()


# Deliveries an admin must see: the push service refused our configuration (paused) or every try
# failed (dead), for the people they administer.
PROBLEM_STATES = ("paused", "dead", "failed")


@api.get("/admin/push/problems")
def push_problems():
    """Pushes that did not go out and will not by themselves, newest first, with the push
    service's answer: what an admin needs to fix VAPID settings or tell someone to re-allow."""
    admin = require_admin()
    people = administered_people_query(admin).with_only_columns(Person.id)
    rows = db.session.execute(
        select(PushDelivery, Notification.kind, Person.name, Device.name.label("device_name"))
        .join(Notification, Notification.id == PushDelivery.notification_id)
        .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .join(Person, Person.id == PushSubscription.person_id)
        .join(Device, Device.id == PushSubscription.device_id)
        .where(PushDelivery.state.in_(PROBLEM_STATES), PushSubscription.person_id.in_(people))
        .order_by(PushDelivery.created_at.desc(), PushDelivery.id.desc()).limit(200)).all()
    return {"problems": [{"state": d.state, "kind": kind, "person": name, "device": device_name,
                          "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error,
                          "created_at": d.created_at.isoformat()} for d, kind, name, device_name in rows]}
