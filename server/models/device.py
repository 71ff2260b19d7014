"""Enrolled devices: each holds a bearer token of its own, stored here only as a hash."""
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.person import Person
from server.models.types import UTCDateTime, UUIDString, utcnow


class Device(db.Model):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    # The highest seq this device pushed that the server acknowledged.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    person: Mapped[Person] = relationship()
