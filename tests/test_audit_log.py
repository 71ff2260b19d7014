"""GET /api/audit: admins read the audit events of the people they administer, newest first, a page
at a time; nobody else finds the route."""
import pytest

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
                                          ("?kind=" + "k" * 41, "kind"), ("?what=1", "what")])
def test_bad_paging_is_a_field_error(world, api_as, query, field):
    assert field in events(api_as(world.district_admin), query, 422)["error"]["fields"]
