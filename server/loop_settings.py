"""A district's feedback-loop settings, and the clock arithmetic they drive: quiet hours (when a
push may go out) and school days (how long "not acknowledged after 2 school days" is).

Settings live in `District.settings` as JSON; whatever is missing or not valid there takes the
default below, so a half-written setting never stops reminders. All times of day are local to the
school (`School.effective_timezone`), and every moment handed in or out is an aware UTC datetime.
The arithmetic itself (`quiet_until`, `add_school_days`, ...) needs no database: it takes a zone
name and a settings dict, and `push_time` / `school_days_after` apply it to a school.
"""
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULTS = {
    "quiet_enabled": True,
    "quiet_start": "19:00",
    "quiet_end": "07:00",
    "quiet_weekends": True,          # days that are not school days are quiet all day
    "digest_at": "07:00",            # the morning digest goes out at or after this local time
    "acknowledge_after_school_days": 2,
    "requested_after_school_days": 2,
    "due_soon_days": 1,              # "due tomorrow": this many school days before the due date
    "max_reminders": 2,              # per item and kind of reminder
    "school_days": [0, 1, 2, 3, 4],  # Monday is 0, as in date.weekday()
}
TIME_KEYS = ("quiet_start", "quiet_end", "digest_at")
FLAG_KEYS = ("quiet_enabled", "quiet_weekends")
COUNT_KEYS = ("acknowledge_after_school_days", "requested_after_school_days", "due_soon_days", "max_reminders")
MAX_COUNT = 10
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# More than a week of consecutive quiet days cannot happen with at least one school day a week.
_HORIZON_DAYS = 9


def validate_settings(raw) -> tuple[dict, dict]:
    """Check settings sent by an admin: returns (clean, errors). `clean` holds the valid given keys
    (school days sorted, each once); `errors` maps a field to its messages, in the API's error shape.
    Only the keys given are checked, so a partial update validates on its own."""
    if not isinstance(raw, dict):
        return {}, {"settings": ["Settings must be an object."]}
    clean, errors = {}, {}
    for key, value in raw.items():
        problem, value = _check(key, value)
        if problem:
            errors[key] = [problem]
        else:
            clean[key] = value
    if "quiet_start" in clean and clean.get("quiet_start") == clean.get("quiet_end"):
        errors["quiet_end"] = ["Quiet hours must end at another time than they start."]
        del clean["quiet_end"]
    return clean, errors


def _check(key: str, value) -> tuple[str | None, object]:
    """(message, None) if `value` is not valid for `key`, else (None, its clean form)."""
    if key in TIME_KEYS:
        if not isinstance(value, str) or not _CLOCK.match(value):
            return "Give a time of day as HH:MM, from 00:00 to 23:59.", None
    elif key in FLAG_KEYS:
        if not isinstance(value, bool):
            return "Give true or false.", None
    elif key in COUNT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            return f"Give a whole number from 0 to {MAX_COUNT}.", None
    elif key == "school_days":
        days_ok = isinstance(value, list) and all(
            isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6 for day in value)
        if not days_ok or not value:
            return "Give at least one day, as numbers from 0 (Monday) to 6 (Sunday).", None
        return None, sorted(set(value))
    else:
        return "There is no such setting.", None
    return None, value


def settings_of(district) -> dict:
    """The district's settings over the defaults; a stored value that is not valid is ignored."""
    clean, _errors = validate_settings(dict(district.settings or {}) if district is not None else {})
    merged = {**DEFAULTS, **clean}
    if merged["quiet_start"] == merged["quiet_end"]:
        merged["quiet_start"], merged["quiet_end"] = DEFAULTS["quiet_start"], DEFAULTS["quiet_end"]
    return merged


def clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_school_day(day: date, settings: dict) -> bool:
    return day.weekday() in settings["school_days"]


def local_moment(day: date, at: time, zone: str, *, latest: bool = False) -> datetime:
    """The UTC moment the clock in `zone` reads `at` on `day`.

    A time skipped by a spring-forward change resolves to the moment of the change (the first
    moment the clock reads later than `at`); a time repeated by a fall-back change resolves to
    its first occurrence, or with `latest` to its second (the last moment the clock reads it).
    """
    wall = datetime.combine(day, at)
    tz = ZoneInfo(zone)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)
    if first == second:
        return first
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return second if latest else first
    return _change_between(second, first, tz)


def _change_between(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The moment the UTC offset of `tz` changes, between `before` and `after` (to the second)."""
    offset_after = after.astimezone(tz).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(tz).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)


def quiet_spans(first_day: date, days: int, zone: str, settings: dict) -> list[tuple[datetime, datetime]]:
    """The quiet stretches [start, end) that begin on `days` local days from `first_day`: each
    night from quiet_start to quiet_end, and each whole day that is not a school day when
    quiet_weekends. A stretch starts at the first moment its clock time is reached and ends at the
    last, so no push goes out while the local clock reads quiet hours."""
    if not settings["quiet_enabled"]:
        return []
    start, end = clock(settings["quiet_start"]), clock(settings["quiet_end"])
    spans = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        end_day = day + timedelta(days=1) if end < start else day
        spans.append((local_moment(day, start, zone), local_moment(end_day, end, zone, latest=True)))
        if settings["quiet_weekends"] and not is_school_day(day, settings):
            spans.append((local_moment(day, time(0), zone),
                          local_moment(day + timedelta(days=1), time(0), zone, latest=True)))
    return sorted(spans)


def quiet_until(now_utc: datetime, zone: str, settings: dict) -> datetime:
    """`now_utc` if a push may go out then in `zone`, else the moment quiet hours end there
    (through any weekend that follows the night)."""
    local_day = now_utc.astimezone(ZoneInfo(zone)).date()
    moment = now_utc
    for start, end in quiet_spans(local_day - timedelta(days=1), _HORIZON_DAYS, zone, settings):
        if start <= moment < end:
            moment = end
    return moment


def add_school_days(start_utc: datetime, n: int, zone: str, settings: dict) -> datetime:
    """The moment the local clock reads the same time as at `start_utc`, on the n-th school day
    after the local date of `start_utc` (a start on a weekend counts from the next school day)."""
    if n <= 0:
        return start_utc
    local = start_utc.astimezone(ZoneInfo(zone))
    day, counted = local.date(), 0
    while counted < n:
        day += timedelta(days=1)
        counted += is_school_day(day, settings)
    return local_moment(day, local.time().replace(tzinfo=None), zone)


def school_days_before(day: date, n: int, settings: dict) -> date:
    """The school day n school days before `day` (`day` itself when n is 0)."""
    counted = 0
    while counted < n:
        day -= timedelta(days=1)
        counted += is_school_day(day, settings)
    return day


def push_time(now_utc: datetime, school) -> datetime:
    """When a push made at `now_utc` about something at `school` may go out (quiet hours)."""
    return quiet_until(now_utc, school.effective_timezone, settings_of(school.district))


def school_days_after(start_utc: datetime, n: int, school) -> datetime:
    """The moment n school days after `start_utc`, counted in the school's time zone."""
    return add_school_days(start_utc, n, school.effective_timezone, settings_of(school.district))
