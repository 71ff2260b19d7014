"""A whole walkthrough recorded on a tablet with no network, through the screens a principal uses:
it survives a reload while still offline, and once the tablet is back online the server holds
exactly what was recorded: every field, every note, the feedback."""
import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from server.demo import LOOKFORS
from server.extensions import db
from server.models import Observation
from server.templates import create_template, publish
from tests.browser.conftest import WRITES_FAIL_FOR_QUOTA, WRITES_WORK_AGAIN

pytestmark = pytest.mark.browser

# pane title -> (textarea label, notes in the order written, as (text, is_inference))
NOTES = {
    "Teacher": ("What the teacher says or does", [("T: 'Convince your partner your way works.'", False),
                                                  ("Asks 'How do you know?' at three tables.", False)]),
    "Students": ("What students say or do", [("Most pairs seemed confident with the strategy.", True)]),
    "Task": ("What the task asks students to do", [("Worksheet: one answer and one sentence of reasoning.", False)]),
}
CLASS = {"Grade": "3", "Subject": "Math", "Segment": "Small-group work", "Students present": "24"}
DUE = (date.today() + timedelta(days=10)).isoformat()
FEEDBACK = {
    "What went well": "Your question 'How do you know?' got pairs to justify, not just answer.",
    "A question to think about": "What would change if the worksheet asked for two strategies?",
    "One next step": "Add a 'which strategy and why' prompt to tomorrow's exit ticket.",
    "Support I will provide": "I will cover your class for 20 minutes so you can watch Room 14.",
}
SUMMARIES = {
    "What the teacher was doing": "Circulating between groups, asking for reasons.",
    "What students were doing": "Comparing two strategies in pairs.",
    "The task and what it asked of students": "Choose a strategy and justify it in writing.",
}
EVIDENCE_TEXT = "S3 explains why 48 = 40 + 8 is easier to add."


@pytest.fixture
def lincoln(make):
    """Lincoln Elementary: an observer, two teachers, and the demo template (all five kinds of
    look-for) published district-wide."""
    school = make.school(name="Lincoln Elementary")
    observer = make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org")
    make.person("teacher", school=school, name="Ben Turner", email="ben@example.org")
    template = create_template(school.district_id, None, "Instructional core walkthrough",
                               "When students explain their reasoning, do our tasks ask them to think?", LOOKFORS)
    publish(template)
    db.session.commit()
    return {"observer": observer}


def lookfor(page, label):
    return page.get_by_role("group", name=label, exact=True)


def wait_until_saved(page):
    expect(page.locator(".save-status")).to_have_attribute("data-state", "saved")


def moment(text):
    return datetime.fromisoformat(text) if text else None


