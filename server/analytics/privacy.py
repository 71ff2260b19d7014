"""What de-identifies an export: the district's suppression threshold k, and pseudonyms.

k lives in `District.settings["suppression_threshold"]`: a whole number from 2 to 100; whatever is
missing or not valid there takes DEFAULT_THRESHOLD, so a half-written setting never lowers it.

A `Pseudonyms` holds a random key made for one export (secrets.token_bytes, never stored, never
logged, never shown by repr) and turns an id into HMAC-SHA256(key, kind:id): the same id gives
the same pseudonym everywhere in that export, so its tables join, and a pseudonym of one export
says nothing about another's.
"""
import hashlib
import hmac
import secrets

DEFAULT_THRESHOLD = 10
MIN_THRESHOLD, MAX_THRESHOLD = 2, 100
SETTING = "suppression_threshold"
# Teachers, observers and the records an id could join back to the database.
PREFIXES = {"teacher": "T-", "observer": "O-", "observation": "V-", "note": "N-", "feedback": "F-"}
# 20 hex digits (80 bits): no two ids of one export share a pseudonym in practice.
DIGITS = 20


def threshold_error(value) -> str | None:
    """Why `value` cannot be a suppression threshold; None if it can."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_THRESHOLD <= value <= MAX_THRESHOLD:
        return f"Give a whole number from {MIN_THRESHOLD} to {MAX_THRESHOLD}."
    return None


def suppression_threshold(district) -> int:
    """k of `district`: its setting if valid, else the default."""
    value = dict(district.settings or {}).get(SETTING) if district is not None else None
    return DEFAULT_THRESHOLD if threshold_error(value) else value


class Pseudonyms:
    """Pseudonyms of one export."""

    def __init__(self):
        self.__key = secrets.token_bytes(32)

    def __repr__(self) -> str:
        return "Pseudonyms(<key withheld>)"

    def __call__(self, kind: str, record_id) -> str | None:
        """The pseudonym of `record_id` as a `kind` (a PREFIXES key); None for None."""
        if record_id is None:
            return None
        digest = hmac.new(self.__key, f"{kind}:{record_id}".encode(), hashlib.sha256).hexdigest()
        return PREFIXES[kind] + digest[:DIGITS]
