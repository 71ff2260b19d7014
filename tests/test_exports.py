"""District staff export the submitted observations of the schools they study: exactly those, whole,
in files their spreadsheets and scripts read, and every export is in the audit log."""
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from server.analytics.tables import TABLES
from server.extensions import db
from server.models import AuditEvent
from tests.export_helpers import T0, ExportWorld, csv_rows, jsonl_rows, zip_tables

URL = "/api/exports/observations"


@pytest.fixture
def world(make):
    return ExportWorld(make)


def export(api, query="", status=200):
    response = api.get(URL + query)
    assert response.status_code == status, response.get_data()[:500]
    return response


def exported_ids(api, query="") -> set:
    return {row["observation_id"] for row in csv_rows(export(api, query).data)}


def audit_events(kind="export") -> list:
    """Audit events read on a connection of their own: while a streamed answer is suspended, its
    request's context (and database session) is the current one in this thread."""
    engine = create_engine(db.engine.url)
    try:
        with Session(engine) as session:
            return session.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)).all()
    finally:
        engine.dispose()


def test_the_csv_holds_every_value_of_each_submitted_observation(world, api_as):
    observation_id = world.full_observation()
    response = export(api_as(world.staff))
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="rounds-observations-')
    assert response.headers["Cache-Control"] == "no-store"
    [row] = csv_rows(response.data)
    assert list(row) == [column.name for column in TABLES[0].columns]
    assert row == {
        "observation_id": observation_id, "school_id": world.lincoln.id, "school_name": "Lincoln",
        "teacher_id": world.teacher.id, "teacher_name": "Alice Moreno", "teacher_email": world.teacher.email,
        "observer_id": world.observer.id, "observer_name": "Maria Lopez", "observer_email": world.observer.email,
        "template_id": world.template, "template_name": "Core walkthrough", "template_version": "2",
        "started_at": "2026-03-02T15:00:00Z", "ended_at": "2026-03-02T15:12:00Z", "grade": "4", "subject": "Math",
        "segment": "Work time", "students_present": "24", "teacher_doing": 'Asks "why?", then waits',
        "students_doing": "Pairs explain, line one\nline two", "task": "Compare 3/4 and 5/8 — déjà vu ✓",
        "task_demand": "Strategic thinking", "submitted_at": row["submitted_at"], "updated_at": row["updated_at"],
    }
    assert row["submitted_at"].endswith("Z") and row["updated_at"].endswith("Z")


def test_the_zip_is_a_data_package_of_every_table_with_every_column_described(world, api_as):
    observation_id = world.full_observation()
    response = export(api_as(world.staff), "?format=zip")
    assert response.mimetype == "application/zip"
    tables, package = zip_tables(response.data)
    assert package["profile"] == "tabular-data-package"
    assert [r["name"] for r in package["resources"]] == ["observations", "notes", "lookfor_values", "feedback"]
    for resource, table in zip(package["resources"], TABLES):
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == table.names() == list(tables[table.name][0])
        assert all(f["type"] in {"string", "integer", "boolean", "datetime", "date"} and f["description"]
                   for f in fields)
        assert resource["dialect"]["lineTerminator"] == "\r\n"
    notes = tables["notes"]
    assert [(n["observation_id"], n["text"], n["is_inference"], n["author_name"]) for n in notes] == [
        (observation_id, "S: 'because the tens'", "false", "Maria Lopez"),
        (observation_id, "'=HYPERLINK(\"http://evil\")", "true", "Maria Lopez")]
    assert sorted((v["key"], v["label"], v["kind"], v["value"]) for v in tables["lookfor_values"]) == [
        ("demand", "Task demand", "scale", "Strategic thinking"),
        ("note", "Anything else", "text", "Calm, focused"),
        ("target_posted", "Target posted", "yes_no", "true"),
        ("turns", "Student talk turns", "count", "7")]
    assert {v["template_version"] for v in tables["lookfor_values"]} == {"2"}
    [feedback] = tables["feedback"]
    assert {k: feedback[k] for k in ("observation_id", "next_step", "support_due", "acknowledged_at", "read_at",
                                     "reflection", "usefulness", "support_kept_note", "support_confirmed",
                                     "support_requested_at", "support_kept_at")} == {
        "observation_id": observation_id, "next_step": "'-Wait longer", "support_due": "2026-03-10",
        "acknowledged_at": "2026-03-03T15:00:00Z", "read_at": "2026-03-03T11:00:00Z", "reflection": "'+1, useful",
        "usefulness": "4", "support_kept_note": "'@done", "support_confirmed": "yes",
        "support_requested_at": "2026-03-04T15:00:00Z", "support_kept_at": "2026-03-09T15:00:00Z"}


