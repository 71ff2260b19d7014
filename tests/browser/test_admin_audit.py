"""#/audit on tablets: an admin reads a failed sign-in and a tablet revocation in words, with
their times in the district's time zone, filters by kind, person and days (a `to` before `from`
said beside the dates), reads older events a page at a time, and a reload keeps the filters; a
school admin sees what concerns their school; another district's events are never shown; anyone
else has no screen; offline the screen says it needs a connection; axe-core finds nothing serious
at either tablet size."""
import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from server import audit
from server.extensions import db
from tests.browser.conftest import TABLET_PORTRAIT, tablet_problems

pytestmark = pytest.mark.browser

NEEDS_CONNECTION = "The audit log needs a connection. It opens when this tablet is online."
NOT_YOURS = "There is nothing here for you: the audit log is for admins."
SIGN_IN_FAILED = "Sign-in failed for tess@example.org"
REVOKED = "Tablet 'Room 12 iPad' of Tess Turner revoked by Dana District"


@pytest.fixture
def world(make):
    class World:
        district = make.district("Riverside", timezone="America/Chicago")
        lincoln = make.school(district, "Lincoln")
        grant = make.school(district, "Grant")
        admin = make.person("admin", district=district, name="Dana District", email="dana@example.org")
        school_admin = make.person("admin", school=lincoln, name="Lena Lincoln", email="lena@example.org")
        teacher = make.person("teacher", school=lincoln, name="Tess Turner", email="tess@example.org")
        grant_teacher = make.person("teacher", school=grant, name="Gus Grant", email="gus@example.org")
        other_district = make.district("Hillside")
        other_admin = make.person("admin", district=other_district, name="Otto Other", email="otto@example.org")
        other_teacher = make.person("teacher", district=other_district, name="Olga Other", email="olga@example.org")
    return World


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def open_audit(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", name="Audit", level=1)).to_be_visible()
    expect(page.locator("#audit-count")).not_to_be_empty()


def fail_sign_in(client, email):
    assert client.post("/api/auth/login", json={"email": email, "password": "not the password"}).status_code == 401


def revoke_tablet(world, api_as):
    """Tess's 'Room 12 iPad', revoked by Dana; the revocation happened at 05:00 UTC on 2 March
    2026, which is 23:00 on 1 March in Chicago."""
    device = api_as(world.teacher).post("/api/devices", json={"name": "Room 12 iPad"}).get_json()["device_id"]
    assert api_as(world.admin).delete(f"/api/admin/people/{world.teacher.id}/devices/{device}").status_code == 200
    event = db.session.scalars(db.select(audit.AuditEvent).where(audit.AuditEvent.kind == "device_revoked")).one()
    event.at = datetime(2026, 3, 2, 5, tzinfo=timezone.utc)
    db.session.commit()


def what(page):
    return page.locator(".audit-event .audit-what")


def test_an_admin_reads_events_in_words_and_filters_them_by_kind_person_and_days(world, api_as, client, new_tablet):
    revoke_tablet(world, api_as)
    fail_sign_in(client, world.teacher.email)
    fail_sign_in(client, world.other_teacher.email)
    admin = new_tablet(world.admin.email, viewport=TABLET_PORTRAIT)
    open_audit(admin)
    expect(what(admin)).to_have_text([SIGN_IN_FAILED, REVOKED])
    expect(admin.locator("main")).not_to_contain_text("olga@example.org")
    revoked = admin.locator(".audit-event").filter(has_text=REVOKED)
    # The district's time, not the tablet's or the server's.
    expect(revoked.locator("time")).to_have_text(re.compile(r"Sun, Mar 1, 2026,? (at )?11:00\s?PM"))
    expect(admin.locator("main")).to_contain_text("Times are in the district's time zone (America/Chicago).")
    expect(admin.locator(".audit-event").filter(has_text=SIGN_IN_FAILED)).to_contain_text("Wrong email or password.")

    # By kind: the address keeps it, and a reload too.
    filters = admin.get_by_role("search", name="Which events")
    filters.get_by_label("Tablet revoked").check()
    filters.get_by_role("button", name="Show events").click()
    expect(what(admin)).to_have_text([REVOKED])
    assert admin.evaluate("() => location.hash") == "#/audit/?kind=device_revoked"
    expect(admin.locator("#announcer")).to_have_text("1 event shown, newest first.")
    admin.reload()
    expect(what(admin)).to_have_text([REVOKED])
    expect(admin.get_by_label("Tablet revoked")).to_be_checked()
    expect(admin.get_by_label("Sign-in failed")).not_to_be_checked()

    # By person, with kinds that include both.
    filters = admin.get_by_role("search", name="Which events")
    filters.get_by_label("Sign-in failed").check()
    filters.get_by_label("Done by").select_option(label="Tess Turner")
    filters.get_by_role("button", name="Show events").click()
    expect(what(admin)).to_have_text([SIGN_IN_FAILED])
    filters.get_by_label("Done by").select_option(label="Anyone")

    # By days, in the district's time zone: the revocation was on 1 March there.
    filters.get_by_label("From", exact=True).fill("2026-03-02")
    filters.get_by_label("To", exact=True).fill("2026-03-01")
    filters.get_by_role("button", name="Show events").click()
    to_error = filters.locator(".field-error[data-for='to']")
    expect(to_error).to_have_text("Must be on or after `from`.")
    expect(filters.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(admin.locator(".audit-event")).to_have_count(0)
    filters.get_by_label("From", exact=True).fill("2026-03-01")
    filters.get_by_role("button", name="Show events").click()
    expect(what(admin)).to_have_text([REVOKED])
    expect(to_error).to_be_empty()
    filters.get_by_label("From", exact=True).fill("2026-03-02")
    filters.get_by_label("To", exact=True).fill("")
    filters.get_by_role("button", name="Show events").click()
    expect(what(admin)).to_have_text([SIGN_IN_FAILED])
    admin.reload()
    expect(what(admin)).to_have_text([SIGN_IN_FAILED])
    expect(admin.get_by_label("From", exact=True)).to_have_value("2026-03-02")

    # Back gives the previous filters; "Clear filters" every event.
    admin.go_back()
    expect(what(admin)).to_have_text([REVOKED])
    admin.get_by_role("link", name="Clear filters").click()
    expect(what(admin)).to_have_text([SIGN_IN_FAILED, REVOKED])


def test_older_events_come_a_page_at_a_time(world, api_as, new_tablet):
    for n in range(30):
        audit.record("person_changed", world.admin, subject=world.teacher, name=f"Tess {n}")
    db.session.commit()
    admin = new_tablet(world.admin.email)
    open_audit(admin)
    events = admin.locator(".audit-event")
    expect(events).to_have_count(25)
    expect(events.first).to_contain_text("Name: Tess 29")
    expect(admin.locator("#audit-count")).to_have_text("25 events shown, newest first; there are older ones.")
    admin.get_by_role("button", name="Show older events").click()
    expect(events).to_have_count(30)
    expect(events.nth(25)).to_be_focused()
    expect(events.last).to_contain_text("Name: Tess 0")
    expect(admin.get_by_role("button", name="Show older events")).to_be_hidden()
    expect(admin.locator("#audit-count")).to_have_text("30 events shown, newest first.")


def test_a_school_admin_sees_their_schools_events_and_no_district_sees_anothers(world, api_as, client, new_tablet):
    revoke_tablet(world, api_as)
    fail_sign_in(client, world.grant_teacher.email)
    fail_sign_in(client, world.other_teacher.email)
    lena = new_tablet(world.school_admin.email)
    open_audit(lena)
    expect(what(lena)).to_have_text([REVOKED])
    expect(lena.locator("main")).to_contain_text("What was done in your school")
    expect(lena.get_by_label("Done by").locator("option")).to_have_text(["Anyone", "Lena Lincoln", "Tess Turner"])

    otto = new_tablet(world.other_admin.email)
    open_audit(otto)
    expect(what(otto)).to_have_text(["Sign-in failed for olga@example.org"])
    # An address naming someone of another district shows nothing of theirs.
    go(otto, f"#/audit/?actor={world.teacher.id}")
    expect(otto.locator("#audit-count")).to_have_text("No event matches.")
    expect(otto.locator("main")).not_to_contain_text("tess@example.org")
    assert api_as(world.other_admin).get(f"/api/audit?actor={world.teacher.id}").get_json()["events"] == []


def test_anyone_but_an_admin_has_no_audit_screen(world, api_as, new_tablet):
    tess = new_tablet(world.teacher.email)
    go(tess, "#/audit")
    expect(tess.get_by_role("heading", name="Audit", level=1)).to_be_visible()
    expect(tess.locator("main .message")).to_have_text(NOT_YOURS)
    expect(tess.locator("main form, main .audit-event")).to_have_count(0)
    assert api_as(world.teacher).get("/api/audit").status_code == 404


def test_the_audit_log_says_plainly_that_it_needs_a_connection(world, new_tablet):
    admin = new_tablet(world.admin.email)
    open_audit(admin)
    admin.context.set_offline(True)
    admin.get_by_role("button", name="Show events").click()
    expect(admin.locator("main .message:not(:empty)")).to_have_text(NEEDS_CONNECTION)
    admin.reload()
    expect(admin.locator("main .message")).to_have_text(NEEDS_CONNECTION)
    admin.context.set_offline(False)


def test_the_audit_log_has_no_serious_or_critical_accessibility_violation(world, api_as, client, new_tablet,
                                                                          screenshot):
    revoke_tablet(world, api_as)
    fail_sign_in(client, world.teacher.email)
    api_as(world.admin).patch("/api/admin/settings", json={"timezone": "America/Denver",
                                                           "settings": {"max_reminders": 3}})
    admin = new_tablet(world.admin.email)
    open_audit(admin)
    expect(admin.locator(".audit-event")).to_have_count(3)
    filters = admin.get_by_role("search", name="Which events")
    filters.get_by_label("From", exact=True).fill("2026-03-02")
    filters.get_by_label("To", exact=True).fill("2026-03-01")
    filters.get_by_role("button", name="Show events").click()
    expect(filters.locator(".field-error[data-for='to']")).not_to_be_empty()
    admin.go_back()
    expect(admin.locator(".audit-event")).to_have_count(3)
    expect(admin.locator(".audit-event").first).to_contain_text("Time zone: America/Chicago → America/Denver")
    failures = tablet_problems(admin, "#/audit", "main button, main a, main input, main select")
    screenshot(admin, "audit")
    assert not failures, f"axe-core on the audit log: {failures}"
