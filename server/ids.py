"""Record ids: UUIDs in canonical lowercase form, whoever makes them."""
import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def canonical_id(value: str) -> str:
    """Return `value` as a canonical lowercase UUID string; ValueError if it is not a UUID."""
    return str(uuid.UUID(value))
