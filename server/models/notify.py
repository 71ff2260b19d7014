"""The feedback loop's durable work: notifications (the inbox and the outbox of web push in one),
push subscriptions, and one delivery row per (notification, subscription).

A notification is written in the same transaction as the change it tells of, and its unique key
(kind, subject, recipient, ordinal) makes every producer idempotent: a replayed sync push, a
second sweep or a second scheduler inserts nothing new. Reminders differ only by `ordinal`
(1st, 2nd), never by the edit that caused them.
"""
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, UUIDString, utcnow

# Kinds of notification, and who receives each.
KINDS = {
    "feedback_released": "teacher",      # an observer's feedback became visible to the teacher
    "feedback_acknowledged": "observer",
    "feedback_rated": "observer",
    "support_requested": "observer",     # the teacher asked for the promised support
    "support_kept": "teacher",           # the observer marked the support as kept
    "support_confirmed": "observer",     # the teacher said whether it happened
    "reminder_acknowledge": "teacher",   # feedback not acknowledged after N school days
    "reminder_due": "observer",          # a commitment is due tomorrow
    "reminder_overdue": "observer",      # a commitment is past its due date
    "reminder_requested": "observer",    # support requested and not kept after N school days
    "digest": "anyone",                  # the morning digest gathering one person's reminders
}
REMINDER_KINDS = frozenset(kind for kind in KINDS if kind.startswith("reminder_"))


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "recipient_id", "ordinal", name="uq_notifications_key"),
        Index("ix_notifications_recipient_created", "recipient_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # What it is about: an observation's id (also for commitments), or for a digest a day key.
    subject_id: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    # The walkthrough it opens, when there is one.
    observation_id: Mapped[str | None] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"))
    # Who caused it (the observer, the teacher); None for reminders.
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Push waits until then (quiet hours); the inbox shows it at once.
    push_after = mapped_column(UTCDateTime, nullable=False)
    read_at = mapped_column(UTCDateTime)
    # A reminder gathered into a digest names it here.
    digest_id: Mapped[str | None] = mapped_column(UUIDString)


class PushSubscription(db.Model):
    """A browser's push subscription on an enrolled device; the endpoint is the push service's URL."""

    __tablename__ = "push_subscriptions"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class PushDelivery(db.Model):
    """One notification sent to one subscription. `state`: pending (due at `next_attempt_at`),
    sending (claimed until `lease_until`; a dead sender's claim lapses), sent, failed (413: our
    bug, not retried), paused (400/401/403: configuration, shown to admins), dead (out of tries)."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "subscription_id", name="uq_push_deliveries_pair"),
        Index("ix_push_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(UTCDateTime, nullable=False)
    lease_until = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


__all__ = ["KINDS", "REMINDER_KINDS", "Notification", "PushSubscription", "PushDelivery"]
