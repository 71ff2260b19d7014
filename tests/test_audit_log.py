"""GET /api/audit: admins read the audit events of their scope an admin may read (sign-in failures,
device revocations, roster imports, exports, settings and school changes, changes to people), newest
first, a page at a time, filtered by kinds, actor and days; nobody else finds the route."""
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import audit
from server.extensions import db
from tests.export_helpers import ExportWorld


@pytest.fixture
def world(make):
    return ExportWorld(make)


def events(api, query="", status=200):
    response = api.get("/api/audit" + query)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_admins_see_exports_of_the_people_in_their_scope_newest_first(world, api_as):
    world.observation()
    assert api_as(world.staff).get("/api/exports/observations?format=jsonl").data
    assert api_as(world.lincoln_staff).get("/api/exports/observations?grade=4").data
    assert api_as(world.other_staff).get("/api/exports/observations").data
    shown = events(api_as(world.district_admin), "?kind=export")
    assert [e["actor_id"] for e in shown["events"]] == [world.lincoln_staff.id, world.staff.id]
    newest = shown["events"][0]
    assert newest["actor_name"] == world.lincoln_staff.name and newest["kind"] == "export"
    assert newest["detail"]["filters"] == {"grade": "4"} and newest["detail"]["identified"] is True
    assert shown["next_cursor"] is None
    school_admin = events(api_as(world.school_admin), "?kind=export")["events"]
    assert [e["actor_id"] for e in school_admin] == [world.lincoln_staff.id]
    other = events(api_as(world.other_admin), "?kind=export")["events"]
    assert [e["actor_id"] for e in other] == [world.other_staff.id]


def test_pages_follow_the_cursor_and_kind_filters(world, api_as):
    for n in range(5):
        audit.record("export", world.staff, n=n)
    audit.record("person_deactivated", world.teacher)
    db.session.commit()
    admin = api_as(world.district_admin)
    first = events(admin, "?kind=export&limit=2")
    second = events(admin, f"?kind=export&limit=2&cursor={first['next_cursor']}")
    third = events(admin, f"?kind=export&limit=2&cursor={second['next_cursor']}")
    assert [e["detail"]["n"] for page in (first, second, third) for e in page["events"]] == [4, 3, 2, 1, 0]
    assert third["next_cursor"] is None
    kinds = {e["kind"] for e in events(admin)["events"]}
    assert "person_deactivated" in kinds and "export" in kinds


def test_a_district_wide_admin_sees_command_line_exports_of_their_district_only(world, api_as):
    audit.record("export", None, subject=world.district, via="cli")
    audit.record("export", None, subject=world.other_district, via="cli")
    db.session.commit()
    [event] = events(api_as(world.district_admin), "?kind=export")["events"]
    assert event["actor_id"] is None and event["subject_id"] == world.district.id
    assert events(api_as(world.school_admin), "?kind=export")["events"] == []


@pytest.mark.parametrize("who", ["teacher", "observer", "staff", "lincoln_staff"])
def test_no_one_but_admins_finds_the_audit_log(world, api_as, who):
    assert events(api_as(getattr(world, who)), "", 404)["error"]["code"] == "not_found"
    assert events(api_as(None), "", 401)["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("query, field", [("?limit=0", "limit"), ("?limit=x", "limit"), ("?cursor=-3", "cursor"),
                                          ("?kind=" + "k" * 41, "kind"), ("?what=1", "what"),
                                          ("?kind=export&kind=login", "kind"), ("?actor=someone", "actor"),
                                          ("?from=2026-02-30", "from"), ("?from=2026-03-05&to=2026-03-01", "to")])
def test_bad_paging_is_a_field_error(world, api_as, query, field):
    assert field in events(api_as(world.district_admin), query, 422)["error"]["fields"]


def at(event, *moment):
    event.at = datetime(*moment, tzinfo=timezone.utc)
    return event


def test_kinds_actor_and_days_filter_the_list_days_in_the_districts_time_zone(world, api_as):
    """District One is in Chicago: 05:00 UTC on 2 March is still 1 March there."""
    at(audit.record("export", world.staff, n=1), 2026, 3, 2, 5)
    at(audit.record("login_failed", world.teacher, email=world.teacher.email), 2026, 3, 2, 15)
    at(audit.record("person_changed", world.district_admin, subject=world.teacher, name="New"), 2026, 3, 3, 15)
    db.session.commit()
    admin = api_as(world.district_admin)

    def kinds(query):
        return [e["kind"] for e in events(admin, query)["events"]]

    assert kinds("") == ["person_changed", "login_failed", "export"]
    assert kinds("?kind=export&kind=login_failed") == ["login_failed", "export"]
    assert kinds(f"?actor={world.staff.id}") == ["export"]
    assert kinds(f"?actor={world.other_staff.id}") == []
    assert kinds("?from=2026-03-02&to=2026-03-02") == ["login_failed"]
    assert kinds("?to=2026-03-01") == ["export"]
    assert kinds("?from=2026-03-03&kind=export") == []


