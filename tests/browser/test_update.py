"""A new version of the app arriving on a tablet: it waits for the person, and loses nothing."""
import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import EvidenceNote

pytestmark = pytest.mark.browser

NOTES = ["T: 'Convince your partner your way works.'", "T circulates to the back table first.",
         "T: 'What would change if the number were bigger?'"]
# The version of the worker that controls the page and the shell caches this tablet holds.
WORKER_STATE = """async () => {
    const channel = new MessageChannel();
    const answer = new Promise((resolve) => { channel.port1.onmessage = (event) => resolve(event.data); });
    navigator.serviceWorker.controller.postMessage({ type: 'version' }, [channel.port2]);
    const names = (await caches.keys()).filter((name) => name.startsWith('rounds-shell-'));
    return { ...(await answer), caches: names };
}"""
UNSENT = "async () => (await import('/outbox.js')).countUnsent()"


def served_version(page) -> str:
    first_line = page.request.get("/sw.js").text().split("\n", 1)[0]
    return json.loads(first_line[len("const SHELL = "):-1])["version"]


def test_new_version_arriving_while_notes_wait_to_be_sent_loses_nothing(app, make, shell, new_tablet, screenshot):
    school = make.school(name="Lincoln Elementary")
    make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    make.person("teacher", school=school, name="Alice Moreno")
    page = new_tablet("maria@example.org")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    before = page.evaluate(WORKER_STATE)
    assert before["caches"] == [before["cache"]] == [f"rounds-shell-{served_version(page)}"]

    page.get_by_role("navigation", name="Main").get_by_role("link", name="New walkthrough").click()
    page.get_by_role("button", name="Alice Moreno").click()
    page.get_by_role("button", name="Start walkthrough").click()
    expect(page.get_by_role("heading", name="Walkthrough with Alice Moreno", level=1)).to_be_visible()
    capture_url = page.url

    page.context.set_offline(True)
    for text in NOTES:
        page.get_by_label("What the teacher says or does").fill(text)
        page.get_by_role("button", name="Add note about the teacher").click()
        expect(page.get_by_role("list", name="Teacher notes, newest first").get_by_text(text)).to_be_visible()
    unsent = page.evaluate(UNSENT)
    assert unsent >= len(NOTES)

    with open(shell / "app.css", "a") as css:
        css.write("\n/* the next version */\n")
    new_version = served_version(page)
    assert new_version != before["version"]
    # Back online, but every push fails (the page's and the worker's, for Background Sync): the notes stay unsent.
    refused_pushes = []
    page.context.route("**/api/sync/push", lambda route: (refused_pushes.append(1), route.abort()))
    page.context.set_offline(False)
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")

    banner = page.get_by_role("region", name="Update")
    expect(banner.get_by_text("Update ready")).to_be_visible()
    assert page.evaluate(WORKER_STATE)["version"] == before["version"]  # waits for the person
    screenshot(page, "update-ready")
    with page.expect_navigation():
        banner.get_by_role("button", name="Reload to update").click()

    expect(page.get_by_role("heading", name="Walkthrough with Alice Moreno", level=1)).to_be_visible()
    assert page.url == capture_url
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    after = page.evaluate(WORKER_STATE)
    assert after["version"] == new_version
    assert after["caches"] == [f"rounds-shell-{new_version}"]
    assert "the next version" in page.evaluate("async () => (await fetch('/app.css')).text()")
    for text in NOTES:
        expect(page.get_by_text(text)).to_be_visible()
    assert page.evaluate(UNSENT) == unsent
    screenshot(page, "update-applied-notes-kept")

    page.context.unroute("**/api/sync/push")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("All changes synced")
    assert page.evaluate(UNSENT) == 0
    assert refused_pushes, "the test meant to hold the notes back with failing pushes"
    with app.app_context():
        stored = db.session.scalars(select(EvidenceNote.text)).all()
    assert sorted(stored) == sorted(NOTES)