def start_walkthrough_with_alice(page, screenshot):
    page.get_by_role("main").get_by_role("link", name="New walkthrough").click()
    # One school: the school step is skipped, so it is two taps from here.
    expect(page.get_by_role("heading", name="Which teacher?")).to_be_visible()
    screenshot(page, "new-walkthrough")
    page.get_by_role("button", name="Alice Moreno").click()
    expect(page.get_by_role("heading", name="Ready to start")).to_be_focused()
    expect(page.get_by_text("Instructional core walkthrough (version 1)")).to_be_visible()
    page.get_by_role("button", name="Start walkthrough").click()
    page.wait_for_url(re.compile(r"#/capture/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_focused()
    return page.url.rsplit("/", 1)[1]


def record_notes_lookfors_and_class(page):
    for title, (label, notes) in NOTES.items():
        pane = page.get_by_role("region", name=title, exact=True)
        for text, inference in notes:
            if inference:
                page.get_by_role("button", name="Inference").click()
                expect(page.get_by_role("button", name="Inference")).to_have_attribute("aria-pressed", "true")
            pane.get_by_label(label).fill(text)
            pane.get_by_role("button", name="Add note").click()
            expect(pane.get_by_role("listitem").first).to_contain_text(text)
            expect(pane.get_by_label(label)).to_have_value("")
    expect(page.get_by_role("button", name="Inference")).to_have_attribute("aria-pressed", "false")
    # The template's task-demand look-for stands for the task demand: asked once, in the Task pane.
    page.get_by_role("region", name="Task", exact=True).get_by_role(
        "group", name="Cognitive demand of the task").get_by_label("Strategic thinking").check()

    lookfor(page, "Learning target is posted in student-friendly words").get_by_role("button", name="Yes").click()
    lookfor(page, "Students can say what they are learning and why").get_by_label("Most").check()
    questions = lookfor(page, "Questions asked by students")
    for button in ("One more", "One more", "One more", "One less"):
        questions.get_by_role("button", name=button).click()
    expect(questions.locator("output")).to_have_text("2")
    lookfor(page, "Teacher checks for understanding").get_by_role("button", name="One more").click()
    lookfor(page, "Students explain their reasoning").get_by_role("button", name="No").click()
    page.get_by_label("Evidence of student thinking").fill(EVIDENCE_TEXT)
    talk = lookfor(page, "Time students talk about the content")
    talk.get_by_role("button", name="Start timing").click()
    page.wait_for_timeout(2200)
    talk.get_by_role("button", name="Pause timing").click()
    expect(talk.get_by_role("button", name="Resume timing")).to_be_visible()
    minutes, seconds = talk.locator(".timer-clock").inner_text().split(":")
    talk_seconds = int(minutes) * 60 + int(seconds)
    assert talk_seconds >= 2

    for label, value in CLASS.items():
        page.get_by_label(label, exact=True).fill(value)
    wait_until_saved(page)
    return talk_seconds


def write_feedback(page):
    page.get_by_role("link", name="Review and feedback").click()
    expect(page.get_by_role("heading", level=1, name="Review and feedback")).to_be_focused()
    page.get_by_label("What went well").fill(FEEDBACK["What went well"])
    page.get_by_label("A question to think about").fill(FEEDBACK["A question to think about"])
    # The next step and the support are needed before the walkthrough can be shared.
    page.get_by_role("button", name="Submit and share with Alice Moreno").click()
    expect(page.get_by_label("One next step")).to_be_focused()
    expect(page.get_by_label("One next step")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Needed before you submit.")).to_have_count(2)
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_label("One next step").fill(FEEDBACK["One next step"])
    page.get_by_label("Support I will provide").fill(FEEDBACK["Support I will provide"])
    expect(page.get_by_text("Needed before you submit.")).to_have_count(0)
    page.get_by_label("By when").fill(DUE)
    for label, text in SUMMARIES.items():
        page.get_by_label(label).fill(text)
    wait_until_saved(page)


def expect_feedback_kept(page):
    for label, text in {**FEEDBACK, **SUMMARIES}.items():
        expect(page.get_by_label(label)).to_have_value(text)
    expect(page.get_by_label("By when")).to_have_value(DUE)


def expect_capture_kept(page, talk_seconds):
    for title, (label, notes) in NOTES.items():
        items = page.get_by_role("region", name=title, exact=True).get_by_role("listitem")
        expect(items).to_have_count(len(notes))
        for item, (text, inference) in zip(items.all(), reversed(notes)):  # newest first
            expect(item).to_contain_text(text)
            expect(item.get_by_text("Inference", exact=True)).to_have_count(1 if inference else 0)
    expect(lookfor(page, "Learning target is posted in student-friendly words")
           .get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    expect(lookfor(page, "Students can say what they are learning and why").get_by_label("Most")).to_be_checked()
    expect(lookfor(page, "Cognitive demand of the task").get_by_label("Strategic thinking")).to_be_checked()
    expect(lookfor(page, "Questions asked by students").locator("output")).to_have_text("2")
    expect(lookfor(page, "Teacher checks for understanding").locator("output")).to_have_text("1")
    expect(lookfor(page, "Students explain their reasoning")
           .get_by_role("button", name="No")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Evidence of student thinking")).to_have_value(EVIDENCE_TEXT)
    expect(lookfor(page, "Time students talk about the content").locator(".timer-clock")).to_have_text(
        f"{talk_seconds // 60}:{talk_seconds % 60:02d}")
    for label, value in CLASS.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)


def test_walkthrough_recorded_offline_survives_a_reload_and_reaches_the_server_exactly(
        lincoln, new_tablet, api_as, screenshot):
    page = new_tablet("maria@example.org")
    status = page.locator("#sync-status")
    page.context.set_offline(True)
    expect(status).to_contain_text("Offline")

    observation_id = start_walkthrough_with_alice(page, screenshot)
    talk_seconds = record_notes_lookfors_and_class(page)
    screenshot(page, "capture")
    write_feedback(page)
    screenshot(page, "review")

    page.reload()
    expect(page.get_by_role("heading", level=1, name="Review and feedback")).to_be_visible()
    expect(status).to_contain_text("Offline")
    expect(status).to_contain_text("not synced yet")
    expect_feedback_kept(page)
    page.get_by_role("link", name="Back to notes").click()
    expect(page.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_visible()
    expect_capture_kept(page, talk_seconds)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    draft = page.get_by_role("region", name="Drafts").get_by_role("link", name=re.compile("Alice Moreno"))
    expect(draft).to_contain_text("Lincoln Elementary")
    expect(draft).to_contain_text("Grade 3 · Math")
    expect(draft).to_contain_text("Not synced yet")
    screenshot(page, "today")

    draft.click()
    page.get_by_role("link", name="Review and feedback").click()
    page.get_by_role("button", name="Submit and share with Alice Moreno").click()
    dialog = page.get_by_role("dialog", name="Submit and share with Alice Moreno?")
    expect(dialog).to_contain_text("Alice Moreno will be able to read the whole walkthrough")
    dialog.get_by_role("button", name="Yes, submit and share").click()
    page.wait_for_url(re.compile(f"#/observation/{observation_id}$"))

    page.context.set_offline(False)
    expect(status).to_contain_text("All changes synced", timeout=15000)
    expect(status).to_have_attribute("data-pending", "0")

    local = page.evaluate("""async (id) => {
        const records = await import('/records.js');
        return {
          observation: (await records.getRecord('observation', id)).data,
          notes: (await records.notesOf(id)).map((note) => ({ id: note.record_id, ...note.data })),
          feedback: (await records.feedbackOf(id)).data,
        };
    }""", observation_id)
    api = api_as(lincoln["observer"])
    assert [o["id"] for o in api.get("/api/observations").get_json()["observations"]] == [observation_id]
    server = api.get(f"/api/observations/{observation_id}").get_json()

    for field, value in local["observation"].items():
        if field.endswith("_at"):
            assert moment(server[field]) == moment(value), field
        else:
            assert server[field] == value, field
    assert {key: server[key] for key in ("grade", "subject", "segment", "students_present", "task_demand",
                                         "status", "teacher_doing", "students_doing", "task")} == {
        "grade": "3", "subject": "Math", "segment": "Small-group work", "students_present": 24,
        "task_demand": "Strategic thinking", "status": "submitted",
        "teacher_doing": SUMMARIES["What the teacher was doing"],
        "students_doing": SUMMARIES["What students were doing"],
        "task": SUMMARIES["The task and what it asked of students"]}
    assert server["lookfors"] == {
        "target_posted": True, "students_state_target": "Most",
        "student_questions": 2, "checks_for_understanding": 1, "students_explain_reasoning": False,
        "evidence_of_thinking": EVIDENCE_TEXT, "student_talk": talk_seconds}
    assert server["ended_at"] is not None

    held = sorted((n["id"], n["element"], n["text"], n["is_inference"], moment(n["at"])) for n in server["notes"])
    sent = sorted((n["id"], n["element"], n["text"], n["is_inference"], moment(n["at"])) for n in local["notes"])
    assert held == sent
    assert sorted((n[1], n[2], n[3]) for n in held) == sorted(
        (title.lower(), text, inference) for title, (_, notes) in NOTES.items() for text, inference in notes)

    feedback = server["feedback"]
    assert {key: feedback[key] for key in ("glow", "wonder", "next_step", "support_commitment", "support_due",
                                           "released")} == {
        "glow": FEEDBACK["What went well"], "wonder": FEEDBACK["A question to think about"],
        "next_step": FEEDBACK["One next step"], "support_commitment": FEEDBACK["Support I will provide"],
        "support_due": DUE, "released": True}
    for field in ("glow", "wonder", "next_step", "support_commitment", "support_due", "released"):
        assert feedback[field] == local["feedback"][field], field


def test_new_walkthrough_is_three_taps_with_recent_choices_first(make, new_tablet):
    district = make.district()
    lincoln, jefferson = make.school(district, name="Lincoln Elementary"), make.school(district, name="Jefferson Middle")
    make.person("observer", district=district, name="Dana Coach", email="dana@example.org")
    for name, school in (("Alice Moreno", lincoln), ("Ben Turner", lincoln), ("Farid Haddad", jefferson)):
        make.person("teacher", school=school, name=name)
    page = new_tablet("dana@example.org")

    new_walkthrough = page.get_by_role("navigation", name="Main").get_by_role("link", name="New walkthrough")
    choices = page.get_by_role("main").get_by_role("list").get_by_role("button")

    new_walkthrough.click()
    expect(choices).to_have_text(["Jefferson Middle", "Lincoln Elementary"])
    page.get_by_role("button", name="Lincoln Elementary").click()
    expect(page.get_by_role("heading", name="Which teacher?")).to_be_focused()
    expect(choices).to_have_text(["Alice Moreno", "Ben Turner"])
    page.get_by_role("button", name="Ben Turner").click()
    expect(page.get_by_text("None for this school: you will record notes only.")).to_be_visible()
    page.get_by_role("button", name="Start walkthrough").click()
    expect(page.get_by_role("heading", level=1, name="Walkthrough with Ben Turner")).to_be_visible()

    new_walkthrough.click()
    expect(choices).to_have_text(["Lincoln Elementary Recent", "Jefferson Middle"])
    page.get_by_role("button", name="Lincoln Elementary").click()
    expect(choices).to_have_text(["Ben Turner Recent", "Alice Moreno"])


def test_a_tablet_out_of_storage_says_so_and_keeps_the_words_typed(lincoln, new_tablet):
    page = new_tablet("maria@example.org")
    start_walkthrough_with_alice(page, lambda *args: None)
    pane = page.get_by_role("region", name="Teacher", exact=True)
    # A full disk shows as a write transaction failing with a QuotaExceededError.
    page.evaluate(WRITES_FAIL_FOR_QUOTA)
    pane.get_by_label("What the teacher says or does").fill("T models the first problem aloud.")
    pane.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This tablet is out of storage for Rounds. Sync, then free space (or Export backup).")
    expect(pane.get_by_label("What the teacher says or does")).to_have_value("T models the first problem aloud.")
    expect(pane.get_by_role("listitem")).to_have_count(0)

    page.evaluate(WRITES_WORK_AGAIN)
    pane.get_by_role("button", name="Add note").click()
    expect(pane.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_text("This tablet is out of storage")).to_have_count(0)
    expect(page.locator(".save-status")).to_contain_text("Saved on this tablet")


def test_deleting_a_draft_asks_first_and_removes_it_everywhere(lincoln, new_tablet, app):
    page = new_tablet("maria@example.org")
    observation_id = start_walkthrough_with_alice(page, lambda *args: None)
    page.get_by_role("link", name="Review and feedback").click()
    expect(page.locator("#sync-status")).to_contain_text("All changes synced", timeout=15000)
    with app.app_context():
        assert db.session.get(Observation, observation_id).deleted is False

    page.get_by_role("button", name="Delete walkthrough").click()
    page.get_by_role("dialog", name="Delete this walkthrough?").get_by_role("button", name="Keep it").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete walkthrough")).to_be_focused()
    page.get_by_role("button", name="Delete walkthrough").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, delete it").click()
    page.wait_for_url(re.compile("#/today$"))
    expect(page.get_by_text("No drafts. Start one with New walkthrough.")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("All changes synced", timeout=15000)
    with app.app_context():
        assert db.session.get(Observation, observation_id).deleted is True
