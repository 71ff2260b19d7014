"""The reciprocal feedback loop on tablets: the teacher's inbox (offline too), asking for the
promised support and saying whether it happened; the observer's My commitments, kept offline."""
import re

import pytest
from playwright.sync_api import expect

from server.extensions import db
from server.models import Feedback, Notification
from tests.browser.conftest import sync_until_sent
# The same school, people and walkthrough as the teacher's side of feedback.
from tests.browser.test_teacher_feedback import SUBMITTED_WALKTHROUGH, lincoln  # noqa: F401

pytestmark = pytest.mark.browser


def shared_walkthrough(new_tablet, lincoln, app=None):
    """Maria submits a walkthrough of Alice with a support commitment and syncs; (her tablet, its id).
    Given the app, she submits offline and the test checks that nothing reached the server before
    she was back online."""
    observer = new_tablet("maria@example.org")
    observer.context.set_offline(app is not None)
    observation_id = observer.evaluate(SUBMITTED_WALKTHROUGH,
                                       [lincoln["school"], lincoln["teacher"], lincoln["template"]])
    if app is not None:
        with app.app_context():
            assert db.session.query(Notification).count() == 0
        observer.context.set_offline(False)
    sync_until_sent(observer)
    return observer, observation_id


def inbox_texts(page) -> list[str]:
    """What the inbox screen lists, once the tablet has synced."""
    sync_until_sent(page)
    go(page, "#/inbox")
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    return page.get_by_role("list", name="Notifications").get_by_role("link").all_inner_texts()


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def test_the_inbox_shows_offline_after_the_last_sync_and_a_read_mark_made_offline_reaches_the_server(
        app, lincoln, new_tablet, screenshot):
    _observer, observation_id = shared_walkthrough(new_tablet, lincoln)
    teacher = new_tablet("alice@example.org")
    bell = teacher.locator("#bell")
    expect(bell).to_have_accessible_name("Inbox, 1 unread")

    teacher.context.set_offline(True)
    teacher.reload()
    expect(teacher.get_by_role("heading", name="Feedback for me", level=1)).to_be_visible()
    expect(bell).to_have_accessible_name("Inbox, 1 unread")
    bell.click()
    expect(teacher.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    item = teacher.get_by_role("list", name="Notifications").get_by_role("link")
    expect(item).to_contain_text(re.compile(r"New.*New feedback from Maria Lopez on your Grade 3 math lesson"))
    screenshot(teacher, "inbox-offline")
    item.click()

    expect(teacher.get_by_role("heading", name="Walkthrough by Maria Lopez", level=1)).to_be_visible()
    expect(bell).to_have_accessible_name("Inbox")
    with app.app_context():
        assert db.session.query(Notification).filter_by(recipient_id=lincoln["teacher"]).one().read_at is None

    teacher.context.set_offline(False)
    sync_until_sent(teacher)
    with app.app_context():
        assert db.session.query(Notification).filter_by(recipient_id=lincoln["teacher"]).one().read_at is not None
    expect(bell).to_have_accessible_name("Inbox")


def test_the_whole_loop_offline_then_online_each_side_told_in_its_inbox(app, lincoln, new_tablet, screenshot):
    """The observer submits offline, then syncs; the teacher's inbox has it; the teacher
    acknowledges and asks for the support; the observer's inbox and My commitments show it; the
    observer marks it kept offline, then syncs; the teacher is told and confirms; the observer is told."""
    observer, observation_id = shared_walkthrough(new_tablet, lincoln, app)
    teacher = new_tablet("alice@example.org")
    assert any("New feedback from Maria Lopez on your Grade 3 math lesson" in text for text in inbox_texts(teacher))
    go(teacher, f"#/observation/{observation_id}")
    response = teacher.get_by_role("region", name="Your response")
    expect(response.get_by_role("button", name="Ask for this support")).to_have_count(0)
    response.get_by_role("button", name="Acknowledge").click()
    response.get_by_role("button", name="Ask for this support").click()
    expect(response).to_contain_text("You asked for it on")
    sync_until_sent(teacher)
    with app.app_context():
        assert db.session.query(Feedback).filter_by(observation_id=observation_id).one().support_requested_at

    told = inbox_texts(observer)
    for words in ("Alice Moreno acknowledged your feedback on their Grade 3 math lesson",
                  "Alice Moreno asked for the support you offered after their Grade 3 math lesson"):
        assert any(words in text for text in told), (words, told)
    observer.get_by_role("navigation", name="Main").get_by_role("link", name="My commitments").click()
    expect(observer.get_by_role("heading", name="My commitments", level=1)).to_be_visible()
    # Due 2030-03-14: years away, so the commitment is open, neither due soon nor overdue.
    opened = observer.get_by_role("region", name=re.compile(r"^Open"))
    expect(opened).to_contain_text("I will cover your class so you can watch Room 14.")
    expect(opened.get_by_role("link", name=re.compile("Alice Moreno"))).to_have_attribute(
        "href", f"#/observation/{observation_id}")
    expect(opened).to_contain_text("Asked for")
    expect(opened).to_contain_text("Yes,")

    observer.context.set_offline(True)
    opened.get_by_label("What you did (optional)").fill("Covered period 3 on Tuesday; Alice watched Room 14.")
    observer.reload()  # at once: the words typed are kept on the tablet before they are saved as kept
    opened = observer.get_by_role("region", name=re.compile(r"^Open"))
    expect(opened.get_by_label("What you did (optional)")).to_have_value(
        "Covered period 3 on Tuesday; Alice watched Room 14.")
    opened.get_by_role("button", name="Mark as kept").click()
    kept = observer.get_by_role("region", name=re.compile(r"^Kept"))
    expect(kept).to_contain_text("Covered period 3 on Tuesday")
    expect(kept).to_contain_text("Alice Moreno has not said yet")
    screenshot(observer, "my-commitments-kept-offline")
    observer.reload()
    expect(observer.get_by_role("region", name=re.compile(r"^Kept"))).to_contain_text("Covered period 3")
    with app.app_context():
        assert db.session.query(Feedback).filter_by(observation_id=observation_id).one().support_kept_at is None
    observer.context.set_offline(False)
    sync_until_sent(observer)
    with app.app_context():
        feedback = db.session.query(Feedback).filter_by(observation_id=observation_id).one()
        assert feedback.support_kept_at is not None
        assert feedback.support_kept_note == "Covered period 3 on Tuesday; Alice watched Room 14."

    assert any("Maria Lopez marked the support they offered as kept. Did it happen?" in text
               for text in inbox_texts(teacher))
    go(teacher, f"#/observation/{observation_id}")
    response = teacher.get_by_role("region", name="Your response")
    expect(response).to_contain_text("Covered period 3 on Tuesday; Alice watched Room 14.")
    answer = response.get_by_role("group", name="Did it happen?")
    answer.get_by_role("button", name="Yes").click()
    expect(answer.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    screenshot(teacher, "teacher-confirms-support")
    sync_until_sent(teacher)
    with app.app_context():
        assert db.session.query(Feedback).filter_by(observation_id=observation_id).one().support_confirmed == "yes"
    assert any("Alice Moreno answered whether the support you offered happened" in text
               for text in inbox_texts(observer))
    observer.get_by_role("navigation", name="Main").get_by_role("link", name="My commitments").click()
    expect(observer.get_by_role("region", name=re.compile(r"^Kept"))).to_contain_text("Alice Moreno: Yes")
