"""Sync over HTTP: push ops, pull changes, and what a person needs to see of sync's judgements:
open conflicts and their own rejected ops. Push and pull need an enrolled device's token."""
import json

from flask import request
from sqlalchemy import select

from schemas.sync import pull_query_schema, push_schema
from server.api import api
from server.auth import require_device, require_person
from server.bodies import json_body
from server.device_reports import note_sync
from server.errors import ApiError
from server.extensions import db
from server.models import RejectedOp
from server.sync_conflicts import show_all
from server.sync_feed import read_feed, visible_conflicts_query
from server.sync_push import push
from server.sync_reference import reference_data
from sync import hlc as clocks


@api.post("/sync/push")
def sync_push():
    person, device = require_device()
    body = json_body(push_schema)
    if body["device_id"] != device.id:
        raise ApiError(422, "invalid", "Some fields are not valid.",
                       {"device_id": ["Does not match the device of this token."]})
    # End the read-only transaction of authentication; the push runs in one write transaction
    # (IMMEDIATE on SQLite, so that concurrent pushes queue instead of failing).
    db.session.commit()
    db.session.connection(execution_options={"sqlite_immediate": True})
    response = push(person, device.id, body["ops"])
    note_sync(device.id, body["app_version"], body["unsent"])
    db.session.commit()
    return response


@api.get("/sync/pull")
def sync_pull():
    person, device = require_device()
    query = pull_query_schema.load(request.args)
    device_id = device.id
    changes, cursor, has_more = read_feed(person, query["cursor"], query["limit"])
    response = {"changes": changes, "cursor": cursor, "has_more": has_more, "acked_seq": device.last_seq,
                "server_time": clocks.format_hlc(clocks.now_ms(), 0, clocks.SERVER_NODE)}
    if not has_more:
        response["reference"] = reference_data(person)
    # The pull only read; what the device reported is written in a transaction of its own.
    db.session.commit()
    db.session.connection(execution_options={"sqlite_immediate": True})
    note_sync(device_id, query["app_version"], query["unsent"])
    db.session.commit()
    return response


@api.get("/conflicts")
def list_conflicts():
    """Open conflicts on records the caller may read, with both values and who wrote them."""
    person = require_person()
    conflicts = db.session.scalars(visible_conflicts_query(person)).all()
    return {"conflicts": show_all(conflicts)}


@api.get("/sync/rejected")
def list_rejected():
    """The caller's rejected ops, newest first: the raw op as sent and why it was refused."""
    person = require_person()
    rows = db.session.scalars(select(RejectedOp).where(RejectedOp.person_id == person.id)
                              .order_by(RejectedOp.id.desc()).limit(500)).all()
    return {"rejected": [{"id": r.id, "device_id": r.device_id, "op_id": r.op_id, "op": json.loads(r.payload),
                          "errors": r.errors, "received_at": r.received_at.isoformat()} for r in rows]}
