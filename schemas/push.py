"""Web push: a browser's subscription, the per-person push choices, inbox read marks."""
from marshmallow import Schema, fields, validate

from schemas.fields import IdString, Text
from server.models.notify import KINDS


class SubscriptionKeysSchema(Schema):
    # A P-256 public key (65 bytes) and a 16-byte secret, base64url: 87 and 22 characters.
    p256dh = Text(200, 80, required=True)
    auth = Text(100, 16, required=True)


class SubscriptionSchema(Schema):
    """What PushSubscription.toJSON() gives in the browser (expirationTime is ignored)."""

    endpoint = Text(2048, 1, required=True)
    keys = fields.Nested(SubscriptionKeysSchema, required=True)
    expirationTime = fields.Raw(load_default=None, allow_none=True)


class EndpointSchema(Schema):
    endpoint = Text(2048, 1, required=True)


class PreferencesSchema(Schema):
    push_off = fields.List(fields.String(validate=validate.OneOf(sorted(KINDS))), required=True,
                           validate=validate.Length(max=len(KINDS)))


class ReadMarksSchema(Schema):
    ids = fields.List(IdString(), required=True, validate=validate.Length(max=500))


subscription_schema = SubscriptionSchema()
endpoint_schema = EndpointSchema()
preferences_schema = PreferencesSchema()
read_marks_schema = ReadMarksSchema()
