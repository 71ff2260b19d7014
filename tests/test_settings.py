"""A district's settings: one table of definitions with one validation and one reader
(server.settings), and the admin routes that read and change them and the district's schools.
Admins of the whole district change the district; a school admin reads it and changes their own
school's name and time zone; everyone else finds nothing."""
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.analytics.privacy import suppression_threshold
from server.extensions import db
from server.loop_settings import settings_of as loop_settings_of
from server.models import AuditEvent, District, EvidenceNote, Observation, ReportDistrict, School
from server.reports import summary
from server.settings import DEFAULTS, SETTINGS, settings_of, validate
from tests.test_openapi import Conformance, call as conforming


@pytest.fixture
def world(make):
    class World:
        district = make.district("District One", timezone="America/New_York")
        lincoln = make.school(district, "Lincoln")
        grant = make.school(district, "Grant", timezone="America/Denver")
        district_admin = make.person("admin", district=district)
        school_admin = make.person("admin", school=lincoln)
        teacher = make.person("teacher", school=lincoln)
        staff = make.person("district_staff", district=district)
        other_district = make.district("District Two")
        other_admin = make.person("admin", district=other_district)
    return World


def call(api, method, url, status, **kwargs):
    response = api.open(method, url, **kwargs)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def shown(body) -> dict:
    return {setting["name"]: setting for setting in body["settings"]}


def stored(district_id) -> dict:
    db.session.expire_all()
    return db.session.get(District, district_id).settings


def events(kind) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


# --- the one table, validation and reader ------------------------------------------------------

def test_every_default_passes_its_own_validation_and_every_setting_is_described():
    assert validate(DEFAULTS) == (DEFAULTS, {})
    assert all(setting.description.endswith(".") for setting in SETTINGS)
    assert {"quiet_start", "max_reminders", "school_days", "suppression_threshold"} <= set(DEFAULTS)


def test_docs_name_every_setting_with_its_default():
    doc = (Path(__file__).parents[1] / "docs" / "settings.md").read_text()
    for setting in SETTINGS:
        assert f"| `{setting.name}` | `{json.dumps(setting.default)}` |" in doc, setting.name


def test_validation_names_each_bad_field_and_an_unknown_one():
    clean, errors = validate({"suppression_threshold": 1, "max_reminders": 10, "bedtime": "21:00",
                              "quiet_enabled": "yes"})
    assert clean == {"max_reminders": 10}
    assert errors == {"suppression_threshold": ["Give a whole number from 2 to 100."],
                      "bedtime": ["There is no such setting."], "quiet_enabled": ["Give true or false."]}
    assert validate({"suppression_threshold": 100}) == ({"suppression_threshold": 100}, {})


def test_a_partial_update_may_not_leave_an_empty_night_with_the_current_settings():
    current = settings_of(None)
    assert validate({"quiet_start": "07:00"}, current)[1] == {
        "quiet_start": ["Quiet hours must end at another time than they start."]}
    assert validate({"quiet_start": "07:00", "quiet_end": "08:00"}, current) == (
        {"quiet_start": "07:00", "quiet_end": "08:00"}, {})


def test_one_reader_serves_the_feedback_loop_and_the_privacy_threshold():
    district = District(name="D", timezone="UTC", settings={"suppression_threshold": 7, "max_reminders": 4,
                                                           "quiet_end": "never", "surprise": 1})
    read = settings_of(district)
    assert read["suppression_threshold"] == suppression_threshold(district) == 7
    assert read["max_reminders"] == loop_settings_of(district)["max_reminders"] == 4
    assert read["quiet_end"] == DEFAULTS["quiet_end"] and "surprise" not in read
    read["school_days"].append(6)
    assert settings_of(district)["school_days"] == [0, 1, 2, 3, 4]


# --- the district's settings --------------------------------------------------------------------

