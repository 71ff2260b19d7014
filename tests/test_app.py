"""The application itself: configuration, the database it talks to, migrations and errors."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from server import create_app
from server.config import database_url_from_env
from server.extensions import db


@pytest.mark.parametrize("given, expected", [
    ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ("", None),
    (None, None),
])
def test_database_url_is_rewritten_for_psycopg3(given, expected):
    assert database_url_from_env(given) == expected


def test_app_refuses_to_serve_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_demo_mode_keeps_one_secret_key_in_the_instance_folder(tmp_path):
    config = {"SECRET_KEY": None, "DEMO": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    first, second = create_app(config), create_app(config)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    key_file = os.path.join(first.instance_path, "secret_key")
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with app.app_context():
        pragma = lambda name: db.session.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 30000
        db.engine.dispose()


def test_migrations_build_exactly_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_health_reports_the_database_reachable(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_health_reports_an_unreachable_database(tmp_path):
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unreachable"


def test_unknown_api_route_and_wrong_method_answer_in_the_error_shape(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    response = client.put("/api/me")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_server_errors_answer_in_the_error_shape_and_say_nothing_was_saved(app):
    @app.get("/api/boom-for-test")
    def boom():
        raise ZeroDivisionError

    response = app.test_client().get("/api/boom-for-test")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal"
