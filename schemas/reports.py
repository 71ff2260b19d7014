"""Reports: the query every report reads (its filters), and the shapes of the answers.

The answers are described for the OpenAPI document; the reports build them as plain dicts
(server/reports/), chart-friendly: lists of records, each carrying its own n.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.exports import EARLIEST, LATEST, ExportFiltersSchema

FORMATS = ("json", "csv")
MAX_DAYS = 3650
DAYS = validate.Range(EARLIEST, LATEST)


class ReportQuerySchema(ExportFiltersSchema):
    """The exports' filters (school, from, to, grade, subject, template: each narrows the
    observations counted), and the answer's format."""

    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "csv: the same figures as one flat table."})


class CoverageQuerySchema(ReportQuerySchema):
    days = fields.Integer(load_default=30, validate=validate.Range(1, MAX_DAYS), metadata={
        "description": "A teacher not visited in this many days, up to `to` (or today), is listed."})


class MyFeedbackQuerySchema(Schema):
    from_ = fields.Date(data_key="from", load_default=None, validate=DAYS)
    to = fields.Date(load_default=None, validate=DAYS)
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))

    @validates_schema
    def from_before_to(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must be on or after `from`.", "to")


report_query_schema = ReportQuerySchema()
coverage_query_schema = CoverageQuerySchema()
my_feedback_query_schema = MyFeedbackQuerySchema()


# --- Answers (described for the OpenAPI document; docs/reports.md explains how to read them) ---

def Count(**kwargs):
    return fields.Integer(required=True, **kwargs)


class LevelSchema(Schema):
    class Meta:
        description = "How many answers (or ratings, or commitments) are at one level."
    level = fields.String(required=True)
    count = Count()


class BinSchema(Schema):
    class Meta:
        description = "One histogram bin: values from `from` (included) to `to` (excluded)."
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)
    count = Count()


class QuartilesSchema(Schema):
    class Meta:
        description = "Smallest value, quartiles (linear interpolation, two decimals) and largest value."
    min = fields.Float(required=True)
    q1 = fields.Float(required=True)
    median = fields.Float(required=True)
    q3 = fields.Float(required=True)
    max = fields.Float(required=True)


class DistributionSchema(Schema):
    class Meta:
        description = ("A distribution with its n: observations and distinct teachers behind it. Categorical "
                       "figures have `levels`; numbers have `quartiles` (null when n is 0) and `histogram`; "
                       "a group's own fields (school_id and school, grade, subject, month, week...) name it.")
    n_observations = Count()
    n_teachers = fields.Integer()
    levels = fields.List(fields.Nested(LevelSchema))
    quartiles = fields.Nested(QuartilesSchema, allow_none=True)
    histogram = fields.List(fields.Nested(BinSchema))
    unreadable = fields.Integer()
    school_id = fields.String(allow_none=True)
    school = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    month = fields.String(allow_none=True)


class ShownFiltersSchema(Schema):
    class Meta:
        description = "The filters the figures were computed with (null: not filtered)."
    school = fields.String(allow_none=True)
    from_ = fields.String(allow_none=True, data_key="from")
    to = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    template = fields.String(allow_none=True)
    days = fields.Integer()


class ReportSchema(Schema):
    class Meta:
        description = "Every report: its name, the filters used, and its own sections (docs/reports.md)."
    report = fields.String(required=True)
    filters = fields.Nested(ShownFiltersSchema, required=True)


class LookForFiguresSchema(Schema):
    class Meta:
        description = "One look-for of a template version, overall and by school, grade, subject and month."
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True)
    levels = fields.List(fields.String())
    unit = fields.String()
    overall = fields.Nested(DistributionSchema, required=True)
    by_school = fields.List(fields.Nested(DistributionSchema), required=True)
    by_grade = fields.List(fields.Nested(DistributionSchema), required=True)
    by_subject = fields.List(fields.Nested(DistributionSchema), required=True)
    by_month = fields.List(fields.Nested(DistributionSchema), required=True)


class TemplateFiguresSchema(Schema):
    class Meta:
        description = "One template version and the observations made with it."
    template_id = fields.String(required=True)
    family_id = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    n_observations = Count()
    n_teachers = Count()
    lookfors = fields.List(fields.Nested(LookForFiguresSchema), required=True)


class LookForsReportSchema(ReportSchema):
    templates = fields.List(fields.Nested(TemplateFiguresSchema), required=True)


class CoverageReportSchema(ReportSchema):
    days = fields.Integer(required=True)
    not_visited = fields.List(fields.Dict(), required=True)
    visits_per_teacher = fields.Dict(required=True)
    weeks = fields.Dict(required=True)
    observers = fields.Dict(required=True)


class FeedbackLoopReportSchema(ReportSchema):
    overall = fields.Dict(required=True)
    by_school = fields.List(fields.Dict(), required=True)


class CoreReportSchema(ReportSchema):
    task_demand = fields.Dict(required=True)
    inference = fields.Dict(required=True)


class MyFeedbackReportSchema(ReportSchema):
    usefulness = fields.Nested(DistributionSchema, required=True)
