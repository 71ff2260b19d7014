"""Migrations carry existing data forward: upgrading a database that holds walkthroughs from before
the sync bookkeeping puts every record in the change feed, so that devices pull them."""
import uuid
from datetime import datetime, timezone

from flask_migrate import upgrade
from sqlalchemy import text

from server import create_app
from server.extensions import db
from tests.conftest import TEST_CONFIG

BEFORE_SYNC = "fb59e18bb7da"


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
        shared_at = db.session.execute(text("SELECT shared_at FROM observations")).scalar_one()
        released_at = db.session.execute(text("SELECT released_at FROM feedback")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert [entity for entity, _ in feed] == ["observation", "note", "feedback"]
    assert [position for _, position in feed] == [1, 2, 3] and clock == 3
    assert stamps in ({}, "{}")
    # Submitted and released before the columns existed: taken as shared since their last update.
    assert shared_at is not None and released_at is not None
