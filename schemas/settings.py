"""A district's own settings and its schools, as district admins read and change them. Which
settings there are and what each accepts is server.settings' table; here, only the shapes."""
from marshmallow import Schema, ValidationError, fields, pre_load, validates_schema

from schemas.fields import Text
from schemas.roster import timezone_name
from schemas.templates import not_blank

TIMEZONE = "An IANA time zone name such as America/Chicago."


def _trimmed_name(data):
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        data = {**data, "name": data["name"].strip()}
    return data


def _at_least_one(data: dict, names: str) -> None:
    if not data:
        raise ValidationError(f"Give at least one of {names}.", field_name="_schema")


class SettingSchema(Schema):
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["flag", "clock", "count", "weekdays"]})
    group = fields.String(required=True, metadata={"enum": ["feedback_loop", "privacy"]})
    value = fields.Raw(required=True, metadata={"description": "The district's value, else the default."})
    default = fields.Raw(required=True)
    description = fields.String(required=True)
    minimum = fields.Integer(allow_none=True, required=True)
    maximum = fields.Integer(allow_none=True, required=True)


class DistrictSettingsSchema(Schema):
    """The district as its admins see it. `may_change` is false for a school admin, who reads
    these but changes only their own school (PATCH /api/admin/schools/<id>)."""
    id = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    settings = fields.List(fields.Nested(SettingSchema), required=True)
    may_change = fields.Boolean(required=True)


class DistrictUpdateSchema(Schema):
    """Any of the fields, at least one. `settings` holds only the settings to change, each
    checked on its own (an unknown name is a field error); those left out keep their values."""
    name = Text(200, 1, validate=not_blank)
    timezone = fields.String(validate=timezone_name, metadata={"description": TIMEZONE})
    settings = fields.Dict(keys=fields.String(), metadata={
        "description": "Setting name to its new value; GET /api/admin/settings lists the names, kinds and bounds."})

    @pre_load
    def trim(self, data, **kwargs):
        return _trimmed_name(data)

    @validates_schema
    def something(self, data, **kwargs):
        _at_least_one(data, "name, timezone, settings")


class SchoolSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(allow_none=True, required=True,
                             metadata={"description": "Null: the district's time zone applies."})
    effective_timezone = fields.String(required=True)


class SchoolListSchema(Schema):
    schools = fields.List(fields.Nested(SchoolSchema), required=True)


class NewSchoolSchema(Schema):
    """A school of the admin's district; `timezone` null or left out: the district's applies."""
    name = Text(200, 1, required=True, validate=not_blank)
    timezone = fields.String(load_default=None, allow_none=True, validate=timezone_name,
                             metadata={"description": TIMEZONE})

    @pre_load
    def trim(self, data, **kwargs):
        return _trimmed_name(data)


class SchoolUpdateSchema(Schema):
    """Any of the fields, at least one; `timezone` null returns the school to the district's."""
    name = Text(200, 1, validate=not_blank)
    timezone = fields.String(allow_none=True, validate=timezone_name, metadata={"description": TIMEZONE})

    @pre_load
    def trim(self, data, **kwargs):
        return _trimmed_name(data)

    @validates_schema
    def something(self, data, **kwargs):
        _at_least_one(data, "name, timezone")


district_settings_schema = DistrictSettingsSchema()
district_update_schema = DistrictUpdateSchema()
school_schema = SchoolSchema()
school_list_schema = SchoolListSchema()
new_school_schema = NewSchoolSchema()
school_update_schema = SchoolUpdateSchema()
