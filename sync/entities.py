"""The entities a device may sync, their wire fields, and how each field value is checked.

Each validator takes a wire value and returns its canonical form (the form every replica stores
and compares), or raises FieldError. Canonical forms: UUIDs lowercase; datetimes UTC ISO 8601
with "Z"; dates "YYYY-MM-DD".
"""
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

LOOKFOR_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")
UUID_FORM = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# The characters an ISO 8601 date and time may hold. Python's parser silently ignores some others
# (a trailing NUL, for one), and what a tablet sent must be what is stored, or refused.
DATETIME_CHARACTERS = re.compile(r"[0-9T:.,+\-Z ]+\Z")
MAX_LOOKFORS = 100


class FieldError(ValueError):
    """A field value that cannot be accepted; the message is shown to the person."""


def uuid_value(value):
    if not isinstance(value, str):
        raise FieldError("Must be a UUID string.")
    if not UUID_FORM.match(value):
        raise FieldError("Not a valid UUID.")
    return value.lower()


def unstorable(value: str) -> str | None:
    """Why no database would store this text (PostgreSQL refuses NUL and lone surrogates), or None."""
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text."
    return None


def field_label(name) -> str:
    """A field name as it may appear in an error message and be stored with it: the name itself,
    or, where no database could store it (NUL, lone surrogates), its escaped JSON form."""
    name = str(name)
    return name if unstorable(name) is None else json.dumps(name)[1:-1]


def text(max_length: int, min_length: int = 0):
    def check(value):
        if not isinstance(value, str):
            raise FieldError("Must be a string.")
        if not min_length <= len(value) <= max_length:
            raise FieldError(f"Must be {min_length} to {max_length} characters long.")
        problem = unstorable(value)
        if problem:
            raise FieldError(problem)
        return value
    return check


def integer(low: int, high: int):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError("Must be a whole number.")
        if not low <= value <= high:
            raise FieldError(f"Must be between {low} and {high}.")
        return value
    return check


def boolean(value):
    if not isinstance(value, bool):
        raise FieldError("Must be true or false.")
    return value


def one_of(*choices):
    def check(value):
        if value not in choices:
            raise FieldError(f"Must be one of: {', '.join(choices)}.")
        return value
    return check