def test_an_admin_reads_the_district_with_every_setting_its_value_default_and_meaning(world, api_as):
    world.district.settings = {"suppression_threshold": 5, "quiet_start": "bad"}
    db.session.commit()
    body = call(api_as(world.district_admin), "GET", "/api/admin/settings", 200)
    assert (body["id"], body["name"], body["timezone"], body["may_change"]) == (
        world.district.id, "District One", "America/New_York", True)
    settings = shown(body)
    assert set(settings) == set(DEFAULTS)
    assert settings["suppression_threshold"]["value"] == 5 and settings["suppression_threshold"]["default"] == 10
    assert (settings["suppression_threshold"]["minimum"], settings["suppression_threshold"]["maximum"]) == (2, 100)
    assert settings["quiet_start"]["value"] == "19:00"
    assert all(setting["description"] for setting in body["settings"])
    school_admin = call(api_as(world.school_admin), "GET", "/api/admin/settings", 200)
    assert school_admin["may_change"] is False and shown(school_admin) == settings
    assert call(api_as(world.other_admin), "GET", "/api/admin/settings", 200)["id"] == world.other_district.id


def test_a_district_admin_changes_some_settings_and_the_change_is_audited(world, api_as):
    world.district.settings = {"max_reminders": 3}
    db.session.commit()
    body = call(api_as(world.district_admin), "PATCH", "/api/admin/settings", 200,
                json={"settings": {"suppression_threshold": 20, "school_days": [4, 0, 0], "max_reminders": 3}})
    assert shown(body)["suppression_threshold"]["value"] == 20
    assert stored(world.district.id) == {"max_reminders": 3, "suppression_threshold": 20, "school_days": [0, 4]}
    [event] = events("settings_changed")
    assert event.actor_id == world.district_admin.id and event.subject_id == world.district.id
    assert event.detail == {"before": {"settings": {"suppression_threshold": 10, "school_days": [0, 1, 2, 3, 4]}},
                            "after": {"settings": {"suppression_threshold": 20, "school_days": [0, 4]}}}
    # Nothing changed: nothing audited.
    call(api_as(world.district_admin), "PATCH", "/api/admin/settings", 200, json={"settings": {"max_reminders": 3}})
    assert len(events("settings_changed")) == 1


def test_bad_settings_are_field_errors_and_nothing_is_saved(world, api_as):
    body = call(api_as(world.district_admin), "PATCH", "/api/admin/settings", 422,
                json={"settings": {"quiet_start": "7pm", "bedtime": "21:00", "max_reminders": 2},
                      "timezone": "Mars/Olympus"})
    assert body["error"]["code"] == "invalid"
    assert set(body["error"]["fields"]) == {"timezone"}
    body = call(api_as(world.district_admin), "PATCH", "/api/admin/settings", 422,
                json={"settings": {"quiet_start": "7pm", "bedtime": "21:00", "max_reminders": 2}})
    assert body["error"]["fields"] == {"settings": {
        "quiet_start": ["Give a time of day as HH:MM, from 00:00 to 23:59."], "bedtime": ["There is no such setting."]}}
    call(api_as(world.district_admin), "PATCH", "/api/admin/settings", 422, json={"settings": {"quiet_start": "07:00"}})
    for body in ({}, {"settings": []}, {"name": " "}, {"timezone": None}):
        call(api_as(world.district_admin), "PATCH", "/api/admin/settings", 422, json=body)
    assert stored(world.district.id) == {} and events("settings_changed") == []


def test_the_district_name_and_time_zone_change_and_a_taken_name_is_a_field_error(world, api_as):
    admin = api_as(world.district_admin)
    body = call(admin, "PATCH", "/api/admin/settings", 200, json={"name": " District Uno ", "timezone": "Europe/Paris"})
    assert (body["name"], body["timezone"]) == ("District Uno", "Europe/Paris")
    [event] = events("settings_changed")
    assert event.detail == {"before": {"name": "District One", "timezone": "America/New_York"},
                            "after": {"name": "District Uno", "timezone": "Europe/Paris"}}
    refused = call(admin, "PATCH", "/api/admin/settings", 422, json={"name": "District Two"})
    assert refused["error"]["fields"] == {"name": ["Another district has this name."]}


def test_only_an_admin_of_the_whole_district_changes_it(world, api_as):
    for person, status in ((world.school_admin, 403), (world.teacher, 404), (world.staff, 404), (None, 401)):
        call(api_as(person), "PATCH", "/api/admin/settings", status, json={"settings": {"max_reminders": 1}})
    for person in (world.teacher, world.staff):
        call(api_as(person), "GET", "/api/admin/settings", 404)
    call(api_as(world.other_admin), "PATCH", "/api/admin/settings", 200, json={"settings": {"max_reminders": 1}})
    assert stored(world.district.id) == {} and stored(world.other_district.id) == {"max_reminders": 1}