def test_jsonl_is_one_object_per_line_with_values_as_written(world, api_as):
    world.full_observation()
    world.observation(started=T0 + timedelta(days=1))
    response = export(api_as(world.staff), "?format=jsonl")
    assert response.mimetype == "application/x-ndjson"
    assert response.data.count(b"\n") == 2
    first, second = jsonl_rows(response.data)
    assert first["students_present"] == 24 and first["template_version"] == 2
    assert first["students_doing"] == "Pairs explain, line one\nline two"
    assert first["started_at"] == "2026-03-02T15:00:00Z"
    assert second["grade"] is None and second["teacher_doing"] == ""


def test_drafts_deleted_and_other_districts_observations_are_never_exported(world, api_as):
    kept = world.observation()
    grant = world.observation(school=world.grant)
    world.observation(status="draft")
    world.observation(deleted=True)
    far = world.observation(school=world.far_school)
    assert exported_ids(api_as(world.staff)) == {kept, grant}
    assert exported_ids(api_as(world.lincoln_staff)) == {kept}
    assert exported_ids(api_as(world.other_staff)) == {far}
    tables, _ = zip_tables(export(api_as(world.lincoln_staff), "?format=zip").data)
    assert {row["observation_id"] for row in tables["observations"]} == {kept}


def test_unreleased_feedback_is_not_exported(world, api_as):
    world.observation(feedback={"glow": "Not yet shared", "released": False})
    tables, _ = zip_tables(export(api_as(world.staff), "?format=zip").data)
    assert len(tables["observations"]) == 1 and tables["feedback"] == []


@pytest.mark.parametrize("who", ["teacher", "observer", "school_admin", "district_admin", "other_admin"])
def test_only_district_staff_may_export_anyone_else_finds_nothing(world, api_as, who):
    world.observation()
    response = api_as(getattr(world, who)).get(URL + "?format=zip")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert api_as(None).get(URL).status_code == 401
    assert audit_events() == []


def test_filters_narrow_the_export(world, api_as):
    march_2 = world.full_observation()
    # 23:30 in Chicago on 2 March is already 3 March in UTC: days are the district's.
    late = world.observation(started=T0 + timedelta(hours=14, minutes=30), grade="5", subject="Reading")
    grant = world.observation(school=world.grant, started=T0 + timedelta(days=3), grade="4")
    staff = api_as(world.staff)
    assert exported_ids(staff, f"?school={world.lincoln.id}") == {march_2, late}
    assert exported_ids(staff, "?from=2026-03-02&to=2026-03-02") == {march_2, late}
    assert exported_ids(staff, "?from=2026-03-03") == {grant}
    assert exported_ids(staff, "?grade=4") == {march_2, grant}
    assert exported_ids(staff, "?subject=Reading") == {late}
    assert exported_ids(staff, f"?template={world.template}") == {march_2}
    assert exported_ids(staff, f"?grade=4&school={world.grant.id}") == {grant}


def test_a_visit_without_a_start_is_dated_by_its_record_as_in_the_reports(world, api_as):
    undated = world.observation(started=None, created_at=T0 + timedelta(days=5))
    staff = api_as(world.staff)
    assert undated in exported_ids(staff, "?from=2026-03-07&to=2026-03-07")
    assert undated not in exported_ids(staff, "?to=2026-03-06")


