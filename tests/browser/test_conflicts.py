"""Conflicts in a real browser: one observer changes the same walkthrough offline on two tablets;
both tablets show the conflict; one choice resolves it everywhere."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import Observation, SyncConflict

pytestmark = pytest.mark.browser

START = """async ([school, teacher]) => {
    const records = await import('/records.js');
    const id = await records.startObservation({ school_id: school, teacher_id: teacher });
    await records.updateObservation(id, { grade: '3', teacher_doing: 'Reads the problem aloud.' });
    return id;
}"""
SYNC = "async () => { const sync = await import('/sync.js'); await sync.syncNow(); }"
FLUSH = "async () => { await (await import('/records.js')).flushEdits(); }"
LOCAL = "async (id) => (await import('/records.js')).getRecord('observation', id)"


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def edit_offline(page, observation_id, grade, teacher_doing):
    """Changes the grade on Capture and the teacher summary on Review, as the observer would."""
    go(page, f"#/capture/{observation_id}")
    page.get_by_label("Grade").fill(grade)
    go(page, f"#/review/{observation_id}")
    page.get_by_label("What the teacher was doing").fill(teacher_doing)
    page.evaluate(FLUSH)
    go(page, "#/today")


def test_two_tablets_of_one_observer_see_the_conflict_and_converge_once_it_is_resolved(
        app, make, new_tablet, screenshot):
    school = make.school(name="Lincoln Elementary")
    make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    teacher = make.person("teacher", school=school, name="Alice Moreno")
    first = new_tablet("maria@example.org")
    observation_id = first.evaluate(START, [school.id, teacher.id])
    first.evaluate(SYNC)
    second = new_tablet("maria@example.org")
    assert second.evaluate(LOCAL, observation_id)["data"]["grade"] == "3"

    for tablet in (first, second):
        tablet.context.set_offline(True)
    edit_offline(first, observation_id, "4", "Reads the problem aloud, then asks pairs to restate it.")
    edit_offline(second, observation_id, "5", "Reads the problem aloud; two students ask what 'equivalent' means.")
    for tablet in (first, second):
        tablet.context.set_offline(False)
        tablet.evaluate(SYNC)
    first.evaluate(SYNC)  # the first tablet pushed before the second: it hears of the conflict now

    first.get_by_role("navigation", name="Main").get_by_role("link", name="Conflicts").click()
    go(second, f"#/observation/{observation_id}")
    expect(second.get_by_text("Changed on two devices at once: Grade, What the teacher was doing.")).to_be_visible()
    screenshot(second, "observation-with-conflicts")
    second.get_by_role("link", name="Choose which to keep").click()
    for tablet, mine, theirs in ((first, "4", "5"), (second, "5", "4")):
        expect(tablet.get_by_role("heading", name="Conflicts", level=1)).to_be_visible()
        expect(tablet.get_by_role("heading", name="Alice Moreno", level=2)).to_be_visible()
        grade = tablet.get_by_role("region", name="Grade")
        expect(grade.get_by_role("group", name="Showing now")).to_contain_text("5")
        expect(grade.get_by_role("group", name="The other version")).to_contain_text("4")
        mine_side = grade.get_by_role("group").filter(has_text="this tablet")
        expect(mine_side).to_contain_text(mine)
        expect(mine_side).to_contain_text("Maria Lopez")
        expect(grade.get_by_role("group").filter(has_text="another device")).to_contain_text(theirs)
        expect(tablet.get_by_role("region", name="What the teacher was doing")).to_be_visible()
    screenshot(first, "conflicts")

    grade = first.get_by_role("region", name="Grade")
    grade.get_by_role("group", name="The other version").get_by_role("button", name="Keep this").click()
    expect(grade).to_be_hidden()
    summary = first.get_by_role("region", name="What the teacher was doing")
    summary.get_by_role("button", name="Merge").click()
    merged = summary.get_by_label("Merged text for What the teacher was doing")
    expect(merged).to_be_focused()
    expect(merged).to_have_value("Reads the problem aloud; two students ask what 'equivalent' means.\n\n"
                                 "Reads the problem aloud, then asks pairs to restate it.")
    screenshot(first, "conflicts-merge")
    merged.fill("Reads the problem aloud, then asks pairs to restate it; two students ask what 'equivalent' means.")
    summary.get_by_role("button", name="Save merged text").click()
    expect(first.get_by_text("No conflicts.")).to_be_visible()
    screenshot(first, "conflicts-none")

    first.evaluate(SYNC)
    second.evaluate(SYNC)
    expect(second.get_by_text("No conflicts.")).to_be_visible()
    expect(second.get_by_role("navigation", name="Main").get_by_role("link", name="Conflicts")).to_be_hidden()

    expected = {"grade": "4", "teacher_doing": "Reads the problem aloud, then asks pairs to restate it; "
                                              "two students ask what 'equivalent' means."}
    for tablet in (first, second):
        local = tablet.evaluate(LOCAL, observation_id)
        assert {name: local["data"][name] for name in expected} == expected
        assert local["conflicts"] == [] and local["pending"] == 0
    with app.app_context():
        observation = db.session.get(Observation, observation_id)
        assert (observation.grade, observation.teacher_doing) == (expected["grade"], expected["teacher_doing"])
        assert db.session.scalars(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))).all() == []
        assert len(db.session.scalars(select(SyncConflict)).all()) == 2
