"""The tablet never loses the last tap: whatever a person types or taps on Capture, on Review or,
as the observed teacher, on the walkthrough's page, is still there when the page is reloaded, or
closed and opened again in the same browser, 0, 50 or 150 ms later, with the CPU at full speed
and slowed down 4x; it reaches the server; and the save line says "Saved" only once it is true.

Each walkthrough test changes every control of its screen before each reload or close, in an
order that turns, so that every kind of control is the very last change before some reload and
every delay is used with both ways of leaving the page."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from server.extensions import db
from server.templates import create_template, publish
from tests.browser.conftest import WRITES_FAIL_FOR_QUOTA, WRITES_WORK_AGAIN

pytestmark = pytest.mark.browser

DELAYS_MS = (0, 50, 150)
EXITS = ("reload", "close")
CYCLES = [(exit_, delay) for exit_ in EXITS for delay in DELAYS_MS]
CPU_RATES = (1, 4)
# No look-for stands for a core field: the task demand is the plain choice in the Task pane.
LOOKFORS = [
    {"key": "explains", "label": "Students explain their reasoning", "kind": "yes_no"},
    {"key": "states_target", "label": "Students can say what they are learning and why", "kind": "scale",
     "levels": ["None", "A few", "Most", "All"]},
    {"key": "questions", "label": "Questions asked by students", "kind": "count"},
    {"key": "talk", "label": "Time students talk about the content", "kind": "timer"},
    {"key": "evidence", "label": "Evidence of student thinking", "kind": "text"},
]
LEVELS = LOOKFORS[1]["levels"]
DEMANDS = ["Recall", "Skill or concept", "Strategic thinking", "Extended thinking"]
SAVED = re.compile(r"^Saved on this tablet at \d{1,2}:\d{2}:\d{2}")
SYNC = "async () => { await (await import('/sync.js')).syncNow(); }"
START = """async ([school, teacher, template]) => {
    const records = await import('/records.js');
    return records.startObservation({ school_id: school, teacher_id: teacher, template_id: template,
                                      template_version: template ? 1 : null });
}"""


@pytest.fixture
def lincoln(make):
    school = make.school(name="Lincoln Elementary")
    observer = make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    teacher = make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org")
    template = create_template(school.district_id, None, "Core walkthrough", "Do tasks ask students to think?",
                               LOOKFORS)
    publish(template)
    db.session.commit()
    return {"school": school.id, "observer": observer, "teacher": teacher, "template": template.id}


class Tablet:
    """A signed-in tablet's page, with its CPU slowed down `rate` times. `leave(how, delay_ms)`
    waits `delay_ms` after the last change, then reloads the page, or closes it and opens the same
    address in a new page of the same browser. JavaScript errors are collected in `errors`."""

    def __init__(self, page, rate: int):
        self.page, self.rate, self.errors = page, rate, []
        self._watch(page)

    def _watch(self, page):
        page.on("pageerror", lambda error: self.errors.append(error))
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": self.rate})

    def expect_heading(self, name):
        expect(self.page.get_by_role("heading", level=1, name=name)).to_be_visible()

    def goto(self, hash_):
        self.page.evaluate("(hash) => { location.hash = hash; }", hash_)

    def leave(self, how: str, delay_ms: int):
        if delay_ms:
            self.page.wait_for_timeout(delay_ms)
        if how == "reload":
            self.page.reload()
            return
        url, context = self.page.url, self.page.context
        self.page.close()
        self.page = context.new_page()
        self._watch(self.page)
        self.page.goto(url)


def turned(changes: list, cycle: int) -> list:
    """`changes` in an order that ends with a different one in each cycle."""
    start = (cycle + 1) % len(changes)
    return changes[start:] + changes[:start]


def lookfor(page, label):
    return page.get_by_role("group", name=label, exact=True)


def clock_seconds(text: str) -> int:
    minutes, seconds = text.split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


# --- Capture -------------------------------------------------------------------------------
class Capture:
    """Every kind of control on Capture, each changed to a new value per round, and what must be
    shown after the page comes back."""

    def __init__(self):
        self.want = {"questions": 0, "notes": [], "timer": None}
        self.changes = [self.segment, self.students_present, self.evidence, self.explains, self.states_target,
                        self.questions, self.demand, self.timer, self.note_draft, self.add_note]

    def segment(self, page, n):  # a text field of the class
        self.want["segment"] = f"Small-group work {n}"
        page.get_by_label("Segment", exact=True).fill(self.want["segment"])

    def students_present(self, page, n):  # a number field
        self.want["students"] = str(20 + n)
        page.get_by_label("Students present", exact=True).fill(self.want["students"])

    def evidence(self, page, n):  # a text area
        self.want["evidence"] = f"Pair {n} compares two strategies."
        page.get_by_label("Evidence of student thinking").fill(self.want["evidence"])

    def explains(self, page, n):  # yes/no
        self.want["explains"] = "Yes" if n % 2 == 0 else "No"
        lookfor(page, "Students explain their reasoning").get_by_role("button", name=self.want["explains"]).click()

    def states_target(self, page, n):  # a scale
        self.want["level"] = LEVELS[(n + 1) % len(LEVELS)]
        page.get_by_role("group", name="Students can say what they are learning and why").get_by_label(
            self.want["level"], exact=True).check()

    def questions(self, page, n):  # a stepper
        self.want["questions"] += 1
        lookfor(page, "Questions asked by students").get_by_role("button", name="One more").click()

    def demand(self, page, n):  # a select
        self.want["demand"] = DEMANDS[(n + 1) % len(DEMANDS)]
        page.get_by_label("Task demand").select_option(self.want["demand"])

    def timer(self, page, n):  # start, and in the next round pause
        talk = lookfor(page, "Time students talk about the content")
        if self.want["timer"] == "running":
            self.want["timer"] = "paused"
            talk.get_by_role("button", name="Pause timing").click()
        else:
            self.want["timer"] = "running"
            talk.get_by_role("button", name=re.compile("^(Start|Resume) timing")).click()

    def note_draft(self, page, n):  # words in a note box, not added yet
        self.want["draft"] = f"T asks table {n}: 'How do you know?'"
        page.get_by_label("What the teacher says or does").fill(self.want["draft"])

    def add_note(self, page, n):
        text = f"Student {n} explains why 48 = 40 + 8."
        self.want["notes"].insert(0, text)
        pane = page.get_by_role("region", name="Students", exact=True)
        pane.get_by_label("What students say or do").fill(text)
        pane.get_by_role("button", name="Add note").click()

    def expect_kept(self, page):
        want = self.want
        expect(page.get_by_label("Segment", exact=True)).to_have_value(want["segment"])
        expect(page.get_by_label("Students present", exact=True)).to_have_value(want["students"])
        expect(page.get_by_label("Evidence of student thinking")).to_have_value(want["evidence"])
        expect(lookfor(page, "Students explain their reasoning").get_by_role("button", name=want["explains"])
               ).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_role("group", name="Students can say what they are learning and why")
               .get_by_label(want["level"], exact=True)).to_be_checked()
        expect(lookfor(page, "Questions asked by students").locator("output")).to_have_text(str(want["questions"]))
        expect(page.get_by_label("Task demand")).to_have_value(want["demand"])
        talk = lookfor(page, "Time students talk about the content")
        if want["timer"] == "running":
            # Still running: the run outlives the page.
            expect(talk.get_by_role("button", name="Pause timing")).to_be_visible()
        else:
            seconds = clock_seconds(talk.locator(".timer-clock").inner_text())
            expect(talk.get_by_role("button", name="Resume timing" if seconds else "Start timing")).to_be_visible()
        expect(page.get_by_label("What the teacher says or does")).to_have_value(want["draft"])
        notes = page.get_by_role("region", name="Students", exact=True).get_by_role("listitem")
        expect(notes).to_have_count(len(want["notes"]))
        for item, text in zip(notes.all(), want["notes"]):
            expect(item).to_contain_text(text)


@pytest.mark.parametrize("rate", CPU_RATES, ids=lambda rate: f"cpu{rate}x")
def test_every_change_on_capture_survives_a_reload_or_a_closed_page_at_once(lincoln, new_tablet, api_as, rate):
    tablet = Tablet(new_tablet("maria@example.org"), rate)
    observation_id = tablet.page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    tablet.goto(f"#/capture/{observation_id}")
    heading = "Walkthrough with Alice Moreno"
    tablet.expect_heading(heading)
    capture = Capture()
    for n, change in enumerate(capture.changes):  # every control has a value before the first reload
        change(tablet.page, n)
    for cycle, (how, delay) in enumerate(CYCLES):
        n = len(capture.changes) + cycle
        for change in turned(capture.changes, cycle + CPU_RATES.index(rate) * len(CYCLES)):
            change(tablet.page, n)
        tablet.leave(how, delay)
        tablet.expect_heading(heading)
        capture.expect_kept(tablet.page)

    # What came back after each reload was written as ops too: the server gets all of it.
    talk = lookfor(tablet.page, "Time students talk about the content")
    if capture.want["timer"] == "running":
        talk.get_by_role("button", name="Pause timing").click()
    talk_seconds = clock_seconds(talk.locator(".timer-clock").inner_text())
    tablet.page.evaluate("async () => { await (await import('/records.js')).flushEdits(); }")
    tablet.page.evaluate(SYNC)
    expect(tablet.page.locator("#sync-status")).to_contain_text("All changes synced")
    server = api_as(lincoln["observer"]).get(f"/api/observations/{observation_id}").get_json()
    want = capture.want
    assert (server["segment"], server["students_present"], server["task_demand"]) == (
        want["segment"], int(want["students"]), want["demand"])
    assert server["lookfors"] == {"explains": want["explains"] == "Yes", "states_target": want["level"],
                                  "questions": want["questions"], "talk": talk_seconds, "evidence": want["evidence"]}
    assert sorted(note["text"] for note in server["notes"]) == sorted(want["notes"])
    assert not tablet.errors


# --- Review --------------------------------------------------------------------------------
REVIEW_TEXT = ["What went well", "A question to think about", "One next step", "Support I will provide",
               "What the teacher was doing", "What students were doing", "The task and what it asked of students"]
REVIEW_FIELDS = {"What went well": ("feedback", "glow"), "A question to think about": ("feedback", "wonder"),
                 "One next step": ("feedback", "next_step"), "Support I will provide": ("feedback", "support_commitment"),
                 "What the teacher was doing": ("observation", "teacher_doing"),
                 "What students were doing": ("observation", "students_doing"),
                 "The task and what it asked of students": ("observation", "task")}


@pytest.mark.parametrize("rate", CPU_RATES, ids=lambda rate: f"cpu{rate}x")
def test_every_change_on_review_survives_a_reload_or_a_closed_page_at_once(lincoln, new_tablet, api_as, rate):
    tablet = Tablet(new_tablet("maria@example.org"), rate)
    observation_id = tablet.page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    tablet.goto(f"#/review/{observation_id}")
    heading = "Review and feedback"
    tablet.expect_heading(heading)
    want = {}

    def text_change(label):
        def change(page, n):
            want[label] = f"{label}: draft {n}."
            page.get_by_label(label, exact=True).fill(want[label])
        return change

    def due_date(page, n):
        want["By when"] = (date.today() + timedelta(days=7 + n)).isoformat()
        page.get_by_label("By when").fill(want["By when"])

    changes = [text_change(label) for label in REVIEW_TEXT] + [due_date]
    for n, change in enumerate(changes):
        change(tablet.page, n)
    for cycle, (how, delay) in enumerate(CYCLES):
        for change in turned(changes, cycle + CPU_RATES.index(rate) * len(CYCLES)):
            change(tablet.page, len(changes) + cycle)
        tablet.leave(how, delay)
        tablet.expect_heading(heading)
        for label, value in want.items():
            expect(tablet.page.get_by_label(label, exact=True)).to_have_value(value)

    tablet.page.evaluate(SYNC)
    expect(tablet.page.locator("#sync-status")).to_contain_text("All changes synced")
    server = api_as(lincoln["observer"]).get(f"/api/observations/{observation_id}").get_json()
    for label, (entity, field) in REVIEW_FIELDS.items():
        held = server["feedback"][field] if entity == "feedback" else server[field]
        assert held == want[label], label
    assert server["feedback"]["support_due"] == want["By when"]
    assert not tablet.errors


# --- the teacher's response ----------------------------------------------------------------
SUBMITTED = """async ([school, teacher, template]) => {
    const records = await import('/records.js');
    const id = await records.startObservation({ school_id: school, teacher_id: teacher, template_id: template,
                                                template_version: 1 });
    await records.addNote(id, { element: 'teacher', text: "Asks 'How do you know?' at every table." });
    await records.saveFeedback(id, { glow: 'Pairs justified their answers.', next_step: 'Add a why prompt.',
                                     support_commitment: 'I will model it on Friday.' });
    await records.submitObservation(id);
    await (await import('/sync.js')).syncNow();
    return id;
}"""


@pytest.mark.parametrize("rate", CPU_RATES, ids=lambda rate: f"cpu{rate}x")
def test_the_teachers_reflection_and_rating_survive_a_reload_or_a_closed_page_at_once(
        lincoln, new_tablet, api_as, rate):
    observer = new_tablet("maria@example.org")
    observation_id = observer.evaluate(SUBMITTED, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    tablet = Tablet(new_tablet("alice@example.org"), rate)
    tablet.goto(f"#/observation/{observation_id}")
    heading = "Walkthrough by Maria Lopez"
    tablet.expect_heading(heading)
    want = {}

    def reflection(page, n):
        want["reflection"] = f"I will try the prompt with table {n} on Friday."
        page.get_by_label("Your reflection").fill(want["reflection"])

    def rating(page, n):
        want["rating"] = 1 + n % 5
        page.get_by_role("radiogroup", name="How useful was this feedback?").get_by_label(
            re.compile(f"^{want['rating']}: ")).check()

    changes = [reflection, rating]
    tablet.page.get_by_role("button", name="Acknowledge").click()
    tablet.leave("reload" if rate == 1 else "close", 0)  # acknowledging is a tap too
    expect(tablet.page.get_by_text("You acknowledged this feedback")).to_be_visible()
    for cycle, (how, delay) in enumerate(CYCLES):
        for change in turned(changes, cycle):
            change(tablet.page, cycle)
        tablet.leave(how, delay)
        tablet.expect_heading(heading)
        expect(tablet.page.get_by_label("Your reflection")).to_have_value(want["reflection"])
        expect(tablet.page.get_by_label(re.compile(f"^{want['rating']}: "))).to_be_checked()

    tablet.page.evaluate(SYNC)
    expect(tablet.page.locator("#sync-status")).to_contain_text("All changes synced")
    feedback = api_as(lincoln["observer"]).get(f"/api/observations/{observation_id}").get_json()["feedback"]
    assert (feedback["reflection"], feedback["usefulness"]) == (want["reflection"], want["rating"])
    assert feedback["acknowledged_at"] is not None
    assert not tablet.errors


# --- typing --------------------------------------------------------------------------------
@pytest.mark.parametrize("how", EXITS)
def test_words_typed_key_by_key_survive_a_reload_or_a_closed_page_right_after_the_last_keystroke(
        lincoln, new_tablet, how):
    tablet = Tablet(new_tablet("maria@example.org"), 4)
    observation_id = tablet.page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    tablet.goto(f"#/capture/{observation_id}")
    heading = "Walkthrough with Alice Moreno"
    tablet.expect_heading(heading)
    fields = ["Subject", "Evidence of student thinking", "What the teacher says or does"]
    typed = dict.fromkeys(fields, "")
    for cycle, delay in enumerate(DELAYS_MS):
        for label in turned(fields, cycle):
            words = f"{label.split()[0].lower()}{cycle} "  # ends with a space: a keystroke too
            field = tablet.page.get_by_label(label, exact=True)
            field.press("Control+End")
            field.press_sequentially(words)
            typed[label] += words
        tablet.leave(how, delay)
        tablet.expect_heading(heading)
        for label, words in typed.items():
            kept = tablet.page.get_by_label(label, exact=True)
            if label == "Subject":
                # A line of words is trimmed once left (for another field, or by a closing page).
                expect(kept).to_have_value(re.compile(f"^{re.escape(words.strip())} ?$"))
                typed[label] = kept.input_value()
            else:
                expect(kept).to_have_value(words)
    assert not tablet.errors


# --- the save line -------------------------------------------------------------------------
HOLD_STORAGE = """() => new Promise((resolve) => {
    // Another tab holding the tablet's storage: a write transaction that keeps itself busy.
    const open = indexedDB.open('rounds');
    open.onsuccess = () => {
      const tx = open.result.transaction(['records', 'outbox', 'rejected', 'meta'], 'readwrite');
      const store = tx.objectStore('meta');
      const spin = () => { if (!window.letGo) store.get('me').onsuccess = spin; };
      spin();
      window.held = new Promise((done) => { tx.oncomplete = done; });
      resolve();
    };
})"""


def test_the_save_line_says_saving_until_the_change_is_written_then_saved_with_the_time(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    observation_id = page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    page.evaluate("(hash) => { location.hash = hash; }", f"#/capture/{observation_id}")
    status = page.locator(".save-status")
    page.get_by_label("Segment", exact=True).fill("Discussion")
    expect(status).to_have_text(SAVED)

    holder = page.context.new_page()
    holder.goto("/api/health")
    holder.evaluate(HOLD_STORAGE)
    lookfor(page, "Students explain their reasoning").get_by_role("button", name="Yes").click()
    expect(status).to_have_text("Saving…")
    expect(status).to_have_attribute("data-state", "saving")
    # A write that waits long is said to wait, not to be saved.
    expect(page.locator("[role=alert]")).to_contain_text("Still saving", timeout=6000)
    expect(status).to_have_text("Saving…")
    holder.evaluate("async () => { window.letGo = true; await window.held; }")
    expect(status).to_have_text(SAVED)
    expect(page.locator("[role=alert]")).to_have_text("")
    holder.close()

    # The moment it says "Saved", the change is on the tablet: reload at once, from that moment.
    page.evaluate("""() => {
        const line = document.querySelector('.save-status');
        new MutationObserver(() => { if (line.textContent.startsWith('Saved')) location.reload(); })
          .observe(line, { subtree: true, childList: true, characterData: true });
    }""")
    with page.expect_navigation():
        page.get_by_label("Students present", exact=True).fill("23")
    expect(page.get_by_label("Students present", exact=True)).to_have_value("23")
    expect(lookfor(page, "Students explain their reasoning").get_by_role("button", name="Yes")
           ).to_have_attribute("aria-pressed", "true")


def test_words_typed_in_another_field_while_a_note_is_stored_stay_in_that_field(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    observation_id = page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    page.evaluate("(hash) => { location.hash = hash; }", f"#/capture/{observation_id}")
    holder = page.context.new_page()
    holder.goto("/api/health")
    holder.evaluate(HOLD_STORAGE)  # the note takes its time to be stored
    pane = page.get_by_role("region", name="Teacher", exact=True)
    pane.get_by_label("What the teacher says or does").fill("T models the first problem aloud.")
    pane.get_by_role("button", name="Add note").click()
    page.get_by_label("Segment", exact=True).click()
    holder.evaluate("async () => { window.letGo = true; await window.held; }")
    expect(pane.get_by_role("listitem")).to_have_count(1)
    page.keyboard.type("Opening")
    expect(page.get_by_label("Segment", exact=True)).to_have_value("Opening")
    expect(pane.get_by_label("What the teacher says or does")).to_have_value("")


WATCH_VIEW = """() => {
    window.viewSettled = new Promise((resolve) => {
        const watch = new MutationObserver(() => { watch.disconnect(); resolve(); });
        watch.observe(document.getElementById('view'), { childList: true });
        setTimeout(resolve, 2000);
    });
}"""


def test_a_field_tapped_while_the_screen_is_brought_up_to_date_keeps_the_focus_and_the_words(lincoln, new_tablet):
    observer = new_tablet("maria@example.org")
    observation_id = observer.evaluate(SUBMITTED, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    page = new_tablet("alice@example.org")
    page.evaluate("(hash) => { location.hash = hash; }", f"#/observation/{observation_id}")
    page.get_by_role("button", name="Acknowledge").click()
    rating = page.get_by_label(re.compile("^4: "))
    rating.check()
    expect(page.locator(".save-status")).to_have_text(SAVED)
    expect(rating).to_be_focused()
    # Another tab holds the storage and says the data changed: the screen starts reading it again
    # and must wait, as on a slow tablet, while the teacher taps into the reflection and types.
    holder = page.context.new_page()
    holder.goto("/api/health")
    holder.evaluate(HOLD_STORAGE)
    page.evaluate("() => { new BroadcastChannel('rounds').onmessage = () => { window.toldOfChange = true; }; }")
    holder.evaluate("() => new BroadcastChannel('rounds').postMessage('changed')")
    page.wait_for_function("window.toldOfChange === true")  # after the app's own listener
    reflection = page.get_by_label("Your reflection")
    reflection.click()
    page.keyboard.type("I will ask")
    # Until the screen has read what changed and put it up (or 2 s, if it rightly leaves it).
    page.evaluate(WATCH_VIEW)
    holder.evaluate("async () => { window.letGo = true; await window.held; }")
    page.evaluate("() => window.viewSettled")
    page.keyboard.type(" why, at every table.")
    expect(reflection).to_be_focused()
    expect(reflection).to_have_value("I will ask why, at every table.")
    page.keyboard.press("Tab")
    page.reload()
    expect(page.get_by_label("Your reflection")).to_have_value("I will ask why, at every table.")
    expect(page.get_by_label(re.compile("^4: "))).to_be_checked()


def test_a_tablet_out_of_storage_says_so_and_keeps_what_was_typed_until_it_can_save(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    observation_id = page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    page.evaluate("(hash) => { location.hash = hash; }", f"#/capture/{observation_id}")
    status = page.locator(".save-status")
    page.evaluate(WRITES_FAIL_FOR_QUOTA)
    segment = page.get_by_label("Segment", exact=True)
    segment.fill("Independent work")
    expect(page.get_by_role("alert")).to_have_text(
        "This tablet is out of storage for Rounds. Sync, then free space (or Export backup).")
    expect(status).to_have_attribute("data-state", "failed")
    expect(status).to_have_text("Not saved")
    expect(segment).to_have_value("Independent work")

    page.evaluate(WRITES_WORK_AGAIN)
    page.get_by_label("Grade", exact=True).fill("4")
    expect(status).to_have_text(SAVED)
    expect(page.locator("[role=alert]")).to_have_text("")
    page.reload()
    # Both the words refused for lack of room and those typed after are on the tablet now.
    expect(page.get_by_label("Segment", exact=True)).to_have_value("Independent work")
    expect(page.get_by_label("Grade", exact=True)).to_have_value("4")


# --- small promises of the same screens ----------------------------------------------------
def test_a_paused_timer_offers_resume_and_adds_to_its_time(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    observation_id = page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    page.evaluate("(hash) => { location.hash = hash; }", f"#/capture/{observation_id}")
    talk = lookfor(page, "Time students talk about the content")
    talk.get_by_role("button", name="Start timing").click()
    expect(talk.locator(".timer-clock")).to_have_text("0:02", timeout=4000)
    talk.get_by_role("button", name="Pause timing").click()
    expect(talk.get_by_role("button", name="Resume timing")).to_have_text("Resume")
    paused = clock_seconds(talk.locator(".timer-clock").inner_text())
    talk.get_by_role("button", name="Resume timing").click()
    expect(talk.locator(".timer-clock")).to_have_text(f"0:{paused + 1:02d}", timeout=4000)
    expect(talk.get_by_role("button", name="Pause timing")).to_be_visible()


def test_an_old_drafts_clock_shows_when_it_started_instead_of_counting_for_days(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    fresh = page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    old = page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    three_days_ago = (datetime.now(timezone.utc) - timedelta(days=3)).isoformat().replace("+00:00", "Z")
    page.evaluate("async ([id, at]) => (await import('/records.js')).updateObservation(id, { started_at: at })",
                  [old, three_days_ago])

    page.evaluate("(hash) => { location.hash = hash; }", f"#/capture/{old}")
    clock = page.locator(".capture-bar .clock")
    expect(clock).to_have_text(re.compile(r"^Started \w{3} \d{1,2} \w{3} \d{1,2}:\d{2}|^Started \w"))
    expect(clock).not_to_contain_text("Elapsed")
    shown = clock.inner_text()
    page.wait_for_timeout(1200)
    assert clock.inner_text() == shown

    page.evaluate("(hash) => { location.hash = hash; }", f"#/capture/{fresh}")
    expect(clock).to_have_text(re.compile(r"^Elapsed 0:0\d$"))


def test_the_menu_marks_no_item_as_current_on_a_walkthroughs_screens(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    menu = page.get_by_role("navigation", name="Main")
    current = menu.locator("[aria-current=page]")
    expect(current).to_have_text("Today")
    observation_id = page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    for screen, heading in (("capture", "Walkthrough with Alice Moreno"), ("review", "Review and feedback")):
        page.evaluate("(hash) => { location.hash = hash; }", f"#/{screen}/{observation_id}")
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        expect(current).to_have_count(0)
    menu.get_by_role("link", name="New walkthrough").click()
    expect(current).to_have_text("New walkthrough")


def test_sync_now_while_offline_says_it_will_sync_when_connected(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    summary = page.get_by_role("region", name="Sync")
    expect(summary).to_contain_text("Waiting to sync")
    expect(summary).to_contain_text("Nothing: everything is on the server")
    page.context.set_offline(True)
    expect(page.locator("#sync-status")).to_contain_text("Offline")
    page.evaluate(START, [lincoln["school"], lincoln["teacher"].id, lincoln["template"]])
    expect(summary).to_contain_text("1 change, kept on this tablet until then")

    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-note")).to_have_text("Offline: will sync when connected.")
    page.context.set_offline(False)
    # Back online it syncs by itself; asked again, it says it synced.
    expect(page.locator("#sync-status")).to_contain_text("All changes synced", timeout=15000)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-note")).to_have_text("Synced.")
    expect(summary).to_contain_text("Nothing: everything is on the server")
