"""The observed teacher, on a tablet of their own, reads the whole walkthrough, acknowledges the
feedback, reflects and rates it; the observer sees that response after the next sync."""
import re

import pytest
from playwright.sync_api import expect

from server.demo import LOOKFORS
from server.extensions import db
from server.models import Feedback
from server.templates import create_template, publish
from tests.browser.conftest import sync_until_sent

pytestmark = pytest.mark.browser

SUBMITTED_WALKTHROUGH = """async ([school, teacher, template]) => {
    const records = await import('/records.js');
    const id = await records.startObservation({ school_id: school, teacher_id: teacher,
                                                template_id: template, template_version: 1 });
    await records.addNote(id, { element: 'teacher', text: "T: 'Convince your partner your way works.'" });
    await records.addNote(id, { element: 'students', text: 'Most pairs seemed confident.', is_inference: true });
    await records.updateObservation(id, { grade: '3', subject: 'Math', students_present: 24,
        task: 'Compare two strategies and justify the choice.',
        lookfors: { target_posted: true, students_state_target: 'Most', student_talk: 410, student_questions: 4 } });
    await records.saveFeedback(id, { glow: "Your question 'How do you know?' got pairs to justify.",
        wonder: 'What if the worksheet asked for a comparison in writing?',
        next_step: "Add a 'which strategy and why' prompt to the exit ticket.",
        support_commitment: 'I will cover your class so you can watch Room 14.', support_due: '2030-03-14' });
    await records.submitObservation(id);
    return id;
}"""
SYNC = "async () => { const sync = await import('/sync.js'); await sync.syncNow(); }"


@pytest.fixture
def lincoln(make):
    school = make.school(name="Lincoln Elementary")
    observer = make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    teacher = make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org")
    template = create_template(school.district_id, None, "Instructional core walkthrough",
                               "Do our tasks ask students to think, or only to recall?", LOOKFORS)
    publish(template)
    db.session.commit()
    return {"school": school.id, "observer": observer.id, "teacher": teacher.id, "template": template.id}


def test_teacher_reads_acknowledges_reflects_and_rates_and_the_observer_sees_it_after_sync(
        app, lincoln, new_tablet, screenshot):
    observer = new_tablet("maria@example.org")
    observation_id = observer.evaluate(SUBMITTED_WALKTHROUGH,
                                       [lincoln["school"], lincoln["teacher"], lincoln["template"]])
    observer.evaluate(SYNC)
    observer.evaluate("(hash) => { location.hash = hash; }", f"#/observation/{observation_id}")
    response = observer.get_by_role("region", name="The teacher's response")
    expect(response).to_contain_text("Not acknowledged yet.")

    teacher = new_tablet("alice@example.org")
    expect(teacher.get_by_role("heading", name="Feedback for me", level=1)).to_be_visible()
    walkthrough = teacher.get_by_role("link", name=re.compile("Maria Lopez"))
    expect(walkthrough).to_contain_text("New")
    screenshot(teacher, "feedback-for-me")
    walkthrough.click()

    expect(teacher.get_by_role("heading", name="Walkthrough by Maria Lopez", level=1)).to_be_visible()
    core = teacher.get_by_role("region", name="The instructional core")
    expect(core.get_by_role("region", name="Teacher")).to_contain_text("Convince your partner your way works.")
    students = core.get_by_role("region", name="Students")
    expect(students.get_by_role("listitem")).to_contain_text("Inference")
    expect(students).to_contain_text("Most pairs seemed confident.")
    expect(core.get_by_role("region", name="Task")).to_contain_text("Compare two strategies")
    lookfors = teacher.get_by_role("region", name="Look-fors")
    for label, words in (("Learning target is posted in student-friendly words", "Yes"),
                         ("Students can say what they are learning and why", "Most"),
                         ("Time students talk about the content", "6:50"),
                         ("Questions asked by students", "4"),
                         ("Students explain their reasoning", "Not recorded")):
        expect(lookfors.get_by_text(label)).to_be_visible()
        expect(lookfors.locator("dt", has_text=label).locator("xpath=following-sibling::dd[1]")).to_have_text(words)
    feedback = teacher.get_by_role("region", name="Feedback")
    expect(feedback).to_contain_text("Add a 'which strategy and why' prompt to the exit ticket.")
    expect(feedback).to_contain_text("I will cover your class so you can watch Room 14.")
    screenshot(teacher, "observation-for-the-teacher")

    teacher.get_by_role("button", name="Acknowledge").click()
    expect(teacher.get_by_text("You acknowledged this feedback")).to_be_focused()
    teacher.get_by_label("Your reflection").fill("Pairs talked more than I expected; I'll try the prompt Friday.")
    teacher.get_by_role("radiogroup", name="How useful was this feedback?").get_by_label("4: Useful").check()
    expect(teacher.get_by_label("4: Useful")).to_be_checked()
    expect(teacher.get_by_role("status").filter(has_text="Saved on this tablet")).to_be_visible()
    screenshot(teacher, "observation-teacher-response")
    sync_until_sent(teacher)

    with app.app_context():
        saved = db.session.query(Feedback).filter_by(observation_id=observation_id).one()
        assert saved.acknowledged_at is not None and saved.usefulness == 4
        assert saved.reflection == "Pairs talked more than I expected; I'll try the prompt Friday."

    observer.evaluate(SYNC)
    expect(response).to_contain_text("Acknowledged")
    expect(response).to_contain_text("Pairs talked more than I expected; I'll try the prompt Friday.")
    expect(response).to_contain_text("4 of 5: Useful")
    screenshot(observer, "observation-observer-sees-response")

    teacher.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback for me").click()
    expect(teacher.get_by_role("link", name=re.compile("Maria Lopez"))).not_to_contain_text("New")
    expect(teacher.get_by_text("You have read all your feedback.")).to_be_visible()
