"""schemathesis hooks for the contract run (loaded through SCHEMATHESIS_HOOKS by run_schemathesis.py).

Random ids find nothing but 404s and 422s. These hooks put ids of things the signed-in person may
see into most generated cases, so that the code behind a found object runs too:
- path parameters: observations, templates, people and spare devices of the demo principal;
- POST /api/templates: the principal's school, which they may write templates for;
- POST /api/sync/push: the bearer device's own id, ops about a known observation, and seq numbers
  that continue where the device's last push stopped (set just before sending, so that they
  follow the answers seen so far), so that generated ops reach the sync engine.
The bearer device itself is never revoked or re-enrolled (that would change its token and leave
the rest of the run with 401s). Each choice depends only on the generated value (crc32), never
on Python's per-process hash, so a seeded run stays reproducible.
"""
import json
import os
import uuid
import zlib

import schemathesis

from sync.entities import ENTITIES, UUID_FORM
from sync.hlc import format_hlc

KNOWN = json.loads(open(os.environ["ROUNDS_CONTRACT_KNOWN_IDS"]).read())
DEVICE_ID = os.environ["ROUNDS_CONTRACT_DEVICE_ID"]
# The next seq the server expects from the bearer device, as the last push answer said.
_next_seq = {"value": 1}


def _digest(value) -> int:
    return zlib.crc32(repr(value).encode("utf-8", "surrogatepass"))


def _pick(value, choices: list):
    """One of `choices` for three values in four, else `value` as generated."""
    digest = _digest(value)
    if not choices or digest % 4 == 0:
        return value
    return choices[digest % len(choices)]


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters:
        return path_parameters
    return {name: _pick(value, KNOWN.get(name, [])) for name, value in path_parameters.items()}


@schemathesis.hook
def map_case(context, case):
    if not isinstance(case.body, dict):
        return case
    if case.operation.path == "/api/templates" and case.method.upper() == "POST" and "school_id" in case.body:
        case.body = {**case.body, "school_id": _pick(case.body["school_id"], KNOWN["school_id"])}
    if case.operation.path == "/api/sync/push":
        case.body = {**case.body, "device_id": _pick(case.body.get("device_id"), [DEVICE_ID])}
        if isinstance(case.body.get("ops"), list):
            case.body["ops"] = [_about_a_known_observation(op) for op in case.body["ops"]]
    return case


def _about_a_known_observation(op):
    """Half the objects become well-formed ops (keeping what was generated where it is usable,
    above all `fields`), about a known observation three times in four, so that the entity
    checks and the merge see generated field names and values, not only a refused envelope."""
    if not isinstance(op, dict):
        return op
    digest = _digest(op)
    if digest % 2:
        op = _well_formed(op, digest)
    observation = _pick(op.get("record_id"), KNOWN["observation_id"])
    if op.get("entity") == "observation":
        return {**op, "record_id": observation}
    if isinstance(op.get("fields"), dict):
        return {**op, "fields": {**op["fields"], "observation_id": observation}}
    return op


def _well_formed(op: dict, digest: int) -> dict:
    def usable_id(value):
        return value if isinstance(value, str) and UUID_FORM.match(value) else str(uuid.UUID(int=digest))

    entity = op.get("entity") if op.get("entity") in ENTITIES else sorted(ENTITIES)[digest % len(ENTITIES)]
    base = op.get("base_version")
    fields = op.get("fields") if isinstance(op.get("fields"), dict) and op.get("fields") else {"subject": "Math"}
    return {"op_id": usable_id(op.get("op_id")), "seq": 1, "entity": entity, "record_id": usable_id(op.get("record_id")),
            "base_version": base if type(base) is int and 0 <= base <= 3 else digest % 3,
            "hlc": format_hlc(1_700_000_000_000 + digest % 1_000_000, 0, "contract"), "fields": fields}


@schemathesis.hook
def before_call(context, case, kwargs):
    """Keep the bearer device's token valid and its pushes in seq order."""
    path = case.operation.path
    if path == "/api/devices/{device_id}" and (case.path_parameters or {}).get("device_id") == DEVICE_ID:
        case.path_parameters = {**case.path_parameters, "device_id": KNOWN["device_id"][0]}
    if path == "/api/devices" and isinstance(case.body, dict) and case.body.get("device_id") == DEVICE_ID:
        case.body = {**case.body, "device_id": None}
    if path == "/api/sync/push" and isinstance(case.body, dict) and isinstance(case.body.get("ops"), list):
        seq, numbered = _next_seq["value"], []
        for op in case.body["ops"]:
            if isinstance(op, dict) and type(op.get("seq")) is int:
                op, seq = {**op, "seq": seq}, seq + 1
                # Generated ids repeat (the smallest UUID, mostly); a repeated op_id is refused.
                if isinstance(op.get("op_id"), str) and UUID_FORM.match(op["op_id"]):
                    op["op_id"] = str(uuid.UUID(int=(op["seq"] << 32) | _digest(op)))
            numbered.append(op)
        case.body = {**case.body, "ops": numbered}


@schemathesis.hook
def after_call(context, case, response):
    if case.operation.path != "/api/sync/push" or response.status_code != 200:
        return
    try:
        acked = response.json()["acked_seq"]
    except (ValueError, KeyError, TypeError):
        return
    if type(acked) is int:
        _next_seq["value"] = acked + 1
