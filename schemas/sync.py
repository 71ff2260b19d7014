"""Sync requests: the envelope of a push and the query of a pull. Each op inside a push is checked
by sync.ops, one by one, so that one bad op never blocks the others."""
from marshmallow import Schema, fields, validate

from schemas.fields import IdString, StrictInt

MAX_OPS_PER_PUSH = 1000
MAX_PULL_LIMIT = 1000
# Change-feed positions are 64-bit signed integers in every database.
MAX_POSITION = 2**63 - 1
# What a device says of itself with each push and pull, kept for its admins (optional).
MAX_UNSENT = 10**9
APP_VERSION = dict(validate=validate.Regexp(r"[A-Za-z0-9._+-]{1,64}\Z",
                                           error="1 to 64 letters, digits and . _ + - only."), load_default=None,
                   metadata={"description": "The version of the app the device runs."})
UNSENT = dict(validate=validate.Range(0, MAX_UNSENT), load_default=None,
              metadata={"description": "How many changes the device holds that it has not sent (for a push: "
                                       "besides the ops of this push)."})


class PushSchema(Schema):
    device_id = IdString(required=True)
    ops = fields.List(fields.Raw(allow_none=True), required=True,
                      validate=validate.Length(max=MAX_OPS_PER_PUSH))
    app_version = fields.String(allow_none=True, **APP_VERSION)
    unsent = StrictInt(allow_none=True, **UNSENT)


class PullQuerySchema(Schema):
    cursor = fields.Integer(load_default=0, validate=validate.Range(0, MAX_POSITION))
    limit = fields.Integer(load_default=500, validate=validate.Range(1, MAX_PULL_LIMIT))
    app_version = fields.String(**APP_VERSION)
    unsent = fields.Integer(**UNSENT)


push_schema = PushSchema()
pull_query_schema = PullQuerySchema()
