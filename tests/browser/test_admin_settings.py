"""#/settings on tablets: an admin of the whole district changes the district's time zone and a
setting (a refused value is said beside its field and nothing is saved), adds a school and renames
it; a school admin reads the district without changing it and changes their own school only;
anyone else has no screen (and the API refuses them); offline the screen says it needs a
connection; axe-core finds nothing serious at either tablet size."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET_PORTRAIT, tablet_problems

pytestmark = pytest.mark.browser

NEEDS_CONNECTION = "Schools and settings need a connection. They open when this tablet is online."
NOT_YOURS = "There is nothing here for you: schools and settings are for admins."


@pytest.fixture
def world(make):
    class World:
        district = make.district("Riverside", timezone="America/Chicago")
        lincoln = make.school(district, "Lincoln")
        grant = make.school(district, "Grant", timezone="America/Denver")
        admin = make.person("admin", district=district, name="Dana District", email="dana@example.org")
        school_admin = make.person("admin", school=lincoln, name="Lena Lincoln", email="lena@example.org")
        teacher = make.person("teacher", school=lincoln, name="Tess Turner", email="tess@example.org")
        other_district = make.district("Hillside")
        other_admin = make.person("admin", district=other_district, name="Otto Other", email="otto@example.org")
    return World


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def open_settings(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Schools and settings", exact=True).click()
    expect(page.get_by_role("heading", name="Schools and settings", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="The district", level=2)).to_be_visible()


def district(api):
    body = api.get("/api/admin/settings").get_json()
    return body, {setting["name"]: setting["value"] for setting in body["settings"]}


def school_card(page, name):
    return page.locator(".school-card").filter(has=page.get_by_role("heading", name=name, exact=True))


def test_an_admin_changes_the_time_zone_and_a_setting_and_a_refused_value_saves_nothing(world, api_as, new_tablet):
    admin = new_tablet(world.admin.email, viewport=TABLET_PORTRAIT)
    open_settings(admin)
    form = admin.get_by_role("form", name="The district")
    zone = form.get_by_label("District time zone")
    expect(zone).to_have_value("America/Chicago")
    # Each setting says in words what it changes, with its range.
    expect(form.get_by_label("Quiet hours start")).to_have_value("19:00")
    threshold = form.get_by_label("Privacy threshold (k)")
    expect(threshold).to_have_value("10")
    assert "From 2 to 100" in form.locator(f"#{threshold.get_attribute('id')}-hint").inner_text()
    expect(form).to_contain_text("No push notifications from this time of day")
    expect(form.get_by_label("Friday")).to_be_checked()
    expect(form.get_by_label("Saturday")).not_to_be_checked()

    # A refused value: said beside its field, focused; the time zone given with it is not saved.
    zone.fill("Europe/Paris")
    threshold.fill("1")
    form.get_by_role("button", name="Save district settings").click()
    error = form.locator(".field-error[data-for='suppression_threshold']")
    expect(error).to_have_text("Give a whole number from 2 to 100.")
    expect(threshold).to_have_attribute("aria-invalid", "true")
    expect(threshold).to_be_focused()
    assert error.get_attribute("id") in threshold.get_attribute("aria-describedby").split()
    body, values = district(api_as(world.admin))
    assert body["timezone"] == "America/Chicago" and values["suppression_threshold"] == 10

    # A bad time zone is said beside the time zone.
    threshold.fill("12")
    zone.fill("Mars/Olympus")
    form.get_by_role("button", name="Save district settings").click()
    expect(form.locator(".field-error[data-for='timezone']")).not_to_be_empty()
    expect(form.locator(".field-error[data-for='suppression_threshold']")).to_be_hidden()
    expect(zone).to_be_focused()

    zone.fill("Europe/Paris")
    form.get_by_label("Quiet hours end").fill("06:30")
    form.get_by_label("Saturday").check()
    form.get_by_role("button", name="Save district settings").click()
    saved = form.locator(".outcome")
    expect(saved).to_have_text("Saved: Time zone, Quiet hours end, School days, Privacy threshold (k).")
    expect(saved).to_be_focused()
    expect(admin.locator("#announcer")).to_have_text(re.compile("^Saved: Time zone"))
    expect(form.locator(".field-error:not(:empty)")).to_have_count(0)
    body, values = district(api_as(world.admin))
    assert body["timezone"] == "Europe/Paris"
    assert (values["suppression_threshold"], values["quiet_end"], values["school_days"]) == (12, "06:30",
                                                                                             [0, 1, 2, 3, 4, 5])
    # Saving again with nothing changed says so and writes nothing.
    form.get_by_role("button", name="Save district settings").click()
    expect(saved).to_have_text("Nothing to save: nothing was changed.")
    admin.reload()
    expect(admin.get_by_label("District time zone")).to_have_value("Europe/Paris")
    expect(admin.get_by_label("Privacy threshold (k)")).to_have_value("12")
    assert district(api_as(world.other_admin))[0]["timezone"] == "America/Chicago"


def test_an_admin_adds_a_school_and_renames_it(world, api_as, new_tablet):
    admin = new_tablet(world.admin.email)
    open_settings(admin)
    expect(admin.locator(".school-card h3")).to_have_text(["Grant", "Lincoln"])
    expect(school_card(admin, "Lincoln")).to_contain_text("Time zone: The district's (America/Chicago)")
    expect(school_card(admin, "Grant")).to_contain_text("Time zone: America/Denver")

    add = admin.get_by_role("form", name="Add a school")
    add.get_by_label("New school's name").fill("lincoln")
    add.get_by_role("button", name="Add school").click()
    expect(add.locator(".field-error[data-for='name']")).to_have_text("Another school of the district has this name.")
    expect(add.get_by_label("New school's name")).to_be_focused()
    add.get_by_label("New school's name").fill("Roosevelt")
    add.get_by_label("Its time zone").fill("America/New_York")
    add.get_by_role("button", name="Add school").click()
    expect(admin.locator("main .outcome").filter(has_text="Roosevelt was added")).to_have_text(
        "Roosevelt was added, time zone America/New_York.")
    expect(add.get_by_label("New school's name")).to_have_value("")
    expect(school_card(admin, "Roosevelt")).to_contain_text("Time zone: America/New_York")
    # The card stays the same one when its heading changes with the name.
    roosevelt = admin.locator(f".school-card[data-school='{school_card(admin, 'Roosevelt').get_attribute('data-school')}']")

    roosevelt.get_by_label("School name").fill("Roosevelt Middle")
    roosevelt.get_by_label("School time zone").fill("")
    roosevelt.get_by_role("button", name="Save school").click()
    expect(roosevelt.locator(".outcome")).to_have_text(
        "Saved. Roosevelt Middle, time zone The district's (America/Chicago).")
    expect(roosevelt.get_by_role("heading", level=3)).to_have_text("Roosevelt Middle")
    schools = {s["name"]: s for s in api_as(world.admin).get("/api/admin/schools").get_json()["schools"]}
    assert schools["Roosevelt Middle"]["timezone"] is None and "Roosevelt" not in schools

    # A name another school has: said beside the name, nothing renamed.
    grant = school_card(admin, "Grant")
    grant.get_by_label("School name").fill("ROOSEVELT MIDDLE")
    grant.get_by_role("button", name="Save school").click()
    expect(grant.locator(".field-error[data-for='name']")).to_have_text("Another school of the district has this name.")
    assert "Grant" in {s["name"] for s in api_as(world.admin).get("/api/admin/schools").get_json()["schools"]}


def test_a_school_admin_reads_the_district_and_changes_their_own_school_only(world, api_as, new_tablet):
    lena = new_tablet(world.school_admin.email)
    open_settings(lena)
    form = lena.get_by_role("form", name="The district")
    expect(lena.locator("main")).to_contain_text("Only an admin of the whole district changes these.")
    expect(form.get_by_label("District time zone")).to_be_disabled()
    expect(form.get_by_label("Privacy threshold (k)")).to_be_disabled()
    expect(form.get_by_role("button")).to_have_count(0)
    expect(lena.get_by_role("form", name="Add a school")).to_have_count(0)
    expect(lena.get_by_role("heading", name="Your school", level=2)).to_be_visible()
    expect(lena.locator(".school-card h3")).to_have_text(["Lincoln"])
    expect(lena.get_by_text("Grant", exact=True)).to_have_count(0)

    lincoln = school_card(lena, "Lincoln")
    lincoln.get_by_label("School time zone").fill("America/Los_Angeles")
    lincoln.get_by_role("button", name="Save school").click()
    expect(lincoln.locator(".outcome")).to_have_text("Saved. Lincoln, time zone America/Los_Angeles.")
    assert api_as(world.admin).get("/api/admin/schools").get_json()["schools"][1]["timezone"] == "America/Los_Angeles"
    # What the screen does not offer, the API refuses too.
    lena_api = api_as(world.school_admin)
    assert lena_api.patch("/api/admin/settings", json={"timezone": "UTC"}).status_code == 403
    assert lena_api.post("/api/admin/schools", json={"name": "Mine"}).status_code == 403
    assert lena_api.patch(f"/api/admin/schools/{world.grant.id}", json={"name": "Mine"}).status_code == 404


def test_another_districts_admin_sees_only_their_own_district(world, new_tablet):
    otto = new_tablet(world.other_admin.email)
    open_settings(otto)
    expect(otto.get_by_label("District name")).to_have_value("Hillside")
    expect(otto.locator(".school-card")).to_have_count(0)
    expect(otto.locator("main")).to_contain_text("No school yet.")
    expect(otto.get_by_text("Lincoln")).to_have_count(0)


def test_anyone_but_an_admin_has_no_settings_screen(world, api_as, new_tablet):
    tess = new_tablet(world.teacher.email)
    go(tess, "#/settings")
    expect(tess.get_by_role("heading", name="Schools and settings", level=1)).to_be_visible()
    expect(tess.locator("main .message")).to_have_text(NOT_YOURS)
    expect(tess.locator("main form, main input")).to_have_count(0)
    teacher = api_as(world.teacher)
    assert teacher.get("/api/admin/settings").status_code == 404
    assert teacher.get("/api/admin/schools").status_code == 404
    assert teacher.patch("/api/admin/settings", json={"settings": {"max_reminders": 1}}).status_code == 404


def test_settings_says_plainly_that_they_need_a_connection(world, new_tablet):
    admin = new_tablet(world.admin.email)
    open_settings(admin)
    admin.context.set_offline(True)
    form = admin.get_by_role("form", name="The district")
    form.get_by_label("Most reminders about one thing").fill("3")
    form.get_by_role("button", name="Save district settings").click()
    expect(form.locator(".message")).to_have_text(NEEDS_CONNECTION)
    admin.reload()
    expect(admin.locator("main .message")).to_have_text(NEEDS_CONNECTION)
    admin.context.set_offline(False)


def test_settings_have_no_serious_or_critical_accessibility_violation(world, new_tablet, screenshot):
    failures = {}

    def check(page, where):
        failures.update(tablet_problems(page, where, 'main button, main input, main select'))

    admin = new_tablet(world.admin.email)
    open_settings(admin)
    form = admin.get_by_role("form", name="The district")
    form.get_by_label("Quiet hours start").fill("07:00")
    form.get_by_role("button", name="Save district settings").click()
    expect(form.locator(".field-error[data-for='quiet_start']")).to_have_text(
        "Quiet hours must end at another time than they start.")
    check(admin, "#/settings")
    screenshot(admin, "settings")
    lena = new_tablet(world.school_admin.email)
    open_settings(lena)
    check(lena, "#/settings (school admin)")
    assert not failures, f"axe-core on Schools and settings: {failures}"
