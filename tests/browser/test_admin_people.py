"""#/people on tablets: an admin adds a teacher (a refused field said beside it), changes their
roles, gives them a one-time password link shown once, revokes a lost tablet and deactivates a
person, told each time what happens to the changes their tablets had not sent; a school admin sees
their school's people only; anyone else has no People screen; axe-core finds nothing serious."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET_PORTRAIT, tablet_problems

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a password for Monday"


@pytest.fixture
def world(make):
    class World:
        district = make.district()
        lincoln = make.school(district, "Lincoln")
        grant = make.school(district, "Grant")
        admin = make.person("admin", district=district, name="Dana District", email="dana@example.org")
        school_admin = make.person("admin", school=lincoln, name="Lena Lincoln", email="lena@example.org")
        teacher = make.person("teacher", "observer", school=lincoln, name="Tess Turner", email="tess@example.org")
        stranger = make.person("teacher", school=grant, name="Gus Grant", email="gus@example.org")
    return World


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def open_people(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    expect(page.locator("#people-count")).to_be_visible()


def open_person(page, name):
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def enrol_tablet(api, client, name, **report):
    """A tablet enrolled by the person of `api`, which then syncs once reporting `report`."""
    device = api.post("/api/devices", json={"name": name}).get_json()
    answer = client.post("/api/sync/push", json={"device_id": device["device_id"], "ops": [], **report},
                         headers={"Authorization": f"Bearer {device['token']}"})
    assert answer.status_code == 200, answer.get_json()
    return device


def test_an_admin_adds_a_teacher_changes_a_role_and_gives_a_one_time_link_shown_once(
        world, api_as, client, new_tablet):
    admin = new_tablet(world.admin.email, viewport=TABLET_PORTRAIT)
    open_people(admin)
    rows = admin.locator(".person-row")
    expect(rows).to_have_count(4)

    # Search and filters narrow the list.
    finder = admin.get_by_role("search", name="Find people")
    finder.get_by_label("Name or email").fill("gus@")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Gus Grant")
    expect(rows.first).to_contain_text("Grant")
    expect(admin.locator("#people-count")).to_have_text("1 of 4 people match.")
    finder.get_by_label("Name or email").fill("")
    finder.get_by_label("Role").select_option(label="Observer")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tess Turner")
    finder.get_by_label("Role").select_option(label="Any role")
    finder.get_by_label("School").select_option(label="Lincoln")
    expect(rows).to_have_count(2)

    admin.get_by_role("button", name="Add a person").click()
    form = admin.get_by_role("form", name="Add a person")
    expect(form.get_by_label("Name")).to_be_focused()
    form.get_by_label("Name").fill("Nia Nguyen")
    form.get_by_label("Email").fill("TESS@example.org")
    form.get_by_label("School").select_option(label="Lincoln")
    expect(form.get_by_label("Teacher")).to_be_checked()
    form.get_by_role("button", name="Add person").click()
    email = form.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    # The API's message, beside the field it is about, and read with it.
    error = form.locator(".field-error[data-for='email']")
    expect(error).to_have_text("A person with this email already exists.")
    assert error.get_attribute("id") in email.get_attribute("aria-describedby").split()
    expect(form.locator(".field-error[data-for='name']")).to_be_hidden()

    email.fill("nia@example.org")
    form.get_by_role("button", name="Add person").click()
    expect(admin.get_by_role("heading", name="Nia Nguyen", level=1)).to_be_visible()
    expect(admin.get_by_role("status").filter(has_text="Nia Nguyen was added")).to_be_visible()
    expect(admin.locator("main .person-summary")).to_contain_text("nia@example.org · Teacher · Lincoln · Active")
    nia = next(p for p in api_as(world.admin).get("/api/admin/people").get_json()["people"]
               if p["email"] == "nia@example.org")
    assert nia["roles"] == ["teacher"] and nia["school_id"] == world.lincoln.id

    # A role more: saved, said, and the API has it.
    admin.get_by_label("Observer").check()
    admin.get_by_role("button", name="Save changes").click()
    saved = admin.locator("main .outcome").filter(has_text="Saved.")
    expect(saved).to_have_text("Saved. Nia Nguyen: Teacher, Observer. Their browser sessions ended.")
    expect(saved).to_be_focused()
    expect(admin.locator("#announcer")).to_have_text(re.compile("^Saved. Nia Nguyen"))
    expect(admin.locator("main .person-summary")).to_contain_text("Teacher, Observer")
    people = api_as(world.admin).get("/api/admin/people").get_json()["people"]
    assert next(p for p in people if p["id"] == nia["id"])["roles"] == ["observer", "teacher"]

    # The one-time link: shown with its expiry and a copy button, focused; it works.
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"])
    admin.get_by_role("button", name="Create a one-time password link").click()
    link = admin.get_by_label("One-time link for Nia Nguyen")
    expect(link).to_be_focused()
    url = link.input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/#/set-password/\S+", url), url
    expect(admin.locator(".link-box")).to_contain_text("Valid until")
    expect(admin.locator(".link-box")).to_contain_text("Shown this once")
    admin.get_by_role("button", name="Copy link").click()
    expect(admin.locator(".link-box").get_by_role("status")).to_have_text("Link copied.")
    assert admin.evaluate("() => navigator.clipboard.readText()") == url

    # Shown once: back on the page, no link is there any more.
    admin.get_by_role("link", name="All people").click()
    open_person(admin, "Nia Nguyen")
    expect(admin.get_by_role("button", name="Create a one-time password link")).to_be_visible()
    expect(admin.locator(".link-box")).to_have_count(0)
    assert url.split("/")[-1] not in admin.content()
    answer = client.post("/api/auth/password", json={"token": url.rsplit("/", 1)[1], "password": NEW_PASSWORD})
    assert answer.status_code == 200 and answer.get_json()["email"] == "nia@example.org"


def test_an_admin_revokes_a_lost_tablet_and_deactivates_a_person_told_what_becomes_of_unsent_changes(
        world, api_as, client, new_tablet):
    tess = api_as(world.teacher)
    lost = enrol_tablet(tess, client, "Cart iPad 7", unsent=3, app_version="v2.4")
    kept = enrol_tablet(tess, client, "Tess's tablet", unsent=2, app_version="v2.5")
    admin = new_tablet(world.admin.email)
    open_people(admin)
    open_person(admin, "Tess Turner")

    cards = admin.locator(".device-card")
    expect(cards).to_have_count(2)
    lost_card = cards.filter(has=admin.get_by_role("heading", name="Cart iPad 7"))
    expect(lost_card).to_contain_text("Signed in")
    expect(lost_card).to_contain_text("v2.4")
    expect(lost_card.locator("dd").nth(3)).to_contain_text(re.compile(r"^3 \(when it synced Today"))
    expect(lost_card.locator("dd").nth(1)).to_contain_text("Today")

    lost_card.get_by_role("button", name="Revoke (lost tablet)").click()
    dialog = admin.get_by_role("dialog", name="Revoke Cart iPad 7?")
    expect(dialog).to_contain_text("When it last synced, 3 changes on it had not been sent. Changes not yet sent "
                                   "stay on that tablet and can no longer reach the server")
    dialog.get_by_role("button", name="Revoke this device").click()
    said = admin.locator("main .outcome").filter(has_text="Cart iPad 7 is revoked.")
    expect(said).to_have_text("Cart iPad 7 is revoked. This tablet is signed out. When it last synced, 3 changes on "
                              "it had not been sent. Changes not yet sent stay on that tablet and can no longer reach "
                              "the server; whoever has the tablet can still save them in a backup file (Account).")
    expect(said).to_be_focused()
    expect(admin.locator("#announcer")).to_contain_text("Cart iPad 7 is revoked.")
    expect(lost_card).to_contain_text("Revoked Today")
    expect(lost_card.get_by_role("button")).to_have_count(0)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {lost['token']}"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": f"Bearer {kept['token']}"}).status_code == 200

    admin.get_by_role("button", name="Deactivate").click()
    dialog = admin.get_by_role("dialog", name="Deactivate Tess Turner?")
    expect(dialog).to_contain_text("Their 1 tablet will be signed out, and every browser they use.")
    expect(dialog).to_contain_text("As far as the server knows, 2 changes on it had not been sent")
    dialog.get_by_role("button", name="Deactivate Tess Turner").click()
    said = admin.locator("main .outcome").filter(has_text="Tess Turner is deactivated.")
    expect(said).to_have_text("Tess Turner is deactivated. 1 tablet was signed out. As far as the server knows, "
                              "2 changes on it had not been sent: they stay on the tablet and can no longer reach "
                              "the server.")
    expect(said).to_be_focused()
    expect(admin.locator("main .person-summary")).to_contain_text("Deactivated")
    expect(cards.filter(has_text="Revoked")).to_have_count(2)
    expect(admin.get_by_role("button", name="Create a one-time password link")).to_have_count(0)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {kept['token']}"}).status_code == 401

    admin.get_by_role("button", name="Reactivate").click()
    expect(admin.locator("main .outcome").filter(has_text="is active again")).to_be_focused()
    expect(admin.get_by_role("button", name="Create a one-time password link")).to_be_visible()
    people = api_as(world.admin).get("/api/admin/people").get_json()["people"]
    assert next(p for p in people if p["id"] == world.teacher.id)["active"] is True


def test_a_school_admin_sees_the_people_of_their_school_only(world, new_tablet):
    lena = new_tablet(world.school_admin.email)
    open_people(lena)
    expect(lena.locator(".person-row .person-name")).to_have_text(["Lena Lincoln", "Tess Turner"])
    expect(lena.get_by_text("Gus Grant")).to_have_count(0)
    expect(lena.get_by_role("search", name="Find people").get_by_label("School").locator("option")).to_have_text(["Every school", "Lincoln"])

    go(lena, f"#/people/{world.stranger.id}")
    expect(lena.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(lena.locator("main .message")).to_have_text("There is no such person among the people you administer.")
    expect(lena.get_by_text("Gus Grant")).to_have_count(0)


def test_people_says_plainly_that_it_needs_a_connection(world, new_tablet):
    admin = new_tablet(world.admin.email)
    open_people(admin)
    admin.context.set_offline(True)
    admin.get_by_role("link", name="Tess Turner", exact=True).click()
    expect(admin.locator("main .message")).to_have_text("People needs a connection. It opens when this tablet is online.")
    admin.context.set_offline(False)
    admin.reload()
    expect(admin.get_by_role("heading", name="Tess Turner", level=1)).to_be_visible()
    admin.context.set_offline(True)
    admin.get_by_label("Name", exact=True).fill("Tess Turner-Lee")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.locator("main .message:not(:empty)")).to_have_text("People needs a connection. It opens when this tablet is online.")
    expect(admin.get_by_role("heading", name="Tess Turner", level=1)).to_be_visible()


def test_anyone_but_an_admin_has_no_people_screen(world, new_tablet):
    tess = new_tablet(world.teacher.email)
    nav = tess.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Account")).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
    expect(nav.get_by_role("link", name="People")).to_have_count(0)
    go(tess, "#/people")
    expect(tess.get_by_role("heading", name="People", level=1)).to_be_visible()
    expect(tess.locator("main .message")).to_have_text("There is nothing here for you: People is for admins.")
    expect(tess.locator("main form, main .person-row")).to_have_count(0)
    go(tess, f"#/people/{world.stranger.id}")
    expect(tess.locator("main .message")).to_have_text("There is nothing here for you: People is for admins.")


def test_people_and_a_person_have_no_serious_or_critical_accessibility_violation(world, api_as, client, new_tablet,
                                                                                 screenshot):
    enrol_tablet(api_as(world.teacher), client, "Cart iPad 7", unsent=1, app_version="v2.4")
    admin = new_tablet(world.admin.email)
    open_people(admin)
    admin.get_by_role("button", name="Add a person").click()
    admin.get_by_role("button", name="Add person").click()
    expect(admin.locator(".field-error[data-for='name']")).not_to_be_empty()
    failures = {}

    def check(where):
        failures.update(tablet_problems(admin, where))

    check("#/people")
    screenshot(admin, "people")
    open_person(admin, "Tess Turner")
    admin.get_by_role("button", name="Create a one-time password link").click()
    expect(admin.get_by_label("One-time link for Tess Turner")).to_be_visible()
    check("#/people/<id>")
    screenshot(admin, "people-person")
    assert not failures, f"axe-core on the People screens: {failures}"
