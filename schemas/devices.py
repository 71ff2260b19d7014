"""Devices: enrolment requests and the shape of a device."""
from marshmallow import Schema, fields

from schemas.fields import IdString, Text


class EnrolDeviceSchema(Schema):
    device_id = IdString(load_default=None)
    name = Text(100, load_default="")


class DeviceSchema(Schema):
    id = fields.String()
    name = fields.String()
    person_id = fields.String()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


enrol_device_schema = EnrolDeviceSchema()
device_schema = DeviceSchema()
devices_schema = DeviceSchema(many=True)
