"""The service worker (pwa/sw.js): the app opens without a network, the API is never kept in a
cache, and Background Sync sends a tablet's changes with no page of the app open."""
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.extensions import db
from server.models import EvidenceNote, Observation

pytestmark = pytest.mark.browser

RECORD_A_WALKTHROUGH = """async ([school, teacher]) => {
    const records = await import('/records.js');
    const id = await records.startObservation({ school_id: school, teacher_id: teacher });
    await records.addNote(id, { element: 'students', text: 'Pairs compare two strategies.' });
    return id;
}"""
CACHED_PATHS = """async () => {
    const paths = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    }
    return paths;
}"""


@pytest.fixture
def people(make):
    school = make.school(name="Lincoln Elementary")
    make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    teacher = make.person("teacher", school=school, name="Alice Moreno")
    return {"school": school.id, "teacher": teacher.id}


def test_the_app_opens_and_records_with_no_network_and_keeps_no_api_answer(people, new_tablet):
    page = new_tablet("maria@example.org")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    walkthrough = page.evaluate(RECORD_A_WALKTHROUGH, [people["school"], people["teacher"]])
    # A different address (a new document, not a hash change) is answered by the cached shell too.
    page.goto(f"/?from=bookmark#/capture/{walkthrough}")
    expect(page.get_by_role("heading", name="Walkthrough with Alice Moreno", level=1)).to_be_visible()
    expect(page.get_by_text("Pairs compare two strategies.")).to_be_visible()
    cached = page.evaluate(CACHED_PATHS)
    assert {"/", "/app.js", "/sw.js"} & set(cached) == {"/", "/app.js"}
    assert not [path for path in cached if path.startswith("/api/")]


def test_background_sync_sends_changes_when_no_page_of_the_app_is_open(app, people, new_tablet):
    page = new_tablet("maria@example.org")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context = page.context
    context.set_offline(True)
    walkthrough = page.evaluate(RECORD_A_WALKTHROUGH, [people["school"], people["teacher"]])
    page.close()
    pushes = []
    context.on("request", lambda request: pushes.append(request.service_worker is not None)
               if request.url.endswith("/api/sync/push") else None)
    context.set_offline(False)

    # A page outside the app (no app.js, so no sync of its own) from which to ring the worker;
    # Chromium may already have fired the sync event when the network came back, which is as good.
    outside = context.new_page()
    outside.goto("/api/health")
    cdp = context.new_cdp_session(outside)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        outside.wait_for_timeout(100)
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": outside.url.split("/api/")[0], "tag": "rounds-sync",
                                                  "registrationId": registrations[0]["registrationId"],
                                                  "lastChance": False})

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with app.app_context():
            notes = db.session.scalar(select(func.count()).select_from(EvidenceNote))
            arrived = db.session.get(Observation, walkthrough) is not None and notes == 1
            db.session.remove()
        if arrived:
            break
        outside.wait_for_timeout(200)
    assert arrived, "the walkthrough did not reach the server through Background Sync"
    assert pushes and all(pushes), "every push came from the service worker"
