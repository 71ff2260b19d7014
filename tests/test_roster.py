"""Roster import over the API: schools and people from a CSV, all or nothing, within scope."""
import pytest
from sqlalchemy import func, select

from schemas import roster as roster_schemas
from server.extensions import db
from server.models import AuditEvent, Person, RoleGrant, School
from server.passwords import verify_password

HEADER = "email,name,roles,school,school_timezone,password"
URL = "/api/admin/roster"


def roster(*lines: str, header: str = HEADER) -> str:
    return "\n".join((header, *lines)) + "\n"


def post_roster(api, text: str, content_type: str = "text/csv"):
    return api.post(URL, data=text.encode("utf-8"), content_type=content_type)


def row_counts() -> dict[str, int]:
    """Rows an import could write (sign-ins write audit events too, so only imports count)."""
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (School, Person, RoleGrant)}
    counts["imports"] = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                          .where(AuditEvent.kind == "roster_imported"))
    return counts


def person(email: str) -> Person:
    db.session.expire_all()
    return Person.by_email(email)


@pytest.fixture
def district(make):
    return make.district(timezone="America/Chicago")


@pytest.fixture
def admin(make, district):
    return make.person("admin", district=district, email="admin@example.org")


def test_admin_imports_schools_and_people(make, api_as, district, admin):
    washington = make.school(district, name="Washington")
    response = post_roster(api_as(admin), roster(
        "Ana@Example.org,Ana Ruiz,teacher;observer,Lincoln,America/Denver,",
        "ben@example.org, Ben Okafor ,teacher,Lincoln,,",
        "cy@example.org,Cy Lee,district_staff observer,,,",
        "dee@example.org,Dee Park,teacher,Washington,,",
    ))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"schools_created": 1, "people_created": 4, "people_updated": 0}
    lincoln = db.session.scalar(select(School).where(School.name == "Lincoln"))
    assert lincoln.district_id == district.id and lincoln.timezone == "America/Denver"
    ana = person("ana@example.org")
    assert (ana.name, ana.roles, ana.school_id, ana.active) == ("Ana Ruiz", ["observer", "teacher"], lincoln.id, True)
    assert person("ben@example.org").name == "Ben Okafor"
    cy = person("cy@example.org")
    assert (cy.school_id, cy.district_id, cy.roles) == (None, district.id, ["district_staff", "observer"])
    assert person("dee@example.org").school_id == washington.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "roster_imported"))
    assert event.actor_id == admin.id and event.subject_id == district.id
    assert event.detail == {"rows": 4, "schools_created": 1, "people_created": 4, "people_updated": 0}


def test_reimporting_the_same_roster_changes_nothing(api_as, admin):
    api = api_as(admin)
    text = roster("ana@example.org,Ana Ruiz,teacher,Lincoln,America/Denver,a long password",
                  "cy@example.org,Cy Lee,observer,,,")
    assert post_roster(api, text).status_code == 200
    before = {**row_counts(), "imports": 1}
    ana_hash = person("ana@example.org").password_hash
    response = post_roster(api, text)
    assert response.get_json() == {"schools_created": 0, "people_created": 0, "people_updated": 0}
    assert row_counts() == {**before, "imports": 2}
    assert person("ana@example.org").password_hash == ana_hash


def test_reimport_updates_name_roles_school_and_password_but_not_the_active_flag(make, api_as, district, admin):
    lincoln = make.school(district, name="Lincoln")
    former = make.person("observer", district=district, email="ana@example.org", name="Ana R", active=False)
    response = post_roster(api_as(admin), roster("ana@example.org,Ana Ruiz,teacher,Lincoln,,a new long password"))
    assert response.get_json() == {"schools_created": 0, "people_created": 0, "people_updated": 1}
    ana = person("ana@example.org")
    assert (ana.id, ana.name, ana.roles, ana.school_id, ana.active) == (
        former.id, "Ana Ruiz", ["teacher"], lincoln.id, False)
    assert verify_password(ana.password_hash, "a new long password")


def test_import_updates_the_timezone_of_an_existing_school(make, api_as, district, admin):
    make.school(district, name="Lincoln", timezone="America/Chicago")
    post_roster(api_as(admin), roster("ana@example.org,Ana,teacher,Lincoln,America/New_York,"))
    db.session.expire_all()
    assert db.session.scalar(select(School.timezone).where(School.name == "Lincoln")) == "America/New_York"


def test_roster_with_one_bad_line_imports_nothing(api_as, admin):
    before = row_counts()
    response = post_roster(api_as(admin), roster("ana@example.org,Ana,teacher,Lincoln,,",
                                                 "not-an-email,Ben,teacher,Lincoln,,"))
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "invalid_roster", "message": "1 line has problems; nothing was imported.",
        "fields": {"3": {"email": ["Not a valid email address."]}}}
    assert row_counts() == before


