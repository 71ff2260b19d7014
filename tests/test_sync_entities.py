"""What a device may send (sync.entities): every field's canonical form and every refusal, with
the message the person sees. No database."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from sync.entities import (ENTITIES, FEEDBACK, MAX_LOOKFORS, NOTE, OBSERVATION, FieldError, boolean,
                           date_value, datetime_value, integer, lookfors, one_of, optional, text,
                           uuid_value)

SCHOOL = "6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"
TEACHER = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
OBSERVER = "9f8e7d6c-5b4a-4c2d-8e1f-0a9b8c7d6e5f"


def refusal(check, value) -> str:
    with pytest.raises(FieldError) as raised:
        check(value)
    return str(raised.value)


def test_uuids_are_stored_lowercase():
    assert uuid_value(SCHOOL.upper()) == SCHOOL
    assert uuid_value(SCHOOL) == SCHOOL


@pytest.mark.parametrize("spelling", ["{" + SCHOOL + "}", "urn:uuid:" + SCHOOL, SCHOOL.replace("-", ""),
                                      "0x" + SCHOOL.replace("-", "")[2:]])
def test_only_the_hyphenated_form_of_a_uuid_is_accepted(spelling):
    assert refusal(uuid_value, spelling) == "Not a valid UUID."


@pytest.mark.parametrize("value", [None, 12, True, [SCHOOL], {"id": SCHOOL}])
def test_a_uuid_must_be_a_string(value):
    assert refusal(uuid_value, value) == "Must be a UUID string."


@pytest.mark.parametrize("value", ["", "not-a-uuid", SCHOOL[:-1], SCHOOL + "0", SCHOOL.replace("a", "g")])
def test_a_malformed_uuid_is_refused(value):
    assert refusal(uuid_value, value) == "Not a valid UUID."


@pytest.mark.parametrize("wire, canonical", [
    ("2024-03-05T09:15:00Z", "2024-03-05T09:15:00Z"),
    ("2024-03-05T09:15:00+00:00", "2024-03-05T09:15:00Z"),
    ("2024-03-05T11:15:00+02:00", "2024-03-05T09:15:00Z"),
    ("2024-03-05T01:45:00-07:30", "2024-03-05T09:15:00Z"),
    ("2024-03-05T00:30:00+01:00", "2024-03-04T23:30:00Z"),  # the offset moves the date
    ("2024-03-05T09:15:00.250Z", "2024-03-05T09:15:00.250000Z"),
    ("2024-03-05T09:15:00.000Z", "2024-03-05T09:15:00Z"),
])
def test_datetimes_are_stored_in_utc_with_z(wire, canonical):
    assert datetime_value(wire) == canonical


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.builds(lambda minutes: timezone(timedelta(minutes=minutes)),
                                        st.integers(-14 * 60, 14 * 60))))
def test_one_instant_has_one_canonical_form(moment):
    canonical = datetime_value(moment.isoformat())
    assert canonical.endswith("Z")
    assert datetime_value(canonical) == canonical
    assert canonical == datetime_value(moment.astimezone(timezone.utc).isoformat())
    assert datetime.fromisoformat(canonical) == moment


@pytest.mark.parametrize("naive", ["2024-03-05T09:15:00", "2024-03-05"])
def test_a_datetime_without_a_time_zone_is_refused(naive):
    assert refusal(datetime_value, naive) == "Must include a time zone, e.g. 'Z' for UTC."


@pytest.mark.parametrize("value, message", [
    (None, "Must be an ISO 8601 date and time string."),
    (1709630100, "Must be an ISO 8601 date and time string."),
    ("2024-03-05T09:15:00.000000000000000000000Z", "Must be an ISO 8601 date and time string."),
    ("yesterday", "Not a valid ISO 8601 date and time."),
    ("2024-02-30T09:15:00Z", "Not a valid ISO 8601 date and time."),
    ("2024-03-05T25:00:00Z", "Not a valid ISO 8601 date and time."),
])
def test_a_malformed_datetime_is_refused(value, message):
    assert refusal(datetime_value, value) == message


@pytest.mark.parametrize("edge", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_datetime_outside_the_utc_range_is_a_field_error(edge):
    with pytest.raises(FieldError):
        datetime_value(edge)


def test_dates_are_stored_as_yyyy_mm_dd():
    assert date_value("2024-02-29") == "2024-02-29"


@pytest.mark.parametrize("value, message", [
    (None, "Must be a date, YYYY-MM-DD."),
    (20240229, "Must be a date, YYYY-MM-DD."),
    ("2024-2-29", "Not a valid date, YYYY-MM-DD."),
    ("2024-02-29T00:00:00Z", "Not a valid date, YYYY-MM-DD."),
    ("2023-02-29", "Not a valid date, YYYY-MM-DD."),
    ("2024/02/29", "Not a valid date, YYYY-MM-DD."),
])
def test_a_malformed_date_is_refused(value, message):
    assert refusal(date_value, value) == message


def test_text_within_its_limits_is_kept_as_sent():
    check = text(5, min_length=1)
    assert check("a") == "a"
    assert check("héllo") == "héllo"
    assert check("🙂" * 5) == "🙂" * 5


@pytest.mark.parametrize("value, message", [
    ("", "Must be 1 to 5 characters long."),
    ("abcdef", "Must be 1 to 5 characters long."),
    (5, "Must be a string."),
    (None, "Must be a string."),
    (["a"], "Must be a string."),
    ("a\x00b", "Must not contain NUL characters."),
    ("a\ud800b", "Must be valid Unicode text."),
    ("\udfff", "Must be valid Unicode text."),
])
def test_text_refusals(value, message):
    assert refusal(text(5, min_length=1), value) == message


def test_integers_in_range_are_kept():
    check = integer(1, 5)
    assert [check(n) for n in (1, 3, 5)] == [1, 3, 5]


@pytest.mark.parametrize("value, message", [
    (True, "Must be a whole number."),
    (False, "Must be a whole number."),
    (3.0, "Must be a whole number."),
    ("3", "Must be a whole number."),
    (None, "Must be a whole number."),
    (0, "Must be between 1 and 5."),
    (6, "Must be between 1 and 5."),
])
def test_integer_refusals(value, message):
    assert refusal(integer(1, 5), value) == message


def test_booleans_are_kept():
    assert boolean(True) is True
    assert boolean(False) is False


@pytest.mark.parametrize("value", [1, 0, "true", "false", None, 1.0])
def test_only_true_or_false_is_a_boolean(value):
    assert refusal(boolean, value) == "Must be true or false."


def test_one_of_keeps_a_choice_and_names_the_choices_when_refusing():
    status = one_of("draft", "submitted")
    assert status("submitted") == "submitted"
    assert refusal(status, "Draft") == "Must be one of: draft, submitted."
    assert refusal(status, ["draft"]) == "Must be one of: draft, submitted."


def test_optional_allows_null_and_checks_anything_else():
    check = optional(integer(0, 10))
    assert check(None) is None
    assert check(4) == 4
    assert refusal(check, True) == "Must be a whole number."


@pytest.mark.parametrize("key", ["a", "wait_time", "q1", "a" + "b" * 39])
def test_look_for_keys_that_are_accepted(key):
    assert lookfors({key: True}) == {key: True}


@pytest.mark.parametrize("key", ["", "1a", "_a", "Wait", "wait-time", "wait.time", "wait time", "é",
                                 "a" + "b" * 40, "a\n"])
def test_look_for_keys_that_are_refused(key):
    assert "is not a look-for key (a-z, 0-9, _; 40 at most)." in refusal(lookfors, {key: True})


@pytest.mark.parametrize("value", [True, False, None, 0, 7, 1_000_000, "", "Proficient", "x" * 2000])
def test_look_for_value_kinds_that_are_accepted(value):
    assert lookfors({"k": value}) == {"k": value}


@pytest.mark.parametrize("value, message", [
    (-1, "k: Must be between 0 and 1000000."),
    (1_000_001, "k: Must be between 0 and 1000000."),
    (1.5, "k: Must be true, false, a whole number, a string or null."),
    ([1], "k: Must be true, false, a whole number, a string or null."),
    ({"a": 1}, "k: Must be true, false, a whole number, a string or null."),
    ("x" * 2001, "k: Must be 0 to 2000 characters long."),
    ("a\x00", "k: Must not contain NUL characters."),
    ("\ud800", "k: Must be valid Unicode text."),
])
def test_look_for_value_refusals_name_the_key(value, message):
    assert refusal(lookfors, {"k": value}) == message


def test_look_fors_must_be_an_object_of_at_most_a_hundred():
    assert refusal(lookfors, [["k", True]]) == "Must be an object of look-for key to value."
    assert refusal(lookfors, None) == "Must be an object of look-for key to value."
    hundred = {f"k{n}": n for n in range(MAX_LOOKFORS)}
    assert lookfors(hundred) == hundred
    assert refusal(lookfors, {**hundred, "one_more": 1}) == "At most 100 look-fors."


def test_entities_by_wire_name():
    assert ENTITIES == {"observation": OBSERVATION, "note": NOTE, "feedback": FEEDBACK}


@pytest.mark.parametrize("entity, names", [
    (OBSERVATION, "school_id teacher_id observer_id template_id template_version started_at ended_at "
                  "grade subject segment students_present teacher_doing students_doing task task_demand "
                  "lookfors status deleted"),
    (NOTE, "observation_id element text at is_inference"),
    (FEEDBACK, "observation_id glow wonder next_step support_commitment support_due released "
               "acknowledged_at reflection usefulness"),
])
def test_every_wire_field_named_in_the_contract_is_accepted(entity, names):
    assert set(names.split()) <= set(entity.fields)


def test_validate_returns_canonical_values():
    clean, errors = OBSERVATION.validate({
        "school_id": SCHOOL.upper(), "teacher_id": TEACHER, "observer_id": OBSERVER,
        "started_at": "2024-03-05T11:15:00+02:00", "lookfors": {"wait_time": 4}, "status": "draft",
    }, creating=True)
    assert errors == {}
    assert clean == {"school_id": SCHOOL, "teacher_id": TEACHER, "observer_id": OBSERVER,
                     "started_at": "2024-03-05T09:15:00Z", "lookfors": {"wait_time": 4}, "status": "draft"}


def test_validate_reports_each_bad_field_on_its_own():
    clean, errors = OBSERVATION.validate({
        "status": "done", "students_present": True, "deleted": 1, "grade": "5", "colour": "red",
    }, creating=False)
    assert clean == {"grade": "5"}
    assert errors == {"status": ["Must be one of: draft, submitted."],
                      "students_present": ["Must be a whole number."],
                      "deleted": ["Must be true or false."],
                      "colour": ["Unknown field."]}


def test_required_fields_only_when_the_record_is_created():
    _, errors = OBSERVATION.validate({"status": "draft"}, creating=True)
    assert errors == {name: ["Required when the record is created."]
                      for name in ("school_id", "teacher_id", "observer_id")}
    assert OBSERVATION.validate({"status": "draft"}, creating=False) == ({"status": "draft"}, {})


def test_a_required_field_sent_with_a_bad_value_says_what_is_wrong_with_it():
    note = {"observation_id": "x", "element": "teacher", "text": "", "at": "2024-03-05T09:15:00Z"}
    _, errors = NOTE.validate(note, creating=True)
    assert errors == {"observation_id": ["Not a valid UUID."], "text": ["Must be 1 to 5000 characters long."]}


@pytest.mark.parametrize("values", [None, [], "status=draft", [["status", "draft"]]])
def test_validate_wants_an_object(values):
    expected = ({}, {"fields": ["Must be an object of field name to value."]})
    assert OBSERVATION.validate(values, creating=False) == expected


@pytest.mark.parametrize("usefulness, ok", [(1, True), (5, True), (None, True), (0, False), (6, False), (True, False)])
def test_feedback_usefulness_is_one_to_five(usefulness, ok):
    _, errors = FEEDBACK.validate({"usefulness": usefulness}, creating=False)
    assert (errors == {}) is ok


@pytest.mark.parametrize("entity, name, longest", [(OBSERVATION, "grade", 32), (OBSERVATION, "subject", 100),
                                                   (OBSERVATION, "task", 20_000), (NOTE, "text", 5000),
                                                   (FEEDBACK, "reflection", 5000)])
def test_text_fields_have_length_limits(entity, name, longest):
    assert entity.validate({name: "x" * longest}, creating=False) == ({name: "x" * longest}, {})
    _, errors = entity.validate({name: "x" * (longest + 1)}, creating=False)
    assert errors[name][0].endswith(f"to {longest} characters long.")