def test_only_the_kinds_an_admin_reads_are_listed(world, api_as):
    for kind in ("login", "logout", "device_enrolled", "report", "template_published"):
        audit.record(kind, world.teacher)
    audit.record("login_failed", world.teacher, email=world.teacher.email)
    db.session.commit()
    assert [e["kind"] for e in events(api_as(world.district_admin))["events"]] == ["login_failed"]


def test_a_school_admin_sees_what_was_done_to_their_school_and_its_people_and_no_more(world, api_as):
    district_admin = api_as(world.district_admin)
    device = api_as(world.teacher).post("/api/devices", json={}).get_json()["device_id"]
    grant_device = api_as(world.grant_teacher).post("/api/devices", json={}).get_json()["device_id"]
    for person, device_id in ((world.teacher, device), (world.grant_teacher, grant_device)):
        assert district_admin.delete(f"/api/admin/people/{person.id}/devices/{device_id}").status_code == 200
    assert district_admin.patch(f"/api/admin/people/{world.teacher.id}", json={"name": "Alice M."}).status_code == 200
    assert district_admin.patch(f"/api/admin/schools/{world.lincoln.id}", json={"timezone": "America/Denver"}
                                ).status_code == 200
    assert district_admin.patch("/api/admin/settings", json={"settings": {"max_reminders": 4}}).status_code == 200
    audit.record("login_throttled", email=world.teacher.email)
    audit.record("login_throttled", email=world.grant_teacher.email)
    audit.record("login_throttled", email="nobody@example.org")
    db.session.commit()

    def seen(who):
        return sorted((e["kind"], e["subject_id"] or e["email"]) for e in events(api_as(who))["events"])

    about_lincoln = [("device_revoked", device), ("login_throttled", world.teacher.email),
                     ("person_changed", world.teacher.id), ("school_changed", world.lincoln.id)]
    assert seen(world.school_admin) == about_lincoln
    assert seen(world.district_admin) == sorted(about_lincoln + [
        ("device_revoked", grant_device), ("login_throttled", world.grant_teacher.email),
        ("settings_changed", world.district.id)])
    assert seen(world.other_admin) == []
    [change] = events(api_as(world.district_admin), "?kind=settings_changed")["events"]
    assert change["detail"] == {"before": {"settings": {"max_reminders": 2}},
                                "after": {"settings": {"max_reminders": 4}}}
    assert change["actor_name"] == world.district_admin.name


QUERY_KEYS = st.sampled_from(["kind", "actor", "from", "to", "limit", "cursor", "what"])
QUERY_VALUES = st.one_of(st.text(max_size=12), st.integers(-2**70, 2**70).map(str), st.uuids().map(str),
                         st.dates().map(str), st.sampled_from(["export", "login_failed", "settings_changed"]))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=5))
def test_no_query_makes_the_audit_list_fail_on_the_server(world, api_as, query):
    response = api_as(world.district_admin).get("/api/audit", query_string=query)
    assert response.status_code in (200, 422), (query, response.get_json())
    if response.status_code == 422:
        assert response.get_json()["error"]["fields"]


def test_each_event_names_its_subject_as_it_is_now_and_whose_tablet_it_was(world, api_as):
    admin = api_as(world.district_admin)
    device = api_as(world.teacher).post("/api/devices", json={"name": "Room 12 iPad"}).get_json()["device_id"]
    assert admin.delete(f"/api/admin/people/{world.teacher.id}/devices/{device}").status_code == 200
    assert admin.patch(f"/api/admin/people/{world.teacher.id}", json={"name": "Alice M."}).status_code == 200
    assert admin.patch(f"/api/admin/schools/{world.lincoln.id}", json={"name": "Lincoln Elementary"}).status_code == 200
    assert admin.patch("/api/admin/settings", json={"settings": {"max_reminders": 4}}).status_code == 200

    def named(kind):
        [event] = events(admin, f"?kind={kind}")["events"]
        return event["subject_name"], event["subject_owner_name"]

    assert named("device_revoked") == ("Room 12 iPad", "Alice M.")
    assert named("person_changed") == ("Alice M.", None)
    assert named("school_changed") == ("Lincoln Elementary", None)
    assert named("settings_changed") == ("District One", None)
    assert events(api_as(world.school_admin), "?kind=device_revoked")["events"][0]["subject_owner_name"] == "Alice M."
