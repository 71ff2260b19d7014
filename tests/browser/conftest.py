"""Browser fixtures: the test app served on a real port, and Debian's Chromium driven by Playwright.

Without Chromium at /usr/bin/chromium (or without Playwright) the browser tests are skipped, unless
ROUNDS_REQUIRE_BROWSER=1 is set, as in CI, where a missing browser is a failure.
"""
import os
import sys
import threading
import traceback
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.builders import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Keep Chromium to the page under test: no sandbox (containers), no GPU, no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
# A full disk, as a page sees it: every write transaction fails with a QuotaExceededError until
# WRITES_WORK_AGAIN runs.
WRITES_FAIL_FOR_QUOTA = """() => {
    window.realTransaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (stores, mode, options) {
      if (mode === 'readwrite') throw new DOMException('No room', 'QuotaExceededError');
      return window.realTransaction.call(this, stores, mode, options);
    };
}"""
WRITES_WORK_AGAIN = "() => { IDBDatabase.prototype.transaction = window.realTransaction; }"
# Writes what is typed, then syncs until nothing waits to be sent, as the tablet itself would
# (it retries a failed sync); returns null, or the sync status after three tries.
SYNC_UNTIL_SENT = """async () => {
    const sync = await import('/sync.js');
    await (await import('/records.js')).flushEdits();
    for (let attempt = 0; attempt < 3; attempt += 1) {
        await sync.syncNow();
        const status = sync.syncStatus();
        if (status.state !== 'error' && status.pending === 0 && status.refused === 0) return null;
    }
    return sync.syncStatus();
}"""


# axe-core's impacts that fail a screen.
IMPACTS_THAT_FAIL = {"serious", "critical"}
# The visible controls matching a selector that are under 44 px high (a checkbox's or a radio's
# label is its target, so they are left out), each said by its text or its markup.
UNDER_44_PX = """(selector) => [...document.querySelectorAll(selector)]
    .filter((el) => el.offsetParent !== null && el.type !== 'checkbox' && el.type !== 'radio')
    .filter((el) => el.getBoundingClientRect().height < 44)
    .map((el) => (el.textContent.trim() || el.outerHTML).slice(0, 80))"""


def tablet_problems(page, where: str, taps: str | None = None) -> dict[str, list[str]]:
    """What is wrong with the screen `page` shows, at both tablet sizes (it is left at the
    portrait size): axe-core's serious and critical violations, a page wider than the screen,
    and, with `taps` (a CSS selector), the controls it matches that are under 44 px high.
    {"<where> at <width>x<height>": [problems]}, empty when all is well."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        browser_unavailable("axe-playwright-python is not installed")
    problems = {}
    for viewport in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
        page.set_viewport_size(viewport)
        found = [f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
                 for v in Axe().run(page).response["violations"] if v["impact"] in IMPACTS_THAT_FAIL]
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > viewport["width"]:
            found.append(f"the page is {width} px wide")
        if taps:
            found += [f"under 44 px: {tap}" for tap in page.evaluate(UNDER_44_PX, taps)]
        if found:
            problems[f"{where} at {viewport['width']}x{viewport['height']}"] = found
    return problems


def sync_until_sent(page) -> None:
    """Every change on `page`'s tablet reached the server and none was refused, or the test fails
    saying why (the tablet's own sync status)."""
    status = page.evaluate(SYNC_UNTIL_SENT)
    assert status is None, f"The tablet could not send its changes: {status}"


def browser_required() -> bool:
    """ROUNDS_REQUIRE_BROWSER set to anything but empty, 0, false or no: CI's "must run"."""
    return os.environ.get("ROUNDS_REQUIRE_BROWSER", "").strip().lower() not in ("", "0", "false", "no")


def browser_unavailable(reason: str):
    """Skip the test for want of `reason`, or fail it when the browser tests are required.
    Every way a browser test can find something missing goes through here."""
    if browser_required():
        pytest.fail(f"{reason}, and ROUNDS_REQUIRE_BROWSER says the browser tests must run.", pytrace=False)
    pytest.skip(reason)


class InFlight:
    """WSGI middleware keeping the requests still being answered, so that the test's end can wait
    for them: a request that outlives the test would return its database connection to a pool the
    `app` fixture has already disposed of, where nothing ever closes it. `report()` says which
    requests they are and where their threads are."""

    def __init__(self, app):
        self.app, self.requests, self.idle = app, {}, threading.Condition()

    def __call__(self, environ, start_response):
        key = object()
        with self.idle:
            self.requests[key] = (f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO')}", threading.get_ident())
        try:
            answer = self.app(environ, start_response)
        except BaseException:
            self.done(key)
            raise
        return self._answered(answer, key)

    def _answered(self, answer, key):
        """The answer's chunks; the request counts as answered once they are all given or the
        server stops asking (a client gone). The server then drains what is left of the request
        body until the client closes: that wait holds nothing of the app's."""
        try:
            yield from answer
        finally:
            try:
                if hasattr(answer, "close"):
                    answer.close()
            finally:
                self.done(key)

    def done(self, key):
        with self.idle:
            self.requests.pop(key, None)
            self.idle.notify_all()

    def wait(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: not self.requests, timeout)

    def report(self) -> str:
        frames = sys._current_frames()
        with self.idle:
            found = list(self.requests.values())
        return "\n".join(f"{request}:\n{''.join(traceback.format_stack(frames[thread])) if thread in frames else ''}"
                         for request, thread in found)


@pytest.fixture
def live_server(app):
    """The test app answering HTTP on 127.0.0.1 from a background thread; yields its base URL.
    At the end it waits (30 s at most) for requests still being answered."""
    in_flight = InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        assert in_flight.wait(30), f"requests still being answered 30 s after the test:\n{in_flight.report()}"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        browser_unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh tablet-sized tab (its own cookies) on the live server; JavaScript errors fail the test."""
    context = browser.new_context(base_url=live_server, viewport=TABLET_LANDSCAPE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot():
    """`screenshot(page, name)` saves the page at both tablet orientations into tests/artifacts/."""

    def save(page, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        for size in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
            page.set_viewport_size(size)
            page.screenshot(path=ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png", full_page=True)
        page.set_viewport_size(TABLET_LANDSCAPE)

    return save


@pytest.fixture
def new_tablet(browser, live_server):
    """`new_tablet(email, viewport=TABLET_LANDSCAPE) -> page`: a fresh tablet (a browser context of
    its own: its own cookies, IndexedDB and service worker) on the live server, signed in as
    `email` through the sign-in form, returned once the first sync has finished, the person's
    start screen (Today, or Feedback for me for someone who is only a teacher) shows and the
    service worker is active (so the app reloads offline).
    JavaScript errors on any of these tablets fail the test."""
    from playwright.sync_api import expect

    contexts, errors = [], []

    def open_tablet(email: str, viewport: dict = TABLET_LANDSCAPE, password: str = PASSWORD):
        context = browser.new_context(base_url=live_server, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(error))
        page.goto("/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: url.endswith(("#/today", "#/feedback")))
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("#sync-status")).to_contain_text("Last synced")
        # The offline worker holds the shell from here on: the tablet may now lose its network.
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        return page

    yield open_tablet
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on a tablet: {errors}"
