"""Migrations carry existing data forward: upgrading a database that holds walkthroughs from before
the sync bookkeeping puts every record in the change feed, so that devices pull them."""
import uuid
from datetime import datetime, timezone

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from server import create_app
from server.extensions import db
from tests.conftest import POSTGRES_URL, TEST_CONFIG

BEFORE_SYNC = "fb59e18bb7da"


@pytest.fixture
def scratch_database_url(tmp_path):
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    name = "rounds_migration_test"
    admin = create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_upgrading_puts_existing_walkthroughs_in_the_change_feed(scratch_database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    ids = {name: str(uuid.uuid4()) for name in ("district", "school", "observer", "teacher", "observation",
                                                  "note", "feedback")}
    now = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    with app.app_context():
        upgrade(revision=BEFORE_SYNC)
        statements = [
            "INSERT INTO districts (id, name, timezone, created_at) VALUES (:district, 'D', 'UTC', :now)",
            "INSERT INTO schools (id, district_id, name, created_at) VALUES (:school, :district, 'S', :now)",
            "INSERT INTO people (id, district_id, school_id, name, email, active, created_at) "
            "VALUES (:observer, :district, :school, 'O', 'o@example.org', true, :now)",
            "INSERT INTO people (id, district_id, school_id, name, email, active, created_at) "
            "VALUES (:teacher, :district, :school, 'T', 't@example.org', true, :now)",
            "INSERT INTO observations (id, school_id, teacher_id, observer_id, teacher_doing, students_doing, task, "
            "lookfors, status, deleted, version, created_at, updated_at) VALUES (:observation, :school, :teacher, "
            ":observer, '', '', '', '{}', 'submitted', false, 1, :now, :now)",
            "INSERT INTO evidence_notes (id, observation_id, author_id, element, text, at, is_inference, created_at) "
            "VALUES (:note, :observation, :observer, 'task', 'x', :now, false, :now)",
            "INSERT INTO feedback (id, observation_id, glow, wonder, next_step, support_commitment, released, "
            "reflection, version, created_at, updated_at) VALUES (:feedback, :observation, 'g', '', '', '', true, "
             "'', 1, :now, :now)",
        ]
        uuid_ids = {k: (v.replace("-", "") if db.engine.dialect.name == "sqlite" else v) for k, v in ids.items()}
        for sql in statements:
            db.session.execute(text(sql), {**uuid_ids, "now": now})
        db.session.commit()
        upgrade()
        feed = db.session.execute(text("SELECT entity, position FROM sync_changes ORDER BY position")).all()
        clock = db.session.execute(text("SELECT position FROM sync_clock WHERE id = 1")).scalar_one()
        stamps = db.session.execute(text("SELECT field_stamps FROM observations")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert [entity for entity, _ in feed] == ["observation", "note", "feedback"]
    assert [position for _, position in feed] == [1, 2, 3] and clock == 3
    assert stamps in ({}, "{}")
