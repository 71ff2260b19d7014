"""Sync bookkeeping: the op log, conflicts, rejected ops and the change feed that pull reads."""
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import JSONDocument, UTCDateTime, UUIDString, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")


class SyncOp(db.Model):
    """Every op a device sent that took a seq slot, applied or not: the append-only op log.

    The database enforces one op per op_id and per (device, seq), so a retried push can never
    write an op twice, whatever the timing.
    """

    __tablename__ = "sync_ops"
    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_sync_ops_device_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None when the op's op_id was unusable or already taken by another op (kept raw in payload).
    op_id: Mapped[str | None] = mapped_column(UUIDString, unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[str] = mapped_column(UUIDString)
    entity: Mapped[str | None] = mapped_column(String(20))
    record_id: Mapped[str | None] = mapped_column(UUIDString)
    status: Mapped[str] = mapped_column(String(16))
    # The op exactly as sent, as JSON text: JSONB cannot hold NUL or lone surrogates.
    payload: Mapped[str] = mapped_column(Text)
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SyncConflict(db.Model):
    """Two devices disagreed on a field: the value kept in the record and the value that lost,
    each with its author, device, op and clock, open until a person resolves it."""

    __tablename__ = "sync_conflicts"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(UUIDString, index=True)
    observation_id: Mapped[str] = mapped_column(UUIDString, index=True)
    field: Mapped[str] = mapped_column(String(60))
    kept_value = mapped_column(JSONDocument)
    kept_by_id: Mapped[str | None] = mapped_column(UUIDString)
    kept_device_id: Mapped[str] = mapped_column(UUIDString)
    kept_op_id: Mapped[str] = mapped_column(UUIDString)
    kept_hlc: Mapped[str] = mapped_column(String(90))
    lost_value = mapped_column(JSONDocument)
    lost_by_id: Mapped[str | None] = mapped_column(UUIDString)
    lost_device_id: Mapped[str] = mapped_column(UUIDString)
    lost_op_id: Mapped[str] = mapped_column(UUIDString)
    lost_hlc: Mapped[str] = mapped_column(String(90))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    resolved_at = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[str | None] = mapped_column(UUIDString)
    resolved_op_id: Mapped[str | None] = mapped_column(UUIDString)


class RejectedOp(db.Model):
    """An op refused for validation or authorization, kept raw so its author can fix and resend it."""

    __tablename__ = "sync_rejected_ops"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[str] = mapped_column(UUIDString, index=True)
    device_id: Mapped[str] = mapped_column(UUIDString)
    op_id: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    errors = mapped_column(JSONDocument, nullable=False)
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SyncChange(db.Model):
    """Where each record last changed in the change feed. Pull reads positions after a cursor.

    Positions come from `SyncClock` at the end of the writing transaction, under its row lock,
    so they are handed out in commit order (see docs/sync.md).
    """

    __tablename__ = "sync_changes"
    __table_args__ = (Index("ix_sync_changes_position", "position", unique=True),)

    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    observation_id: Mapped[str] = mapped_column(UUIDString, index=True)
    position: Mapped[int] = mapped_column(BigInteger)


class SyncClock(db.Model):
    """One row: the last change-feed position handed out."""

    __tablename__ = "sync_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
