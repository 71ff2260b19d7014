"""Marshmallow schemas of the answers the API builds by hand, for the OpenAPI document only.

The handlers return dicts for these (a person plus a CSRF token, lists wrapped in an object, the
sync answers); server/openapi.py turns these schemas into the document's components, beside
those of schemas/ that the handlers dump with. tests/test_openapi.py checks real answers against
them, and the schemathesis run in CI checks every answer it gets.
"""
from marshmallow import Schema, fields, validate

from schemas.devices import DeviceSchema
from schemas.judgment_words import JudgmentPatternSchema
from schemas.observations import ObservationSchema
from schemas.people import ROLES, PersonSchema
from schemas.templates import TemplateSchema
from sync.entities import ENTITIES

ENTITY_NAMES = tuple(ENTITIES)
OP_STATUSES = ("applied", "conflict", "duplicate", "mismatch", "rejected")


def Messages(**kwargs) -> fields.Dict:
    """{field: [message, ...]}; nested objects for nested data (keyed by index or line number)."""
    return fields.Dict(keys=fields.String(), **kwargs)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable, machine-readable reason."})
    message = fields.String(required=True, metadata={"description": "What went wrong, for a person."})
    fields_ = Messages(required=True, data_key="fields",
                       metadata={"description": "Each bad field's messages; {} when no field is to blame."})


class ErrorSchema(Schema):
    """The one error shape of every 4xx and 5xx answer."""
    error = fields.Nested(ErrorDetailSchema, required=True)


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok"]))
    database = fields.String(required=True, validate=validate.OneOf(["reachable"]))


class MeSchema(PersonSchema):
    """The signed-in person, and the CSRF token that cookie-authenticated writes send back."""
    csrf_token = fields.String(required=True, allow_none=True, metadata={
        "description": "Send it as X-CSRF-Token on writes made with the session cookie; null when "
                       "the caller authenticated with a device token."})


class EnrolledDeviceSchema(Schema):
    device_id = fields.String(required=True)
    token = fields.String(required=True, metadata={
        "description": "The device's bearer token. It is shown only in this answer."})
    name = fields.String(required=True)


class DeviceListSchema(Schema):
    devices = fields.List(fields.Nested(DeviceSchema), required=True)


class PeopleListSchema(Schema):
    people = fields.List(fields.Nested(PersonSchema), required=True)


class RosterCountsSchema(Schema):
    schools_created = fields.Integer(required=True)
    people_created = fields.Integer(required=True)
    people_updated = fields.Integer(required=True)


class ObservationListSchema(Schema):
    observations = fields.List(fields.Nested(ObservationSchema), required=True)


class TemplateListSchema(Schema):
    templates = fields.List(fields.Nested(TemplateSchema), required=True)


class ConflictSideSchema(Schema):
    value = fields.Raw(required=True, allow_none=True, metadata={"description": "The field's value on this side."})
    by = fields.String(required=True, allow_none=True, metadata={"description": "Id of the person who wrote it."})
    by_name = fields.String(required=True, allow_none=True)
    device_id = fields.String(required=True)
    op_id = fields.String(required=True)
    hlc = fields.String(required=True)


class ConflictSchema(Schema):
    """Two concurrent writes of one field: the value kept and the one it replaced."""
    id = fields.String(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(ENTITY_NAMES))
    record_id = fields.String(required=True)
    observation_id = fields.String(required=True)
    field = fields.String(required=True)
    kept = fields.Nested(ConflictSideSchema, required=True)
    lost = fields.Nested(ConflictSideSchema, required=True)
    created_at = fields.DateTime(required=True)


class ConflictListSchema(Schema):
    conflicts = fields.List(fields.Nested(ConflictSchema), required=True)


class OpResultSchema(Schema):
    """What became of one op: `version` and `conflicts` for applied ones, `errors` for refused ones."""
    op_id = fields.Raw(required=True, allow_none=True, metadata={
        "description": "The op's op_id as sent (null when the op had none)."})
    status = fields.String(required=True, validate=validate.OneOf(OP_STATUSES))
    version = fields.Integer()
    conflicts = fields.List(fields.Nested(ConflictSchema))
    errors = Messages()
    clamped_hlc = fields.String(metadata={
        "description": "The op's clock as applied, when it ran too far ahead of the server's."})


