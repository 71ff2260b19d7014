"""The tablet's data layer (pwa/records.js, outbox.js, sync.js, session.js) in a real browser:
what a person does is stored with its op in one transaction, survives the network going away,
and reaches the server exactly once."""
import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import EvidenceNote, Observation, SyncOp
from tests.builders import PASSWORD

pytestmark = pytest.mark.browser

MODULES = """
    window.rounds = {
      records: await import('/records.js'), session: await import('/session.js'),
      sync: await import('/sync.js'), outbox: await import('/outbox.js'),
    };
"""


@pytest.fixture
def people(make):
    school = make.school(name="Lincoln Elementary")
    observer = make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    teacher = make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org")
    return {"school": school.id, "observer": observer.id, "teacher": teacher.id}


def tablet(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto("/api/health")
    page.evaluate(f"async () => {{ {MODULES} }}")
    return context, page, errors


def sign_in(page, email):
    return page.evaluate("([email, password]) => rounds.session.signIn(email, password)", [email, PASSWORD])


def test_walkthrough_recorded_offline_reaches_the_server_once(browser, live_server, people, app):
    context, page, errors = tablet(browser, live_server)
    me = sign_in(page, "maria@example.org")
    assert me["person"]["name"] == "Maria Lopez"
    context.set_offline(True)
    observation_id = page.evaluate("""async ([school, teacher]) => {
        const { records } = rounds;
        const id = await records.startObservation({ school_id: school, teacher_id: teacher });
        await records.addNote(id, { element: 'teacher', text: 'Asks "How do you know?"' });
        await records.addNote(id, { element: 'students', text: 'Most seem bored', is_inference: true });
        await records.updateObservation(id, { grade: '3', lookfors: { target_posted: true } });
        records.queueObservationEdit(id, { subject: 'Math' });
        await records.flushEdits();
        await records.saveFeedback(id, { glow: 'Clear target', next_step: 'Exit ticket' });
        await records.submitObservation(id);
        return id;
    }""", [people["school"], people["teacher"]])
    assert page.evaluate("() => rounds.outbox.countUnsent()") == 8
    page.evaluate("() => rounds.sync.syncNow()")
    assert page.evaluate("() => rounds.sync.syncStatus().state") == "offline"

    context.set_offline(False)
    page.evaluate("() => rounds.sync.syncNow()")
    assert page.evaluate("() => rounds.sync.syncStatus()")["pending"] == 0
    page.evaluate("() => rounds.sync.syncNow()")  # a second sync sends nothing again
    with app.app_context():
        observation = db.session.get(Observation, observation_id)
        assert (observation.grade, observation.subject, observation.status) == ("3", "Math", "submitted")
        assert observation.lookfors == {"target_posted": True}
        notes = db.session.scalars(select(EvidenceNote).where(EvidenceNote.observation_id == observation_id)).all()
        assert sorted((n.element, n.is_inference) for n in notes) == [("students", True), ("teacher", False)]
        assert len(db.session.scalars(select(SyncOp)).all()) == 8
    local = page.evaluate("(id) => rounds.records.getRecord('observation', id)", observation_id)
    assert local["version"] > 0 and local["pending"] == 0 and local["data"]["subject"] == "Math"
    feedback = page.evaluate("(id) => rounds.records.feedbackOf(id)", observation_id)
    assert feedback["data"]["released"] is True and feedback["data"]["next_step"] == "Exit ticket"
    context.close()
    assert not errors


def test_two_tablets_converge_after_a_conflict_is_resolved(browser, live_server, people):
    first, page_a, errors_a = tablet(browser, live_server)
    second, page_b, errors_b = tablet(browser, live_server)
    sign_in(page_a, "maria@example.org")
    observation_id = page_a.evaluate("""async ([school, teacher]) => {
        const id = await rounds.records.startObservation({ school_id: school, teacher_id: teacher });
        await rounds.sync.syncNow();
        return id;
    }""", [people["school"], people["teacher"]])
    sign_in(page_b, "maria@example.org")
    for page, grade in ((page_a, "3"), (page_b, "4")):
        page.evaluate("([id, grade]) => rounds.records.updateObservation(id, { grade })", [observation_id, grade])
    for page in (page_a, page_b, page_a):
        page.evaluate("() => rounds.sync.syncNow()")
    conflicts = page_a.evaluate("() => rounds.records.openConflicts()")
    assert len(conflicts) == 1 and conflicts[0]["conflict"]["field"] == "grade"
    page_a.evaluate("(c) => rounds.records.resolveConflict(c, '3-4')", conflicts[0]["conflict"])
    assert page_a.evaluate("() => rounds.records.openConflicts()") == []
    for page in (page_a, page_b):
        page.evaluate("() => rounds.sync.syncNow()")
    for page in (page_a, page_b):
        record = page.evaluate("(id) => rounds.records.getRecord('observation', id)", observation_id)
        assert record["data"]["grade"] == "3-4" and record["conflicts"] == []
    first.close()
    second.close()
    assert not errors_a and not errors_b


def test_a_write_refused_for_storage_leaves_nothing_half_written(browser, live_server, people):
    context, page, errors = tablet(browser, live_server)
    # Chromium applies a quota when the database opens, so it is set before signing in.
    context.new_cdp_session(page).send("Storage.overrideQuotaForOrigin",
                                       {"origin": live_server, "quotaSize": 1_000_000})
    sign_in(page, "maria@example.org")
    observation_id = page.evaluate("""([school, teacher]) => rounds.records.startObservation(
        { school_id: school, teacher_id: teacher })""", [people["school"], people["teacher"]])
    before = page.evaluate("() => rounds.outbox.countUnsent()")
    failure = page.evaluate("""async (id) => {
        const text = Array.from({ length: 150000 }, () => Math.random().toString(36)).join('');
        try { await rounds.records.addNote(id, { element: 'task', text }); return null; }
        catch (error) { return error.name; }
    }""", observation_id)
    assert failure == "QuotaExceededError"
    assert page.evaluate("() => rounds.outbox.countUnsent()") == before
    assert page.evaluate("(id) => rounds.records.notesOf(id)", observation_id) == []
    assert page.evaluate("() => rounds.records.getMe()")["device_id"]
    context.close()
    assert not errors


def test_sign_out_waits_for_refused_changes_to_be_dealt_with_then_wipes_the_tablet(browser, live_server, people):
    context, page, errors = tablet(browser, live_server)
    sign_in(page, "maria@example.org")
    page.evaluate("""async ([school, teacher]) => {
        const id = await rounds.records.startObservation({ school_id: school, teacher_id: teacher });
        await rounds.records.updateObservation(id, { students_present: 5000 });
        await rounds.sync.syncNow();
    }""", [people["school"], people["teacher"]])
    refused = page.evaluate("() => rounds.records.rejectedOps()")
    assert [r["errors"] for r in refused] == [{"students_present": ["Must be between 0 and 1000."]}]
    assert page.evaluate("() => rounds.session.signOut()") == {"signedOut": False, "pending": 0, "refused": 1}
    assert page.evaluate("() => rounds.records.getMe()") is not None

    page.evaluate("(opId) => rounds.records.dismissRejected(opId)", refused[0]["op_id"])
    page.evaluate("() => rounds.sync.syncNow()")
    assert page.evaluate("() => rounds.records.rejectedOps()") == []  # the server's copy is not brought back
    assert page.evaluate("() => rounds.session.signOut()")["signedOut"] is True
    assert page.evaluate("() => rounds.records.getMe()") is None
    assert page.evaluate("() => rounds.records.listObservations()") == []
    context.close()
    assert not errors
