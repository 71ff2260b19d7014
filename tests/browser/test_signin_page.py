"""The sign-in page at /, in a real browser against the real API."""
import pytest
from playwright.sync_api import expect

from tests.builders import PASSWORD

pytestmark = pytest.mark.browser


def sign_in_from_form(page, email, password):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_person_signs_in_lands_on_today_stays_signed_in_after_reload_and_signs_out(make, page, screenshot):
    make.person("observer", "teacher", school=make.school(), name="Ana Ruiz", email="ana@example.org")
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Rounds", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    screenshot(page, "signin-form")

    held = []  # the sign-in request, held back to see the page while it waits
    page.route("**/api/auth/login", lambda route: held.append(route))
    sign_in_from_form(page, "ana@example.org", PASSWORD)
    expect(page.get_by_role("button", name="Signing in…")).to_be_disabled()
    for _ in range(100):  # the route's handler runs when Playwright next hears from the browser
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute("**/api/auth/login")

    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_focused()
    nav = page.get_by_role("navigation", name="Main")
    for link in ("Today", "New walkthrough", "Feedback for me", "Account"):
        expect(nav.get_by_role("link", name=link)).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("All changes synced")
    expect(page.locator("#sync-status")).to_contain_text("Last synced")
    screenshot(page, "signed-in-today")

    page.reload()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()

    nav.get_by_role("link", name="Account").click()
    expect(page.get_by_text("Ana Ruiz")).to_be_visible()
    expect(page.get_by_text("ana@example.org")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_text("Ana Ruiz")).to_be_hidden()
    expect(nav).to_be_hidden()
    assert page.request.get("/api/me").status == 401


def test_a_person_who_is_only_a_teacher_lands_on_feedback_for_me(make, new_tablet):
    make.person("teacher", school=make.school(), name="Tess Lind", email="tess@example.org")
    page = new_tablet("tess@example.org")
    assert page.url.endswith("#/feedback")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Feedback for me")).to_be_visible()
    expect(nav.get_by_role("link", name="New walkthrough")).to_have_count(0)
    expect(nav.get_by_role("link", name="Today")).to_have_count(0)


def test_wrong_password_shows_the_servers_message_and_starts_no_session(make, page, screenshot):
    make.person("observer", name="Ben Ode", email="ben@example.org")
    page.goto("/")
    sign_in_from_form(page, "ben@example.org", "not the password")
    message = "That email and password do not match an active account."
    expect(page.locator("[aria-live]", has_text=message)).to_be_visible()
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_label("Email")).to_have_value("ben@example.org")
    screenshot(page, "signin-wrong-password")
    assert page.request.get("/api/me").status == 401


def test_empty_form_shows_field_messages_without_asking_the_server(page):
    page.goto("/")
    expect(page.get_by_label("Email")).to_be_visible()
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/api/auth/login" in request.url else None)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#email-error")).to_have_text("Enter your email address.")
    expect(page.locator("#password-error")).to_have_text("Enter your password.")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_be_focused()
    assert sent == []


def test_servers_field_messages_appear_beside_their_fields(page):
    page.goto("/")
    sign_in_from_form(page, "a" * 250 + "@example.org", PASSWORD)
    expect(page.locator("#email-error")).to_have_text("Length must be between 1 and 254.")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password")).not_to_have_attribute("aria-invalid", "true")


def test_too_many_failed_sign_ins_tell_the_person_to_wait(app, make, page):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = 2
    make.person(email="cy@example.org")
    page.goto("/")
    for password in ("wrong", "wrong again", PASSWORD):  # once throttled, even the right one waits
        with page.expect_response("**/api/auth/login") as answer:
            sign_in_from_form(page, "cy@example.org", password)
    assert answer.value.status == 429
    wait = int(answer.value.headers["retry-after"])
    minutes = -(-wait // 60)
    expect(page.get_by_text(f"Too many failed sign-ins for this account; try again in {minutes} minute")).to_be_visible()


def test_unreachable_server_is_said_plainly(make, page):
    make.person(email="dee@example.org")
    page.goto("/")
    expect(page.get_by_label("Email")).to_be_visible()
    page.context.set_offline(True)
    sign_in_from_form(page, "dee@example.org", PASSWORD)
    expect(page.locator("[aria-live]", has_text="The Rounds server cannot be reached.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
