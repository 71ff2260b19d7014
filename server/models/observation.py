"""Observations of the instructional core, their evidence notes, feedback and support commitments.

Column names are the wire names of SYNC.md; ids are made by the tablet that created the record.
"""
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow

OBSERVATION_STATUSES = ("draft", "submitted")
NOTE_ELEMENTS = ("teacher", "students", "task", "structure")


class Observation(db.Model):
    __tablename__ = "observations"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    teacher_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    observer_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    template_id: Mapped[str | None] = mapped_column(ForeignKey("lookfor_templates.id"))
    template_version: Mapped[int | None] = mapped_column(Integer)
    started_at = mapped_column(UTCDateTime)
    ended_at = mapped_column(UTCDateTime)
    grade: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(100))
    students_present: Mapped[int | None] = mapped_column(Integer)
    teacher_doing: Mapped[str] = mapped_column(Text, default="")
    students_doing: Mapped[str] = mapped_column(Text, default="")
    task: Mapped[str] = mapped_column(Text, default="")
    task_demand: Mapped[str | None] = mapped_column(String(32))
    lookfors = mapped_column(JSONDocument, default=dict, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The same for every walkthrough of one co-observed lesson (docs/calibration.md), else None.
    co_observation_id: Mapped[str | None] = mapped_column(UUIDString, index=True)
    # When it was first submitted, kept if it goes back to draft: from then on the teacher and
    # district staff may hold it on a device, and are told when it leaves their view.
    shared_at = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Per flat field: [version, device_id, hlc, op_id] of its last change (sync.merge.Stamp).
    field_stamps = mapped_column(JSONDocument, default=dict, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    notes: Mapped[list["EvidenceNote"]] = relationship(
        back_populates="observation", order_by="EvidenceNote.at", lazy="selectin"
    )
    feedback: Mapped["Feedback | None"] = relationship(back_populates="observation", lazy="selectin")


class EvidenceNote(db.Model):
    """One timestamped piece of evidence; notes are only ever added, never edited in place."""

    __tablename__ = "evidence_notes"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    observation_id: Mapped[str] = mapped_column(ForeignKey("observations.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    element: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at = mapped_column(UTCDateTime, nullable=False)
    is_inference: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    observation: Mapped[Observation] = relationship(back_populates="notes")


class Feedback(db.Model):
    """Feedback on one observation: the observer writes the first group, the teacher the second."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    observation_id: Mapped[str] = mapped_column(ForeignKey("observations.id"), unique=True)
    glow: Mapped[str] = mapped_column(Text, default="")
    wonder: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    support_commitment: Mapped[str] = mapped_column(Text, default="")
    support_due = mapped_column(Date)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    # When it was first released, kept if it is withdrawn (see Observation.shared_at).
    released_at = mapped_column(UTCDateTime)
    acknowledged_at = mapped_column(UTCDateTime)
    # When the teacher first opened the shared feedback, as their tablet recorded it.
    read_at = mapped_column(UTCDateTime)
    reflection: Mapped[str] = mapped_column(Text, default="")
    usefulness: Mapped[int | None] = mapped_column(Integer)
    # The support loop: the teacher asks for the promised support; the observer marks it kept, with
    # a note of what was done; the teacher confirms whether it happened ("yes" / "no").
    support_requested_at = mapped_column(UTCDateTime)
    support_kept_at = mapped_column(UTCDateTime)
    support_kept_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    support_confirmed: Mapped[str | None] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer, default=1)
    field_stamps = mapped_column(JSONDocument, default=dict, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    observation: Mapped[Observation] = relationship(back_populates="feedback")
    commitment: Mapped["SupportCommitment | None"] = relationship(back_populates="feedback", lazy="selectin")


class SupportCommitment(db.Model):
    """What an observer promised a teacher, tracked until it is kept (reciprocal accountability)."""

    __tablename__ = "support_commitments"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    feedback_id: Mapped[str] = mapped_column(ForeignKey("feedback.id"), unique=True)
    observer_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    teacher_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    due_on = mapped_column(Date)
    requested_at = mapped_column(UTCDateTime)
    kept_at = mapped_column(UTCDateTime)
    kept_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    confirmed: Mapped[str | None] = mapped_column(String(8))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    feedback: Mapped[Feedback] = relationship(back_populates="commitment")


def first_shared(shared_at, shared_now: bool, now):
    """When a record was first shared (submitted, released): `shared_at` if it was before, `now`
    if it is shared now for the first time, else None. Sync's push writes rows in bulk and calls
    this itself; the hooks below apply it to rows written through the ORM."""
    if shared_at is not None:
        return shared_at
    return now if shared_now else None


@event.listens_for(Observation, "before_insert")
@event.listens_for(Observation, "before_update")
def _stamp_shared(_mapper, _connection, observation: Observation) -> None:
    observation.shared_at = first_shared(observation.shared_at, observation.status == "submitted", utcnow())


@event.listens_for(Feedback, "before_insert")
@event.listens_for(Feedback, "before_update")
def _stamp_released(_mapper, _connection, feedback: Feedback) -> None:
    feedback.released_at = first_shared(feedback.released_at, bool(feedback.released), utcnow())
