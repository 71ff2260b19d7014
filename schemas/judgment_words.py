"""The judgment-word list of a district, as admins send and read it. Whether each phrase is in the
matcher's language is server.rounds.judgment_words' job; here, only the shapes and sizes."""
from marshmallow import Schema, fields, validate

from schemas.fields import StrictInt, Text
from schemas.templates import not_blank

MAX_PATTERNS = 500
MAX_UNLESS = 20
MAX_PHRASE_CHARS = 100
LANGUAGE = validate.Regexp(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
                           error="A language tag such as en, es or pt-BR.")


class JudgmentPatternSchema(Schema):
    match = Text(MAX_PHRASE_CHARS, 1, required=True, validate=not_blank,
                 metadata={"description": "One to six words; `a|b` alternatives, a final `*` any ending."})
    unless = fields.List(Text(MAX_PHRASE_CHARS, 1, validate=not_blank), validate=validate.Length(max=MAX_UNLESS),
                         metadata={"description": "Phrases within which a match does not count."})


class JudgmentWordListEditSchema(Schema):
    """A new version of the district's list: it replaces the current one as a whole."""
    language = fields.String(required=True, validate=LANGUAGE)
    patterns = fields.List(fields.Nested(JudgmentPatternSchema), required=True,
                           validate=validate.Length(1, MAX_PATTERNS))


class JudgmentWordListSchema(Schema):
    """One version of a list. Version 0 is the default shipped with Rounds (`source` "default")."""
    version = StrictInt(required=True)
    source = fields.String(required=True, metadata={"enum": ["default", "district"]})
    language = fields.String(required=True)
    patterns = fields.List(fields.Nested(JudgmentPatternSchema), required=True)
    created_at = fields.DateTime(allow_none=True, required=True)
    created_by_name = fields.String(allow_none=True, required=True)


class JudgmentWordHistorySchema(Schema):
    current = fields.Nested(JudgmentWordListSchema, required=True)
    history = fields.List(fields.Nested(JudgmentWordListSchema), required=True,
                          metadata={"description": "The district's versions, newest first."})
    may_change = fields.Boolean(required=True)


judgment_word_list_edit_schema = JudgmentWordListEditSchema()
judgment_word_history_schema = JudgmentWordHistorySchema()
