"""Command-line tasks: `flask --app server <command>`."""
import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import make_server
from flask_migrate import upgrade

from server.analytics.cli import export_command
from server.demo import demo_logins, seed_demo
from server.extensions import db
from server.scheduler import start_in_thread
from server.people_cli import create_user_command, import_roster_command
from server.reports.cli import reports_group
from server.security_headers import QuietRequestHandler


class DemoRequestHandler(QuietRequestHandler):
    """The demo server's handler: requests are not logged one by one, where they would bury the
    logins; server errors (5xx) still are."""

    def log_request(self, code="-", size="-"):
        if str(getattr(code, "value", code)).startswith("5"):
            super().log_request(code, size)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int, help="0 picks a free port.")
@click.option("--serve/--no-serve", default=True, help="Start the web server after seeding.")
@click.option("--log-requests/--no-log-requests", default=False, show_default=True,
              help="Log every request; without it only server errors are logged.")
@with_appcontext
def demo_command(host: str, port: int, serve: bool, log_requests: bool) -> None:
    """Migrate the database, add the demo district (once), then serve Rounds and print the logins
    once the server is listening."""
    upgrade()
    created = seed_demo()
    click.echo("Demo district created." if created else "Demo district already there; reusing it.")
    click.echo(f"Database: {db.engine.url.render_as_string(hide_password=True)}")
    if not serve:
        _print_logins(f"http://{host}:{port}")
        return
    db.session.remove()
    app = current_app._get_current_object()
    # Demo mode: a VAPID key kept in the instance folder, and push endpoints anywhere.
    app.config.update(DEMO=True, PUSH_ALLOW_LOCAL_ENDPOINTS=True)
    # Flask's app.run() refuses to run inside a `flask` command; Werkzeug's server is the same one.
    # make_server binds the socket at once, so the address printed below already answers.
    server = make_server(host, port, app, threaded=True,
                         request_handler=QuietRequestHandler if log_requests else DemoRequestHandler)
    _print_logins(f"http://{host}:{server.server_port}")
    # The scheduler's jobs (push delivery, reminders) run in this process for the demo only; a real
    # deployment runs `flask --app server scheduler` once, as the Procfile's scheduler line.
    scheduler = start_in_thread(app)
    click.echo("Push notifications and reminders are sent from this process too.")
    click.echo("Serving until Ctrl+C.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)
        server.server_close()


def _print_logins(url: str) -> None:
    click.echo(f"\nRounds: {url}\n\nDemo logins (password for all: {demo_logins()[0][1]}):")
    for email, _password, who in demo_logins():
        click.echo(f"  {email:<24} {who}")
    click.echo("  (and every teacher: alice@, ben@, ... kira@demo.rounds)\n")


def register_cli(app) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(import_roster_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(export_command)
    app.cli.add_command(reports_group)
