"""`flask --app server export`: district IT writes the same tables and data package into a folder,
for the whole district, and the export is audited without an actor."""
import json

import pytest
from sqlalchemy import select

from server.analytics.cli import export_command
from server.analytics.tables import TABLES
from server.extensions import db
from server.models import AuditEvent
from tests.export_helpers import ExportWorld, csv_rows, jsonl_rows


@pytest.fixture
def world(make):
    return ExportWorld(make)


@pytest.fixture
def cli(app, runner):
    if export_command.name not in app.cli.commands:
        app.cli.add_command(export_command)

    def invoke(*args):
        result = runner.invoke(args=["export", *args])
        db.session.expire_all()
        return result

    return invoke


def test_the_command_writes_every_table_and_the_data_package_of_the_whole_district(world, cli, tmp_path):
    lincoln = world.full_observation()
    grant = world.observation(school=world.grant)
    world.observation(status="draft")
    world.observation(school=world.far_school)
    result = cli("--out", str(tmp_path / "out"), "--district", "District One")
    assert result.exit_code == 0, result.output
    assert "Exported District One: 2 observations, 2 notes, 4 lookfor_values, 1 feedback." in result.output
    files = {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()}
    assert set(files) == {f"{table.name}.csv" for table in TABLES} | {"datapackage.json"}
    assert {row["observation_id"] for row in csv_rows(files["observations.csv"])} == {lincoln, grant}
    package = json.loads(files["datapackage.json"])
    assert [r["path"] for r in package["resources"]] == [f"{t.name}.csv" for t in TABLES]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "export")).all()
    assert event.actor_id is None and event.subject_id == world.district.id
    assert event.detail == {"via": "cli", "format": "csv", "filters": {}, "identified": True, "complete": True,
                            "rows": {"observations": 2, "notes": 2, "lookfor_values": 4, "feedback": 1}}


def test_the_command_takes_the_same_filters_and_jsonl(world, cli, tmp_path):
    world.full_observation()
    grant = world.observation(school=world.grant, grade="4")
    result = cli("--out", str(tmp_path), "--district", "District One", "--school", world.grant.id,
                 "--from", "2026-03-01", "--to", "2026-03-31", "--grade", "4", "--format", "jsonl", "--bom")
    assert result.exit_code == 0, result.output
    assert [row["observation_id"] for row in jsonl_rows((tmp_path / "observations.jsonl").read_bytes())] == [grant]
    assert json.loads((tmp_path / "datapackage.json").read_text())["rounds_filters"] == {
        "from": "2026-03-01", "grade": "4", "school": world.grant.id, "to": "2026-03-31"}


def test_the_command_asks_which_district_and_refuses_bad_filters(world, cli, tmp_path):
    result = cli("--out", str(tmp_path))
    assert result.exit_code == 1 and "Name the district with --district." in result.output
    result = cli("--out", str(tmp_path), "--district", "District One", "--school", world.far_school.id,
                 "--from", "2026-02-30")
    assert result.exit_code == 1 and "--from: Not a valid date." in result.output
    result = cli("--out", str(tmp_path), "--district", "District One", "--school", world.far_school.id)
    assert result.exit_code == 1 and "--school: Not a school you may export." in result.output
    assert cli("--out", str(tmp_path), "--district", "Nowhere").exit_code == 1
    assert list(tmp_path.iterdir()) == []
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "export")).all() == []


def test_the_command_writes_the_deidentified_tables_and_lookfor_cells(world, cli, tmp_path):
    world.full_observation()
    world.observation(school=world.grant)
    result = cli("--out", str(tmp_path), "--district", "District One", "--deidentified", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    files = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert set(files) == {"observations.jsonl", "notes.jsonl", "lookfor_values.jsonl", "feedback.jsonl",
                          "lookfor_cells.jsonl", "datapackage.json"}
    # Two teachers, each alone in their school: k is 10, so every row is withheld and every node suppressed.
    assert jsonl_rows(files["observations.jsonl"]) == []
    assert {row["suppressed"] for row in jsonl_rows(files["lookfor_cells.jsonl"])} == {"fewer_than_k"}
    package = json.loads(files["datapackage.json"])
    assert package["rounds_deidentified"]["withheld_rows"]["observations"] == 2
    assert world.teacher.email.encode() not in b"".join(files.values())
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "export")).all()
    assert event.actor_id is None and event.detail["via"] == "cli" and event.detail["identified"] is False
    assert event.detail["k"] == 10 and event.detail["free_text"] is False


def test_free_text_is_only_for_the_deidentified_export(world, cli, tmp_path):
    result = cli("--out", str(tmp_path), "--district", "District One", "--free-text")
    assert result.exit_code == 1 and "--free-text: Only with --deidentified" in result.output
    assert list(tmp_path.iterdir()) == []
