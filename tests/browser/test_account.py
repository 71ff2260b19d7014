"""The Account screen: a backup of everything on the tablet, and a sign-out that never wipes
changes the server does not have yet."""
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WALKTHROUGH = """async ([school, teacher]) => {
    const records = await import('/records.js');
    const id = await records.startObservation({ school_id: school, teacher_id: teacher });
    await records.addNote(id, { element: 'teacher', text: 'Asks pairs to explain their strategy.' });
    return id;
}"""


def test_sign_out_waits_for_unsent_changes_and_the_backup_holds_them(make, new_tablet, screenshot):
    school = make.school(name="Lincoln Elementary")
    make.person("observer", school=school, name="Maria Lopez", email="maria@example.org")
    teacher = make.person("teacher", school=school, name="Alice Moreno")
    page = new_tablet("maria@example.org")
    page.context.set_offline(True)
    page.evaluate(WALKTHROUGH, [school.id, teacher.id])

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Account", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Signed in")).to_contain_text("Maria Lopez")
    expect(page.get_by_role("region", name="Signed in")).to_contain_text("Observer")
    expect(page.get_by_role("region", name="This tablet")).to_contain_text("Chrome")
    expect(page.get_by_role("region", name="Storage")).to_contain_text("protected")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export backup").click()
    assert re.fullmatch(r"rounds-backup-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename)
    backup = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [op["entity"] for op in backup["unsent_ops"]] == ["observation", "note"]
    assert "token" not in backup["meta"]

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("alert")).to_have_text(
        "2 changes are not on the server yet. Connect and sync before signing out, or Export backup first.")
    expect(page.get_by_role("heading", name="Account", level=1)).to_be_visible()
    screenshot(page, "account-sign-out-waits")

    page.context.set_offline(False)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
