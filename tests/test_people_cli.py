"""The `import-roster` and `create-user` commands: people put in from the command line."""
import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEvent, District, Person, School
from server.people_cli import create_user_command, import_roster_command

HEADER = "email,name,roles,school,school_timezone,password"


@pytest.fixture
def cli(app, runner, make):
    """Invoke `flask <args>` on the test app; the commands are added if server.cli has not yet."""
    for command in (import_roster_command, create_user_command):
        if command.name not in app.cli.commands:
            app.cli.add_command(command)

    def invoke(*args, **kwargs):
        result = runner.invoke(args=list(args), **kwargs)
        db.session.expire_all()
        return result

    return invoke


@pytest.fixture
def roster_file(tmp_path):
    def write(*lines: str) -> str:
        path = tmp_path / "roster.csv"
        path.write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
        return str(path)

    return write


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_roster_creates_the_named_district_with_its_timezone(cli, roster_file):
    path = roster_file("ana@example.org,Ana,teacher,Lincoln,,a long password", "cy@example.org,Cy,admin,,,")
    result = cli("import-roster", path, "--district", "North ISD", "--timezone", "America/Chicago")
    assert result.exit_code == 0, result.output
    assert "1 schools created, 2 people created, 0 people updated" in result.output
    district = db.session.scalar(select(District).where(District.name == "North ISD"))
    assert district.timezone == "America/Chicago"
    assert db.session.scalar(select(School.district_id).where(School.name == "Lincoln")) == district.id
    assert Person.by_email("cy@example.org").roles == ["admin"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "roster_imported"))
    assert event.actor_id is None and event.detail["people_created"] == 2


def test_import_roster_uses_the_only_district_without_being_told(cli, make, roster_file):
    district = make.district()
    result = cli("import-roster", roster_file("cy@example.org,Cy,observer,,,"))
    assert result.exit_code == 0, result.output
    assert Person.by_email("cy@example.org").district_id == district.id


def test_import_roster_asks_which_district_when_there_are_several(cli, make, roster_file):
    make.district(), make.district()
    result = cli("import-roster", roster_file("cy@example.org,Cy,observer,,,"))
    assert result.exit_code == 1 and "--district" in result.output
    assert count(Person) == 0


def test_new_district_needs_a_valid_timezone(cli, roster_file):
    path = roster_file("cy@example.org,Cy,observer,,,")
    assert cli("import-roster", path, "--district", "North ISD").exit_code == 1
    assert cli("import-roster", path, "--district", "North ISD", "--timezone", "Mars/Olympus").exit_code != 0
    assert count(District) == 0 and count(Person) == 0


def test_bad_roster_prints_every_problem_exits_1_and_writes_nothing(cli, roster_file):
    path = roster_file("ana@example.org,Ana,teacher,Lincoln,,", "not-an-email,Ben,observer,,,",
                       "cy@example.org,Cy,teacher,,,")
    result = cli("import-roster", path, "--district", "North ISD", "--timezone", "America/Chicago")
    assert result.exit_code == 1
    assert "line 3: email: Not a valid email address." in result.output
    assert "line 4: school: A teacher needs a school." in result.output
    assert "2 lines have problems; nothing was imported." in result.output
    assert (count(District), count(School), count(Person)) == (0, 0, 0)


def test_roster_file_must_be_utf8(cli, tmp_path, make):
    make.district()
    path = tmp_path / "roster.csv"
    path.write_bytes((HEADER + "\njose@example.org,José,observer,,,\n").encode("latin-1"))
    result = cli("import-roster", str(path))
    assert result.exit_code == 1 and "UTF-8" in result.output
    assert count(Person) == 0


def test_created_user_can_sign_in(cli, make, app):
    school = make.school(name="Lincoln")
    result = cli("create-user", "--email", "Ana@Example.org", "--name", "Ana Ruiz", "--role", "teacher",
                 "--role", "observer", "--school", "Lincoln", "--password", "a long password")
    assert result.exit_code == 0, result.output
    ana = Person.by_email("ana@example.org")
    assert f"Created {ana.id} ana@example.org" in result.output
    assert (ana.roles, ana.school_id, ana.district_id) == (["observer", "teacher"], school.id, school.district_id)
    response = app.test_client().post("/api/auth/login", json={"email": "ana@example.org",
                                                               "password": "a long password"})
    assert response.status_code == 200


def test_create_user_asks_for_the_password_twice_when_not_given(cli, make, app):
    district = make.district(name="North ISD")
    result = cli("create-user", "--email", "boss@example.org", "--name", "Boss", "--role", "admin",
                 "--district", "North ISD", input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    boss = Person.by_email("boss@example.org")
    assert (boss.school_id, boss.district_id) == (None, district.id)
    response = app.test_client().post("/api/auth/login", json={"email": "boss@example.org",
                                                               "password": "a long password"})
    assert response.status_code == 200


def test_create_user_refuses_an_email_that_exists(cli, make):
    make.person("observer", school=make.school(name="Lincoln"), email="ana@example.org", name="Ana")
    result = cli("create-user", "--email", "ANA@example.org", "--name", "Other", "--role", "observer",
                 "--school", "Lincoln", "--password", "a long password")
    assert result.exit_code == 1 and "already exists" in result.output
    assert Person.by_email("ana@example.org").name == "Ana" and count(Person) == 1


def test_create_user_follows_the_roster_rules(cli, make):
    make.district(name="North ISD")
    result = cli("create-user", "--email", "nope", "--name", "Ana", "--role", "teacher", "--role", "boss",
                 "--district", "North ISD", "--password", "short")
    assert result.exit_code == 1
    for problem in ("email: Not a valid email address.", "roles: Unknown role 'boss'",
                    "password: A password needs 10 to 1024 characters."):
        assert problem in result.output
    assert count(Person) == 0


def test_create_user_needs_the_district_when_school_names_repeat(cli, make):
    make.school(make.district(name="North ISD"), name="Lincoln")
    south_lincoln = make.school(make.district(name="South ISD"), name="Lincoln")
    args = ("create-user", "--email", "ana@example.org", "--name", "Ana", "--role", "teacher",
            "--school", "Lincoln", "--password", "a long password")
    ambiguous = cli(*args)
    assert ambiguous.exit_code == 1 and "--district" in ambiguous.output and count(Person) == 0
    assert cli(*args, "--district", "South ISD").exit_code == 0
    assert Person.by_email("ana@example.org").school_id == south_lincoln.id
