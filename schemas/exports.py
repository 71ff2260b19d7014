"""Query strings of the export and audit routes: filters, format, paging. Only validation here;
what a school or template id refers to is checked against the caller's scope by server.analytics."""
from datetime import date

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from schemas.fields import IdString, Text

EXPORT_FORMATS = ("csv", "jsonl", "zip")
# Far enough from the ends of the calendar that a day's bounds in any timezone are still dates.
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)


class ExportFiltersSchema(Schema):
    """Which submitted observations an export holds; every filter is optional, all must hold."""

    school = IdString(metadata={"description": "Only this school (one of the caller's scope)."})
    from_ = fields.Date(data_key="from", validate=validate.Range(EARLIEST, LATEST),
                        metadata={"description": "Started on or after this day (the district's timezone)."})
    to = fields.Date(validate=validate.Range(EARLIEST, LATEST),
                     metadata={"description": "Started on or before this day (the district's timezone)."})
    grade = Text(32, min_length=1, metadata={"description": "Exactly this grade."})
    subject = Text(100, min_length=1, metadata={"description": "Exactly this subject."})
    template = IdString(metadata={"description": "Only observations made with this template version."})

    @validates_schema
    def from_before_to(self, data, **kwargs):
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ValidationError("Must be on or after `from`.", "to")


class ExportQuerySchema(ExportFiltersSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(EXPORT_FORMATS),
                           metadata={"description": "csv or jsonl (the observations table), or zip "
                                                    "(every table and datapackage.json)."})
    bom = fields.Boolean(load_default=False,
                         metadata={"description": "Start each CSV with a UTF-8 byte-order mark (for Excel)."})
    deidentified = fields.Boolean(load_default=False, metadata={
        "description": "The de-identified export: pseudonyms instead of people, weeks instead of dates, "
                       "lookfor_cells with small cells suppressed (docs/export.md)."})
    free_text = fields.Boolean(load_default=False, metadata={
        "description": "With deidentified=true, include free text (notes, evidence, feedback words) word for "
                       "word; names written in it are not removed."})

    @validates_schema
    def free_text_only_when_deidentified(self, data, **kwargs):
        if data.get("free_text") and not data.get("deidentified"):
            raise ValidationError("Only with deidentified=true: the identified export always holds free text.",
                                  "free_text")


class AuditQuerySchema(Schema):
    """Which audit events, a page at a time. `kind` may be given several times (any of them)."""
    # The kinds an admin may read: sign-in failures, device revocations, roster imports, exports,
    # changes to the district's settings and schools, and changes to people.
    KINDS = ("login_failed", "login_throttled", "device_revoked", "roster_imported", "export", "settings_changed",
             "school_added", "school_changed", "person_created", "person_changed", "person_activated",
             "person_deactivated", "password_link_made")

    kind = fields.List(fields.String(validate=validate.OneOf(KINDS)), validate=validate.Length(1, len(KINDS)),
                       metadata={"description": "Only events of these kinds (repeat the parameter for several)."})
    actor = IdString(metadata={"description": "Only events this person did."})
    from_ = fields.Date(data_key="from", validate=validate.Range(EARLIEST, LATEST),
                        metadata={"description": "On or after this day (the district's time zone)."})
    to = fields.Date(validate=validate.Range(EARLIEST, LATEST),
                     metadata={"description": "On or before this day (the district's time zone)."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.Integer(validate=validate.Range(1, 2**63 - 1),
                            metadata={"description": "`next_cursor` of the previous page."})

    @pre_load
    def every_kind(self, data, **kwargs):
        # A query string repeats a parameter for several values; the others are read once.
        if hasattr(data, "getlist"):
            data = {key: data.getlist(key) if key == "kind" else data[key] for key in data}
        return data

    @validates_schema
    def from_before_to(self, data, **kwargs):
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ValidationError("Must be on or after `from`.", "to")


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    actor_id = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    subject_type = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    subject_name = fields.String(allow_none=True, metadata={"description": "The person, tablet, school or district "
                                                             "the event is about, by its name now."})
    subject_owner_name = fields.String(allow_none=True, metadata={"description": "Whose tablet, for a tablet."})
    detail = fields.Dict()


class AuditListSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema))
    next_cursor = fields.Integer(allow_none=True)


export_filters_schema = ExportFiltersSchema()
export_query_schema = ExportQuerySchema()
audit_query_schema = AuditQuerySchema()
audit_event_schema = AuditEventSchema()