def test_a_report_after_a_time_zone_change_counts_the_months_of_the_new_zone(world, api_as, app):
    """A visit on Sunday 1 March 03:00 UTC was on 28 February in New York (22:00) and on 1 March in
    Paris (04:00). The summary built in the old zone is rebuilt in the new one."""
    observer = world.teacher
    observation = Observation(id=str(uuid.uuid4()), school_id=world.lincoln.id, teacher_id=world.teacher.id,
                              observer_id=observer.id, task_demand="Recall", status="submitted",
                              started_at=datetime(2026, 3, 1, 3, tzinfo=timezone.utc))
    db.session.add(observation)
    db.session.add(EvidenceNote(id=str(uuid.uuid4()), observation_id=observation.id, author_id=observer.id,
                                element="task", text="Seen", at=observation.started_at))
    db.session.commit()

    def months():
        body = call(api_as(world.staff), "GET", "/api/reports/core", 200)
        return [m["month"] for m in body["task_demand"]["by_month"]]

    assert months() == ["2026-02"]
    db.session.expire_all()
    assert db.session.get(ReportDistrict, world.district.id).timezone == "America/New_York"
    call(api_as(world.district_admin), "PATCH", "/api/admin/settings", 200, json={"timezone": "Europe/Paris"})
    with app.app_context():
        assert world.district.id in [district.id for district in summary.unbuilt()]
    assert months() == ["2026-03"]
    db.session.expire_all()
    assert db.session.get(ReportDistrict, world.district.id).timezone == "Europe/Paris"


# --- schools ------------------------------------------------------------------------------------

def test_admins_list_the_schools_they_administer(world, api_as):
    body = call(api_as(world.district_admin), "GET", "/api/admin/schools", 200)
    assert body["schools"] == [
        {"id": world.grant.id, "name": "Grant", "timezone": "America/Denver", "effective_timezone": "America/Denver"},
        {"id": world.lincoln.id, "name": "Lincoln", "timezone": None, "effective_timezone": "America/New_York"}]
    assert [s["id"] for s in call(api_as(world.school_admin), "GET", "/api/admin/schools", 200)["schools"]] == [
        world.lincoln.id]
    assert call(api_as(world.other_admin), "GET", "/api/admin/schools", 200)["schools"] == []
    call(api_as(world.teacher), "GET", "/api/admin/schools", 404)


def test_a_district_admin_adds_a_school_with_a_name_unique_in_the_district(world, api_as):
    admin = api_as(world.district_admin)
    school = call(admin, "POST", "/api/admin/schools", 201, json={"name": " Roosevelt ", "timezone": "America/Chicago"})
    assert (school["name"], school["timezone"], school["effective_timezone"]) == (
        "Roosevelt", "America/Chicago", "America/Chicago")
    assert call(admin, "POST", "/api/admin/schools", 201, json={"name": "Adams"})["effective_timezone"] == (
        "America/New_York")
    for name in ("Lincoln", "lincoln", "ROOSEVELT"):
        body = call(admin, "POST", "/api/admin/schools", 422, json={"name": name})
        assert body["error"]["fields"] == {"name": ["Another school of the district has this name."]}
    # Another district may have a Lincoln of its own.
    call(api_as(world.other_admin), "POST", "/api/admin/schools", 201, json={"name": "Lincoln"})
    [added, _adams, _other] = events("school_added")
    assert added.actor_id == world.district_admin.id and added.subject_id == school["id"]
    assert added.detail == {"after": {"name": "Roosevelt", "timezone": "America/Chicago"}}
    call(api_as(world.school_admin), "POST", "/api/admin/schools", 403, json={"name": "Mine"})
    for body in ({}, {"name": ""}, {"name": "X", "timezone": "Nowhere"}, {"name": 3}):
        call(admin, "POST", "/api/admin/schools", 422, json=body)


