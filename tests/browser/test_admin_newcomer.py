"""A newcomer runs the demo district from the web app alone, as the admin screens promise: signed
in as admin@demo.rounds they add a teacher, import a roster with one bad line, fix it and import
it, edit the demo template into a new version with a new look-for and publish it, see it on an
observer's Capture after that tablet syncs, and revoke that tablet, without a terminal."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server import roster_jobs
from server.demo import PASSWORD, seed_demo
from server.extensions import db
from server.models import Device, LookForTemplate, Person
from tests.browser.conftest import TABLET_PORTRAIT

pytestmark = pytest.mark.browser

HEADER = "email,name,roles,school,school_timezone,password"
NEW_LOOKFOR = "Students cite evidence from the text"


@pytest.fixture
def demo(make):
    """The demo district, as `flask --app server demo` seeds it."""
    assert seed_demo()


def in_app(app, work):
    with app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


def admin_screen(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def roster(tmp_path, name, *lines):
    path = tmp_path / name
    path.write_text("\n".join((HEADER, *lines)) + "\n")
    return path


def test_a_newcomer_runs_the_demo_district_from_the_web_app(demo, app, new_tablet, tmp_path):
    admin = new_tablet("admin@demo.rounds", password=PASSWORD, viewport=TABLET_PORTRAIT)
    expect(admin.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_be_visible()

    # 1. A new teacher.
    admin_screen(admin, "People")
    admin.get_by_role("button", name="Add a person").click()
    form = admin.get_by_role("form", name="Add a person")
    form.get_by_label("Name").fill("Nia Nguyen")
    form.get_by_label("Email").fill("nia@demo.rounds")
    form.get_by_label("School").select_option(label="Lincoln Elementary")
    form.get_by_role("button", name="Add person").click()
    expect(admin.get_by_role("heading", name="Nia Nguyen", level=1)).to_be_visible()
    expect(admin.locator("main .person-summary")).to_contain_text("nia@demo.rounds · Teacher · Lincoln Elementary")

    # 2. The roster: a bad line shown in place, nothing written; the fixed file imports.
    admin_screen(admin, "Roster import")
    good = "olu@demo.rounds,Olu Okafor,teacher,Jefferson Middle School,,"
    bad = "pia@demo,Pia Park,teacher,Lincoln Elementary,,"
    admin.get_by_label("Roster file (CSV)").set_input_files(str(roster(tmp_path, "august.csv", good, bad)))
    admin.get_by_role("button", name="Preview").click()
    expect(admin.locator("#roster-result-title")).to_have_text("august.csv: 1 bad line")
    bad_line = admin.locator(".bad-line")
    expect(bad_line.get_by_role("heading", level=3)).to_have_text("Line 3")
    expect(bad_line.locator(".line-text")).to_have_text(bad)
    expect(bad_line.locator(".line-problems")).to_contain_text("Column email")
    expect(admin.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    fixed = roster(tmp_path, "august-fixed.csv", good, "pia@demo.rounds,Pia Park,teacher,Lincoln Elementary,,")
    admin.get_by_label("Roster file (CSV)").set_input_files(str(fixed))
    admin.get_by_role("button", name="Preview").click()
    expect(admin.locator("#roster-result-title")).to_have_text("Preview of august-fixed.csv")
    expect(admin.locator(".roster-plan .plan-summary")).to_contain_text("2 people added")
    admin.get_by_role("button", name="Import", exact=True).click()
    expect(admin.locator(".roster-progress").get_by_role("status")).to_contain_text("Queued")
    # The scheduler process's poll, run here.
    assert in_app(app, roster_jobs.run_next) is not None
    expect(admin.locator(".roster-progress").get_by_role("status")).to_contain_text("Done", timeout=15_000)
    imported = in_app(app, lambda: {p.email: p.active for p in db.session.scalars(
        select(Person).where(Person.email.in_(["olu@demo.rounds", "pia@demo.rounds", "nia@demo.rounds"])))})
    assert imported == {"olu@demo.rounds": True, "pia@demo.rounds": True, "nia@demo.rounds": True}

    # 3. The observer's tablet has the demo template, version 1.
    maria = new_tablet("principal@demo.rounds", password=PASSWORD)

    # 4. The demo template edited into version 2 with a new look-for, and published.
    admin_screen(admin, "Look-for templates")
    admin.locator(".template-family").filter(has_text="Instructional core walkthrough").get_by_role(
        "link", name="Version 1").click()
    expect(admin.get_by_role("heading", name="Instructional core walkthrough", level=1)).to_be_visible()
    admin.get_by_role("button", name="Edit as a new version (2, a draft)").click()
    expect(admin.locator("main .template-summary")).to_contain_text("Version 2 · Draft")
    edit = admin.get_by_role("form", name="Edit the draft")
    edit.get_by_role("button", name="Add a look-for").click()
    added = edit.locator(".lookfor-edit").last
    added.get_by_label("What to look for").fill(NEW_LOOKFOR)
    added.get_by_label("Kind").select_option(label="Yes / no")
    edit.get_by_role("button", name="Save draft").click()
    expect(admin.locator("main .outcome")).to_contain_text("Saved.")
    admin.get_by_role("button", name="Publish version 2").click()
    admin.get_by_role("dialog").get_by_role("button", name="Publish version 2").click()
    expect(admin.locator("main .outcome")).to_contain_text("Version 2 is published.")
    published = in_app(app, lambda: [(t.version, t.status) for t in db.session.scalars(
        select(LookForTemplate).where(LookForTemplate.name == "Instructional core walkthrough")
        .order_by(LookForTemplate.version))])
    assert published == [(1, "published"), (2, "published")]

    # 5. After a sync, the observer's next walkthrough uses version 2, with the new look-for.
    maria.get_by_role("button", name="Sync now").click()
    expect(maria.locator("#sync-status")).not_to_contain_text("Syncing")
    maria.get_by_role("navigation", name="Main").get_by_role("link", name="New walkthrough").click()
    maria.get_by_role("button", name="Alice Moreno").click()
    expect(maria.get_by_text("Instructional core walkthrough (version 2)")).to_be_visible()
    maria.get_by_role("button", name="Start walkthrough").click()
    expect(maria.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_visible()
    expect(maria.get_by_role("group", name=NEW_LOOKFOR, exact=True)).to_have_count(1)

    # 6. The observer's tablet is lost: the admin revokes it, told what becomes of unsent changes.
    admin_screen(admin, "People")
    admin.get_by_role("link", name="Maria Lopez", exact=True).click()
    expect(admin.get_by_role("heading", name="Maria Lopez", level=1)).to_be_visible()
    # Her one tablet: the one signed in above.
    card = admin.locator(".device-card")
    expect(card).to_have_count(1)
    card.get_by_role("button", name="Revoke (lost tablet)").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_contain_text("(Maria Lopez) is signed out at once and can no longer sync.")
    expect(dialog).to_contain_text("When it last synced, it had sent every change it held.")
    dialog.get_by_role("button", name="Revoke this device").click()
    expect(admin.locator("main .outcome").filter(has_text="is revoked.")).to_be_visible()
    expect(card).to_contain_text("Revoked Today")

    def maria_devices():
        maria_id = db.session.scalar(select(Person.id).where(Person.email == "principal@demo.rounds"))
        return [device.revoked_at is not None for device in db.session.scalars(
            select(Device).where(Device.person_id == maria_id))]
    assert in_app(app, maria_devices) == [True]
    # Her tablet learns it at its next sync, and keeps what she recorded on it.
    maria.get_by_role("button", name="Sync now").click()
    expect(maria.locator("#sync-status")).to_contain_text("This tablet's sign-in has ended (the device was revoked")
