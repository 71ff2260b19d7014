"""A district's feedback-loop settings, and the clock arithmetic they drive: quiet hours (when a
push may go out) and school days (how long "not acknowledged after 2 school days" is).

Settings live in `District.settings` as JSON, defined, validated and read by server.settings;
whatever is missing or not valid there takes its default, so a half-written setting never stops
reminders. All times of day are local to the school (`School.effective_timezone`), and every
moment handed in or out is an aware UTC datetime.
The arithmetic itself (`quiet_until`, `add_school_days`, ...) needs no database: it takes a zone
name and a settings dict, and `push_time` / `school_days_after` apply it to a school.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from server import settings as district_settings
from server.settings import FEEDBACK_LOOP

LOOP_SETTINGS = [setting for setting in district_settings.SETTINGS if setting.group == FEEDBACK_LOOP]
DEFAULTS = {setting.name: setting.default for setting in LOOP_SETTINGS}
# More than a week of consecutive quiet days cannot happen with at least one school day a week.
_HORIZON_DAYS = 9


def validate_settings(raw) -> tuple[dict, dict]:
    """Check settings sent by an admin: returns (clean, errors), as server.settings.validate
    (the one validation of every district setting). Only the keys given are checked."""
    return district_settings.validate(raw)


def settings_of(district) -> dict:
    """The district's settings over the defaults; a stored value that is not valid is ignored
    (server.settings.settings_of, the one reader)."""
    return district_settings.settings_of(district)


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
