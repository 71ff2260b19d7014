"""A calibration visit on two tablets with no network: Maria co-observes and shows a code, Derek
joins with it (a mistyped code is caught offline), each records the lesson on their own tablet,
both submit and sync, and each then sees the agreement in My calibration; district staff see
the look-for, not the observers. axe-core on the new screens at both tablet sizes."""
import re

import pytest
from playwright.sync_api import expect

from server.demo import LOOKFORS
from server.extensions import db
from server.models import Observation
from server.templates import create_template, publish
from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, sync_until_sent

pytestmark = pytest.mark.browser

IMPACTS_THAT_FAIL = {"serious", "critical"}
TOO_SMALL_TO_TAP = """() => [...document.querySelectorAll('main button, main input:not([type=radio]):not([type=checkbox])')]
    .filter((el) => el.offsetParent !== null)
    .map((el) => [el.textContent.trim().slice(0, 40) || el.id, el.getBoundingClientRect().height])
    .filter(([, height]) => height < 44)"""
TARGET = "Learning target is posted in student-friendly words"
STATE = "Students can say what they are learning and why"
CO_OBSERVED = "Co-observed (calibration): your look-fors stay hidden from the others until everyone has submitted."


@pytest.fixture
def world(make):
    school = make.school(name="Lincoln Elementary")
    people = {
        "maria": make.person("observer", school=school, name="Maria Lopez", email="maria@example.org"),
        "derek": make.person("observer", school=school, name="Derek Chen", email="derek@example.org"),
        "staff": make.person("district_staff", district=None, name="Sam Okafor", email="sam@example.org"),
    }
    people["staff"].district_id = school.district_id
    db.session.commit()
    make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org")
    template = create_template(school.district_id, None, "Instructional core walkthrough",
                               "Do our tasks ask students to think?", LOOKFORS)
    publish(template)
    db.session.commit()
    return people


class Accessibility:
    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe, self.failures = Axe(), {}

    def check(self, page, where):
        for viewport in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
            page.set_viewport_size(viewport)
            violations = self.axe.run(page).response["violations"]
            serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                       for v in violations if v["impact"] in IMPACTS_THAT_FAIL]
            small = page.evaluate(TOO_SMALL_TO_TAP)
            if serious or small:
                self.failures[f"{where} at {viewport['width']}x{viewport['height']}"] = serious + small
            assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"], where
        page.set_viewport_size(TABLET_LANDSCAPE)


def new_walkthrough_of_alice(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New walkthrough").click()
    page.get_by_role("button", name="Alice Moreno").click()
    expect(page.get_by_role("heading", name="Ready to start")).to_be_focused()


def record_and_submit(page, target, state):
    expect(page.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_visible()
    page.get_by_role("group", name=TARGET, exact=True).get_by_role("button", name=target).click()
    page.get_by_role("group", name=STATE, exact=True).get_by_label(state).check()
    page.get_by_role("link", name="Review and feedback").click()
    page.get_by_label("One next step").fill("Ask pairs to say the target in their own words.")
    page.get_by_label("Support I will provide").fill("I will model it in your room on Friday.")
    page.get_by_role("button", name="Submit and share with Alice Moreno").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, submit and share").click()
    page.wait_for_url(re.compile(r"#/observation/"))


def test_two_observers_co_observe_offline_sync_and_see_their_agreement(world, new_tablet, screenshot):
    try:
        accessibility = Accessibility()
    except ImportError:
        pytest.skip("axe-playwright-python is not installed")
    maria = new_tablet("maria@example.org")
    derek = new_tablet("derek@example.org", viewport=TABLET_PORTRAIT)
    for page in (maria, derek):
        page.context.set_offline(True)

    new_walkthrough_of_alice(maria)
    accessibility.check(maria, "#/new, ready to start")
    maria.get_by_role("button", name="Co-observe (calibration)").click()
    code = maria.locator(".co-code")
    expect(code).to_be_focused()
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$"))
    shown = code.text_content()
    accessibility.check(maria, "#/new, co-observe")
    screenshot(maria, "calibration-code")
    maria.get_by_role("button", name="Start co-observed walkthrough").click()
    expect(maria.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_visible()
    expect(maria.locator(".screen-head")).to_contain_text(CO_OBSERVED)
    # The walkthrough starts linked, in one op.
    ops = maria.evaluate("async () => (await import('/outbox.js')).nextBatch(100)")
    starts = [op for op in ops if op["entity"] == "observation"]
    assert len(starts) == 1 and re.fullmatch(r"[0-9a-f-]{36}", starts[0]["fields"]["co_observation_id"])

    new_walkthrough_of_alice(derek)
    derek.get_by_role("button", name="Join a co-observation").click()
    field = derek.get_by_label("Code on the first observer's tablet")
    expect(field).to_be_focused()
    # One character changed: the check character catches it, with no network.
    wrong = shown[:-1] + ("A" if shown[-1] != "A" else "C")
    field.fill(wrong)
    derek.get_by_role("button", name="Start co-observed walkthrough").click()
    expect(derek.get_by_role("alert")).to_contain_text("That code does not look right")
    expect(field).to_have_attribute("aria-invalid", "true")
    accessibility.check(derek, "#/new, join with a wrong code")
    field.fill(shown.lower().replace("-", " "))
    derek.get_by_role("button", name="Start co-observed walkthrough").click()
    expect(derek.locator(".screen-head")).to_contain_text(CO_OBSERVED)
    accessibility.check(derek, "#/capture, co-observed")

    record_and_submit(maria, "Yes", "Most")
    record_and_submit(derek, "Yes", "A few")

    for page in (maria, derek):
        page.context.set_offline(False)
        sync_until_sent(page)
    linked = {o.observer_id: o.co_observation_id for o in db.session.query(Observation).all()}
    assert len(linked) == 2 and len(set(linked.values())) == 1 and None not in linked.values()

    # Beside how teachers rated their feedback, on My commitments: not one more link in the main menu.
    maria.get_by_role("navigation", name="Main").get_by_role("link", name="My commitments").click()
    expect(maria.get_by_role("navigation", name="Main").get_by_role("link", name="My calibration")).to_have_count(0)
    maria.get_by_role("main").get_by_role("link", name="My calibration").click()
    expect(maria.get_by_role("heading", level=1, name="My calibration")).to_be_visible()
    card = maria.get_by_role("region", name=STATE, exact=True)
    expect(card).to_contain_text("Only 1 lesson so far")
    expect(card).to_contain_text("You and Derek Chen")
    lesson = maria.get_by_role("region", name=re.compile("^Alice Moreno"))
    row = lesson.get_by_role("row", name=re.compile(f"^{STATE}"))
    expect(row).to_contain_text("Most")
    expect(row).to_contain_text("A few")
    expect(row).to_contain_text("One level apart")
    accessibility.check(maria, "#/calibration")
    screenshot(maria, "calibration")

    derek.goto("/#/calibration")
    expect(derek.get_by_role("region", name=TARGET, exact=True)).to_contain_text("You and Maria Lopez")

    staff = new_tablet("sam@example.org")
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Calibration").click()
    expect(staff.get_by_role("heading", level=1, name="Calibration across the district")).to_be_visible()
    table = staff.get_by_role("table", name="Agreement per look-for, least alike first")
    expect(table).to_contain_text(STATE)
    expect(table).not_to_contain_text("Maria")
    expect(table).not_to_contain_text("Derek")
    accessibility.check(staff, "#/calibration-report")
    assert not accessibility.failures, f"axe-core and tap sizes on the calibration screens: {accessibility.failures}"
