"""Audit events: an append-only record of sign-ins, failures and administrative acts."""
from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_kind_at", "kind", "at"),
        Index("ix_audit_kind_email_at", "kind", "email", "at"),
        Index("ix_audit_kind_ip_at", "kind", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(String(40))
    # Who acted; None for anonymous acts such as a failed sign-in. Not a foreign key, so the
    # record outlives anything it mentions.
    actor_id: Mapped[str | None] = mapped_column(UUIDString)
    email: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    detail = mapped_column(JSONDocument, default=dict, nullable=False)
