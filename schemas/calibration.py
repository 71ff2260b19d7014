"""The answers of calibration (GET /api/calibration, GET /api/reports/calibration): what each
figure holds, as server.rounds.calibration builds it. Used for the OpenAPI document."""
from marshmallow import Schema, fields, validate

from schemas.reports import ReportSchema


class FigureSchema(Schema):
    class Meta:
        description = "One agreement figure: its value (null when it cannot be computed) and the n it rests on."
    value = fields.Float(required=True, allow_none=True)
    n = fields.Integer(required=True)


class LookForNamesSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("yes_no", "scale", "count", "timer")))
    levels = fields.List(fields.String(), required=True, allow_none=True)


class PairFiguresSchema(Schema):
    class Meta:
        description = "The caller and one partner on one look-for: exact (and for scales adjacent) agreement, Cohen's kappa."
    observer_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    n = fields.Integer(required=True)
    exact = fields.Nested(FigureSchema, required=True)
    adjacent = fields.Nested(FigureSchema, metadata={"description": "Scales only."})
    kappa = fields.Nested(FigureSchema, required=True)
    reading = fields.String(required=True)


class LookForAgreementSchema(LookForNamesSchema):
    class Meta:
        description = ("Agreement on one look-for over co-observed lessons: n lessons rated by two or more, "
                       "exact (and for scales adjacent) agreement over pairs within a lesson, Krippendorff's alpha.")
    level_of_measurement = fields.String(required=True, validate=validate.OneOf(("nominal", "ordinal", "interval")))
    n = fields.Integer(required=True)
    exact = fields.Nested(FigureSchema, required=True)
    adjacent = fields.Nested(FigureSchema, metadata={"description": "Scales only."})
    alpha = fields.Nested(FigureSchema, required=True)
    reading = fields.String(required=True)


class MyLookForAgreementSchema(LookForAgreementSchema):
    partners = fields.List(fields.Nested(PairFiguresSchema), required=True)


class MemberValueSchema(Schema):
    observer_id = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True)


class VisitLookForSchema(LookForNamesSchema):
    closeness = fields.String(required=True, allow_none=True,
                              validate=validate.OneOf(("same", "next_level", "different")))
    values = fields.List(fields.Nested(MemberValueSchema), required=True)


class VisitObserverSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    you = fields.Boolean(required=True)


class CoObservationSchema(Schema):
    class Meta:
        description = "One co-observed lesson whose walkthroughs are all submitted, with every member's answers."
    co_observation_id = fields.String(required=True)
    observation_id = fields.String(required=True, metadata={"description": "The caller's own walkthrough."})
    started_at = fields.String(required=True, allow_none=True)
    school_name = fields.String(required=True, allow_none=True)
    teacher_name = fields.String(required=True, allow_none=True)
    observers = fields.List(fields.Nested(VisitObserverSchema), required=True)
    lookfors = fields.List(fields.Nested(VisitLookForSchema), required=True)


class MyCalibrationSchema(Schema):
    co_observations = fields.List(fields.Nested(CoObservationSchema), required=True)
    lookfors = fields.List(fields.Nested(MyLookForAgreementSchema), required=True)


class DistrictLookForAgreementSchema(LookForAgreementSchema):
    schools = fields.Integer(required=True, metadata={"description": "Schools whose lessons count here."})


class CalibrationReportSchema(ReportSchema):
    co_observations = fields.Integer(required=True)
    lookfors = fields.List(fields.Nested(DistrictLookForAgreementSchema), required=True)
