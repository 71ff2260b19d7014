"""The shape of an observation as a reader sees it: the record, its evidence and its feedback."""
from marshmallow import Schema, fields, validate


class EvidenceNoteSchema(Schema):
    id = fields.String()
    observation_id = fields.String()
    author_id = fields.String()
    element = fields.String()
    text = fields.String()
    at = fields.DateTime()
    is_inference = fields.Boolean()


class FeedbackSchema(Schema):
    id = fields.String()
    observation_id = fields.String()
    glow = fields.String()
    wonder = fields.String()
    next_step = fields.String()
    support_commitment = fields.String()
    support_due = fields.Date(allow_none=True)
    released = fields.Boolean()
    acknowledged_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)
    reflection = fields.String()
    usefulness = fields.Integer(allow_none=True)
    support_requested_at = fields.DateTime(allow_none=True)
    support_kept_at = fields.DateTime(allow_none=True)
    support_kept_note = fields.String()
    support_confirmed = fields.String(allow_none=True)
    version = fields.Integer()


class ObservationSchema(Schema):
    id = fields.String()
    school_id = fields.String()
    teacher_id = fields.String()
    observer_id = fields.String()
    template_id = fields.String(allow_none=True)
    template_version = fields.Integer(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    grade = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    segment = fields.String(allow_none=True)
    students_present = fields.Integer(allow_none=True)
    teacher_doing = fields.String()
    students_doing = fields.String()
    task = fields.String()
    task_demand = fields.String(allow_none=True)
    lookfors = fields.Dict()
    status = fields.String()
    deleted = fields.Boolean()
    co_observation_id = fields.String(allow_none=True)
    version = fields.Integer()
    notes = fields.List(fields.Nested(EvidenceNoteSchema))
    feedback = fields.Nested(FeedbackSchema, allow_none=True)


class ObservationListQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    # Databases take a 64-bit signed offset; a larger one would fail there instead of here.
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 2**63 - 1))


observation_schema = ObservationSchema()
observation_list_query_schema = ObservationListQuerySchema()