class PushAnswerSchema(Schema):
    acked_seq = fields.Integer(required=True, metadata={
        "description": "Every op of this device up to this seq is applied or refused for good."})
    server_time = fields.String(required=True, metadata={"description": "The server's hybrid logical clock."})
    expected_seq = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The seq the server needs next when this push skipped one; null otherwise."})
    results = fields.List(fields.Nested(OpResultSchema), required=True)


class ChangeSchema(Schema):
    """A record's current state at its feed position, or `gone: true` (and no data) for a record
    the reader may no longer see."""
    entity = fields.String(required=True, validate=validate.OneOf(ENTITY_NAMES))
    record_id = fields.String(required=True)
    position = fields.Integer(required=True)
    version = fields.Integer()
    data = fields.Dict(metadata={"description": "The record's wire fields (docs/sync.md)."})
    conflicts = fields.List(fields.Nested(ConflictSchema))
    gone = fields.Boolean(validate=validate.OneOf([True]))


class ReferenceSchoolSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)


class ReferencePersonSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    school_id = fields.String(required=True, allow_none=True)


class ReferenceJudgmentWordsSchema(Schema):
    """The district's judgment words (version 0: the default), for the hint on Capture."""
    version = fields.Integer(required=True)
    language = fields.String(required=True)
    patterns = fields.List(fields.Nested(JudgmentPatternSchema), required=True)


class ReferenceSchema(Schema):
    """What a device needs offline: the caller's schools, their people, the published templates."""
    schools = fields.List(fields.Nested(ReferenceSchoolSchema), required=True)
    people = fields.List(fields.Nested(ReferencePersonSchema), required=True)
    templates = fields.List(fields.Nested(TemplateSchema), required=True)
    judgment_words = fields.Nested(ReferenceJudgmentWordsSchema, required=True)


class PullAnswerSchema(Schema):
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    cursor = fields.Integer(required=True, metadata={"description": "Send it as `cursor` on the next pull."})
    has_more = fields.Boolean(required=True)
    acked_seq = fields.Integer(required=True)
    server_time = fields.String(required=True)
    reference = fields.Nested(ReferenceSchema, metadata={"description": "Only on the last page (has_more false)."})


class RejectedOpSchema(Schema):
    id = fields.Integer(required=True)
    device_id = fields.String(required=True)
    op_id = fields.Raw(required=True, allow_none=True)
    op = fields.Raw(required=True, allow_none=True, metadata={"description": "The op exactly as it was sent."})
    errors = Messages(required=True)
    received_at = fields.DateTime(required=True)


class RejectedListSchema(Schema):
    rejected = fields.List(fields.Nested(RejectedOpSchema), required=True)


class PushKeySchema(Schema):
    public_key = fields.String(required=True, metadata={"description": "The VAPID public key, base64url."})


class SubscriptionIdSchema(Schema):
    id = fields.String(required=True)


class PushKindSchema(Schema):
    kind = fields.String(required=True)
    label = fields.String(required=True)


class PushPreferencesAnswerSchema(Schema):
    push_off = fields.List(fields.String(), required=True)
    kinds = fields.List(fields.Nested(PushKindSchema), required=True)


class InboxItemSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    observation_id = fields.String(required=True, allow_none=True)
    text = fields.String(required=True)
    created_at = fields.String(required=True)
    read_at = fields.String(required=True, allow_none=True)


class InboxSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema), required=True)
    unread = fields.Integer(required=True)


class UnreadSchema(Schema):
    unread = fields.Integer(required=True)


class PushProblemSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(["paused", "dead", "failed"]))
    kind = fields.String(required=True)
    person = fields.String(required=True)
    device = fields.String(required=True)
    attempts = fields.Integer(required=True)
    last_status = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)


class PushProblemListSchema(Schema):
    problems = fields.List(fields.Nested(PushProblemSchema), required=True)


class PersonNameSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class TemplateVersionSchema(Schema):
    """One version of a family as its history lists it; who made and who published it, when known."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    name = fields.String(required=True)
    school_id = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    published_at = fields.DateTime(required=True, allow_none=True)
    created_by = fields.Nested(PersonNameSchema, required=True, allow_none=True)
    published_by = fields.Nested(PersonNameSchema, required=True, allow_none=True)


class TemplateVersionsSchema(Schema):
    family_id = fields.String(required=True)
    versions = fields.List(fields.Nested(TemplateVersionSchema), required=True)
