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


class ReportedDeviceSchema(DeviceSchema):
    """A device as an admin sees it: with what it last reported when it synced (null until then)."""
    last_sync_at = fields.DateTime(allow_none=True)
    app_version = fields.String(allow_none=True)
    unsent = fields.Integer(allow_none=True, metadata={
        "description": "Changes it had not sent yet, as it counted them at unsent_at."})
    unsent_at = fields.DateTime(allow_none=True)


class ReportedDeviceListSchema(Schema):
    devices = fields.List(fields.Nested(ReportedDeviceSchema), required=True)


class DeviceRevokedSchema(Schema):
    device = fields.Nested(ReportedDeviceSchema, required=True)
    message = fields.String(required=True, metadata={"description": "What happens to its unsent changes."})


enrol_device_schema = EnrolDeviceSchema()
device_schema = DeviceSchema()
devices_schema = DeviceSchema(many=True)
reported_devices_schema = ReportedDeviceSchema(many=True)
device_revoked_schema = DeviceRevokedSchema()