def test_a_schools_name_and_time_zone_change_within_the_admins_scope(world, api_as):
    school_admin = api_as(world.school_admin)
    body = call(school_admin, "PATCH", f"/api/admin/schools/{world.lincoln.id}", 200,
                json={"name": "Lincoln Elementary", "timezone": "America/Los_Angeles"})
    assert (body["name"], body["effective_timezone"]) == ("Lincoln Elementary", "America/Los_Angeles")
    [event] = events("school_changed")
    assert event.detail == {"before": {"name": "Lincoln", "timezone": None},
                            "after": {"name": "Lincoln Elementary", "timezone": "America/Los_Angeles"}}
    # Null: back to the district's time zone; the same name in another case is its own.
    body = call(school_admin, "PATCH", f"/api/admin/schools/{world.lincoln.id}", 200,
                json={"timezone": None, "name": "LINCOLN ELEMENTARY"})
    assert (body["timezone"], body["effective_timezone"]) == (None, "America/New_York")
    refused = call(api_as(world.district_admin), "PATCH", f"/api/admin/schools/{world.grant.id}", 422,
                   json={"name": "lincoln elementary"})
    assert refused["error"]["fields"] == {"name": ["Another school of the district has this name."]}
    # Another school, another district's admin, a non-UUID: not found.
    call(school_admin, "PATCH", f"/api/admin/schools/{world.grant.id}", 404, json={"name": "Mine"})
    call(api_as(world.other_admin), "PATCH", f"/api/admin/schools/{world.lincoln.id}", 404, json={"name": "Mine"})
    call(api_as(world.district_admin), "PATCH", "/api/admin/schools/not-an-id", 404, json={"name": "Mine"})
    call(api_as(world.teacher), "PATCH", f"/api/admin/schools/{world.lincoln.id}", 404, json={"name": "Mine"})
    db.session.expire_all()
    assert db.session.get(School, world.grant.id).name == "Grant"


# --- any body at all ----------------------------------------------------------------------------

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=8)
SETTING_VALUES = st.one_of(JSON_VALUES, st.sampled_from(["07:00", "19:00", "23:59"]), st.integers(-5, 120),
                           st.lists(st.integers(-1, 8), max_size=8))
BODIES = st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={
    "name": st.one_of(JSON_VALUES, st.text(max_size=210)),
    "timezone": st.one_of(JSON_VALUES, st.sampled_from(["UTC", "Europe/Paris", "localtime", "../etc", ""])),
    "settings": st.one_of(JSON_VALUES, st.dictionaries(st.sampled_from([*DEFAULTS, "bedtime"]), SETTING_VALUES,
                                                       max_size=4))}))


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_no_body_makes_a_settings_or_school_route_fail_on_the_server(world, api_as, body):
    admin = api_as(world.district_admin)
    for method, url in (("PATCH", "/api/admin/settings"), ("POST", "/api/admin/schools"),
                        ("PATCH", f"/api/admin/schools/{world.grant.id}")):
        response = admin.open(method, url, json=body)
        assert response.status_code < 500, (url, body, response.get_json())
        if response.status_code >= 400:
            assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    # Whatever was saved reads back as valid settings.
    clean, errors = validate(settings_of(db.session.get(District, world.district.id)))
    assert errors == {}


def test_answers_conform_to_the_openapi_document(world, api_as, app, client):
    conforms = Conformance(app, client.get("/api/openapi.json").get_json())
    admin, school_admin = api_as(world.district_admin), api_as(world.school_admin)
    conforming(conforms, admin, "GET", "/api/admin/settings")
    conforming(conforms, admin, "PATCH", "/api/admin/settings", json={"settings": {"quiet_enabled": False}})
    conforming(conforms, admin, "PATCH", "/api/admin/settings", json={"settings": {"bedtime": 1}})
    conforming(conforms, school_admin, "PATCH", "/api/admin/settings", json={"timezone": "UTC"})
    conforming(conforms, admin, "GET", "/api/admin/schools")
    added = conforming(conforms, admin, "POST", "/api/admin/schools", json={"name": "Adams"}).get_json()
    conforming(conforms, admin, "POST", "/api/admin/schools", json={"name": "adams"})
    conforming(conforms, admin, "PATCH", f"/api/admin/schools/{added['id']}", json={"timezone": "UTC"})
    conforming(conforms, school_admin, "PATCH", f"/api/admin/schools/{added['id']}", json={"timezone": None})
    conforming(conforms, admin, "GET", "/api/audit?kind=school_added&kind=settings_changed&from=2026-01-01")
    assert {status for _key, status in conforms.seen} == {"200", "201", "403", "404", "422"}
