"""Sync requests: the envelope of a push and the query of a pull. Each op inside a push is checked
by sync.ops, one by one, so that one bad op never blocks the others."""
from marshmallow import Schema, fields, validate

from schemas.fields import IdString

MAX_OPS_PER_PUSH = 1000
MAX_PULL_LIMIT = 1000
# Change-feed positions are 64-bit signed integers in every database.
MAX_POSITION = 2**63 - 1


class PushSchema(Schema):
    device_id = IdString(required=True)
    ops = fields.List(fields.Raw(allow_none=True), required=True,
                      validate=validate.Length(max=MAX_OPS_PER_PUSH))


class PullQuerySchema(Schema):
    cursor = fields.Integer(load_default=0, validate=validate.Range(0, MAX_POSITION))
    limit = fields.Integer(load_default=500, validate=validate.Range(1, MAX_PULL_LIMIT))


push_schema = PushSchema()
pull_query_schema = PullQuerySchema()
