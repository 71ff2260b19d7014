"""#/admin on tablets: an admin's one "Admin" link opens the list of the admin screens, each of
which opens; a school admin is told they administer their school; anyone else has no Admin link and
is told there is nothing there for them; offline the screen says it needs a connection; axe-core
finds nothing serious at either tablet size."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import tablet_problems

pytestmark = pytest.mark.browser

PLACES = [("People", "People"), ("Roster import", "Roster import"), ("Look-for templates", "Look-for templates"),
          ("Schools and settings", "Schools and settings"), ("Judgment words", "Judgment words"), ("Audit", "Audit")]


@pytest.fixture
def world(make):
    class World:
        district = make.district()
        lincoln = make.school(district, "Lincoln")
        admin = make.person("admin", district=district, name="Dana District", email="dana@example.org")
        school_admin = make.person("admin", school=lincoln, name="Lena Lincoln", email="lena@example.org")
        observer = make.person("observer", school=lincoln, name="Oli Observer", email="oli@example.org")
        staff = make.person("district_staff", district=district, name="Sam Staff", email="sam@example.org")
    return World


def open_admin(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()


def test_the_admin_link_lists_the_admin_screens_and_each_opens(world, new_tablet):
    dana = new_tablet(world.admin.email)
    open_admin(dana)
    expect(dana.locator("main")).to_contain_text("What you administer is your district.")
    for link, heading in PLACES:
        dana.get_by_role("link", name=link, exact=True).click()
        expect(dana.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(dana).to_have_title(f"{heading} · Rounds")
        dana.go_back()
        expect(dana.get_by_role("heading", name="Admin", level=1)).to_be_visible()


def test_a_school_admin_is_told_they_administer_their_school(world, new_tablet):
    lena = new_tablet(world.school_admin.email)
    open_admin(lena)
    expect(lena.locator("main")).to_contain_text("What you administer is your school.")


@pytest.mark.parametrize("who", ["observer", "staff"])
def test_anyone_but_an_admin_has_no_admin_link_nor_screen(world, new_tablet, who):
    page = new_tablet(getattr(world, who).email)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Account")).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
    # District staff write the district's look-for templates: their link goes there directly.
    expect(nav.get_by_role("link", name="Look-fors")).to_have_count(1 if who == "staff" else 0)
    page.evaluate("() => { location.hash = '#/admin'; }")
    expect(page.locator("main .message")).to_have_text(
        "There is nothing here for you: the admin screens are for admins.")
    expect(page.locator("main .admin-place")).to_have_count(0)


def test_offline_the_admin_screen_says_it_needs_a_connection(world, new_tablet):
    dana = new_tablet(world.admin.email)
    expect(dana.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_be_visible()
    dana.context.set_offline(True)
    open_admin(dana)
    expect(dana.locator("main .message")).to_have_text(
        "The admin screens need a connection. They open when this tablet is online.")
    dana.context.set_offline(False)


def test_the_admin_screen_has_no_serious_or_critical_accessibility_violation(world, new_tablet):
    dana = new_tablet(world.admin.email)
    open_admin(dana)
    failures = tablet_problems(dana, "#/admin", "main a")
    assert not failures, f"axe-core on #/admin: {failures}"
