"""The browser half of bench/pwa_budget.py: a demo tablet in Chromium, and what is measured on it.

Each function takes a `Tablet` (a Playwright browser and the server's base URL) and returns raw
figures; pwa_budget.py prints them. Screens are found by their accessible names, as in the tests.
"""
import time

from axe_playwright_python.sync_playwright import Axe

PRINCIPAL = "principal@demo.rounds"
TEACHER = "alice@demo.rounds"
ANALYST = "analyst@demo.rounds"
PASSWORD = "rounds-demo"
LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
MODULES = "window.rounds = { records: await import('/records.js'), sync: await import('/sync.js') };"
# The end of the named entry: a mark's moment, or where a measure ends.
ENTRY_END = """(name) => { const all = performance.getEntriesByName(name);
    if (!all.length) return null; const e = all[all.length - 1]; return e.startTime + e.duration; }"""
LOOP = "() => { const t = performance.now(); let x = 0; for (let i = 0; i < 3e6; i++) x += Math.sqrt(i); " \
       "return performance.now() - t + (x < 0 ? 1 : 0); }"


class Tablet:
    """Opens fresh browser contexts (a new tablet each: no cookies, caches or IndexedDB)."""

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url

    def open(self, viewport=LANDSCAPE):
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport)
        return context, context.new_page()


