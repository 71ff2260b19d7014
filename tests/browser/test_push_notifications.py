"""Push on a tablet: the service worker shows every push and a tap on it opens the walkthrough;
without push the tablet says plainly where feedback shows; the person chooses what is pushed."""
import json

import pytest
from playwright.sync_api import expect

from server.extensions import db
from server.models import Person
from tests.browser.test_feedback_loop import shared_walkthrough
# The same school, people and walkthrough as the teacher's side of feedback.
from tests.browser.test_teacher_feedback import lincoln  # noqa: F401

pytestmark = pytest.mark.browser

NOTIFICATIONS = """async () => (await self.registration.getNotifications())
    .map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }))"""
# Playwright cannot tap a notification the system shows, so the worker gets the click event the
# browser would give it. A script's event is not trusted and its waitUntil would throw, so it
# is replaced by one that keeps the promise to wait for.
CLICK_FIRST_NOTIFICATION = """async () => {
    const [notification] = await self.registration.getNotifications();
    const event = new NotificationEvent('notificationclick', { notification });
    let work = Promise.resolve();
    event.waitUntil = (promise) => { work = promise; };
    self.dispatchEvent(event);
    await work;
}"""


def registration_id(page, origin: str):
    """(a DevTools session of `page`, the id it gives the service worker registration of `origin`)."""
    cdp = page.context.new_cdp_session(page)
    found = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(
        r["registrationId"] for r in event["registrations"] if r["scopeURL"].startswith(origin) and not r["isDeleted"]))
    cdp.send("ServiceWorker.enable")
    return cdp, eventually(page, lambda: found and found[0])


def eventually(page, read, tries: int = 50):
    """The first truthy answer of `read()`, asked every 100 ms; the last answer after `tries`."""
    for _ in range(tries):
        answer = read()
        if answer:
            return answer
        page.wait_for_timeout(100)
    return read()


def push(cdp, origin: str, registration: str, payload: dict) -> None:
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": origin, "registrationId": registration, "data": json.dumps(payload)})


def test_a_push_shows_a_notification_and_tapping_it_opens_the_walkthrough(lincoln, new_tablet, live_server):  # noqa: F811
    _observer, observation_id = shared_walkthrough(new_tablet, lincoln)
    teacher = new_tablet("alice@example.org")
    teacher.context.grant_permissions(["notifications"], origin=live_server)
    cdp, registration = registration_id(teacher, live_server)
    worker = teacher.context.service_workers[0]
    push(cdp, live_server, registration, {"kind": "feedback_released", "id": "n-1", "observation_id": observation_id,
                                          "title": "New feedback in Rounds", "body": "Open Rounds to read it.",
                                          "tag": "feedback-n-1"})
    shown = eventually(teacher, lambda: worker.evaluate(NOTIFICATIONS))
    assert shown == [{"title": "New feedback in Rounds", "body": "Open Rounds to read it.", "tag": "feedback-n-1",
                      "data": {"observation_id": observation_id}}]

    worker.evaluate(CLICK_FIRST_NOTIFICATION)
    expect(teacher.get_by_role("heading", name="Walkthrough by Maria Lopez", level=1)).to_be_visible()
    assert teacher.url.endswith(f"#/observation/{observation_id}")
    assert worker.evaluate(NOTIFICATIONS) == []

    # One that names no walkthrough (the morning digest) opens the inbox.
    push(cdp, live_server, registration, {"kind": "digest", "id": "n-2", "observation_id": None,
                                          "title": "Rounds", "body": "You have reminders.", "tag": "digest"})
    eventually(teacher, lambda: worker.evaluate(NOTIFICATIONS))
    worker.evaluate(CLICK_FIRST_NOTIFICATION)
    expect(teacher.get_by_role("heading", name="Inbox", level=1)).to_be_visible()


def test_without_push_the_tablet_says_feedback_will_show_in_the_inbox(lincoln, new_tablet):  # noqa: F811
    _observer, observation_id = shared_walkthrough(new_tablet, lincoln)
    teacher = new_tablet("alice@example.org")
    teacher.add_init_script("delete window.PushManager;")
    teacher.reload()
    teacher.locator("#bell").click()
    offer = teacher.get_by_role("region", name="Push notifications")
    expect(offer).to_have_text("Feedback will show in your inbox in Rounds.")
    expect(offer.get_by_role("button")).to_have_count(0)
    teacher.evaluate("(hash) => { location.hash = hash; }", f"#/observation/{observation_id}")
    expect(teacher.get_by_role("heading", name="Walkthrough by Maria Lopez", level=1)).to_be_visible()
    expect(offer).to_have_text("Feedback will show in your inbox in Rounds.")


def test_a_person_chooses_which_kinds_are_pushed_in_account(app, lincoln, new_tablet):  # noqa: F811
    teacher = new_tablet("alice@example.org")
    teacher.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(teacher.get_by_text("The inbox in Rounds always has everything.")).to_be_visible()
    digest = teacher.get_by_label("The morning digest of reminders")
    expect(digest).to_be_checked()
    digest.uncheck()

    def turned_off():
        with app.app_context():
            return db.session.get(Person, lincoln["teacher"]).push_off
    assert eventually(teacher, turned_off) == ["digest"]
    teacher.reload()
    expect(teacher.get_by_label("The morning digest of reminders")).not_to_be_checked()
    expect(teacher.get_by_label("New feedback for you")).to_be_checked()
