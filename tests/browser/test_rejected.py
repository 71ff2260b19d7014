"""Changes the server refuses wait under Rejected with the server's reasons, to be fixed and sent
again, or discarded knowingly: nothing a tablet recorded is lost silently."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import EvidenceNote, Observation, Person

pytestmark = pytest.mark.browser

NOTES = ["T: 'Convince your partner your way works.'", "S1: 'I split 48 into 40 and 8.'"]
WALKTHROUGH_OFFLINE = """async ([school, teacher, notes]) => {
    const records = await import('/records.js');
    const id = await records.startObservation({ school_id: school, teacher_id: teacher });
    await records.addNote(id, { element: 'teacher', text: notes[0] });
    await records.addNote(id, { element: 'students', text: notes[1] });
    await records.updateObservation(id, { grade: '3' });
    return id;
}"""
SYNC = "async () => { const sync = await import('/sync.js'); await sync.syncNow(); }"


@pytest.fixture
def moved_teacher(make):
    """An observer at Lincoln; Alice, whom the observer is about to observe, is moved to
    Jefferson by an admin while the observer's tablet is offline; Ben stays at Lincoln."""
    district = make.district()
    lincoln = make.school(district, name="Lincoln Elementary")
    jefferson = make.school(district, name="Jefferson Middle School")
    make.person("observer", school=lincoln, name="Maria Lopez", email="maria@example.org")
    alice = make.person("teacher", school=lincoln, name="Alice Moreno")
    ben = make.person("teacher", school=lincoln, name="Ben Turner")

    def move():
        db.session.get(Person, alice.id).school_id = jefferson.id
        db.session.commit()

    return {"school": lincoln.id, "alice": alice.id, "ben": ben.id, "move": move}


def walkthrough_refused(new_tablet, moved_teacher):
    """A tablet whose new walkthrough of Alice, its two notes and a grade were all refused."""
    page = new_tablet("maria@example.org")
    page.context.set_offline(True)
    observation_id = page.evaluate(WALKTHROUGH_OFFLINE, [moved_teacher["school"], moved_teacher["alice"], NOTES])
    moved_teacher["move"]()
    page.context.set_offline(False)
    page.evaluate(SYNC)
    rejected = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Rejected"))
    expect(rejected).to_contain_text("4")
    rejected.click()
    expect(page.get_by_role("heading", name="Rejected", level=1)).to_be_visible()
    return page, observation_id


def test_walkthrough_refused_for_a_moved_teacher_is_fixed_and_sent_again_with_every_note(
        app, moved_teacher, new_tablet, screenshot):
    page, observation_id = walkthrough_refused(new_tablet, moved_teacher)
    expect(page.get_by_text("The server refused 4 changes.")).to_be_visible()
    new_walkthrough = page.get_by_role("form", name="New walkthrough")
    teacher = new_walkthrough.get_by_label("Teacher")
    expect(teacher).to_have_attribute("aria-invalid", "true")
    expect(new_walkthrough.get_by_text("Not a teacher of this school.")).to_be_visible()
    for name in ("Teacher note", "Students note", "Changes to the walkthrough"):
        form = page.get_by_role("form", name=name)
        expect(form.get_by_text("This goes with the new walkthrough above")).to_be_visible()
    expect(page.get_by_role("form", name="Teacher note").get_by_label("Note", exact=True)).to_have_value(NOTES[0])
    expect(page.get_by_role("form", name="Changes to the walkthrough").get_by_label("Grade")).to_have_value("3")
    expect(page.get_by_text("Required when the record is created.")).to_have_count(0)
    screenshot(page, "rejected")

    teacher.select_option(label="Ben Turner")
    page.get_by_role("button", name="Send all again").click()
    expect(page.get_by_text("Nothing was refused.")).to_be_visible()
    page.evaluate(SYNC)
    expect(page.get_by_text("Nothing was refused.")).to_be_visible()
    screenshot(page, "rejected-none")

    with app.app_context():
        observation = db.session.get(Observation, observation_id)
        assert (observation.teacher_id, observation.grade) == (moved_teacher["ben"], "3")
        notes = db.session.scalars(select(EvidenceNote.text).where(EvidenceNote.observation_id == observation_id)).all()
        assert sorted(notes) == sorted(NOTES)
    local = page.evaluate("async (id) => (await import('/records.js')).getRecord('observation', id)", observation_id)
    assert local["data"]["teacher_id"] == moved_teacher["ben"] and local["refused"] == 0 and local["pending"] == 0


def test_discarding_a_refused_change_first_says_exactly_what_will_be_lost(app, moved_teacher, new_tablet, screenshot):
    page, _ = walkthrough_refused(new_tablet, moved_teacher)
    note = page.get_by_role("form", name="Students note")
    note.get_by_role("button", name="Discard").click()
    dialog = page.get_by_role("dialog", name="Discard this students note?")
    expect(dialog).to_contain_text(f"Note: {NOTES[1]}")
    expect(dialog).to_contain_text("cannot be brought back")
    screenshot(page, "rejected-discard")
    dialog.get_by_role("button", name="Keep it").click()
    expect(note).to_be_visible()

    note.get_by_role("button", name="Discard").click()
    page.get_by_role("dialog").get_by_role("button", name="Discard for good").click()
    expect(note).to_be_hidden()
    expect(page.get_by_text("The server refused 3 changes.")).to_be_visible()
