"""Quiet hours, school days and the district's loop settings.

US clocks spring forward on Sunday 2027-03-14 and fall back on Sunday 2026-11-01; New Zealand's
fall back on Sunday 2027-04-04. Times are given in UTC and commented in local time.
"""
from datetime import date, datetime, timezone

import pytest

from server.extensions import db
from server.loop_settings import (DEFAULTS, add_school_days, local_moment, clock, push_time, quiet_until,
                                  school_days_after, school_days_before, settings_of, validate_settings)

NEW_YORK, AUCKLAND = "America/New_York", "Pacific/Auckland"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def settings(**changes) -> dict:
    return {**DEFAULTS, **changes}


@pytest.mark.parametrize("now, expected", [
    (utc(2026, 10, 28, 16, 0), utc(2026, 10, 28, 16, 0)),    # Wed 12:00 EDT: at once
    (utc(2026, 10, 28, 22, 59), utc(2026, 10, 28, 22, 59)),  # Wed 18:59 EDT: at once
    (utc(2026, 10, 28, 23, 0), utc(2026, 10, 29, 11, 0)),    # Wed 19:00 EDT: Thu 07:00 EDT
    (utc(2026, 10, 29, 10, 59), utc(2026, 10, 29, 11, 0)),   # Thu 06:59 EDT: Thu 07:00 EDT
    (utc(2026, 10, 29, 11, 0), utc(2026, 10, 29, 11, 0)),    # Thu 07:00 EDT: quiet hours are over
])
def test_a_push_in_quiet_hours_waits_for_the_morning(now, expected):
    assert quiet_until(now, NEW_YORK, settings()) == expected


@pytest.mark.parametrize("now", [
    utc(2026, 10, 30, 23, 0),   # Fri 19:00 EDT
    utc(2026, 10, 31, 16, 0),   # Sat 12:00 EDT
    utc(2026, 11, 1, 6, 30),    # Sun 01:30 EST, the second time the clock reads it
    utc(2026, 11, 1, 17, 0),    # Sun 12:00 EST
    utc(2026, 11, 2, 11, 30),   # Mon 06:30 EST
])
def test_a_weekend_push_waits_for_monday_seven_across_the_fall_back(now):
    assert quiet_until(now, NEW_YORK, settings()) == utc(2026, 11, 2, 12, 0)  # Mon 07:00 EST


def test_a_weekend_push_waits_for_monday_seven_across_the_spring_forward():
    saturday_noon = utc(2027, 3, 13, 17, 0)  # Sat 12:00 EST
    assert quiet_until(saturday_noon, NEW_YORK, settings()) == utc(2027, 3, 15, 11, 0)  # Mon 07:00 EDT


def test_friday_evening_is_quiet_until_monday_in_auckland_too():
    friday_evening = utc(2026, 10, 30, 7, 0)  # Fri 20:00 NZDT
    assert quiet_until(friday_evening, AUCKLAND, settings()) == utc(2026, 11, 1, 18, 0)  # Mon 07:00 NZDT


def test_the_same_moment_is_quiet_in_one_zone_and_not_in_another():
    moment = utc(2026, 10, 28, 23, 30)  # Wed 19:30 EDT, Thu 12:30 NZDT
    assert quiet_until(moment, NEW_YORK, settings()) == utc(2026, 10, 29, 11, 0)
    assert quiet_until(moment, AUCKLAND, settings()) == moment


def test_weekends_are_not_quiet_when_the_district_says_so():
    saturday_noon = utc(2026, 10, 31, 16, 0)
    assert quiet_until(saturday_noon, NEW_YORK, settings(quiet_weekends=False)) == saturday_noon
    saturday_night = utc(2026, 11, 1, 1, 0)  # Sat 21:00 EDT
    assert quiet_until(saturday_night, NEW_YORK, settings(quiet_weekends=False)) == utc(2026, 11, 1, 12, 0)


def test_nothing_is_held_when_quiet_hours_are_off():
    saturday_night = utc(2026, 11, 1, 1, 0)
    assert quiet_until(saturday_night, NEW_YORK, settings(quiet_enabled=False)) == saturday_night


def test_a_six_day_school_week_has_only_sunday_quiet():
    saturday_noon = utc(2026, 10, 31, 16, 0)
    six_days = settings(school_days=[0, 1, 2, 3, 4, 5])
    assert quiet_until(saturday_noon, NEW_YORK, six_days) == saturday_noon
    assert quiet_until(utc(2026, 11, 1, 1, 0), NEW_YORK, six_days) == utc(2026, 11, 2, 12, 0)


def test_quiet_hours_that_end_at_a_skipped_time_end_when_the_clock_jumps():
    """02:30 does not exist on 2027-03-14 in New York: at 02:00 EST the clock reads 03:00 EDT."""
    late = settings(quiet_start="23:00", quiet_end="02:30", quiet_weekends=False)
    just_before = utc(2027, 3, 14, 6, 59)  # 01:59 EST
    assert quiet_until(just_before, NEW_YORK, late) == utc(2027, 3, 14, 7, 0)  # 03:00 EDT
    assert quiet_until(utc(2027, 3, 14, 7, 0), NEW_YORK, late) == utc(2027, 3, 14, 7, 0)


