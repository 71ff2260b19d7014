"""Importing a roster: schools and people of one district, all or nothing.

Three steps, each usable alone: `check_roster` reads the rows against the database (raising
RosterProblems), `plan_roster` says what importing them would change without changing anything,
and `apply_roster` writes it, given the rows' password hashes (`password_hash_for`, the slow part:
the scheduler's job prepares them ahead, server/roster_jobs.py). `import_roster(text, district,
actor)` does all three at once, for small files: the API's `POST /api/admin/roster` and the
`import-roster` command.
"""
from dataclasses import dataclass

from sqlalchemy import select

from schemas.roster import Problems, read_roster
from server import audit
from server.authz import administered_people_query, in_scope
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


@dataclass
class CheckedRoster:
    """Rows that passed every check, with the district's schools by name and the rows' existing
    people by email, as the database held them when checked."""
    rows: list[tuple[int, dict]]
    schools: dict[str, School]
    people: dict[str, Person]


def check_roster(rows: list[tuple[int, dict]], district: District, actor: Person | None,
                 problems: Problems | None = None) -> CheckedRoster:
    """Check loaded `rows` against each other and the database; RosterProblems if any line (or
    one of `problems`, from reading the file) is bad. `actor` (an admin, or None for the command
    line) may only import rows within their scope."""
    problems = dict(problems or {})
    schools = {school.name: school for school in
               db.session.scalars(select(School).where(School.district_id == district.id))}
    people = _people_by_email([row["email"] for _line, row in rows])
    _check_rows(rows, problems, district, actor, schools, people)
    if problems:
        raise RosterProblems(problems)
    return CheckedRoster(rows, schools, people)


def plan_roster(checked: CheckedRoster, district: District, actor: Person | None,
                deactivate_missing: bool = False) -> dict:
    """What applying `checked` would change, as plain data (nothing is written):

    {"counts": {added, updated, unchanged, passwords_to_check, without_password, schools_created,
    schools_updated, deactivated}, "added": [{line, email, name, roles, school, password}],
    "updated": [{line, email, changes: {column: {from, to}}}], "unchanged": [{line, email}],
    "passwords_to_check": [{line, email}] (people already here whose row gives a password: it is set
    unless it already is theirs), "schools_created": [{name, timezone}], "schools_updated":
    [{name, timezone: {from, to}}], "deactivated": [{email, name}] (active people of the actor's
    scope missing from the file, only with `deactivate_missing`; never the actor)}.
    """
    school_names = {school.id: name for name, school in checked.schools.items()}
    added, updated, unchanged, to_check, created, zones = [], [], [], [], {}, {}
    without_password = 0
    for line, row in checked.rows:
        name, zone = row["school"], row["school_timezone"]
        school = checked.schools.get(name) if name else None
        if name and school is None and name not in created:
            created[name] = {"name": name, "timezone": zone}
        elif school is not None and zone and school.timezone != zone:
            zones[name] = {"name": name, "timezone": {"from": school.timezone, "to": zone}}
        person = checked.people.get(row["email"])
        if person is None:
            added.append({"line": line, "email": row["email"], "name": row["name"], "roles": row["roles"],
                          "school": name, "password": bool(row["password"])})
            without_password += not row["password"]
            continue
        changes = {}
        if person.name != row["name"]:
            changes["name"] = {"from": person.name, "to": row["name"]}
        if person.roles != row["roles"]:
            changes["roles"] = {"from": person.roles, "to": row["roles"]}
        if (school.id if school else None) != person.school_id or (name and school is None):
            changes["school"] = {"from": school_names.get(person.school_id), "to": name}
        if changes:
            updated.append({"line": line, "email": row["email"], "changes": changes})
        else:
            unchanged.append({"line": line, "email": row["email"]})
        if row["password"]:
            to_check.append({"line": line, "email": row["email"]})
        without_password += not row["password"] and not person.password_hash
    deactivated = [{"email": p.email, "name": p.name}
                   for p in _missing_people(checked, actor)] if deactivate_missing else []
    plan = {"added": added, "updated": updated, "unchanged": unchanged, "passwords_to_check": to_check,
            "schools_created": list(created.values()), "schools_updated": list(zones.values()),
            "deactivated": deactivated}
    counts = {key: len(value) for key, value in plan.items()}
    return {"counts": {**counts, "without_password": without_password}, **plan}


def password_hash_for(row: dict, current_hash: str | None) -> str | None:
    """The hash to store for `row`'s password: `current_hash` (the person's own) when it already
    matches, so that re-importing a file changes nothing, else a new one; None for a row without
    a password. Costs one argon2 computation per row with a password."""
    if not row["password"]:
        return None
    if current_hash and verify_password(current_hash, row["password"]):
        return current_hash
    return hash_password(row["password"])


