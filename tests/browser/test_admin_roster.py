"""#/roster on tablets: an admin previews a CSV, sees each bad line with its number, column and
own text and nothing written, previews the corrected file, imports it and follows the job to done;
people missing from the file are deactivated only when the admin ticks that option; the sample CSV
is the documented one and previews; anyone but an admin has no screen (nor the API), a school admin
imports their school only; offline the screen says it needs a connection; axe-core finds nothing
serious at either tablet size."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update

from server import roster_jobs
from server.extensions import db
from server.models import Person
from server.models.roster_import import RosterImport
from server.models.types import utcnow
from tests.browser.conftest import TABLET_PORTRAIT, tablet_problems

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "roster.md"
HEADER = "email,name,roles,school,school_timezone,password"
OFFLINE = "Roster import needs a connection. It opens when this tablet is online."
NOT_YOURS = "There is nothing here for you: roster import is for admins."
BAD_LINE = "ben@example,Ben Brown,teacher,Lincoln,,"
GOOD_LINES = ["tess@example.org,Tess Turner,teacher;observer,Lincoln,,",
              "ana@example.org,Ana Ruiz,teacher,Lincoln,,a long password"]


@pytest.fixture
def world(make):
    class World:
        district = make.district()
        lincoln = make.school(district, "Lincoln")
        grant = make.school(district, "Grant")
        admin = make.person("admin", district=district, name="Dana District", email="dana@example.org")
        school_admin = make.person("admin", school=lincoln, name="Lena Lincoln", email="lena@example.org")
        teacher = make.person("teacher", school=lincoln, name="Tess Turner", email="tess@example.org")
        leaving = make.person("teacher", school=lincoln, name="Lee Leaving", email="lee@example.org")
    return World


def csv_file(tmp_path, name, *lines):
    path = tmp_path / name
    path.write_text("\n".join((HEADER, *lines)) + "\n")
    return path


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def open_roster(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Roster import", exact=True).click()
    expect(page.get_by_role("heading", name="Roster import", level=1)).to_be_visible()
    expect(page.locator(".recent-imports [role=status]")).to_have_count(0)


def preview(page, path, deactivate=False):
    page.get_by_label("Roster file (CSV)").set_input_files(str(path))
    page.get_by_label("Deactivate people who are missing from this file").set_checked(deactivate)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#roster-result-title")).to_be_focused()


def in_app(app, work):
    with app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


def run_job(app):
    """One poll of the scheduler's roster job, as its process would run it."""
    return in_app(app, roster_jobs.run_next)


def import_and_run(page, app):
    """Confirm the preview on `page`, then run the job once the server has the confirmation."""
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".roster-progress").get_by_role("status")).to_contain_text("Queued")
    assert run_job(app) is not None


def imports(app):
    return in_app(app, lambda: db.session.scalar(select(func.count()).select_from(RosterImport)))


def people(app):
    return in_app(app, lambda: {p.email: (p.name, sorted(p.roles), p.active)
                                for p in db.session.scalars(select(Person))})


