"""The evidence-not-judgment hint on Capture: it appears under a note that reads as a judgment and
not under a description, one tap marks the note as an inference (and the server gets it so), it
works with no network and sends no note anywhere to be judged, a district's own list reaches the
tablet by sync and changes what is flagged, and axe-core finds nothing serious with it shown."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, browser_unavailable, sync_until_sent

pytestmark = pytest.mark.browser

HINT = "This reads as a judgment. What did you see or hear that shows it?"
STUDENTS = "What students say or do"
DESCRIPTION = "S2 read page 4 aloud; her partner said 'good job, you seem ready' and 3 hands went up."
JUDGMENT = "Students were not engaged during the read-aloud."
IMPACTS_THAT_FAIL = {"serious", "critical"}


@pytest.fixture
def lincoln(make):
    school = make.school(name="Lincoln Elementary")
    return {
        "observer": make.person("observer", school=school, name="Maria Lopez", email="maria@example.org"),
        "teacher": make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org"),
        "admin": make.person("admin", district=school.district, name="Dana District", email="dana@example.org"),
        "school_admin": make.person("admin", school=school, name="Lena Lincoln", email="lena@example.org"),
    }


def start_walkthrough(page) -> str:
    page.get_by_role("main").get_by_role("link", name="New walkthrough").click()
    page.get_by_role("button", name="Alice Moreno").click()
    page.get_by_role("button", name="Start walkthrough").click()
    page.wait_for_url(re.compile(r"#/capture/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_visible()
    show_students(page)
    return page.url.rsplit("/", 1)[1]


def show_students(page):
    """Narrower than wide landscape, Capture shows one part at a time: the Students part."""
    tab = page.get_by_role("tab", name="Students")
    if tab.is_visible():
        tab.click()


def students(page):
    return page.get_by_role("region", name="Students", exact=True)


def type_note(page, text):
    box = students(page).get_by_label(STUDENTS)
    box.fill("")
    box.press_sequentially(text)
    return box


def expect_hint(page, shown: bool):
    hint = students(page).locator(".judgment-text")
    mark = students(page).get_by_role("button", name="Mark as inference")
    if shown:
        expect(hint).to_have_text(HINT)
        expect(mark).to_be_visible()
    else:
        expect(hint).to_have_text("")
        expect(mark).to_be_hidden()


def test_the_hint_flags_a_judgment_not_a_description_and_one_tap_saves_it_as_an_inference_offline(
        lincoln, new_tablet, api_as, screenshot):
    page = new_tablet("maria@example.org", viewport=TABLET_PORTRAIT)
    sent = []
    page.context.on("request", lambda request: sent.append((request.url, request.post_data or "")))
    page.context.set_offline(True)
    expect(page.locator("#sync-status")).to_contain_text("Offline")
    observation_id = start_walkthrough(page)

    type_note(page, DESCRIPTION)
    expect_hint(page, False)
    students(page).get_by_role("button", name="Add note").click()
    expect(students(page).get_by_role("listitem").first).to_contain_text(DESCRIPTION)

    box = type_note(page, JUDGMENT)
    expect_hint(page, True)
    hint = students(page).locator(".judgment-text")
    expect(hint).to_have_attribute("aria-live", "polite")
    # More words with the judgment still there: the live region is not touched, so not re-announced.
    hint.evaluate("""(region) => {
        window.hintChanges = 0;
        new MutationObserver((seen) => { window.hintChanges += seen.length; })
            .observe(region, { childList: true, characterData: true, subtree: true });
    }""")
    box.press_sequentially(" Two of them drew on desks.")
    assert page.evaluate("() => window.hintChanges") == 0
    screenshot(page, "capture-judgment-hint")

    students(page).get_by_role("button", name="Mark as inference").click()
    expect(page.locator(".inference-toggle")).to_have_attribute("aria-pressed", "true")
    expect_hint(page, False)
    expect(box).to_be_focused()
    students(page).get_by_role("button", name="Add note").click()
    newest = students(page).get_by_role("listitem").first
    expect(newest).to_contain_text(JUDGMENT)
    expect(newest.locator(".inference-tag")).to_have_text("Inference")
    expect_hint(page, False)

    # Words typed and not added: the hint still shows, and the text is nowhere but on the tablet.
    type_note(page, "Clearly they loved it")
    expect_hint(page, True)
    assert not [url for url, body in sent if "engaged" in body or "engaged" in url or "loved it" in body]

    page.context.set_offline(False)
    sync_until_sent(page)
    notes = api_as(lincoln["observer"]).get(f"/api/observations/{observation_id}").get_json()["notes"]
    assert sorted((note["text"], note["is_inference"]) for note in notes) == [
        (DESCRIPTION, False), (f"{JUDGMENT} Two of them drew on desks.", True)]
    assert not [body for url, body in sent if "loved it" in body]


def test_a_districts_own_list_reaches_the_tablet_by_sync_and_changes_what_is_flagged(
        lincoln, new_tablet, api_as):
    page = new_tablet("maria@example.org")
    sent = []
    page.context.on("request", lambda request: sent.append(request.post_data or ""))
    observation_id = start_walkthrough(page)
    type_note(page, "Students hustled to the rug and were engaged.")
    expect_hint(page, True)

    answer = api_as(lincoln["admin"]).open("PUT", "/api/admin/judgment-words", json={
        "language": "en", "patterns": [{"match": "hustl*", "unless": ["hustle and bustle"]}]})
    assert answer.status_code == 200, answer.get_json()
    sync_until_sent(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    page.evaluate("(id) => { location.hash = `#/capture/${id}`; }", observation_id)
    expect(page.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_visible()
    show_students(page)

    type_note(page, "Students were engaged and having fun.")
    expect_hint(page, False)
    type_note(page, "Students hustled to the rug.")
    expect_hint(page, True)
    type_note(page, "The hustle and bustle of the hallway came in through the door.")
    expect_hint(page, False)
    assert not [body for body in sent if "hustled" in body or "having fun" in body]


def test_capture_with_the_hint_shown_has_no_serious_accessibility_violation(lincoln, new_tablet):
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        browser_unavailable("axe-playwright-python is not installed")
    page = new_tablet("maria@example.org")
    start_walkthrough(page)
    type_note(page, "The lesson was great and the kids seemed to understand.")
    expect_hint(page, True)
    failures = {}
    for viewport in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
        page.set_viewport_size(viewport)
        show_students(page)
        violations = Axe().run(page).response["violations"]
        serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
                   for v in violations if v["impact"] in IMPACTS_THAT_FAIL]
        if serious:
            failures[f"{viewport['width']}x{viewport['height']}"] = serious
        box = students(page).get_by_role("button", name="Mark as inference").bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    assert not failures, f"axe-core on Capture with the judgment hint: {failures}"


def test_a_district_admin_saves_a_new_version_of_the_words_and_a_school_admin_only_reads_them(
        lincoln, new_tablet, api_as, screenshot):
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        browser_unavailable("axe-playwright-python is not installed")
    dana = new_tablet("dana@example.org")
    dana.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    dana.get_by_role("link", name="Judgment words", exact=True).click()
    expect(dana.get_by_role("heading", name="Judgment words", level=1)).to_be_visible()
    words = dana.get_by_label(re.compile(r"^Words and phrases"))
    expect(words).to_have_value(re.compile(r"^good; unless: good morning", re.M))
    expect(dana.locator("main")).to_contain_text("The default list shipped with Rounds")

    words.fill("hustl*; unless: hustle and bustle\n\na*")
    dana.get_by_role("button", name="Save as a new version").click()
    problem = dana.locator(".field-error[data-for='patterns']")
    expect(problem).to_have_text('Line 3: "a*": a word ending in * needs at least 3 letters before it.')
    expect(words).to_be_focused()
    expect(words).to_have_attribute("aria-invalid", "true")
    failures = {}
    for viewport in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
        dana.set_viewport_size(viewport)
        serious = [f"{v['id']} ({v['impact']}): {v['help']}" for v in Axe().run(dana).response["violations"]
                   if v["impact"] in IMPACTS_THAT_FAIL]
        if serious:
            failures[f"{viewport['width']}x{viewport['height']}"] = serious
    assert not failures, f"axe-core on the judgment words screen: {failures}"
    screenshot(dana, "admin-judgment-words")

    words.fill("hustl*; unless: hustle and bustle\nseem*")
    dana.get_by_role("button", name="Save as a new version").click()
    expect(dana.locator(".outcome")).to_have_text("Saved as version 1. Tablets get it at their next sync.")
    expect(dana.get_by_role("region", name="Saved versions")).to_contain_text("Version 1, saved")
    current = api_as(lincoln["admin"]).get("/api/admin/judgment-words").get_json()["current"]
    assert current["patterns"] == [{"match": "hustl*", "unless": ["hustle and bustle"]}, {"match": "seem*"}]

    lena = new_tablet("lena@example.org")
    lena.evaluate("() => { location.hash = '#/judgment-words'; }")
    expect(lena.get_by_label(re.compile(r"^Words and phrases"))).to_have_value("hustl*; unless: hustle and bustle\nseem*")
    expect(lena.get_by_label(re.compile(r"^Words and phrases"))).to_have_attribute("readonly", "")
    expect(lena.get_by_role("button", name="Save as a new version")).to_have_count(0)
    expect(lena.locator("main")).to_contain_text("An admin of the whole district changes this list")
