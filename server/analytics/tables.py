"""The export's tables: their columns (the data dictionary) and the rows of each.

Every table is a tuple of `Column`s: a name, a Frictionless Table Schema type, a description in
plain words, and the SQL expression its value comes from. `rows(table, conditions)` yields the
table's rows, in lists of up to SLICE tuples in column order, from a server-side cursor
(`yield_per`), so memory stays the same whatever the number of rows. Values are Python values
(str, int, bool, datetime, date, None); rendering them is the writers' job (server.analytics.writers).

A variant of the export (de-identified) chooses its own columns of a table with `rows(...,
columns=...)` and rewrites each row with `transform`; the tables, their order and filters stay here.
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import aliased

from schemas.templates import CORE_FIELD_LEVELS
from server.extensions import db
from server.models import EvidenceNote, Feedback, LookFor, LookForTemplate, Observation, Person, School

# Rows fetched from the database at a time, and rows handed to a writer at a time: small enough
# that a writer sends its first chunk early, and that a count of rows handed on is nearly rows sent.
BATCH, SLICE = 2000, 100

Teacher, Observer, Author = aliased(Person), aliased(Person), aliased(Person)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Frictionless Table Schema type: string, integer, boolean, datetime, date
    description: str
    expression: object = None
    format: str | None = None  # "uuid" for ids: text that can never need CSV neutralising

    def field(self) -> dict:
        """The column as a Table Schema field."""
        described = {"name": self.name, "type": self.type, "description": self.description}
        if self.format:
            described["format"] = self.format
        return described


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    # (expressions, conditions on Observation) -> the SELECT of those expressions, in export order.
    query: Callable
    foreign_keys: tuple[dict, ...] = field(default=())
    # Tables whose rows are made in Python from other columns say how; None means straight from SQL.
    expand: Callable | None = None

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def names(self) -> list[str]:
        return [column.name for column in self.columns]


def _id(name, description, expression):
    return Column(name, "string", description, expression, format="uuid")


def _text(name, description, expression):
    return Column(name, "string", description, expression)


OBSERVATION_COLUMNS = (
    _id("observation_id", "The observation's id (the same in every table of the export).", Observation.id),
    _id("school_id", "The school's id.", Observation.school_id),
    _text("school_name", "The school's name.", School.name),
    _id("teacher_id", "The observed teacher's id.", Observation.teacher_id),
    _text("teacher_name", "The observed teacher's name.", Teacher.name),
    _text("teacher_email", "The observed teacher's email address.", Teacher.email),
    _id("observer_id", "The observer's id (principal, coach or peer who made the visit).", Observation.observer_id),
    _text("observer_name", "The observer's name.", Observer.name),
    _text("observer_email", "The observer's email address.", Observer.email),
    _id("template_id", "The id of the look-for template version used; empty if none.", Observation.template_id),
    _text("template_name", "The name of that template.", LookForTemplate.name),
    Column("template_version", "integer", "The version number of that template; look-for values keep the "
           "meaning they had in this version.", Observation.template_version),
    Column("started_at", "datetime", "When the visit started, UTC (ISO 8601, to the second).", Observation.started_at),
    Column("ended_at", "datetime", "When the visit ended, UTC; empty if not recorded.", Observation.ended_at),
    _text("grade", "The grade of the class observed, as the observer wrote it.", Observation.grade),
    _text("subject", "The subject of the lesson, as the observer wrote it.", Observation.subject),
    _text("segment", "The part of the lesson observed (e.g. launch, work time).", Observation.segment),
    Column("students_present", "integer", "How many students were in the room.", Observation.students_present),
    _text("teacher_doing", "Evidence of what the teacher said and did.", Observation.teacher_doing),
    _text("students_doing", "Evidence of what the students said and did.", Observation.students_doing),
    _text("task", "The task the students were working on.", Observation.task),
    _text("task_demand", "The cognitive demand of the task (Recall, Skill or concept, Strategic thinking, "
          "Extended thinking).", Observation.task_demand),
    Column("submitted_at", "datetime", "When the observation was first submitted, UTC.", Observation.shared_at),
    Column("updated_at", "datetime", "When the observation was last changed, UTC.", Observation.updated_at),
)

NOTE_COLUMNS = (
    _id("note_id", "The evidence note's id.", EvidenceNote.id),
    _id("observation_id", "The observation the note belongs to (observations.observation_id).",
        EvidenceNote.observation_id),
    _id("author_id", "Who wrote the note.", EvidenceNote.author_id),
    _text("author_name", "The name of who wrote the note.", Author.name),
    _text("element", "The part of the instructional core it is about: teacher, students, task or structure.",
          EvidenceNote.element),
    _text("text", "The note, word for word.", EvidenceNote.text),
    Column("at", "datetime", "When the note was taken, UTC.", EvidenceNote.at),
    Column("is_inference", "boolean", "true if the note was marked as an inference rather than evidence.",
           EvidenceNote.is_inference),
)

LOOKFOR_COLUMNS = (
    _id("observation_id", "The observation (observations.observation_id).", Observation.id),
    _id("template_id", "The template version the look-for belongs to; empty for a look-for the observation "
        "holds without a template.", Observation.template_id),
    Column("template_version", "integer", "That template's version number.", Observation.template_version),
    _text("key", "The look-for's key, stable across versions of a template.", None),
    _text("label", "The look-for as observers saw it in that version; empty if the template has no such key.", None),
    _text("kind", "yes_no, count, scale, timer or text; empty if the template has no such key.", None),
    _text("value", "The answer: true or false (yes_no), a whole number (count; seconds for a timer), the "
          "level's label (scale) or the words written (text). One row per look-for answered.", None),
)

FEEDBACK_COLUMNS = (
    _id("feedback_id", "The feedback's id.", Feedback.id),
    _id("observation_id", "The observation it is about (observations.observation_id).", Feedback.observation_id),
    Column("released_at", "datetime", "When the observer first released it to the teacher, UTC.", Feedback.released_at),
    Column("read_at", "datetime", "When the teacher first opened it, UTC; empty if not yet.", Feedback.read_at),
    Column("acknowledged_at", "datetime", "When the teacher acknowledged it, UTC; empty if not yet.",
           Feedback.acknowledged_at),
    _text("glow", "What went well, in the observer's words.", Feedback.glow),
    _text("wonder", "The observer's question.", Feedback.wonder),
    _text("next_step", "The one next step the observer suggested.", Feedback.next_step),
    _text("support_commitment", "The support the observer committed to provide.", Feedback.support_commitment),
    Column("support_due", "date", "The day the support was promised for; empty if none.", Feedback.support_due),
    Column("support_requested_at", "datetime", "When the teacher asked for the promised support, UTC.",
           Feedback.support_requested_at),
    Column("support_kept_at", "datetime", "When the observer marked the support as given, UTC.",
           Feedback.support_kept_at),
    _text("support_kept_note", "The observer's note of what was done.", Feedback.support_kept_note),
    _text("support_confirmed", "The teacher's answer to whether the support happened: yes, no, or empty.",
          Feedback.support_confirmed),
    _text("reflection", "The teacher's reflection.", Feedback.reflection),
    Column("usefulness", "integer", "How useful the teacher found the feedback (their rating); empty if not rated.",
           Feedback.usefulness),
)


def _observations(expressions, conditions):
    return (select(*expressions).select_from(Observation)
            .join(School, School.id == Observation.school_id)
            .join(Teacher, Teacher.id == Observation.teacher_id)
            .join(Observer, Observer.id == Observation.observer_id)
            .outerjoin(LookForTemplate, LookForTemplate.id == Observation.template_id)
            .where(*conditions).order_by(Observation.started_at, Observation.id))


def _notes(expressions, conditions):
    return (select(*expressions).select_from(EvidenceNote)
            .join(Observation, Observation.id == EvidenceNote.observation_id)
            .join(Author, Author.id == EvidenceNote.author_id)
            .where(*conditions).order_by(EvidenceNote.observation_id, EvidenceNote.at, EvidenceNote.id))


def _lookfor_sources(_expressions, conditions):
    bound = [getattr(Observation, name).label(name) for name in CORE_FIELD_LEVELS]
    return (select(Observation.id, Observation.template_id, Observation.template_version,
                   Observation.lookfors, *bound)
            .where(*conditions).order_by(Observation.started_at, Observation.id))


def _feedback(expressions, conditions):
    # District staff read feedback once it is released, never before (server.authz).
    return (select(*expressions).select_from(Feedback)
            .join(Observation, Observation.id == Feedback.observation_id)
            .where(*conditions, Feedback.released.is_(True)).order_by(Feedback.observation_id))


def _lookfor_values(batch, templates: dict) -> list:
    """Long rows (observation, template, version, key, label, kind, value) of a batch of
    (id, template_id, template_version, lookfors, *core fields) rows; unanswered look-fors (null)
    make no row."""
    rows = []
    for observation_id, template_id, version, answers, *core in batch:
        lookfors = templates.get(template_id, {})
        for key, value in answered(lookfors, answers, core):
            label, kind = lookfors.get(key, ("", ""))
            rows.append((observation_id, template_id, version, key, label, kind, value))
    return rows


def answered(lookfors: dict, answers, core) -> Iterator[tuple[str, str]]:
    """(key, answer as text) of each look-for an observation answered: its `answers` (the
    lookfors JSON) and the `core` fields (in CORE_FIELD_LEVELS order) its template's look-fors
    bind; `lookfors` is its template's entry of `templates_of`."""
    answers = dict(answers or {})
    for name, value in zip(CORE_FIELD_LEVELS, core):
        key = lookfors.get(("binds", name))
        if key is not None and value is not None:
            answers[key] = value
    for key, value in answers.items():
        if value is not None:
            yield key, _answer_text(value)


