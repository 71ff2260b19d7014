"""Every screen passes axe-core with no serious or critical violation, at both tablet orientations,
with something on it to check: drafts, a submitted walkthrough with feedback, a conflict, a refused change."""
import pytest

from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, browser_unavailable

pytestmark = pytest.mark.browser

SCREENS = ["signin", "today", "new", "capture", "review", "observation", "feedback", "conflicts", "rejected",
           "account"]
RECORDS = "const records = await import('/records.js'), sync = await import('/sync.js');"
START = f"""async ([school, teacher]) => {{ {RECORDS}
    const id = await records.startObservation({{ school_id: school, teacher_id: teacher }});
    await records.addNote(id, {{ element: 'teacher', text: "T: 'How do you know?'" }});
    await records.updateObservation(id, {{ grade: '3', subject: 'Math' }});
    await sync.syncNow();
    return id;
}}"""
SUBMIT = f"""async (id) => {{ {RECORDS}
    await records.saveFeedback(id, {{ glow: 'Pairs justified their answers.', wonder: 'What if they compared strategies?',
        next_step: "Add a 'which strategy and why' prompt.", support_commitment: 'I will cover your class for 20 minutes.',
        support_due: '2030-01-15', released: true }});
    await records.submitObservation(id);
    await sync.syncNow();
}}"""
EDIT_AND_SYNC = f"""async ([id, fields]) => {{ {RECORDS}
    await records.updateObservation(id, fields);
    await sync.syncNow();
}}"""
EDIT = f"async ([id, fields]) => {{ {RECORDS} await records.updateObservation(id, fields); }}"
PULL = "async () => (await import('/sync.js')).syncNow()"
IMPACTS_THAT_FAIL = {"serious", "critical"}
# What a finger taps: buttons, fields, and the labels that wrap radio buttons and checkboxes.
TOO_SMALL_TO_TAP = """() => [...document.querySelectorAll(
        'button, select, textarea, input:not([type=radio]):not([type=checkbox]):not([type=hidden]), label:has(> input)')]
    .filter((el) => el.offsetParent !== null)
    .map((el) => [el.textContent.trim().slice(0, 40) || el.id || el.tagName, el.getBoundingClientRect().height])
    .filter(([, height]) => height < 44)"""


@pytest.fixture(scope="session", autouse=True)
def Axe():
    """axe-core itself, as packaged for Playwright (the `test` extra installs it). Asked for before
    anything else, so that without it the tests skip, or fail under ROUNDS_REQUIRE_BROWSER=1, at once."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        browser_unavailable("axe-playwright-python is not installed")
    return Axe


@pytest.fixture
def school(make):
    school = make.school(name="Lincoln Elementary")
    observer = make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    teacher = make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org")
    return {"id": school.id, "observer": observer, "teacher": teacher}


def open_screen(screen, school, page, new_tablet):
    """Puts something on `screen` for the people of `school`; returns the page showing it."""
    if screen == "signin":
        page.goto("/")
        return page
    maria = new_tablet("maria@example.org")
    walkthrough = maria.evaluate(START, [school["id"], school["teacher"].id])
    if screen in ("observation", "feedback"):
        maria.evaluate(SUBMIT, walkthrough)
        alice = new_tablet("alice@example.org")  # the observed teacher, with her acknowledge form
        return show(alice, f"observation/{walkthrough}" if screen == "observation" else "feedback")
    if screen == "conflicts":
        other_tablet = new_tablet("maria@example.org")  # holds the walkthrough from its first sync
        maria.context.set_offline(True)
        maria.evaluate(EDIT, [walkthrough, {"subject": "Mathematics"}])
        other_tablet.evaluate(EDIT_AND_SYNC, [walkthrough, {"subject": "Geometry"}])
        maria.context.set_offline(False)
        maria.evaluate(PULL)
        maria.wait_for_function("() => document.querySelector('#nav-links')?.textContent.includes('Conflicts')")
    if screen == "rejected":
        maria.evaluate(EDIT_AND_SYNC, [walkthrough, {"students_present": 5000}])  # more than a class holds
        maria.wait_for_function("() => document.querySelector('#nav-links')?.textContent.includes('Rejected')")
    route = {"capture": f"capture/{walkthrough}", "review": f"review/{walkthrough}"}.get(screen, screen)
    return show(maria, route)


def show(page, route):
    """Goes to `#/<route>` and waits for its screen's heading (not the previous screen's)."""
    page.evaluate("""(route) => { if (location.hash === '#/' + route) return;
        document.querySelectorAll('#view h1').forEach((h) => { h.dataset.stale = '1'; });
        location.hash = '#/' + route; }""", route)
    page.wait_for_function("() => document.querySelector('#view h1:not([data-stale])') !== null")
    return page


@pytest.mark.parametrize("screen", SCREENS)
def test_screen_has_no_serious_or_critical_accessibility_violation_and_taps_are_44px(Axe, screen, school, page, new_tablet,
                                                                                    screenshot):
    shown = open_screen(screen, school, page, new_tablet)
    shown.locator("#view h1").wait_for()
    shown.wait_for_load_state("networkidle")
    if screen in ("conflicts", "rejected"):
        assert shown.locator("#view form, #view button").count() > 0, f"{screen} shows nothing to act on"
    failures = {}
    for viewport in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
        shown.set_viewport_size(viewport)
        small = shown.evaluate(TOO_SMALL_TO_TAP)
        if small:
            failures[f"touch targets under 44px at {viewport['width']}"] = small
        violations = Axe().run(shown).response["violations"]
        serious = [v for v in violations if v["impact"] in IMPACTS_THAT_FAIL]
        if serious:
            failures[f"{viewport['width']}x{viewport['height']}"] = [
                f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
                for v in serious]
    screenshot(shown, f"a11y-{screen}")
    assert not failures, f"axe-core on {screen}: {failures}"