def test_school_staff_may_name_their_school_s_templates_and_the_district_s_only(world, api_as, make):
    from server.models import LookForTemplate

    grant_only = world.make_template()
    with_school = db.session.get(LookForTemplate, grant_only)
    with_school.school_id = world.grant.id
    db.session.commit()
    error = export(api_as(world.lincoln_staff), f"?template={grant_only}", 422).get_json()["error"]
    assert error["fields"] == {"template": ["Not a template of your district."]}
    export(api_as(world.lincoln_staff), f"?template={world.template}")
    export(api_as(world.staff), f"?template={grant_only}")


def test_a_school_or_template_outside_the_scope_is_a_field_error_that_says_nothing_more(world, api_as):
    far_template = world.make_template(world.other_district)
    staff = api_as(world.lincoln_staff)
    for school in (world.grant.id, world.far_school.id, "0e0e0e0e-0000-4000-8000-000000000000"):
        error = export(staff, f"?school={school}", 422).get_json()["error"]
        assert error["fields"] == {"school": ["Not a school you may export."]}
    error = export(staff, f"?template={far_template}", 422).get_json()["error"]
    assert error["fields"] == {"template": ["Not a template of your district."]}


@pytest.mark.parametrize("query, field", [
    ("?format=xlsx", "format"), ("?from=2026-02-30", "from"), ("?to=yesterday", "to"),
    ("?from=2026-03-05&to=2026-03-01", "to"), ("?school=1", "school"), ("?template=x", "template"),
    ("?grade=" + "9" * 33, "grade"), ("?subject=", "subject"), ("?bom=maybe", "bom"), ("?colour=red", "colour"),
    ("?from=0001-01-01", "from"), ("?grade=a%00b", "grade"),
])
def test_bad_filters_are_named_field_by_field(world, api_as, query, field):
    error = export(api_as(world.staff), query, 422).get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error


QUERY_KEYS = st.sampled_from(["format", "bom", "school", "from", "to", "grade", "subject", "template", "x",
                              "deidentified", "free_text"])
QUERY_VALUES = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "-1", "9999-12-31", "0001-01-01",
                                                                 "2026-03-02", "csv", "zip", "true", "\x00"]))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=4))
def test_any_query_string_is_answered_with_an_export_or_a_field_error(world, api_as, pairs):
    """Whatever the query string holds, the answer is 200 or 422 in the error shape, never 5xx.
    (The world is shared by the examples: none of them changes what the next one may export.)"""
    response = api_as(world.staff).get(URL, query_string=pairs)
    body = response.get_data()
    assert response.status_code in (200, 422), (pairs, response.status_code, body[:300])
    if response.status_code == 422:
        assert set(json.loads(body)["error"]) == {"code", "message", "fields"}


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(world, api_as):
    cells = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTab", "\rReturn", "a=1", "'quoted", " =spaced"]
    ids = [world.observation(started=T0 + timedelta(minutes=i), task=text) for i, text in enumerate(cells)]
    rows = csv_rows(export(api_as(world.staff)).data)
    assert [row["observation_id"] for row in rows] == ids
    assert [row["task"] for row in rows] == ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tTab", "'\rReturn",
                                             "a=1", "'quoted", " =spaced"]
    jsonl = jsonl_rows(export(api_as(world.staff), "?format=jsonl").data)
    assert [row["task"] for row in jsonl] == cells


def test_csv_is_rfc_4180_crlf_and_quoted_where_needed(world, api_as):
    world.observation(task='He said "yes, now"\r\nthen left', grade="K,1", subject="Ünïcödé 数学 🙂")
    data = export(api_as(world.staff)).data
    header, rest = data.split(b"\r\n", 1)
    assert header.startswith(b"observation_id,school_id,") and not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n") and b'"He said ""yes, now""\r\nthen left"' in data and b'"K,1"' in data
    assert "Ünïcödé 数学 🙂".encode() in data
    [row] = csv_rows(data)
    assert (row["task"], row["grade"], row["subject"]) == ('He said "yes, now"\r\nthen left', "K,1", "Ünïcödé 数学 🙂")