def test_quiet_hours_that_end_at_a_repeated_time_end_the_second_time_the_clock_reads_it():
    """01:30 comes twice on 2026-11-01 in New York; the clock reads quiet hours until the second."""
    late = settings(quiet_start="23:00", quiet_end="01:30", quiet_weekends=False)
    after_the_first = utc(2026, 11, 1, 5, 45)  # 01:45 EDT
    assert quiet_until(after_the_first, NEW_YORK, late) == utc(2026, 11, 1, 6, 30)  # 01:30 EST
    assert quiet_until(utc(2026, 11, 1, 6, 30), NEW_YORK, late) == utc(2026, 11, 1, 6, 30)


def test_local_moment_resolves_skipped_and_repeated_times():
    assert local_moment(date(2027, 3, 14), clock("02:30"), NEW_YORK) == utc(2027, 3, 14, 7, 0)
    assert local_moment(date(2026, 11, 1), clock("01:30"), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    assert local_moment(date(2026, 11, 1), clock("01:30"), NEW_YORK, latest=True) == utc(2026, 11, 1, 6, 30)
    # Auckland falls back at 03:00 NZDT on 2027-04-04: 02:30 comes twice.
    assert local_moment(date(2027, 4, 4), clock("02:30"), AUCKLAND) == utc(2027, 4, 3, 13, 30)
    assert local_moment(date(2027, 4, 4), clock("02:30"), AUCKLAND, latest=True) == utc(2027, 4, 3, 14, 30)


@pytest.mark.parametrize("start, n, expected", [
    (utc(2026, 10, 26, 14, 0), 2, utc(2026, 10, 28, 14, 0)),  # Mon 10:00 EDT -> Wed 10:00 EDT
    (utc(2026, 10, 29, 14, 0), 2, utc(2026, 11, 2, 15, 0)),   # Thu 10:00 EDT -> Mon 10:00 EST
    (utc(2026, 10, 31, 14, 0), 1, utc(2026, 11, 2, 15, 0)),   # Sat 10:00 EDT -> Mon 10:00 EST
    (utc(2027, 3, 12, 15, 0), 2, utc(2027, 3, 16, 14, 0)),    # Fri 10:00 EST -> Tue 10:00 EDT
    (utc(2027, 3, 12, 15, 0), 0, utc(2027, 3, 12, 15, 0)),
])
def test_school_days_are_counted_on_the_local_calendar_skipping_weekends(start, n, expected):
    assert add_school_days(start, n, NEW_YORK, settings()) == expected


def test_school_days_before_skip_the_weekend():
    monday = date(2026, 11, 2)
    assert school_days_before(monday, 1, settings()) == date(2026, 10, 30)
    assert school_days_before(monday, 0, settings()) == monday


def test_validation_refuses_unknown_keys_bad_times_and_counts_out_of_range():
    clean, errors = validate_settings({
        "quiet_start": "7pm", "quiet_end": "24:00", "digest_at": "06:45", "max_reminders": 11,
        "due_soon_days": True, "acknowledge_after_school_days": 3, "quiet_weekends": "yes",
        "school_days": [1, 1, 0, 7], "bedtime": "21:00",
    })
    assert clean == {"digest_at": "06:45", "acknowledge_after_school_days": 3}
    assert set(errors) == {"quiet_start", "quiet_end", "max_reminders", "due_soon_days", "quiet_weekends",
                           "school_days", "bedtime"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())


def test_validation_cleans_school_days_and_refuses_an_empty_week_or_an_empty_night():
    assert validate_settings({"school_days": [4, 0, 0, 2]}) == ({"school_days": [0, 2, 4]}, {})
    assert "school_days" in validate_settings({"school_days": []})[1]
    assert "quiet_end" in validate_settings({"quiet_start": "20:00", "quiet_end": "20:00"})[1]
    assert "settings" in validate_settings(["quiet_start"])[1]


def test_district_settings_override_the_defaults_and_bad_stored_values_are_ignored(make):
    district = make.district(timezone=NEW_YORK)
    district.settings = {"max_reminders": 3, "quiet_end": "not a time", "surprise": 1}
    db.session.commit()
    merged = settings_of(district)
    assert merged["max_reminders"] == 3
    assert merged["quiet_end"] == DEFAULTS["quiet_end"]
    assert "surprise" not in merged
    assert merged["school_days"] == [0, 1, 2, 3, 4]


def test_push_time_uses_the_schools_zone_else_the_districts(make):
    district = make.district(timezone=NEW_YORK)
    in_new_york = make.school(district)
    in_auckland = make.school(district, timezone=AUCKLAND)
    evening_in_new_york = utc(2026, 10, 28, 23, 30)  # Wed 19:30 EDT, Thu 12:30 NZDT
    assert push_time(evening_in_new_york, in_new_york) == utc(2026, 10, 29, 11, 0)
    assert push_time(evening_in_new_york, in_auckland) == evening_in_new_york


def test_push_time_and_school_days_follow_the_districts_settings(make):
    district = make.district(timezone=NEW_YORK)
    district.settings = {"quiet_enabled": False, "school_days": [0, 1, 2, 3, 4, 5]}
    db.session.commit()
    school = make.school(district)
    saturday_night = utc(2026, 11, 1, 1, 0)
    assert push_time(saturday_night, school) == saturday_night
    # Fri 10:00 EDT, one school day on is Saturday in this district.
    assert school_days_after(utc(2026, 10, 30, 14, 0), 1, school) == utc(2026, 10, 31, 14, 0)