def _answer_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def templates_of(district_id: str) -> dict:
    """{template id: {key: (label, kind), ("binds", field): key}} for every version in the district."""
    templates: dict = {}
    for template_id, key, label, kind, binds in db.session.execute(
            select(LookFor.template_id, LookFor.key, LookFor.label, LookFor.kind, LookFor.binds)
            .join(LookForTemplate, LookForTemplate.id == LookFor.template_id)
            .where(LookForTemplate.district_id == district_id)):
        lookfors = templates.setdefault(template_id, {})
        lookfors[key] = (label, kind)
        if binds:
            lookfors[("binds", binds)] = key
    return templates


OBSERVATIONS = Table("observations", "One row per submitted observation (walkthrough).", OBSERVATION_COLUMNS,
                     ("observation_id",), _observations)
NOTES = Table("notes", "One row per evidence note of those observations.", NOTE_COLUMNS, ("note_id",), _notes,
              foreign_keys=({"fields": "observation_id",
                             "reference": {"resource": "observations", "fields": "observation_id"}},))
LOOKFOR_VALUES = Table(
    "lookfor_values", "One row per look-for answered in those observations (long format).", LOOKFOR_COLUMNS,
    ("observation_id", "key"), _lookfor_sources, expand=_lookfor_values,
    foreign_keys=({"fields": "observation_id", "reference": {"resource": "observations", "fields": "observation_id"}},))
