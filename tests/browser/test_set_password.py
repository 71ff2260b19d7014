"""#/set-password/<token>: a person opens the one-time link an admin made, sets a password and
signs in with it; a link that cannot be used says so in place."""
import pytest
from playwright.sync_api import expect

from tests.builders import PASSWORD

pytestmark = pytest.mark.browser
NEW_PASSWORD = "walkthroughs all week"


def link_for(api_as, admin, person):
    return api_as(admin).post(f"/api/admin/people/{person.id}/password-link").get_json()["url"]


def test_a_person_sets_a_password_with_their_link_and_signs_in(make, api_as, page, live_server):
    school = make.school()
    admin = make.person("admin", school=school)
    person = make.person("teacher", school=school, name="Nia Nguyen", email="nia@example.org", password=None)
    url = link_for(api_as, admin, person)
    page.goto(live_server + "/#/set-password/" + url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name="Set your password", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("something else!")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator("#confirm-error")).to_have_text("The two passwords differ; type the same password twice.")
    expect(page.get_by_label("New password again")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    expect(page.get_by_role("status")).to_contain_text("nia@example.org")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("nia@example.org")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Feedback for me", level=1)).to_be_visible()


def test_a_used_or_unknown_link_says_so_and_sets_nothing(make, api_as, page, live_server):
    school = make.school()
    person = make.person("teacher", school=school, email="tess@example.org")
    token = link_for(api_as, make.person("admin", school=school), person).rsplit("/", 1)[1]
    assert api_as(None).client.post("/api/auth/password", json={"token": token,
                                                                "password": NEW_PASSWORD}).status_code == 200
    for link in (token, "no-such-token"):
        page.goto(live_server + "/#/set-password/" + link)
        page.get_by_label("New password", exact=True).fill("short")
        page.get_by_label("New password again").fill("short")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator("#password-error")).to_have_text("Use at least 10 characters.")
        page.get_by_label("New password", exact=True).fill("yet another password")
        page.get_by_label("New password again").fill("yet another password")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator("#set-password-message")).to_contain_text("This link cannot be used")
        expect(page.get_by_role("button", name="Set password")).to_be_enabled()
    assert api_as(None).client.post("/api/auth/login", json={"email": "tess@example.org",
                                                             "password": NEW_PASSWORD}).status_code == 200
    assert api_as(None).client.post("/api/auth/login", json={"email": "tess@example.org",
                                                             "password": PASSWORD}).status_code == 401