def test_an_admin_fixes_a_bad_line_previews_again_imports_and_follows_the_job_to_done(world, app, new_tablet,
                                                                                       tmp_path):
    before = people(app)
    dana = new_tablet(world.admin.email, viewport=TABLET_PORTRAIT)
    open_roster(dana)
    expect(dana.locator("main")).to_contain_text("Nothing is written until you have seen the preview")
    expect(dana.locator(".recent-imports")).to_have_text("No roster import yet.")

    preview(dana, csv_file(tmp_path, "august.csv", GOOD_LINES[0], BAD_LINE, GOOD_LINES[1]))
    expect(dana.locator("#roster-result-title")).to_have_text("august.csv: 1 bad line")
    expect(dana.locator(".roster-refused")).to_contain_text("nothing can be imported until every bad line is fixed")
    bad = dana.locator(".bad-line")
    expect(bad).to_have_count(1)
    expect(bad.get_by_role("heading", level=3)).to_have_text("Line 3")
    expect(bad.locator(".line-text")).to_have_text(BAD_LINE)
    expect(bad.locator(".line-problems")).to_have_text("Column email: Not a valid email address.")
    expect(dana.locator("#announcer")).to_contain_text("august.csv was not imported: 1 line has problems.")
    assert imports(app) == 0 and people(app) == before

    preview(dana, csv_file(tmp_path, "august-fixed.csv", GOOD_LINES[0], "ben@example.org,Ben Brown,teacher,Lincoln,,",
                           GOOD_LINES[1]))
    expect(dana.locator("#roster-result-title")).to_have_text("Preview of august-fixed.csv")
    plan = dana.locator(".roster-plan")
    expect(plan.locator(".plan-summary")).to_have_text("2 people added, 1 updated, 0 unchanged.")
    expect(plan.get_by_role("region", name="Added (2)").locator("li")).to_have_text([
        "Line 3 · Ben Brown · ben@example.org · Teacher · Lincoln · no password yet",
        "Line 4 · Ana Ruiz · ana@example.org · Teacher · Lincoln · password given"])
    expect(plan.get_by_role("region", name="Updated (1)").locator("li")).to_have_text(
        "Line 2 · tess@example.org: roles Teacher → Teacher, Observer")
    expect(plan).to_contain_text("1 person will have no password: they cannot sign in until you give each of them "
                                 "a one-time password link from People.")
    expect(plan).to_contain_text("People missing from the file stay as they are")
    expect(plan.get_by_role("region", name=re.compile("To be deactivated"))).to_have_count(0)
    assert imports(app) == 1 and people(app) == before, "a preview writes nobody"
    expect(dana.locator(".import-row")).to_have_count(1)
    expect(dana.locator(".import-row")).to_contain_text("Previewed, not imported To do: 2 people added, 1 updated, "
                                                        "0 unchanged.")

    dana.get_by_role("button", name="Import", exact=True).click()
    status = dana.locator(".roster-progress").get_by_role("status")
    expect(status).to_have_text("Queued: the server starts the import within seconds.")
    assert people(app) == before

    # A scheduler started on it and stopped (its lease lapsed): the page shows how far it got.
    def half_done():
        db.session.execute(update(RosterImport).values(state="running", progress_done=1, lease_token="x" * 32,
                                                       lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    in_app(app, half_done)
    expect(status).to_have_text("Running: 1 of 3 rows prepared.")
    expect(dana.locator(".roster-progress progress")).to_have_attribute("max", "3")

    assert run_job(app) is not None
    expect(status).to_have_text("Done: 2 people added, 1 updated, 0 unchanged.")
    expect(dana.locator(".roster-progress")).to_contain_text(
        "1 person in this file has no password yet: they cannot sign in until you give each of them a one-time "
        "password link. Open them in People")
    expect(dana.locator(".roster-progress").get_by_role("link", name="People")).to_have_attribute("href", "#/people")
    expect(dana.locator("#announcer")).to_contain_text("Done: 2 people added")
    after = people(app)
    assert after["ben@example.org"] == ("Ben Brown", ["teacher"], True)
    assert after["ana@example.org"] == ("Ana Ruiz", ["teacher"], True)
    assert after["tess@example.org"] == ("Tess Turner", ["observer", "teacher"], True)
    assert after["lee@example.org"] == before["lee@example.org"]
    row = dana.locator(".import-row")
    expect(row).to_contain_text("by you · 3 rows")
    expect(row).to_contain_text("Done 2 people added, 1 updated, 0 unchanged.")
    expect(row.get_by_role("button")).to_have_count(0)


def test_people_missing_from_the_file_are_deactivated_only_when_the_admin_ticks_it(world, app, new_tablet, tmp_path):
    dana = new_tablet(world.admin.email)
    open_roster(dana)
    expect(dana.locator("#deactivate-missing")).not_to_be_checked()
    expect(dana.locator("#deactivate-missing-hint")).to_contain_text(
        "everyone active in your district whom the file does not list (never you) is deactivated by the import: "
        "they can no longer sign in and their tablets are signed out.")
    file = csv_file(tmp_path, "staff.csv", "dana@example.org,Dana District,admin,,,",
                    "lena@example.org,Lena Lincoln,admin,Lincoln,,", GOOD_LINES[0])
    preview(dana, file, deactivate=True)
    gone = dana.locator(".roster-plan").get_by_role("region", name="To be deactivated (1)")
    expect(gone.locator("li")).to_have_text("Lee Leaving · lee@example.org")
    expect(dana.locator(".plan-summary")).to_have_text("0 people added, 1 updated, 2 unchanged, 1 deactivated.")
    assert people(app)["lee@example.org"][2] is True

    dana.get_by_role("button", name="Import", exact=True).click()
    expect(dana.locator(".roster-progress").get_by_role("status")).to_contain_text("Queued")
    # Leaving the screen stops following the import; coming back, the list offers to follow it again.
    asked = []
    dana.on("request", lambda request: asked.append(request.url) if "/roster/imports/" in request.url else None)
    go(dana, "#/admin")
    expect(dana.get_by_role("heading", name="Admin", level=1)).to_be_visible()
    dana.wait_for_timeout(3500)
    assert asked == []
    go(dana, "#/roster")
    dana.get_by_role("button", name="Follow its progress").click()
    expect(dana.locator(".roster-progress").get_by_role("status")).to_contain_text("Queued")
    assert run_job(app) is not None
    expect(dana.locator(".roster-progress").get_by_role("status")).to_have_text(
        "Done: 0 people added, 1 updated, 2 unchanged, 1 deactivated.")
    assert people(app)["lee@example.org"][2] is False
    expect(dana.locator(".import-row").first).to_contain_text("deactivating people missing from the file")


def test_the_sample_csv_is_the_documented_one_and_previews(world, app, new_tablet, tmp_path):
    documented = re.search(r"```csv\n(.*?)```", DOCS.read_text(), re.S).group(1)
    dana = new_tablet(world.admin.email)
    open_roster(dana)
    help_ = dana.get_by_role("region", name="What the columns mean")
    for column in HEADER.split(","):
        expect(help_.locator("dt", has_text=re.compile(f"^{column}$"))).to_have_count(1)
    with dana.expect_download() as downloading:
        help_.get_by_role("button", name="Download a sample CSV").click()
    download = downloading.value
    assert download.suggested_filename == "rounds-roster-sample.csv"
    sample = tmp_path / download.suggested_filename
    download.save_as(sample)
    assert sample.read_text() == documented
    expect(dana.locator("#announcer")).to_have_text("Sample saved as rounds-roster-sample.csv.")

    preview(dana, sample)
    expect(dana.locator(".plan-summary")).to_have_text("2 people added, 0 updated, 0 unchanged.")
    expect(dana.locator(".roster-plan").get_by_role("region", name="Schools (1)")).to_have_text(
        "Schools (1)Lincoln: time zone the district's → America/Denver")


def test_a_file_whose_lines_fail_at_import_time_says_which_and_writes_nothing(world, app, make, new_tablet, tmp_path):
    dana = new_tablet(world.admin.email)
    open_roster(dana)
    headless = tmp_path / "no-school.csv"
    headless.write_text("email,name,roles\nana@example.org,Ana Ruiz,observer\n")
    preview(dana, headless)
    header = dana.locator(".bad-line[data-line='1']")
    expect(header.get_by_role("heading")).to_have_text("Line 1 (the header)")
    expect(header.locator(".line-text")).to_have_text("email,name,roles")
    expect(header.locator(".line-problems")).to_have_text("Column school: This column is missing.")

    preview(dana, csv_file(tmp_path, "late.csv", GOOD_LINES[0], GOOD_LINES[1]))
    dana.get_by_role("button", name="Import", exact=True).click()
    expect(dana.locator("#roster-result-title")).to_have_text("Import of late.csv")
    expect(dana.locator(".roster-progress").get_by_role("status")).to_contain_text("Queued")
    make.person("teacher", district=make.district(), email="ana@example.org")  # taken meanwhile elsewhere
    before = people(app)
    run_job(app)
    status = dana.locator(".roster-progress").get_by_role("status")
    expect(status).to_have_text("Failed: 1 line has problems; nothing was imported. Preview the file again and "
                                "confirm the new preview.")
    late = dana.locator(".roster-progress .bad-line[data-line='3']")
    expect(late.locator(".line-text")).to_have_text(GOOD_LINES[1])
    expect(late.locator(".line-problems")).to_have_text("Column email: This email belongs to a person of another "
                                                        "district.")
    assert people(app) == before
    row = dana.locator(".import-row")
    expect(row).to_contain_text("Failed 1 line has problems")
    dana.reload()
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Show the lines at fault").click()
    expect(dana.locator("#roster-result-title")).to_be_focused()
    expect(late.locator(".line-problems")).to_contain_text("another district")
    expect(late.locator(".line-text")).to_have_count(0)


def test_the_district_admin_reviews_and_imports_a_school_admins_preview(world, app, api_as, new_tablet):
    api_as(world.school_admin).post("/api/admin/roster/preview", content_type="text/csv",
                                    data=f"{HEADER}\n{GOOD_LINES[1]}\n".encode())
    dana = new_tablet(world.admin.email)
    open_roster(dana)
    row = dana.locator(".import-row")
    expect(row).to_contain_text("by Lena Lincoln · 1 row")
    expect(row).to_contain_text("Previewed, not imported")
    row.get_by_role("button", name="Review and import").click()
    expect(dana.locator("#roster-result-title")).to_have_text("Preview of an import not yet confirmed")
    expect(dana.locator(".roster-plan").get_by_role("region", name="Added (1)")).to_contain_text("Ana Ruiz")
    import_and_run(dana, app)
    expect(dana.locator(".roster-progress").get_by_role("status")).to_have_text(
        "Done: 1 person added, 0 updated, 0 unchanged.")
    expect(row).to_contain_text("Done 1 person added")
    assert people(app)["ana@example.org"] == ("Ana Ruiz", ["teacher"], True)


def test_anyone_but_an_admin_has_no_roster_screen_nor_api(world, api_as, make, new_tablet):
    admin_import = api_as(world.admin).post("/api/admin/roster/preview", data=f"{HEADER}\n{GOOD_LINES[0]}\n".encode(),
                                            content_type="text/csv").get_json()["id"]
    tess = new_tablet(world.teacher.email)
    expect(tess.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(0)
    go(tess, "#/roster")
    expect(tess.get_by_role("heading", name="Roster import", level=1)).to_be_visible()
    expect(tess.locator("main .message")).to_have_text(NOT_YOURS)
    expect(tess.locator("main form, main .import-row")).to_have_count(0)

    api = api_as(world.teacher)
    preview_ = api.post("/api/admin/roster/preview", data=f"{HEADER}\n".encode(), content_type="text/csv")
    assert preview_.status_code == 404
    assert api.get("/api/admin/roster/imports").status_code == 404
    assert api.get(f"/api/admin/roster/imports/{admin_import}").status_code == 404
    assert api.post(f"/api/admin/roster/imports/{admin_import}/confirm").status_code == 404
    other = api_as(make.person("admin", district=make.district()))
    assert other.get(f"/api/admin/roster/imports/{admin_import}").status_code == 404


def test_a_school_admin_imports_their_school_only_and_is_told_so(world, app, api_as, new_tablet, tmp_path):
    api_as(world.admin).post("/api/admin/roster/preview", data=f"{HEADER}\n{GOOD_LINES[0]}\n".encode(),
                             content_type="text/csv")
    lena = new_tablet(world.school_admin.email)
    open_roster(lena)
    expect(lena.locator("main .screen-head")).to_contain_text(
        "You administer Lincoln: the file may list Lincoln's people only. Rows of another school or district-wide "
        "rows are refused, and only a district-wide admin can create schools.")
    expect(lena.locator("#deactivate-missing-hint")).to_contain_text("everyone active at Lincoln whom the file")
    # The district admin's import is outside a school admin's scope.
    expect(lena.locator(".recent-imports")).to_have_text("No roster import yet.")

    preview(lena, csv_file(tmp_path, "mixed.csv", GOOD_LINES[0], "gil@example.org,Gil Grant,teacher,Grant,,",
                           "dee@example.org,Dee Wide,observer,,,"))
    expect(lena.locator("#roster-result-title")).to_have_text("mixed.csv: 2 bad lines")
    expect(lena.locator(".bad-line[data-line='3'] .line-problems")).to_have_text(
        "Column school: This row is outside the schools you administer.")
    expect(lena.locator(".bad-line[data-line='4'] .line-text")).to_have_text("dee@example.org,Dee Wide,observer,,,")
    expect(lena.locator(".bad-line[data-line='4'] .line-problems")).to_have_text(
        "Column school: This row is outside the schools you administer.")
    assert imports(app) == 1

    preview(lena, csv_file(tmp_path, "lincoln.csv", GOOD_LINES[0]))
    expect(lena.locator(".plan-summary")).to_have_text("0 people added, 1 updated, 0 unchanged.")
    import_and_run(lena, app)
    expect(lena.locator(".roster-progress").get_by_role("status")).to_have_text(
        "Done: 0 people added, 1 updated, 0 unchanged.")
    assert people(app)["tess@example.org"][1] == ["observer", "teacher"]


def test_roster_import_says_plainly_that_it_needs_a_connection(world, new_tablet, tmp_path):
    dana = new_tablet(world.admin.email)
    open_roster(dana)
    dana.context.set_offline(True)
    dana.get_by_label("Roster file (CSV)").set_input_files(str(csv_file(tmp_path, "a.csv", GOOD_LINES[0])))
    dana.get_by_role("button", name="Preview").click()
    expect(dana.locator("main .message:not(:empty)")).to_have_text(OFFLINE)
    expect(dana.get_by_role("button", name="Preview")).to_be_enabled()
    dana.reload()
    expect(dana.get_by_role("heading", name="Roster import", level=1)).to_be_visible()
    expect(dana.locator("main .message:not(:empty)").first).to_have_text(OFFLINE)
    dana.context.set_offline(False)


def test_roster_import_has_no_serious_or_critical_accessibility_violation(world, app, new_tablet, tmp_path,
                                                                          screenshot):
    dana = new_tablet(world.admin.email)
    failures = {}

    def check(where):
        failures.update(tablet_problems(dana, where, 'main button, main a, main input'))

    open_roster(dana)
    check("the empty screen")
    screenshot(dana, "roster-empty")
    preview(dana, csv_file(tmp_path, "bad.csv", GOOD_LINES[0], BAD_LINE))
    check("a preview with a bad line")
    screenshot(dana, "roster-bad-line")
    preview(dana, csv_file(tmp_path, "good.csv", *GOOD_LINES), deactivate=True)
    check("a preview to import")
    screenshot(dana, "roster-preview")
    import_and_run(dana, app)
    expect(dana.locator(".roster-progress").get_by_role("status")).to_contain_text("Done")
    check("the import done")
    screenshot(dana, "roster-done")
    assert not failures, f"axe-core on the roster import screen: {failures}"
