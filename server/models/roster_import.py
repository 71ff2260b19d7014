"""Roster imports too large for one request: the validated rows wait here, from the preview to the
scheduler's job that writes them (server/roster_jobs.py).

`state`: pending (previewed, waiting for the admin's confirmation), confirmed (waiting for a
scheduler), running (claimed until `lease_until`; a dead worker's claim lapses and the next poll
takes it again), done (`counts` says what was written), failed (`error` says why; nothing was
written). The passwords in `rows` are removed once the import is done, failed or expired.
"""
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.ids import new_id
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow

STATES = ("pending", "confirmed", "running", "done", "failed")


class RosterImport(db.Model):
    __tablename__ = "roster_imports"
    __table_args__ = (Index("ix_roster_imports_state", "state"),
                      Index("ix_roster_imports_district_created", "district_id", "created_at"))

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"))
    # The importing admin's scope: None for a district-wide admin, else their school. Only admins
    # whose scope holds it may see or confirm the import.
    school_id: Mapped[str | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    admin_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # {"deactivate_missing": bool}
    options = mapped_column(JSONDocument, default=dict, nullable=False)
    # [[line, row], ...] as schemas.roster.read_roster loaded them.
    rows = mapped_column(JSONDocument, nullable=False)
    # What the preview showed the admin; the job refuses to write anything else.
    plan = mapped_column(JSONDocument, nullable=False)
    counts = mapped_column(JSONDocument)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    error = mapped_column(JSONDocument)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_until = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    confirmed_at = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)


class RosterImportHash(db.Model):
    """The prepared password hash of one row of an import (its position in `rows`), committed a
    chunk at a time so that a restarted job hashes only what is left."""

    __tablename__ = "roster_import_hashes"

    import_id: Mapped[str] = mapped_column(ForeignKey("roster_imports.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    password_hash: Mapped[str] = mapped_column(Text)


__all__ = ["STATES", "RosterImport", "RosterImportHash"]
