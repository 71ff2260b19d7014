"""The judgment-word lists districts save for the evidence-not-judgment hint, versioned."""
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.ids import new_id
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow


class JudgmentWordList(db.Model):
    """One version of a district's list. A saved version never changes: a new one replaces it as
    the current list (the highest `version`), and the old ones stay to be read back.

    `patterns` is the list's words and phrases as server.rounds.judgment_words describes them.
    """

    __tablename__ = "judgment_word_lists"
    __table_args__ = (UniqueConstraint("district_id", "version", name="uq_judgment_word_lists_district_version"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    patterns = mapped_column(JSONDocument, nullable=False)
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
