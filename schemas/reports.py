"""Reports: the query every report reads (its filters), and the shapes of the answers.

The answers are described for the OpenAPI document; the reports build them as plain dicts
(server/reports/), chart-friendly: lists of records, each carrying its own n.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.fields import IdString, Text

FORMATS = ("json", "csv")
MAX_DAYS = 3650


class ReportQuerySchema(Schema):
    """Filters common to every district report; each narrows the observations counted."""

    school = IdString(load_default=None)
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "First day of visits counted (UTC), inclusive."})
    to = fields.Date(load_default=None, metadata={"description": "Last day of visits counted (UTC), inclusive."})
    grade = Text(32, 1, load_default=None)
    subject = Text(100, 1, load_default=None)
    template = IdString(load_default=None, metadata={"description": "One template version's id."})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "csv: the same figures as one flat table."})

    @validates_schema
    def from_before_to(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must be on or after `from`.", "to")


class CoverageQuerySchema(ReportQuerySchema):
    days = fields.Integer(load_default=30, validate=validate.Range(1, MAX_DAYS), metadata={
        "description": "A teacher not visited in this many days, up to `to` (or today), is listed."})


class MyFeedbackQuerySchema(Schema):
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))

    @validates_schema
    def from_before_to(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must be on or after `from`.", "to")


report_query_schema = ReportQuerySchema()
coverage_query_schema = CoverageQuerySchema()
my_feedback_query_schema = MyFeedbackQuerySchema()
