"""Fixtures: a real database (SQLite, or PostgreSQL when ROUNDS_TEST_DATABASE_URL is set), built
once per run by the migrations and emptied before every test, plus builders and API clients."""
import base64
import os
import secrets
import shutil
from pathlib import Path

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, Phase, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from server import create_app
from server.extensions import db
from server.models import SyncClock
from tests.builders import ApiClient, Builder

# Hypothesis runs the same examples on every run and machine ("fixed"), so that a red run is the
# code's doing and can be replayed; HYPOTHESIS_PROFILE=deep explores many more, fresh each run, and
# "mutation" is for tests/mutation (docs/testing.md).
_FIXED = dict(derandomize=True, database=None, deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fixed", **_FIXED)
settings.register_profile("deep", max_examples=1000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("mutation", **_FIXED, phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "fixed")

POSTGRES_URL = os.environ.get("ROUNDS_TEST_DATABASE_URL")
PWA = Path(__file__).resolve().parent.parent / "pwa"
TEST_CONFIG = {
    "TESTING": True,
    # The cheapest argon2id cost, so that hundreds of sign-ins stay fast; the hashing code is the same.
    "PASSWORD_TIME_COST": 1,
    "PASSWORD_MEMORY_KIB": 64,
    # A VAPID key of the test run's own (base64url of 32 random bytes below the P-256 order).
    "VAPID_PRIVATE_KEY": base64.urlsafe_b64encode(b"\x01" + secrets.token_bytes(31)).rstrip(b"=").decode(),
    "VAPID_SUBJECT": "mailto:tests@rounds.example.org",
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return POSTGRES_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "rounds-test.db")


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory) -> str:
    """The test database with every migration applied (this is how the schema is made)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    tables = [t for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    # The migration creates the change feed's clock row; an empty database has it too.
    db.session.add(SyncClock(id=1, position=0))
    db.session.commit()


@pytest.fixture
def app(migrated_database, tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "PWA_DIR": None})
    with app.app_context():
        empty_all_tables()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Builds districts, schools and people straight in the database (see tests/builders.py).

    It works in an app of its own on the same database, like a separate process: the requests a
    test makes get their own app context and session, as in production, so a request that fails
    half-way cannot leave anything behind in a session the test later commits.
    """
    outside = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with outside.app_context():
        yield Builder()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def api_as(app):
    """`api_as(person)` is a fresh browser signed in as `person`; `api_as(None)` is anonymous."""

    def sign_in(person=None) -> ApiClient:
        api = ApiClient(app.test_client())
        if person is not None:
            api.login(person.email)
        return api

    return sign_in


@pytest.fixture
def shell(app, tmp_path) -> Path:
    """A copy of pwa/ that the app serves instead, free to change (a new version of the shell)."""
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    app.config["PWA_DIR"] = str(copy)
    return copy


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of its own, for tests that run the migrations step by step."""
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
