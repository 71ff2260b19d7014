"""Command-line tasks: `flask --app server <command>`."""
import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple
from flask_migrate import upgrade

from server.demo import demo_logins, seed_demo
from server.extensions import db
from server.people_cli import create_user_command, import_roster_command
from server.security_headers import QuietRequestHandler


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--serve/--no-serve", default=True, help="Start the web server after seeding.")
@with_appcontext
def demo_command(host: str, port: int, serve: bool) -> None:
    """Migrate the database, add the demo district (once), print the logins and serve Rounds."""
    upgrade()
    created = seed_demo()
    url = f"http://{host}:{port}"
    click.echo("Demo district created." if created else "Demo district already there; reusing it.")
    click.echo(f"Database: {db.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"\nRounds: {url}\n\nDemo logins (password for all: {demo_logins()[0][1]}):")
    for email, _password, who in demo_logins():
        click.echo(f"  {email:<24} {who}")
    click.echo("  (and every teacher: alice@, ben@, ... kira@demo.rounds)\n")
    if serve:
        db.session.remove()
        # Flask's app.run() refuses to run inside a `flask` command; Werkzeug's server is the same one.
        run_simple(host, port, current_app._get_current_object(), threaded=True,
                   request_handler=QuietRequestHandler)


def register_cli(app) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(import_roster_command)
    app.cli.add_command(create_user_command)