def test_every_bad_line_is_reported_with_its_line_and_column(make, api_as, district, admin):
    make.person("teacher", district=make.district(), email="elsewhere@example.org")
    before = row_counts()
    response = post_roster(api_as(admin), roster(
        "bad-email,Ana,teacher,Lincoln,,",                      # 2
        "ben@example.org,Ben,teacher;principal,Lincoln,,",      # 3
        "cy@example.org,,observer,,,",                          # 4
        "",                                                     # 5: blank, skipped
        "dee@example.org,Dee,teacher,,,",                       # 6
        "eve@example.org,Eve,observer,Lincoln,Mars/Olympus,",   # 7
        "fay@example.org,Fay,observer,,,short",                 # 8
        "gus@example.org,Gus,observer,,,",                      # 9
        "GUS@example.org,Gus again,observer,,,",                # 10
        "elsewhere@example.org,Else,teacher,Lincoln,,",         # 11
        "ok@example.org,Fine,observer,,,",                      # 12
        "iv@example.org,Iv,observer,Lincoln,America/Denver,",   # 13
        "jo@example.org,Jo,observer,Lincoln,America/Boise,",    # 14
    ))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "9 lines have problems; nothing was imported."
    fields = error["fields"]
    assert {line: sorted(columns) for line, columns in fields.items()} == {
        "2": ["email"], "3": ["roles"], "4": ["name"], "6": ["school"], "7": ["school_timezone"],
        "8": ["password"], "10": ["email"], "11": ["email"], "14": ["school_timezone"],
    }
    assert "principal" in fields["3"]["roles"][0]
    assert fields["4"]["name"] == ["Missing data for required field."]
    assert fields["6"]["school"] == ["A teacher needs a school."]
    assert fields["10"]["email"] == ["This email is already on line 9."]
    assert fields["11"]["email"] == ["This email belongs to a person of another district."]
    assert fields["14"]["school_timezone"] == ["Line 13 gives this school the timezone America/Denver."]
    assert row_counts() == before


def test_unknown_and_missing_header_columns_are_reported_on_line_1(api_as, admin):
    response = post_roster(api_as(admin), roster("ana@example.org,Ana,Lincoln,7",
                                                 header="Email,Name,School,Shoe size"))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert list(fields) == ["1"]
    assert fields["1"]["roles"] == ["This column is missing."]
    assert fields["1"]["shoe size"][0].startswith("Unknown column")


def test_header_columns_may_come_in_any_order_and_case(api_as, admin):
    response = post_roster(api_as(admin), roster("Observer,cy@example.org,Cy", header="ROLES,Email,name,School"))
    assert response.get_json() == {"schools_created": 0, "people_created": 1, "people_updated": 0}


def test_school_admin_cannot_import_rows_for_another_school(make, api_as, district):
    lincoln, washington = make.school(district, name="Lincoln"), make.school(district, name="Washington")
    school_admin = make.person("admin", school=lincoln)
    make.person("teacher", school=washington, email="taken@example.org")
    before = row_counts()
    response = post_roster(api_as(school_admin), roster(
        "ana@example.org,Ana,teacher,Lincoln,,",
        "ben@example.org,Ben,teacher,Washington,,",
        "cy@example.org,Cy,observer,,,",
        "dee@example.org,Dee,teacher,Brand New,,",
        "taken@example.org,Taken,teacher,Lincoln,,",
    ))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert sorted(fields, key=int) == ["3", "4", "5", "6"]
    assert fields["6"] == {"email": ["This person is outside the schools you administer."]}
    assert row_counts() == before


def test_school_admin_imports_people_of_their_own_school(make, api_as, district):
    lincoln = make.school(district, name="Lincoln")
    response = post_roster(api_as(make.person("admin", school=lincoln)),
                           roster("ana@example.org,Ana,teacher,Lincoln,,"))
    assert response.get_json() == {"schools_created": 0, "people_created": 1, "people_updated": 0}
    assert person("ana@example.org").school_id == lincoln.id


def test_admin_cannot_remove_their_own_admin_role(api_as, admin):
    response = post_roster(api_as(admin), roster("admin@example.org,Me,observer,,,"))
    assert response.get_json()["error"]["fields"] == {"2": {"roles": ["You cannot remove your own admin role."]}}


def test_only_admins_import_rosters(make, api_as, district):
    text = roster("ana@example.org,Ana,observer,,,")
    assert post_roster(api_as(make.person("district_staff", district=district)), text).status_code == 404
    assert post_roster(api_as(None), text).status_code == 401
    assert row_counts()["Person"] == 1


def test_roster_must_be_csv_text(api_as, admin):
    api = api_as(admin)
    wrong_type = post_roster(api, roster("ana@example.org,Ana,observer,,,"), content_type="application/json")
    assert wrong_type.status_code == 415
    latin1 = api.post(URL, data=roster("jose@example.org,José,observer,,,").encode("latin-1"),
                      content_type="text/csv")
    assert latin1.status_code == 400 and latin1.get_json()["error"]["code"] == "malformed_csv"


def test_oversized_roster_is_refused(app, api_as, admin):
    app.config["MAX_CONTENT_LENGTH"] = 200
    text = roster(*(f"p{n}@example.org,Person {n},observer,,," for n in range(20)))
    assert post_roster(api_as(admin), text).status_code == 413
    assert row_counts()["Person"] == 1


def test_roster_with_too_many_rows_is_refused(monkeypatch, api_as, admin):
    monkeypatch.setattr(roster_schemas, "MAX_ROWS", 2)
    response = post_roster(api_as(admin), roster(*(f"p{n}@example.org,P{n},observer,,," for n in range(3))))
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["4"]
    assert row_counts()["Person"] == 1


def test_imported_person_with_a_password_can_sign_in(app, api_as, admin):
    post_roster(api_as(admin), roster("ana@example.org,Ana,observer,,,ana's long password",
                                      "ben@example.org,Ben,observer,,,"))
    signed_in = app.test_client().post("/api/auth/login", json={"email": "ana@example.org",
                                                                "password": "ana's long password"})
    assert signed_in.status_code == 200
    assert signed_in.get_json()["roles"] == ["observer"]
    no_password = app.test_client().post("/api/auth/login", json={"email": "ben@example.org", "password": ""})
    assert no_password.status_code in (401, 422)
    assert person("ben@example.org").password_hash is None


def test_quoted_cells_and_a_byte_order_mark_are_read(api_as, admin):
    text = "\ufeff" + roster('"ana@example.org","Ruiz, Ana",observer,,,')
    assert post_roster(api_as(admin), text).status_code == 200
    assert person("ana@example.org").name == "Ruiz, Ana"
