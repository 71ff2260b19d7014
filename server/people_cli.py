"""Commands that put people into Rounds: `import-roster` and `create-user`.

Both write nothing unless everything they were given is valid; problems are printed and the
command exits with status 1. Audit events they record have no actor.
"""
import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select

from schemas.roster import roster_row_schema, timezone_name
from server import audit
from server.extensions import db
from server.models import District, Person, School
from server.passwords import hash_password
from server.roster import RosterProblems, import_roster


@click.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--district", "district_name", help="District to import into (created if new).")
@click.option("--timezone", help="IANA timezone of the district, needed when it is created.")
@with_appcontext
def import_roster_command(file: str, district_name: str | None, timezone: str | None) -> None:
    """Import the people and schools of the roster CSV FILE into one district, all or nothing.

    Without --district, the only district is used; a district that does not exist yet is
    created, which needs --timezone.
    """
    with open(file, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text; save the CSV as UTF-8.") from None
    district = _district_to_import_into(district_name, timezone)
    try:
        counts = import_roster(text, district)
    except RosterProblems as problems:
        db.session.rollback()
        for line in problems.lines():
            click.echo(line, err=True)
        raise click.ClickException(str(problems)) from None
    db.session.commit()
    click.echo(f"Imported into {district.name}: {counts['schools_created']} schools created, "
               f"{counts['people_created']} people created, {counts['people_updated']} people updated.")


def _district_to_import_into(name: str | None, timezone: str | None) -> District:
    """The named district (added to the session, uncommitted, if new), or the only one."""
    if name is None:
        districts = db.session.scalars(select(District).limit(2)).all()
        if len(districts) != 1:
            raise click.ClickException("Name the district with --district (and --timezone to create it)."
                                   if districts else "There is no district yet: create one with "
                                   "--district NAME --timezone ZONE.")
        return districts[0]
    district = db.session.scalar(select(District).where(District.name == name))
    if district is not None:
        return district
    if not timezone:
        raise click.ClickException(f"There is no district named {name!r}; add --timezone to create it.")
    try:
        timezone_name(timezone)
    except ValidationError as error:
        raise click.BadParameter(" ".join(error.messages), param_hint="--timezone") from None
    district = District(name=name, timezone=timezone)
    db.session.add(district)
    # The roster's rows refer to the district's id, which only a flush gives it; a refused
    # roster rolls the district back with everything else.
    db.session.flush()
    return district


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              help="observer, teacher, district_staff or admin; repeat for several.")
@click.option("--school", "school_name", help="The person's school (by name).")
@click.option("--district", "district_name", help="The district; alone, makes a district-wide person.")
@click.option("--password", help="At least 10 characters; asked for (hidden, twice) when left out.")
@with_appcontext
def create_user_command(email: str, name: str, roles: tuple[str, ...], school_name: str | None,
                        district_name: str | None, password: str | None) -> None:
    """Create one person who can sign in, by the same rules as a roster row."""
    if not school_name and not district_name:
        raise click.UsageError("Give --school, or --district for a district-wide person.")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        row = roster_row_schema.load({"email": email, "name": name, "roles": " ".join(roles),
                                      "school": school_name or "", "password": password})
    except ValidationError as error:
        for column, messages in error.normalized_messages().items():
            for message in messages:
                click.echo(f"{column}: {message}", err=True)
        raise click.ClickException("The person was not created.") from None
    if row["password"] is None:
        raise click.ClickException("A password is needed so that the person can sign in.")
    if Person.by_email(row["email"]) is not None:
        raise click.ClickException(f"A person with the email {row['email']} already exists.")
    district, school = _place(row["school"], district_name)
    person = Person(district_id=district.id, school_id=school.id if school else None, name=row["name"],
                    email=row["email"], password_hash=hash_password(row["password"]), active=True)
    person.set_roles(row["roles"])
    db.session.add(person)
    db.session.flush()
    audit.record("person_created", None, subject=person, email=person.email)
    db.session.commit()
    click.echo(f"Created {person.id} {person.email}")


def _place(school_name: str | None, district_name: str | None) -> tuple[District, School | None]:
    """The district and school a new person belongs to, looked up by name."""
    district = None
    if district_name:
        district = db.session.scalar(select(District).where(District.name == district_name))
        if district is None:
            raise click.ClickException(f"There is no district named {district_name!r}.")
    if not school_name:
        return district, None
    query = select(School).where(School.name == school_name)
    if district is not None:
        query = query.where(School.district_id == district.id)
    schools = db.session.scalars(query.limit(2)).all()
    if not schools:
        raise click.ClickException(f"There is no school named {school_name!r}"
                                   + (f" in {district.name}." if district else "."))
    if len(schools) > 1:
        raise click.ClickException(f"Several districts have a school named {school_name!r}; add --district.")
    return schools[0].district, schools[0]
