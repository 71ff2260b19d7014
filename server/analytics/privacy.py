"""What de-identifies an export: the district's suppression threshold k, and pseudonyms.

k is the district setting `suppression_threshold` (server.settings defines, validates and reads
it): a whole number from 2 to 100; whatever is missing or not valid there takes DEFAULT_THRESHOLD,
so a half-written setting never lowers it.

A `Pseudonyms` holds a random key made for one export (secrets.token_bytes, never stored, never
logged, never shown by repr) and turns an id into HMAC-SHA256(key, kind:id): the same id gives
the same pseudonym everywhere in that export, so its tables join, and a pseudonym of one export
says nothing about another's.
"""
import hashlib
import hmac
import secrets

from server.settings import DEFINITIONS, settings_of

SETTING = "suppression_threshold"
DEFAULT_THRESHOLD = DEFINITIONS[SETTING].default
MIN_THRESHOLD, MAX_THRESHOLD = DEFINITIONS[SETTING].minimum, DEFINITIONS[SETTING].maximum
# Teachers, observers and the records an id could join back to the database.
PREFIXES = {"teacher": "T-", "observer": "O-", "observation": "V-", "note": "N-", "feedback": "F-"}
# 20 hex digits (80 bits): no two ids of one export share a pseudonym in practice.
DIGITS = 20


def threshold_error(value) -> str | None:
    """Why `value` cannot be a suppression threshold; None if it can."""
    return DEFINITIONS[SETTING].checked(value)[0]


def suppression_threshold(district) -> int:
    """k of `district`: its setting if valid, else the default."""
    return settings_of(district)[SETTING]


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
