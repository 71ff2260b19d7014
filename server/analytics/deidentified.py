"""The de-identified export's row tables: observations, notes, lookfor_values and feedback with
no name, email or id of a person, and no record id the database knows.

Teachers, observers and records are pseudonyms of one export (server.analytics.privacy); days
become the Monday of the visit's week in the district's timezone, moments become whole hours or
minutes between two of them; free text (evidence, notes, feedback words, text look-fors) is left
out unless asked for. An observation is placed in the fixed grid (server.analytics.grid): it shows
its school, grade and subject only if its cell is published, its school only if the cell or the
school margin is, and it is withheld, with its notes, answers and feedback, if even its district
margin is suppressed. `Deidentification.tables()` gives the tables of one export; their rows are
made from batches of database rows (`Table.expand`), so memory holds one batch at a time.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import floor

from sqlalchemy import func, select

from schemas.templates import CORE_FIELD_LEVELS
from server.analytics.grid import Grid
from server.analytics.privacy import Pseudonyms
from server.analytics.tables import Column, Table, _notes, _observations, answered
from server.models import EvidenceNote, Feedback, LookForTemplate, Observation, School
from server.reports.sql import visit_at
from server.reports.summary import whole_hours

# Look-fors whose answers are words someone wrote: free text.
WORDED_KINDS = ("text", "")
_OBSERVATION_REF = ({"fields": "observation_id",
                     "reference": {"resource": "observations", "fields": "observation_id"}},)


def _pseudonym(name: str, description: str) -> Column:
    return Column(name, "string", description)


def _free(name: str, description: str) -> Column:
    return Column(name, "string", description + " Free text, word for word: only with free_text=true; names "
                  "written in it are not removed.")


OBSERVATION_COLUMNS = (
    _pseudonym("observation_id", "The observation's pseudonym (V-...), the same in every table of this export "
               "and in no other export."),
    _pseudonym("teacher", "The observed teacher's pseudonym (T-...): the same teacher has the same pseudonym in "
               "this export, and another in every other export. Empty unless placed_at is cell."),
    _pseudonym("observer", "The observer's pseudonym (O-...), stable within this export only. Empty unless "
               "placed_at is cell."),
    Column("placed_at", "string", "The finest published level of the visit's place in lookfor_cells: cell "
           "(school, grade, subject, teacher and observer shown), school (grade, subject, teacher and "
           "observer left empty: the cell is suppressed) or district (school left empty too)."),
    Column("school_id", "string", "The school's id; empty unless placed_at is cell or school.", format="uuid"),
    Column("school_name", "string", "The school's name; empty unless placed_at is cell or school."),
    Column("grade", "string", "The grade of the class observed, as the observer wrote it; empty unless placed_at "
           "is cell."),
    Column("subject", "string", "The subject of the lesson, as the observer wrote it; empty unless placed_at is "
           "cell."),
    Column("template_id", "string", "The look-for template version used; empty if none.", format="uuid"),
    Column("template_name", "string", "The name of that template."),
    Column("template_version", "integer", "Its version number; look-for values keep the meaning they had in it."),
    Column("month", "string", "The month of the visit, YYYY-MM, in the district's timezone (as lookfor_cells)."),
    Column("week", "date", "The Monday of the visit's week, in the district's timezone: the only date given."),
    Column("minutes", "integer", "How long the visit lasted, in whole minutes; empty if its end was not recorded."),
    Column("segment", "string", "The part of the lesson observed (e.g. launch, work time)."),
    Column("students_present", "integer", "How many students were in the room."),
    Column("task_demand", "string", "The cognitive demand of the task (Recall, Skill or concept, Strategic "
           "thinking, Extended thinking)."),
    _free("teacher_doing", "Evidence of what the teacher said and did."),
    _free("students_doing", "Evidence of what the students said and did."),
    _free("task", "The task the students were working on."),
)
NOTE_COLUMNS = (
    _pseudonym("note_id", "The evidence note's pseudonym (N-...), stable within this export only."),
    _pseudonym("observation_id", "The observation it belongs to (observations.observation_id)."),
    Column("element", "string", "The part of the instructional core it is about: teacher, students, task or "
           "structure."),
    Column("is_inference", "boolean", "true if the note was marked as an inference rather than evidence."),
    _free("text", "The note."),
)
LOOKFOR_COLUMNS = (
    _pseudonym("observation_id", "The observation (observations.observation_id)."),
    Column("template_id", "string", "The template version the look-for belongs to.", format="uuid"),
    Column("template_version", "integer", "That template's version number."),
    Column("key", "string", "The look-for's key, stable across versions of a template."),
    Column("label", "string", "The look-for as observers saw it in that version."),
    Column("kind", "string", "yes_no, count, scale or timer (text, and keys the template lacks, only with "
           "free_text=true)."),
    Column("value", "string", "The answer: true or false (yes_no), a whole number (count; seconds for a timer), "
           "the level's label (scale), or the words written (text, only with free_text=true)."),
)
FEEDBACK_COLUMNS = (
    _pseudonym("feedback_id", "The feedback's pseudonym (F-...), stable within this export only."),
    _pseudonym("observation_id", "The observation it is about (observations.observation_id)."),
    Column("hours_to_release", "integer", "Whole hours from the end of the visit (its start if it has no end) to "
                                          "the feedback's first release, as in the feedback-loop report."),
    Column("hours_to_read", "integer", "Whole hours from release to the teacher first opening it; empty if not yet."),
    Column("hours_to_acknowledge", "integer", "Whole hours from release to the teacher's acknowledgement; empty if "
           "not yet."),
    Column("support_promised", "boolean", "true if the observer committed to a support."),
    Column("support_due_week", "date", "The Monday of the week the support was promised for; empty if none."),
    Column("support_requested", "boolean", "true if the teacher asked for the promised support."),
    Column("support_kept", "string", "on_time (marked given on or before its due day, district time), late, kept "
           "(no due day), or empty if not marked given."),
    Column("support_confirmed", "string", "The teacher's answer to whether the support happened: yes, no, or empty."),
    Column("usefulness", "integer", "How useful the teacher found the feedback (their rating); empty if not rated."),
    _free("glow", "What went well, in the observer's words."),
    _free("wonder", "The observer's question."),
    _free("next_step", "The one next step the observer suggested."),
    _free("support_commitment", "The support the observer committed to provide."),
    _free("support_kept_note", "The observer's note of what was done."),
    _free("reflection", "The teacher's reflection."),
)
FREE_TEXT = {"teacher_doing", "students_doing", "task", "text", "glow", "wonder", "next_step", "support_commitment",
             "support_kept_note", "reflection"}


def columns(all_columns: tuple, free_text: bool) -> tuple:
    return tuple(column for column in all_columns if free_text or column.name not in FREE_TEXT)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _free_texts(row, free_text: bool) -> tuple:
    return tuple(row) if free_text else ()


@dataclass
class Deidentification:
    """How one de-identified export writes its rows."""
    grid: Grid
    free_text: bool
    pseudonyms: Pseudonyms = field(default_factory=Pseudonyms)
    # Rows of each table left out because their observation's district margin is suppressed.
    withheld: dict = field(default_factory=lambda: {"observations": 0, "notes": 0, "lookfor_values": 0,
                                                    "feedback": 0})

    def tables(self) -> tuple[Table, ...]:
        free = self.free_text
        return (
            Table("observations", "One row per submitted observation, de-identified.",
                  columns(OBSERVATION_COLUMNS, free), ("observation_id",), self._observation_source,
                  expand=self._observation_rows),
            Table("notes", "One row per evidence note of those observations, de-identified.",
                  columns(NOTE_COLUMNS, free), ("note_id",), self._note_source, expand=self._note_rows,
                  foreign_keys=_OBSERVATION_REF),
            Table("lookfor_values", "One row per look-for answered in those observations (long format)"
                  + ("." if free else "; text look-fors left out."), LOOKFOR_COLUMNS, ("observation_id", "key"),
                  self._lookfor_source, expand=self._lookfor_rows, foreign_keys=_OBSERVATION_REF),
            Table("feedback", "One row per released feedback on those observations, de-identified.",
                  columns(FEEDBACK_COLUMNS, free), ("feedback_id",), self._feedback_source,
                  expand=self._feedback_rows, foreign_keys=_OBSERVATION_REF),
        )

    def _month(self, at: datetime) -> str:
        return at.astimezone(self.grid.zone).strftime("%Y-%m")

    def _kept(self, template_id, at: datetime, table: str, rows: int = 1) -> bool:
        """Whether the `rows` of `table` of an observation made with `template_id` at `at` may be
        shown (its district margin is published); counts them as withheld if not."""
        if self.grid.placement(template_id, self._month(at), None, None, None) is not None:
            return True
        self.withheld[table] += rows
        return False

    @staticmethod
    def _observation_source(_expressions, conditions):
        return _observations([Observation.id, Observation.teacher_id, Observation.observer_id, Observation.school_id,
                              School.name, Observation.grade, Observation.subject, Observation.template_id,
                              LookForTemplate.name, Observation.template_version, visit_at(),
                              Observation.ended_at, Observation.started_at, Observation.segment,
                              Observation.students_present, Observation.task_demand, Observation.teacher_doing,
                              Observation.students_doing, Observation.task], conditions)

    def _observation_rows(self, batch, _templates) -> list:
        rows, pseudonym = [], self.pseudonyms
        for (observation_id, teacher_id, observer_id, school_id, school, grade, subject, template_id, template,
             version, at, ended_at, started_at, segment, present, demand, *texts) in batch:
            month = self._month(at)
            placed = self.grid.placement(template_id, month, school_id, grade, subject)
            if placed is None:
                self.withheld["observations"] += 1
                continue
            if placed != "cell":
                # A pseudonym would sort the rows of the suppressed cells back into their cells
                # (one teacher's rows, one observer's school): rows above their cell carry none.
                grade = subject = teacher_id = observer_id = None
            if placed == "district":
                school_id = school = None
            minutes = (floor((ended_at - started_at).total_seconds() / 60)
                       if ended_at is not None and started_at is not None else None)
            rows.append((pseudonym("observation", observation_id), pseudonym("teacher", teacher_id),
                         pseudonym("observer", observer_id), placed, school_id, school, grade, subject, template_id,
                         template, version, month, monday(at.astimezone(self.grid.zone).date()), minutes, segment,
                         present, demand, *_free_texts(texts, self.free_text)))
        return rows

    @staticmethod
    def _note_source(_expressions, conditions):
        return _notes([EvidenceNote.id, EvidenceNote.observation_id, Observation.template_id, visit_at(),
                       EvidenceNote.element, EvidenceNote.is_inference, EvidenceNote.text], conditions)

    def _note_rows(self, batch, _templates) -> list:
        return [(self.pseudonyms("note", note_id), self.pseudonyms("observation", observation_id), element,
                 inference, *_free_texts([text], self.free_text))
                for note_id, observation_id, template_id, at, element, inference, text in batch
                if self._kept(template_id, at, "notes")]

    @staticmethod
    def _lookfor_source(_expressions, conditions):
        bound = [getattr(Observation, name) for name in CORE_FIELD_LEVELS]
        return (select(Observation.id, Observation.template_id, Observation.template_version, visit_at(),
                       Observation.lookfors, *bound)
                .where(*conditions, Observation.template_id.is_not(None))
                .order_by(Observation.started_at, Observation.id))

    def _lookfor_rows(self, batch, templates) -> list:
        rows = []
        for observation_id, template_id, version, at, answers, *core in batch:
            lookfors = templates.get(template_id, {})
            given = [(key, value) for key, value in answered(lookfors, answers, core)
                     if self.free_text or lookfors.get(key, ("", ""))[1] not in WORDED_KINDS]
            if not self._kept(template_id, at, "lookfor_values", len(given)):
                continue
            pseudonym = self.pseudonyms("observation", observation_id)
            rows.extend((pseudonym, template_id, version, key, *lookfors.get(key, ("", "")), value)
                        for key, value in given)
        return rows

    @staticmethod
    def _feedback_source(_expressions, conditions):
        # District staff read feedback once it is released, never before (server.authz).
        return (select(Feedback.id, Feedback.observation_id, Observation.template_id, visit_at(),
                       func.coalesce(Observation.ended_at, visit_at()), Feedback.released_at, Feedback.read_at, Feedback.acknowledged_at, Feedback.support_commitment,
                       Feedback.support_due, Feedback.support_requested_at, Feedback.support_kept_at,
                       Feedback.support_confirmed, Feedback.usefulness, Feedback.glow, Feedback.wonder,
                       Feedback.next_step, Feedback.support_commitment, Feedback.support_kept_note,
                       Feedback.reflection)
                .join(Observation, Observation.id == Feedback.observation_id)
                .where(*conditions, Feedback.released.is_(True)).order_by(Feedback.observation_id))

    def _feedback_rows(self, batch, _templates) -> list:
        rows = []
        for (feedback_id, observation_id, template_id, at, ended, released, read, acknowledged, commitment, due,
             requested, kept, confirmed, usefulness, *texts) in batch:
            if not self._kept(template_id, at, "feedback"):
                continue
            rows.append((self.pseudonyms("feedback", feedback_id), self.pseudonyms("observation", observation_id),
                         whole_hours(ended, released), whole_hours(released, read), whole_hours(released, acknowledged),
                         bool((commitment or "").strip()) or due is not None, monday(due) if due else None,
                         requested is not None, self._kept_when(kept, due), confirmed, usefulness,
                         *_free_texts(texts, self.free_text)))
        return rows

    def _kept_when(self, kept: datetime | None, due: date | None) -> str | None:
        if kept is None:
            return None
        if due is None:
            return "kept"
        return "on_time" if kept.astimezone(self.grid.zone).date() <= due else "late"
