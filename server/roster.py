"""Importing a roster: schools and people of one district, all or nothing.

`import_roster(text, district, actor)` is the one way rosters reach the database; the API route
and the `import-roster` command both call it.
"""
from sqlalchemy import select

from schemas.roster import Problems, read_roster
from server import audit
from server.authz import in_scope
from server.browser_sessions import end_all_sessions
from server.extensions import db
from server.ids import new_id
from server.models import District, Person, School
from server.passwords import hash_password, verify_password

# Keeps each `IN (...)` well under every engine's limit on bound parameters.
LOOKUP_CHUNK = 500


class RosterProblems(Exception):
    """The roster was refused; `problems` maps each bad line number to {column: [messages]}."""

    def __init__(self, problems: Problems):
        self.problems = dict(sorted(problems.items()))
        count = len(self.problems)
        super().__init__(f"{count} {'line has' if count == 1 else 'lines have'} problems; nothing was imported.")

    def by_line(self) -> dict[str, dict[str, list[str]]]:
        """The problems keyed by line number as text, as the API's `fields` carries them."""
        return {str(line): columns for line, columns in self.problems.items()}

    def lines(self) -> list[str]:
        """One readable line per message: `line 3: email: Not a valid email address.`"""
        return [f"line {line}: {column}: {message}"
                for line, columns in self.problems.items()
                for column, messages in columns.items()
                for message in messages]


def import_roster(text: str, district: District, actor: Person | None = None) -> dict[str, int]:
    """Create or update the schools and people that CSV `text` lists, in `district`.

    Every row is checked first, against the file and the database; if any line is bad,
    RosterProblems is raised and nothing has been added to the session. `actor` (an admin, or
    None for the command line) may only import rows within their scope. Existing people are
    matched by email and keep their active flag; schools are matched by exact name.

    Returns {"schools_created", "people_created", "people_updated"}. The changes and one
    `roster_imported` audit event are added to the session; the caller commits.
    """
    rows, problems = read_roster(text)
    schools = {school.name: school for school in
               db.session.scalars(select(School).where(School.district_id == district.id))}
    people = _people_by_email([row["email"] for _line, row in rows])
    _check_rows(rows, problems, district, actor, schools, people)
    if problems:
        raise RosterProblems(problems)
    counts = {"schools_created": 0, "people_created": 0, "people_updated": 0}
    for _line, row in rows:
        school = _school_for(row, district, schools, counts)
        person = people.get(row["email"])
        if person is None:
            people[row["email"]] = _new_person(row, district, school)
            counts["people_created"] += 1
        elif _update_person(person, row, school):
            counts["people_updated"] += 1
    audit.record("roster_imported", actor, subject=district, rows=len(rows), **counts)
    return counts


def _people_by_email(emails: list[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start:start + LOOKUP_CHUNK]
        found.update((p.email, p) for p in db.session.scalars(select(Person).where(Person.email.in_(chunk))))
    return found


def _check_rows(rows, problems: Problems, district: District, actor: Person | None,
                schools: dict[str, School], people: dict[str, Person]) -> None:
    """Add to `problems` what no single row can show: repeats, other districts, scope."""
    first_line: dict[str, int] = {}
    zones: dict[str, tuple[int, str]] = {}
    for line, row in rows:
        found: dict[str, list[str]] = {}
        email, school_name, zone = row["email"], row["school"], row["school_timezone"]
        if email in first_line:
            found.setdefault("email", []).append(f"This email is already on line {first_line[email]}.")
        first_line.setdefault(email, line)
        person = people.get(email)
        if person is not None and person.district_id != district.id:
            found.setdefault("email", []).append("This email belongs to a person of another district.")
            person = None
        if actor is not None:
            school = schools.get(school_name) if school_name else None
            for column, message in _scope_problems(actor, district, school, person, row):
                found.setdefault(column, []).append(message)
        if school_name and zone:
            earlier = zones.setdefault(school_name, (line, zone))
            if earlier[1] != zone:
                found.setdefault("school_timezone", []).append(
                    f"Line {earlier[0]} gives this school the timezone {earlier[1]}.")
        if found:
            problems.setdefault(line, {}).update(found)


def _scope_problems(actor: Person, district: District, school: School | None, person: Person | None,
                    row: dict) -> list[tuple[str, str]]:
    """(column, message) pairs for a row the importing admin may not write."""
    found = []
    # A school not created yet is in scope exactly where a district-wide row is: only
    # district-wide admins may create schools.
    if not in_scope(actor, district.id, school.id if school else None):
        found.append(("school", "This row is outside the schools you administer."))
    elif person is not None and not in_scope(actor, person.district_id, person.school_id):
        # Otherwise a school admin could pull a person of another school into their own.
        found.append(("email", "This person is outside the schools you administer."))
    if person is not None and person.id == actor.id and "admin" not in row["roles"]:
        found.append(("roles", "You cannot remove your own admin role."))
    return found


def _school_for(row: dict, district: District, schools: dict[str, School], counts: dict) -> School | None:
    name, zone = row["school"], row["school_timezone"]
    if not name:
        return None
    school = schools.get(name)
    if school is None:
        # The id is set here so that people can point at the school before it is flushed.
        school = School(id=new_id(), district_id=district.id, name=name, timezone=zone)
        db.session.add(school)
        schools[name] = school
        counts["schools_created"] += 1
    elif zone and school.timezone != zone:
        school.timezone = zone
    return school


def _new_person(row: dict, district: District, school: School | None) -> Person:
    person = Person(district_id=district.id, school_id=school.id if school else None, name=row["name"],
                    email=row["email"], active=True,
                    password_hash=hash_password(row["password"]) if row["password"] else None)
    person.set_roles(row["roles"])
    db.session.add(person)
    return person


def _update_person(person: Person, row: dict, school: School | None) -> bool:
    """Bring `person` in line with `row`; True if anything changed. New roles or a new password
    end the person's browser sessions."""
    changed = False
    school_id = school.id if school else None
    if person.name != row["name"] or person.school_id != school_id:
        person.name, person.school_id = row["name"], school_id
        changed = True
    access_changed = False
    if person.roles != row["roles"]:
        person.set_roles(row["roles"])
        changed = access_changed = True
    # Verifying first keeps a re-import of the same file from counting every person as updated.
    if row["password"] and not (person.password_hash and verify_password(person.password_hash, row["password"])):
        person.password_hash = hash_password(row["password"])
        changed = access_changed = True
    if access_changed:
        end_all_sessions(person.id)
    return changed
