"""Column types shared by the models: client-made UUIDs, UTC timestamps, portable JSON."""
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, TypeDecorator, Uuid
from sqlalchemy.dialects.postgresql import JSONB


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every engine.

    SQLite stores no offset, so values are normalised to UTC on the way in and marked UTC on the
    way out; PostgreSQL stores `timestamptz`. Naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Ids are UUIDs made by whoever creates the record (often a tablet); stored natively on
# PostgreSQL and as 32 hex characters on SQLite, always handled as canonical strings.
UUIDString = Uuid(as_uuid=False)
JSONDocument = JSON().with_variant(JSONB(), "postgresql")
