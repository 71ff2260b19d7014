"""Rounds' Flask application factory.

`create_app(config=None)` reads `server.config.Config` from the environment, applies `config`
(a mapping) on top, and returns a ready app: `flask --app server ...` and gunicorn's
`server:create_app()` both use it.
"""
import os
import secrets

import click
from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from server.config import Config
from server.errors import register_error_handlers
from server.extensions import db, migrate
from server.jsonutil import FastJSONProvider
from server.local_time import local_text
from server.security_headers import register_security_headers

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.json = FastJSONProvider(app)
    app.config.from_object(Config)
    if config:
        app.config.from_mapping(config)
    register_database(app)
    register_security(app)
    register_security_headers(app)
    register_error_handlers(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_database(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "rounds.db")
    import server.models  # noqa: F401  (registers the tables before Migrate inspects them)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            event.listen(db.engine, "begin", _sqlite_begin)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # A push waits its turn for the write lock; 30 s covers several 500-op pushes queued ahead.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # Local days, months and weeks for reports (PostgreSQL has timezone(); SQLite has no zones).
    dbapi_connection.create_function("rounds_local", 3, local_text, deterministic=True)


def _sqlite_begin(connection) -> None:
    """Begin an IMMEDIATE transaction when asked with the execution option `sqlite_immediate`.

    Python's sqlite3 otherwise begins lazily, just before the first write, which suits short
    requests. A transaction that must read and then write consistently (a sync push) takes the
    write lock first and waits its turn instead of failing with SQLITE_BUSY when another writer
    committed in between.
    """
    if connection.get_execution_options().get("sqlite_immediate"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class RoundsSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


def register_security(app: Flask) -> None:
    app.config["SECRET_KEY"] = _secret_key(app)
    app.session_interface = RoundsSessionInterface()
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _secret_key(app: Flask) -> str:
    """The configured SECRET_KEY; outside production, one kept in the instance folder.

    Serving (gunicorn) without SECRET_KEY is refused unless debug, demo or test mode is on;
    `flask` commands (migrations, imports, the demo) may run without one.
    """
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    if app.testing:
        return secrets.token_hex(32)
    in_cli_command = click.get_current_context(silent=True) is not None
    if not (app.debug or app.config["DEMO"] or in_cli_command):
        raise RuntimeError("SECRET_KEY is not set. Set it to a long random string (for example the "
                           "output of `python -c 'import secrets; print(secrets.token_hex(32))'`).")
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def register_blueprints(app: Flask) -> None:
    from server.api import api
    from server.pwa import pwa

    app.register_blueprint(api)
    app.register_blueprint(pwa)


def register_commands(app: Flask) -> None:
    from server.cli import register_cli
    from server.scheduler import scheduler_command
    from server.vapid import vapid_keys_command

    register_cli(app)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(vapid_keys_command)