def test_the_bom_option_starts_each_csv_with_a_byte_order_mark(world, api_as):
    world.full_observation()
    staff = api_as(world.staff)
    assert export(staff, "?bom=1").data.startswith(b"\xef\xbb\xbfobservation_id,")
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(export(staff, "?format=zip&bom=1").data)) as archive:
        for table in TABLES:
            assert archive.read(f"{table.name}.csv").startswith(b"\xef\xbb\xbf" + table.columns[0].name.encode())
        assert archive.read("datapackage.json").startswith(b"{")


def test_every_export_is_audited_with_its_filters_format_and_row_counts(world, api_as):
    world.full_observation()
    world.observation(school=world.grant)
    staff = api_as(world.staff)
    assert export(staff, "?format=zip&grade=4").data and export(staff, "?format=jsonl").data
    zipped, jsonl = audit_events()
    assert zipped.actor_id == world.staff.id and zipped.subject_id == world.district.id
    assert zipped.detail == {"via": "api", "format": "zip", "filters": {"grade": "4"}, "identified": True,
                             "complete": True, "rows": {"observations": 1, "notes": 2, "lookfor_values": 4,
                                                        "feedback": 1}}
    assert jsonl.detail["rows"] == {"observations": 2} and jsonl.detail["filters"] == {}


def test_an_export_the_client_abandons_is_audited_as_cut_short(world, api_as):
    world.many_observations(1500, grade="x" * 30)
    response = api_as(world.staff).get(URL, buffered=False)
    first = next(iter(response.response))
    assert first.startswith(b"observation_id,")
    assert audit_events() == []
    response.close()
    [event] = audit_events()
    assert event.detail["complete"] is False and 0 < event.detail["rows"]["observations"] < 1500


def test_the_first_bytes_leave_before_the_export_is_read_to_its_end(world, api_as):
    """A streamed export sends its first chunk while most rows are still unread: the whole export is
    ~20 times the first chunk, and the audit event (written when the last row is sent) is not there yet."""
    world.many_observations(4000, subject="y" * 100)
    response = api_as(world.staff).get(URL, buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    assert audit_events() == []
    rest = b"".join(chunks)
    response.close()
    assert len(first) * 10 < len(first) + len(rest)
    assert len(csv_rows(first + rest)) == 4000
    assert audit_events()[0].detail["complete"] is True


def test_memory_does_not_grow_with_the_number_of_rows(world, api_as):
    """Peak Python memory while streaming 32,000 rows is about that of 8,000: rows are read a batch
    at a time (or by COPY), never all at once."""
    import tracemalloc

    staff = api_as(world.staff)

    def peak_while_streaming() -> int:
        # Started before the request: the test client reads the first chunk before it returns.
        tracemalloc.start()
        response = staff.get(URL + "?format=csv", buffered=False)
        try:
            size = sum(len(chunk) for chunk in response.response)
            return tracemalloc.get_traced_memory()[1], size
        finally:
            tracemalloc.stop()
            response.close()

    world.many_observations(8000, task="t" * 100)
    small, small_size = peak_while_streaming()
    world.many_observations(24000, task="t" * 100)
    large, large_size = peak_while_streaming()
    assert large_size > 3.5 * small_size
    assert large < small * 1.5, (small, large)


def test_copy_and_the_python_writer_give_the_same_cells(world):
    """On PostgreSQL the CSV of observations, notes and feedback comes from COPY; it must read back
    exactly as the Python writer's (on SQLite both are the Python writer)."""
    from server.analytics.export import Export
    from server.analytics.scope import Scope

    world.full_observation()
    world.observation(task="=cmd|' /C calc'!A0", grade="", subject=None, teacher_doing="\r\nx",
                      feedback={"glow": "\t", "released": True, "usefulness": None})
    scope = Scope.of_district(world.district)
    for table in TABLES:
        copied = b"".join(Export(scope, {}).table_chunks(table, "csv", bom=True))
        written = b"".join(Export(scope, {}, use_copy=False).table_chunks(table, "csv", bom=True))
        db.session.rollback()
        assert copied.startswith(b"\xef\xbb\xbf") and written.startswith(b"\xef\xbb\xbf")
        assert csv_rows(copied[3:]) == csv_rows(written[3:]) and len(csv_rows(written[3:])) > 0, table.name
        assert copied.count(b"\r\n") == written.count(b"\r\n")
