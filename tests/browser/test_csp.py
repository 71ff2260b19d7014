"""Every screen of the app works under the Content-Security-Policy the server sends: no
`securitypolicyviolation` event fires and Chromium logs no refusal, from sign-in to the Account
screen's backup export. A control test shows the watch is real: an injected inline script is
refused, and the refusal is seen."""
import pytest

from tests.browser.test_accessibility import SCREENS, open_screen, school  # noqa: F401  (school is a fixture)

pytestmark = pytest.mark.browser

# Runs in every document before its own scripts: report each violation to the test.
LISTEN = """document.addEventListener('securitypolicyviolation', (event) => {
    window.__reportCspViolation({ directive: event.effectiveDirective, blocked: event.blockedURI,
                                  source: event.sourceFile, line: event.lineNumber, sample: event.sample });
});"""
INJECT_INLINE_SCRIPT = """() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineScriptRan = true;';
    document.head.append(script);
    return window.__inlineScriptRan === true;
}"""


class Watch:
    """CSP violations and refusals logged by Chromium, from every tablet the test opens."""

    def __init__(self):
        self.violations, self.refusals = [], []

    def attach(self, context):
        context.expose_binding("__reportCspViolation", lambda source, violation: self.violations.append(violation))
        context.add_init_script(LISTEN)
        context.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.refusals.append(message.text)


@pytest.fixture
def watch(browser):
    """Watches every browser context opened during the test (the `page` and `new_tablet` ones)."""
    seen = Watch()
    open_context = browser.new_context

    def new_context(**kwargs):
        context = open_context(**kwargs)
        seen.attach(context)
        return context

    browser.new_context = new_context
    yield seen
    del browser.new_context


@pytest.mark.parametrize("screen", SCREENS)
def test_screen_runs_under_the_policy_without_a_violation(screen, watch, school, page, new_tablet):
    shown = open_screen(screen, school, page, new_tablet)
    shown.locator("#view h1").wait_for()
    shown.wait_for_load_state("networkidle")
    if screen == "account":
        with shown.expect_download() as download:
            shown.get_by_role("button", name="Export backup").click()
        assert download.value.suggested_filename.startswith("rounds-backup-")
    policy = shown.evaluate("async () => (await fetch('/')).headers.get('Content-Security-Policy')")
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert watch.violations == [] and watch.refusals == [], (watch.violations, watch.refusals)


def test_an_injected_inline_script_is_refused_and_the_refusal_is_seen(watch, page):
    page.goto("/")
    page.get_by_label("Email").wait_for()
    assert page.evaluate(INJECT_INLINE_SCRIPT) is False
    for _ in range(50):  # the event reaches the test a moment after the refusal
        if watch.violations:
            break
        page.wait_for_timeout(100)
    assert [v["directive"] for v in watch.violations] == ["script-src-elem"]
    assert any("inline script" in text for text in watch.refusals), watch.refusals