def datetime_value(value):
    if not isinstance(value, str) or len(value) > 40:
        raise FieldError("Must be an ISO 8601 date and time string.")
    if not DATETIME_CHARACTERS.match(value):
        raise FieldError("Not a valid ISO 8601 date and time.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError("Not a valid ISO 8601 date and time.") from None
    if moment.tzinfo is None:
        raise FieldError("Must include a time zone, e.g. 'Z' for UTC.")
    try:
        return canonical_datetime(moment)
    except OverflowError:
        raise FieldError("Out of the range of dates Rounds can store.") from None


def canonical_datetime(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def date_value(value):
    if not isinstance(value, str):
        raise FieldError("Must be a date, YYYY-MM-DD.")
    if not DATE_FORM.match(value):
        raise FieldError("Not a valid date, YYYY-MM-DD.")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise FieldError("Not a valid date, YYYY-MM-DD.") from None


def optional(check):
    def allow_null(value):
        return None if value is None else check(value)
    return allow_null


_lookfor_text = text(2000)


def lookfor_value(value):
    """A look-for value: yes/no, a count or a timer's seconds, a scale level or text, or null."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not 0 <= value <= 1_000_000:
            raise FieldError("Must be between 0 and 1000000.")
        return value
    if isinstance(value, str):
        return _lookfor_text(value)
    raise FieldError("Must be true, false, a whole number, a string or null.")


def lookfors(value):
    """An object of look-for key -> value. Each key merges as a field of its own."""
    if not isinstance(value, dict):
        raise FieldError("Must be an object of look-for key to value.")
    if len(value) > MAX_LOOKFORS:
        raise FieldError(f"At most {MAX_LOOKFORS} look-fors.")
    clean = {}
    for key, item in value.items():
        if not LOOKFOR_KEY.match(key):
            raise FieldError(f"{key[:50]!r} is not a look-for key (a-z, 0-9, _; 40 at most).")
        try:
            clean[key] = lookfor_value(item)
        except FieldError as error:
            raise FieldError(f"{key}: {error}") from None
    return clean


@dataclass(frozen=True)
class Entity:
    """What may be sent for one entity. `immutable` fields are set when the record is created."""

    name: str
    fields: dict
    required_on_create: frozenset
    immutable: frozenset = frozenset()
    append_only: bool = False
    defaults: dict = field(default_factory=dict)

    def validate(self, values, creating: bool) -> tuple[dict, dict]:
        """Return (canonical values, {field: [messages]}) for the `fields` object of an op."""
        if not isinstance(values, dict):
            return {}, {"fields": ["Must be an object of field name to value."]}
        clean, errors = {}, {}
        for name, value in values.items():
            check = self.fields.get(name)
            if check is None:
                errors[field_label(name)] = ["Unknown field."]
                continue
            try:
                clean[name] = check(value)
            except FieldError as error:
                errors[name] = [str(error)]
        if creating:
            for name in self.required_on_create - values.keys():
                errors[name] = ["Required when the record is created."]
        return clean, errors


OBSERVATION = Entity(
    name="observation",
    fields={
        "school_id": uuid_value, "teacher_id": uuid_value, "observer_id": uuid_value,
        "template_id": optional(uuid_value), "template_version": optional(integer(1, 1_000_000)),
        "started_at": optional(datetime_value), "ended_at": optional(datetime_value),
        "grade": optional(text(32)), "subject": optional(text(100)), "segment": optional(text(100)),
        "students_present": optional(integer(0, 1000)),
        "teacher_doing": text(20_000), "students_doing": text(20_000), "task": text(20_000),
        "task_demand": optional(text(32)), "lookfors": lookfors,
        "status": one_of("draft", "submitted"), "deleted": boolean,
        # Links the walkthroughs of observers who co-observe one lesson (a calibration visit); set
        # once, never changed (server.authz checks that), made alike on every member's tablet.
        "co_observation_id": optional(uuid_value),
    },
    required_on_create=frozenset({"school_id", "teacher_id", "observer_id"}),
    # Who was observed, where and by whom never changes: a device told a record is gone is always
    # one whose person is still named on it, so the feed can tell the old teacher nothing.
    immutable=frozenset({"school_id", "teacher_id", "observer_id"}),
    defaults={"teacher_doing": "", "students_doing": "", "task": "", "lookfors": {}, "status": "draft",
              "deleted": False},
)

NOTE = Entity(
    name="note",
    fields={"observation_id": uuid_value, "element": one_of("teacher", "students", "task", "structure"),
            "text": text(5000, 1), "at": datetime_value, "is_inference": boolean},
    required_on_create=frozenset({"observation_id", "element", "text", "at"}),
    append_only=True,
    defaults={"is_inference": False},
)

OBSERVER_FEEDBACK_FIELDS = frozenset({"glow", "wonder", "next_step", "support_commitment", "support_due",
                                      "released", "support_kept_at", "support_kept_note"})
TEACHER_FEEDBACK_FIELDS = frozenset({"acknowledged_at", "read_at", "reflection", "usefulness",
                                     "support_requested_at", "support_confirmed"})

FEEDBACK = Entity(
    name="feedback",
    fields={
        "observation_id": uuid_value,
        "glow": text(5000), "wonder": text(5000), "next_step": text(5000),
        "support_commitment": text(5000), "support_due": optional(date_value), "released": boolean,
        "acknowledged_at": optional(datetime_value), "read_at": optional(datetime_value),
        "reflection": text(5000),
        "usefulness": optional(integer(1, 5)),
        "support_requested_at": optional(datetime_value),
        "support_kept_at": optional(datetime_value), "support_kept_note": text(2000),
        "support_confirmed": optional(one_of("yes", "no")),
    },
    required_on_create=frozenset({"observation_id"}),
    immutable=frozenset({"observation_id"}),
    defaults={"glow": "", "wonder": "", "next_step": "", "support_commitment": "", "released": False,
              "reflection": "", "support_kept_note": ""},
)

ENTITIES = {entity.name: entity for entity in (OBSERVATION, NOTE, FEEDBACK)}
