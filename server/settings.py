"""A district's settings: one table of definitions, one validation, one reader.

Every setting a feature reads from `District.settings` (JSON) is defined once in SETTINGS: its
name, kind, default, bounds and the words that describe it (the admin API shows them, and
docs/settings.md says the same). `validate` checks what an admin sends, field by field, in the
API's error shape; `settings_of` reads a district's settings over the defaults, ignoring any
stored value that is not valid, so a half-written setting never stops a feature or weakens it.
No database here: a district is anything with a `settings` attribute.
"""
import copy
import re
from dataclasses import dataclass

FLAG, CLOCK, COUNT, WEEKDAYS = "flag", "clock", "count", "weekdays"
FEEDBACK_LOOP, PRIVACY = "feedback_loop", "privacy"
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str
    default: object
    group: str
    description: str
    minimum: int | None = None
    maximum: int | None = None

    def checked(self, value) -> tuple[str | None, object]:
        """(message, None) if `value` is not valid for this setting, else (None, its clean form)."""
        if self.kind == CLOCK:
            if not isinstance(value, str) or not _CLOCK.match(value):
                return "Give a time of day as HH:MM, from 00:00 to 23:59.", None
        elif self.kind == FLAG:
            if not isinstance(value, bool):
                return "Give true or false.", None
        elif self.kind == COUNT:
            if isinstance(value, bool) or not isinstance(value, int) or not self.minimum <= value <= self.maximum:
                return f"Give a whole number from {self.minimum} to {self.maximum}.", None
        elif self.kind == WEEKDAYS:
            days_ok = isinstance(value, list) and all(
                isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6 for day in value)
            if not days_ok or not value:
                return "Give at least one day, as numbers from 0 (Monday) to 6 (Sunday).", None
            return None, sorted(set(value))
        return None, value


SETTINGS = (
    Setting("quiet_enabled", FLAG, True, FEEDBACK_LOOP,
            "Hold notifications during quiet hours; false sends them at any hour."),
    Setting("quiet_start", CLOCK, "19:00", FEEDBACK_LOOP,
            "Quiet hours begin at this time of day (the school's time zone)."),
    Setting("quiet_end", CLOCK, "07:00", FEEDBACK_LOOP,
            "Quiet hours end at this time of day, the next morning if earlier than the start."),
    Setting("quiet_weekends", FLAG, True, FEEDBACK_LOOP,
            "Days that are not school days are quiet all day."),
    Setting("digest_at", CLOCK, "07:00", FEEDBACK_LOOP,
            "The morning digest goes out at or after this time of day."),
    Setting("acknowledge_after_school_days", COUNT, 2, FEEDBACK_LOOP,
            "Remind a teacher who has not acknowledged released feedback after this many school days.",
            0, 10),
    Setting("requested_after_school_days", COUNT, 2, FEEDBACK_LOOP,
            "Remind an observer of requested support not yet answered after this many school days.", 0, 10),
    Setting("due_soon_days", COUNT, 1, FEEDBACK_LOOP,
            "Say a support commitment is due soon this many school days before its due date.", 0, 10),
    Setting("max_reminders", COUNT, 2, FEEDBACK_LOOP,
            "At most this many reminders of each kind about one thing.", 0, 10),
    Setting("school_days", WEEKDAYS, [0, 1, 2, 3, 4], FEEDBACK_LOOP,
            "The days of the week that are school days, 0 (Monday) to 6 (Sunday)."),
    Setting("suppression_threshold", COUNT, 10, PRIVACY,
            "In de-identified exports, a count of fewer people than this is suppressed (k).", 2, 100),
)
DEFINITIONS = {setting.name: setting for setting in SETTINGS}
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}
NO_SUCH_SETTING = "There is no such setting."
EMPTY_NIGHT = "Quiet hours must end at another time than they start."


def validate(raw, current: dict | None = None) -> tuple[dict, dict]:
    """Check settings sent by an admin: returns (clean, errors). `clean` holds the valid given
    keys in their clean form; `errors` maps each refused key to its messages (an unknown key
    too), or "settings" to one message when `raw` is not an object. Only the given keys are
    checked, so a partial update validates on its own; with `current` (the district's settings as
    read), a quiet night left empty by the update merged over them is refused too."""
    if not isinstance(raw, dict):
        return {}, {"settings": ["Settings must be an object."]}
    clean, errors = {}, {}
    for key, value in raw.items():
        definition = DEFINITIONS.get(key)
        problem, value = definition.checked(value) if definition else (NO_SUCH_SETTING, None)
        if problem:
            errors[key] = [problem]
        else:
            clean[key] = value
    night = {**(current or {}), **clean}
    given = [key for key in ("quiet_end", "quiet_start") if key in clean]
    both_known = "quiet_start" in night and "quiet_end" in night
    if given and both_known and night["quiet_start"] == night["quiet_end"] and (current or len(given) == 2):
        errors[given[0]] = [EMPTY_NIGHT]
        del clean[given[0]]
    return clean, errors


def settings_of(district) -> dict:
    """Every setting of `district` (None: the defaults): its stored value if valid, else the default."""
    stored = getattr(district, "settings", None) or {}
    clean, _errors = validate(dict(stored))
    merged = {**copy.deepcopy(DEFAULTS), **clean}
    if merged["quiet_start"] == merged["quiet_end"]:
        merged["quiet_start"], merged["quiet_end"] = DEFAULTS["quiet_start"], DEFAULTS["quiet_end"]
    return merged
