"""`flask --app server reports refresh`: build the report summaries of districts that have none
(or whose time zone changed) and fold in every change since; the scheduler does the same every
minute. `--rebuild` builds every district's summary again from its observations."""
import time

import click
from flask.cli import with_appcontext

from server.extensions import db
from server.models import District
from server.reports import summary


@click.group("reports")
def reports_group() -> None:
    """The district reports' summaries."""


@reports_group.command("refresh")
@click.option("--rebuild", is_flag=True, help="Build every district's summary again from its observations.")
@with_appcontext
def refresh_command(rebuild: bool) -> None:
    started = time.perf_counter()
    districts = db.session.scalars(db.select(District)).all() if rebuild else None
    done = summary.refresh_all(districts)
    if done["skipped"]:
        raise click.ClickException("Another process is refreshing the summaries; try again in a minute.")
    click.echo(f"built {done['built']} districts, folded {done['folded']} changed observations "
               f"in {time.perf_counter() - started:.1f} s")
