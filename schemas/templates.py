"""Look-for templates: what a writer may send to create or edit one, and the shape of a template."""
import re

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from schemas.fields import IdString, Text

LOOKFOR_KINDS = ("yes_no", "count", "scale", "timer", "text")
# The instructional-core fields of an observation that a look-for may stand for, with the values
# each takes (the Capture screen offers the same ones). A bound look-for is that field, asked once:
# its answer is written to the field, not to the observation's look-fors.
CORE_FIELD_LEVELS = {
    "task_demand": ("Recall", "Skill or concept", "Strategic thinking", "Extended thinking"),
}
# \Z, not $: a key with a trailing newline is not a key.
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def distinct(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Each level of a scale must differ from the others.")


def Label(max_length: int, **kwargs) -> fields.String:
    """Text a person reads as a name: 1..max_length characters, not only spaces, storable."""
    return Text(max_length, 1, validate=not_blank, **kwargs)


class NewLookForSchema(Schema):
    """One look-for; `levels` belongs to a scale (2-7 distinct labels) and to no other kind.

    `binds` names an instructional-core field (CORE_FIELD_LEVELS) the look-for stands for; such a
    look-for is a scale whose levels are exactly that field's values, in the same order.
    """

    key = fields.String(required=True, validate=validate.Regexp(
        KEY_PATTERN, error="Use 1-40 lowercase letters, digits or _, starting with a letter."))
    label = Label(300, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LOOKFOR_KINDS))
    levels = fields.List(Label(100), allow_none=True, load_default=None,
                         validate=[validate.Length(2, 7, error="A scale has 2 to 7 levels."), distinct])
    binds = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        tuple(CORE_FIELD_LEVELS),
        error=f"A look-for can stand for one of these fields only: {', '.join(CORE_FIELD_LEVELS)}."))

    @validates_schema
    def levels_fit_kind(self, data, **kwargs):
        if data["kind"] == "scale" and data["levels"] is None:
            raise ValidationError("A scale needs its levels (2 to 7 labels).", "levels")
        if data["kind"] != "scale" and data["levels"] is not None:
            raise ValidationError("Only a scale has levels.", "levels")

    @validates_schema
    def binding_fits_field(self, data, **kwargs):
        if data["binds"] is None:
            return
        values = list(CORE_FIELD_LEVELS[data["binds"]])
        if data["kind"] != "scale":
            raise ValidationError(f"A look-for that stands for {data['binds']} is a scale.", "kind")
        if data["levels"] != values:
            raise ValidationError(
                f"A look-for that stands for {data['binds']} has its values as levels, in this order: "
                f"{', '.join(values)}.", "levels")


class TemplateEditSchema(Schema):
    """The fields a writer sets on a template; a template's school never changes."""

    name = Label(200, required=True)
    problem_of_practice = Text(5000, load_default="")
    lookfors = fields.List(fields.Nested(NewLookForSchema), required=True,
                           validate=validate.Length(1, 60, error="A template has 1 to 60 look-fors."))

    # A schema validator, not @validates: those also run on a list whose items partly failed.
    @validates_schema
    def keys_and_bindings_are_unique(self, data, **kwargs):
        keys, bound, errors = set(), set(), {}
        for index, lookfor in enumerate(data.get("lookfors", ())):
            if lookfor["key"] in keys:
                errors.setdefault(index, {})["key"] = ["Another look-for of this template has this key."]
            keys.add(lookfor["key"])
            if lookfor["binds"] is not None and lookfor["binds"] in bound:
                errors.setdefault(index, {})["binds"] = ["Another look-for of this template stands for this field."]
            bound.add(lookfor["binds"])
        if errors:
            raise ValidationError(errors, "lookfors")


class NewTemplateSchema(TemplateEditSchema):
    # None makes the template district-wide.
    school_id = IdString(load_default=None, allow_none=True)


class LookForSchema(Schema):
    """A look-for as readers get it; `binds` is there only on a look-for bound to a core field."""

    key = fields.String()
    label = fields.String()
    kind = fields.String()
    levels = fields.List(fields.String(), allow_none=True)
    binds = fields.String()

    @post_dump
    def leave_out_no_binding(self, data, **kwargs):
        if data.get("binds") is None:
            data.pop("binds", None)
        return data


class TemplateSchema(Schema):
    id = fields.String()
    family_id = fields.String()
    version = fields.Integer()
    status = fields.String()
    name = fields.String()
    problem_of_practice = fields.String()
    school_id = fields.String(allow_none=True)
    district_id = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    lookfors = fields.List(fields.Nested(LookForSchema))


class TemplateListQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(("published", "draft")))


new_template_schema = NewTemplateSchema()
# A tuple, not True: True would also make each look-for's own fields optional.
template_edit_schema = TemplateEditSchema(partial=("name", "problem_of_practice", "lookfors"))
template_schema = TemplateSchema()
templates_schema = TemplateSchema(many=True)
template_list_query_schema = TemplateListQuerySchema()
