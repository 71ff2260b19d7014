"""People: signing in, the shape of a person, and what an admin may change."""
from marshmallow import Schema, fields

from schemas.fields import StrictBool, Text

ROLES = ("observer", "teacher", "district_staff", "admin")


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


class PersonUpdateSchema(Schema):
    active = StrictBool(required=True)


login_schema = LoginSchema()
person_schema = PersonSchema()
people_schema = PersonSchema(many=True)
person_update_schema = PersonUpdateSchema()
