"""People: signing in, the shape of a person, what an admin may change, and setting a password
with a one-time link."""
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from schemas.fields import IdString, StrictBool, Text, storable
from schemas.templates import not_blank

ROLES = ("observer", "teacher", "district_staff", "admin")
# The password rules everywhere a person gets a password (a roster row, create-user, a link).
PASSWORD_MIN, PASSWORD_MAX = 10, 1024
PASSWORD_LENGTH = f"A password needs {PASSWORD_MIN} to {PASSWORD_MAX} characters."


def Password(**kwargs) -> fields.String:
    """A new password: kept exactly as typed, spaces included."""
    return fields.String(validate=[validate.Length(PASSWORD_MIN, PASSWORD_MAX, error=PASSWORD_LENGTH), storable],
                         **kwargs)


class RoleNames(fields.List):
    """One or more of ROLES, loaded sorted and without repeats."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.OneOf(ROLES, error="Unknown role; the roles are "
                                                                      + ", ".join(ROLES) + ".")),
                         validate=validate.Length(1, 16, error="Give at least one role."), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return sorted(set(super()._deserialize(value, attr, data, **kwargs)))


class LoginSchema(Schema):
    email = Text(254, 1, required=True)
    password = Text(1024, 1, required=True)


class PersonSchema(Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String()
    roles = fields.List(fields.String())
    school_id = fields.String(allow_none=True)
    district_id = fields.String()
    active = fields.Boolean()


class NewPersonSchema(Schema):
    """A person an admin adds; `school_id` null makes them district-wide. They sign in once they
    have set a password through a one-time link."""
    name = Text(200, 1, required=True, validate=not_blank)
    email = fields.Email(required=True, validate=[validate.Length(max=254), storable])
    roles = RoleNames(required=True)
    school_id = IdString(load_default=None, allow_none=True)

    @pre_load
    def trim(self, data, **kwargs):
        if isinstance(data, dict):
            data = {key: value.strip() if key in ("name", "email") and isinstance(value, str) else value
                    for key, value in data.items()}
        return data

    @post_load
    def lowercase_email(self, data, **kwargs):
        data["email"] = data["email"].lower()
        return data


class PersonUpdateSchema(Schema):
    """Any of the fields, at least one; those left out keep their values."""
    active = StrictBool()
    name = Text(200, 1, validate=not_blank)
    roles = RoleNames()
    school_id = IdString(allow_none=True)

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one of active, name, roles, school_id.", field_name="_schema")


class SetPasswordSchema(Schema):
    token = Text(200, 1, required=True)
    password = Password(required=True)


class DeactivationEffectSchema(Schema):
    devices_revoked = fields.Integer(required=True)
    unsent_changes = fields.Integer(required=True, metadata={
        "description": "Changes those devices had not sent when they last synced, as they reported them."})
    devices_not_reporting = fields.Integer(required=True, metadata={
        "description": "Revoked devices that never said how many changes they held."})
    sessions_ended = fields.Integer(required=True)
    message = fields.String(required=True)


class PersonChangedSchema(PersonSchema):
    effect = fields.Nested(DeactivationEffectSchema, metadata={"description": "Only when the person was deactivated."})


class PasswordLinkSchema(Schema):
    url = fields.String(required=True, metadata={"description": "Shown this once: only its hash is kept."})
    person_id = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class PasswordSetSchema(Schema):
    email = fields.String(required=True)
    message = fields.String(required=True)


login_schema = LoginSchema()
person_schema = PersonSchema()
people_schema = PersonSchema(many=True)
new_person_schema = NewPersonSchema()
person_update_schema = PersonUpdateSchema()
person_changed_schema = PersonChangedSchema()
set_password_schema = SetPasswordSchema()
password_link_schema = PasswordLinkSchema()
