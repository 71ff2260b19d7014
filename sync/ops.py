"""One op on the wire: its envelope (who, where, which order) around the entity's fields."""
from dataclasses import dataclass

from sync import hlc as clocks
from sync.entities import ENTITIES, FieldError, field_label, uuid_value

ENVELOPE = frozenset({"op_id", "seq", "entity", "record_id", "base_version", "hlc", "fields", "resolve_conflict"})
MAX_SEQ = 2**62


@dataclass(frozen=True)
class Op:
    op_id: str
    seq: int
    entity: str
    record_id: str
    base_version: int
    hlc: str
    fields: dict
    resolve_conflict: str | None
    raw: dict


def op_seq(raw) -> int | None:
    """The op's seq if it is a usable one (a whole number >= 1), else None."""
    seq = raw.get("seq") if isinstance(raw, dict) else None
    if isinstance(seq, int) and not isinstance(seq, bool) and 1 <= seq <= MAX_SEQ:
        return seq
    return None


def read_op(raw) -> tuple[Op | None, dict]:
    """Check an op's envelope. Returns (Op, {}) or (None, {name: [messages]}).

    `Op.fields` is the raw `fields` object: which fields are required depends on whether the
    record exists, which only the server knows, so the caller checks them with
    `sync.entities.Entity.validate(fields, creating=...)`."""
    if not isinstance(raw, dict):
        return None, {"op": ["Each op must be an object."]}
    errors = {field_label(name): ["Unknown field."] for name in raw.keys() - ENVELOPE}
    values = {}
    for name in ("op_id", "record_id"):
        try:
            values[name] = uuid_value(raw.get(name))
        except FieldError as error:
            errors[name] = ["Required." if name not in raw else str(error)]
    values["seq"] = op_seq(raw)
    if values["seq"] is None:
        errors["seq"] = ["Must be a whole number from 1 upwards."]
    base = raw.get("base_version")
    if isinstance(base, bool) or not isinstance(base, int) or not 0 <= base <= MAX_SEQ:
        errors["base_version"] = ["Must be a whole number from 0 upwards (0 for a create)."]
    entity = raw.get("entity")
    if not isinstance(entity, str) or entity not in ENTITIES:
        errors["entity"] = [f"Must be one of: {', '.join(ENTITIES)}."]
    try:
        clocks.parse(raw.get("hlc"))
    except ValueError as error:
        errors["hlc"] = [str(error)]
    if not isinstance(raw.get("fields"), dict) or not raw["fields"]:
        errors["fields"] = ["Must be an object with at least one field."]
    resolve = raw.get("resolve_conflict")
    if resolve is not None:
        try:
            resolve = uuid_value(resolve)
        except FieldError as error:
            errors["resolve_conflict"] = [str(error)]
    if errors:
        return None, errors
    return Op(op_id=values["op_id"], seq=values["seq"], entity=entity, record_id=values["record_id"],
              base_version=base, hlc=raw["hlc"], fields=raw["fields"], resolve_conflict=resolve, raw=raw), {}
