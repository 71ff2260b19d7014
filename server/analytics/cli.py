"""`flask --app server export`: the identified (or, with --deidentified, the de-identified) export
of a whole district, into a folder, for district IT. The same tables, filters and data package as
GET /api/exports/observations; the audit event has no actor and says `via: cli`."""
from pathlib import Path

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select

from schemas.exports import export_filters_schema
from server.analytics.export import DeidentifiedExport, Export
from server.analytics.scope import Scope, filter_errors
from server.extensions import db
from server.models import District


@click.command("export")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the tables and datapackage.json into (made if missing).")
@click.option("--district", "district_name", help="The district to export; needed when there are several.")
@click.option("--school", help="Only this school (its id).")
@click.option("--from", "from_", help="Started on or after this day, YYYY-MM-DD (the district's timezone).")
@click.option("--to", help="Started on or before this day, YYYY-MM-DD.")
@click.option("--grade", help="Exactly this grade.")
@click.option("--subject", help="Exactly this subject.")
@click.option("--template", help="Only observations made with this template version (its id).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--bom/--no-bom", default=False, help="Start each CSV with a UTF-8 byte-order mark (for Excel).")
@click.option("--deidentified", is_flag=True, help="The de-identified export, with lookfor_cells (docs/export.md).")
@click.option("--free-text", is_flag=True, help="With --deidentified: include free text word for word (names in it "
              "are not removed).")
@with_appcontext
def export_command(out: Path, district_name: str | None, fmt: str, bom: bool, deidentified: bool, free_text: bool,
                   **given) -> None:
    """Write observations, notes, lookfor_values and feedback of every school of the district
    (submitted observations only), and datapackage.json describing every column, into OUT; with
    --deidentified, their de-identified form and lookfor_cells."""
    raw = {("from" if name == "from_" else name): value for name, value in given.items() if value is not None}
    try:
        filters = export_filters_schema.load(raw)
    except ValidationError as error:
        raise click.ClickException(_said(error.normalized_messages())) from None
    if free_text and not deidentified:
        raise click.ClickException("--free-text: Only with --deidentified: the identified export always holds "
                                   "free text.")
    scope = Scope.of_district(_district(district_name))
    errors = filter_errors(scope, filters)
    if errors:
        raise click.ClickException(_said(errors))
    out.mkdir(parents=True, exist_ok=True)
    export = DeidentifiedExport(scope, filters, free_text=free_text) if deidentified else Export(scope, filters)
    for name in export.audited(_written(export, out, fmt, bom), None, via="cli", fmt=fmt):
        click.echo(f"{out / name}")
    counts = ", ".join(f"{count} {table}" for table, count in export.counts.items())
    click.echo(f"Exported {scope.district.name}: {counts}.")


def _written(export: Export, out: Path, fmt: str, bom: bool):
    """Writes each file of the export; yields its name once it is complete."""
    for name, chunks in export.files(fmt, bom):
        with open(out / name, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        yield name


def _district(name: str | None) -> District:
    if name is not None:
        district = db.session.scalar(select(District).where(District.name == name))
        if district is None:
            raise click.ClickException(f"There is no district named {name!r}.")
        return district
    districts = db.session.scalars(select(District).order_by(District.name).limit(2)).all()
    if len(districts) != 1:
        raise click.ClickException("Name the district with --district." if districts else "There is no district yet.")
    return districts[0]


def _said(errors: dict) -> str:
    return "; ".join(f"--{field}: {' '.join(messages)}" for field, messages in sorted(errors.items()))