FEEDBACK = Table("feedback", "One row per released feedback on those observations.", FEEDBACK_COLUMNS,
                 ("feedback_id",), _feedback,
                 foreign_keys=({"fields": "observation_id",
                                "reference": {"resource": "observations", "fields": "observation_id"}},))
TABLES = (OBSERVATIONS, NOTES, LOOKFOR_VALUES, FEEDBACK)


def rows(table: Table, conditions: list, district_id: str, columns: list[str] | None = None,
         transform: Callable | None = None) -> Iterator[list[tuple]]:
    """Batches of the rows of `table` for the observations matching `conditions`.

    `columns` picks and orders columns by name (all by default); `transform` rewrites each
    batch (a list of tuples in that column order) before it is yielded.
    """
    chosen = [table.column(name) for name in columns] if columns else list(table.columns)
    if table.expand is not None:
        positions = [table.names().index(column.name) for column in chosen]
        templates = templates_of(district_id)
        source = table.query(None, conditions)
        make = lambda batch: [tuple(row[i] for i in positions)  # noqa: E731
                              for row in table.expand(batch, templates)]
    else:
        source = table.query([column.expression.label(column.name) for column in chosen], conditions)
        make = list
    result = db.session.connection().execute(source.execution_options(yield_per=BATCH))
    try:
        for made in map(make, result.partitions()):
            for start in range(0, len(made), SLICE):
                yield transform(made[start:start + SLICE]) if transform else made[start:start + SLICE]
            # Let this batch go before the next is fetched: memory holds one batch, never two.
            del made
    finally:
        result.close()