def apply_roster(checked: CheckedRoster, district: District, actor: Person | None, hashes: dict[int, str],
                 deactivate_missing: bool = False) -> dict[str, int]:
    """Create or update the schools and people of `checked` (and deactivate the missing ones if
    asked, as plan_roster lists them), in the session (the caller commits). `hashes` maps the
    position of each row with a password in `checked.rows` to password_hash_for's answer.

    Existing people are matched by email and keep their active flag; schools by exact name. New
    roles or a new password end the person's browser sessions; deactivation also revokes their
    devices. Returns {schools_created, people_created, people_updated (name, roles or school
    changed), people_unchanged, passwords_changed, without_password, people_deactivated,
    people_changed (updated in any way, passwords included)}.
    """
    counts = dict.fromkeys(("schools_created", "people_created", "people_updated", "people_unchanged",
                            "passwords_changed", "without_password", "people_deactivated", "people_changed"), 0)
    missing = _missing_people(checked, actor) if deactivate_missing else []
    schools, people = dict(checked.schools), dict(checked.people)
    for position, (_line, row) in enumerate(checked.rows):
        school = _school_for(row, district, schools, counts)
        person = people.get(row["email"])
        if person is None:
            people[row["email"]] = _new_person(row, district, school, hashes.get(position))
            counts["people_created"] += 1
            counts["without_password"] += not row["password"]
            continue
        fields_changed = _update_person(person, row, school)
        password_changed = bool(row["password"]) and person.password_hash != hashes[position]
        if password_changed:
            person.password_hash = hashes[position]
        if password_changed or (fields_changed and "roles" in fields_changed):
            end_all_sessions(person.id)
        counts["people_updated" if fields_changed else "people_unchanged"] += 1
        counts["passwords_changed"] += password_changed
        counts["people_changed"] += bool(fields_changed or password_changed)
        counts["without_password"] += not person.password_hash
    if missing:
        # Imported here: server.api imports this module through its roster routes.
        from server.api.devices import revoke_all_devices
    for person in missing:
        person.active = False
        revoke_all_devices(person.id)
        end_all_sessions(person.id)
    counts["people_deactivated"] = len(missing)
    return counts


def import_roster(text: str, district: District, actor: Person | None = None) -> dict[str, int]:
    """Create or update the schools and people that CSV `text` lists, in `district`, hashing
    each password here (about 0.1 s each at production cost: for small files; larger ones go
    through the preview and the scheduler's job).

    If any line is bad, RosterProblems is raised and nothing has been added to the session.
    Returns {"schools_created", "people_created", "people_updated"} (updated: anything changed,
    the password included). The changes and one `roster_imported` audit event are added to the
    session; the caller commits.
    """
    rows, problems = read_roster(text)
    checked = check_roster(rows, district, actor, problems)
    current = {email: person.password_hash for email, person in checked.people.items()}
    hashes = {position: password_hash_for(row, current.get(row["email"]))
              for position, (_line, row) in enumerate(rows) if row["password"]}
    applied = apply_roster(checked, district, actor, hashes)
    counts = {"schools_created": applied["schools_created"], "people_created": applied["people_created"],
              "people_updated": applied["people_changed"]}
    audit.record("roster_imported", actor, subject=district, rows=len(rows), **counts)
    return counts


def _missing_people(checked: CheckedRoster, actor: Person | None) -> list[Person]:
    """Active people of `actor`'s scope whose email is not in the file (never the actor)."""
    if actor is None:
        return []
    emails = {row["email"] for _line, row in checked.rows}
    query = administered_people_query(actor).where(Person.active.is_(True), Person.id != actor.id)
    return [person for person in db.session.scalars(query.order_by(Person.email)) if person.email not in emails]


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


def _new_person(row: dict, district: District, school: School | None, password_hash: str | None) -> Person:
    person = Person(district_id=district.id, school_id=school.id if school else None, name=row["name"],
                    email=row["email"], active=True, password_hash=password_hash)
    person.set_roles(row["roles"])
    db.session.add(person)
    return person


def _update_person(person: Person, row: dict, school: School | None) -> set[str]:
    """Bring `person`'s name, school and roles in line with `row`; the columns that changed."""
    changed = set()
    school_id = school.id if school else None
    if person.name != row["name"]:
        person.name = row["name"]
        changed.add("name")
    if person.school_id != school_id:
        person.school_id = school_id
        changed.add("school")
    if person.roles != row["roles"]:
        person.set_roles(row["roles"])
        changed.add("roles")
    return changed