def sign_in(page, email: str, home: str = "Today") -> None:
    """Signs in through the form on a fresh page and waits for the home screen and the worker."""
    page.goto("/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=home, level=1).wait_for()
    wait_for_worker(page)


def wait_for_worker(page) -> None:
    """Waits until the service worker controls the page (so its precache is complete)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def wait_until_synced(page) -> None:
    page.wait_for_function("() => document.querySelector('#sync-status')?.textContent.includes('All changes synced')",
                           timeout=30_000)


def start_draft(page) -> str:
    """Starts a walkthrough of a teacher at the signed-in observer's school; returns its id."""
    return page.evaluate(f"""async () => {{ {MODULES}
        const me = await rounds.records.getMe(), reference = await rounds.records.getReference();
        const teacher = reference.people.find((p) => p.roles.includes('teacher') && p.school_id === me.person.school_id);
        const template = reference.templates.find((t) => !t.school_id || t.school_id === me.person.school_id);
        return rounds.records.startObservation({{ school_id: me.person.school_id, teacher_id: teacher.id,
            template_id: template ? template.id : null, template_version: template ? template.version : null }});
    }}""")


def first_load(tablet: Tablet, log) -> dict:
    """{'signed out': entries, 'signed in': entries}: every response of a new tablet's first visit."""
    loads = {}
    with log.record() as entries:
        context, page = tablet.open()
        page.goto("/")
        page.get_by_role("heading", name="Sign in", level=1).wait_for()
        wait_for_worker(page)
        page.wait_for_load_state("networkidle")
        time.sleep(0.5)  # let anything late (a favicon, an update check) arrive
    loads["signed out"] = list(entries)
    context.close()
    with log.record() as entries:
        context, page = tablet.open()
        sign_in(page, PRINCIPAL)
        wait_until_synced(page)
        page.wait_for_load_state("networkidle")
        time.sleep(0.5)
    loads["signed in"] = list(entries)
    context.close()
    return loads


def _ready_after_load(page) -> float:
    page.reload()
    page.wait_for_function("() => performance.getEntriesByName('capture-ready').length > 0", timeout=30_000)
    return page.evaluate(ENTRY_END, "capture-ready")


def _ready_after_hash_change(page, capture_hash: str) -> float:
    page.evaluate("location.hash = '#/today'")
    page.get_by_role("heading", name="Today", level=1).wait_for()
    page.evaluate(f"""() => {{ performance.clearMarks('capture-ready'); performance.clearMarks('nav');
        performance.mark('nav'); location.hash = '{capture_hash}'; }}""")
    page.wait_for_function("() => performance.getEntriesByName('capture-ready').length > 0", timeout=30_000)
    return page.evaluate(ENTRY_END, "capture-ready") - page.evaluate(ENTRY_END, "nav")


def _note_durations(page, notes: int) -> list[float]:
    page.evaluate("performance.clearMeasures('note-stored')")
    pane = page.get_by_label("What the teacher says or does")
    add = page.get_by_role("button", name="Add note about the teacher")
    for n in range(notes):
        pane.fill(f"T asks pair {n}: 'How do you know?'")
        add.click()
        page.wait_for_function(f"() => performance.getEntriesByName('note-stored').length > {n}", timeout=10_000)
    return page.evaluate("performance.getEntriesByName('note-stored').map((e) => e.duration)")


def capture_timings(tablet: Tablet, runs: int, notes: int, throttle: int) -> dict:
    """ms from navigation to 'capture-ready' (fresh load, hash change) and 'note-stored' durations."""
    context, page = tablet.open()
    sign_in(page, PRINCIPAL)
    cdp = context.new_cdp_session(page)
    timings = {}
    loops = {}
    for label, rate in (("unthrottled", 1), ("throttled", throttle)):
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        page.evaluate(f"location.hash = '#/capture/{start_draft(page)}'")
        _ready_after_load(page)  # a warm-up run, not counted: the first compiles and fills caches
        found = {"fresh load": [], "hash change": [], "note stored": []}
        for _ in range(runs):
            # A new walkthrough each run, so that every run starts with the same (empty) notes.
            capture_hash = f"#/capture/{start_draft(page)}"
            page.evaluate(f"location.hash = '{capture_hash}'")
            found["fresh load"].append(_ready_after_load(page))
            found["hash change"].append(_ready_after_hash_change(page, capture_hash))
            found["note stored"].extend(_note_durations(page, notes))
        loops[label] = min(page.evaluate(LOOP) for _ in range(3))
        timings[label] = found
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    timings["loop_ratio"] = loops["throttled"] / loops["unthrottled"]
    context.close()
    return timings


def axe_screens(tablet: Tablet) -> dict:
    """{(screen, 'WxH'): axe violations} for every screen, at both tablet orientations."""
    axe = Axe()
    results = {}
    for viewport in (LANDSCAPE, PORTRAIT):
        size = f"{viewport['width']}x{viewport['height']}"
        context, page = tablet.open(viewport)
        page.goto("/")
        page.get_by_role("heading", name="Sign in", level=1).wait_for()
        results[("signin", size)] = axe.run(page).response["violations"]
        sign_in(page, PRINCIPAL)
        wait_until_synced(page)
        draft = start_draft(page)
        submitted = page.evaluate(f"""async () => {{ {MODULES}
            return (await rounds.records.listObservations()).find((o) => o.data.status === 'submitted').record_id; }}""")
        make_trouble(tablet, page, draft)
        for screen, route in [("today", "today"), ("new", "new"), ("capture", f"capture/{draft}"),
                              ("review", f"review/{draft}"), ("observation", f"observation/{submitted}"),
                              ("conflicts", "conflicts"), ("rejected", "rejected"), ("account", "account"),
                              ("inbox", "inbox"), ("commitments", "commitments"), ("my-ratings", "my-ratings")]:
            results[(screen, size)] = _axe_on(page, axe, route)
        context.close()
        # "Feedback for me" is a teacher's screen: Alice has released feedback from the principal.
        context, page = tablet.open(viewport)
        sign_in(page, TEACHER, home="Feedback for me")
        wait_until_synced(page)
        results[("feedback", size)] = _axe_on(page, axe, "feedback")
        context.close()
        # Reports (an online screen) are district staff's: the analyst's, once its figures are in.
        context, page = tablet.open(viewport)
        sign_in(page, ANALYST)
        wait_until_synced(page)
        show(page, "reports")
        page.get_by_role("link", name="Download CSV").wait_for()
        results[("reports", size)] = axe.run(page).response["violations"]
        context.close()
    return results


def make_trouble(tablet: Tablet, page, draft: str) -> None:
    """Gives the signed-in principal's tablet a conflict and a refused change, so that the
    Conflicts and Rejected screens have something on them: a second tablet of the principal's
    changes the draft's subject while this one, offline, changes it too; and a class of 5,000."""
    edit = f"""async ([id, fields, push]) => {{ {MODULES}
        await rounds.records.updateObservation(id, fields); if (push) await rounds.sync.syncNow(); }}"""
    page.evaluate("async () => (await import('/sync.js')).syncNow()")
    other_context, other = tablet.open()
    sign_in(other, PRINCIPAL)
    wait_until_synced(other)
    page.context.set_offline(True)
    page.evaluate(edit, [draft, {"subject": "Mathematics"}, False])
    other.evaluate(edit, [draft, {"subject": "Geometry"}, True])
    other_context.close()
    page.context.set_offline(False)
    page.evaluate(edit, [draft, {"students_present": 5000}, True])
    page.wait_for_function("() => ['Conflicts', 'Rejected'].every((name) => "
                           "document.querySelector('#nav-links').textContent.includes(name))")


def show(page, route: str) -> None:
    """Goes to `#/<route>` in the app and waits for that screen's heading (not the last one's)."""
    page.evaluate(f"""() => {{ if (location.hash === '#/{route}') return;  // no hashchange, no new render
        document.querySelectorAll('#view h1').forEach((h) => {{ h.dataset.stale = '1'; }});
        location.hash = '#/{route}'; }}""")
    page.wait_for_function("() => document.querySelector('#view h1:not([data-stale])') !== null")
    page.wait_for_timeout(300)  # lists fill in after the heading


def _axe_on(page, axe, route: str) -> list:
    show(page, route)
    return axe.run(page).response["violations"]
