"""#/templates on tablets: an admin writes a draft with look-fors of all five kinds, reorders them
with buttons, is told beside the look-for what the API refused, previews it as Capture draws it,
publishes it; edits the published version into a new one and publishes that; the history lists
both and each school is shown the version its observers use. A school admin reads district-wide
templates and writes their school's only; district staff write every school's; anyone else has no
screen; offline the screen says it needs a connection; axe-core finds nothing serious."""
import re

import pytest
from playwright.sync_api import expect

from server.extensions import db
from server.templates import create_template, publish
from tests.browser.conftest import TABLET_PORTRAIT, tablet_problems

pytestmark = pytest.mark.browser

NEEDS_CONNECTION = "Look-for templates need a connection. They open when this tablet is online."
NOT_YOURS = "There is nothing here for you: look-for templates are for admins and district staff."
ONE_LOOKFOR = [{"key": "target_posted", "label": "Learning target posted", "kind": "yes_no"}]


@pytest.fixture
def world(make):
    class World:
        district = make.district()
        lincoln = make.school(district, "Lincoln")
        grant = make.school(district, "Grant")
        admin = make.person("admin", district=district, name="Dana District", email="dana@example.org")
        school_admin = make.person("admin", school=lincoln, name="Lena Lincoln", email="lena@example.org")
        staff = make.person("district_staff", district=district, name="Sam Staff", email="sam@example.org")
        teacher = make.person("teacher", "observer", school=lincoln, name="Tess Turner", email="tess@example.org")
    return World


def seed(district, school, name, status="published") -> str:
    template = create_template(district.id, school.id if school else None, name, "", ONE_LOOKFOR)
    if status == "published":
        publish(template)
    db.session.commit()
    return template.id


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def open_templates(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Look-for templates", exact=True).click()
    expect(page.get_by_role("heading", name="Look-for templates", level=1)).to_be_visible()
    expect(page.locator("#templates-count")).to_be_visible()


def lookfor(form, number):
    return form.locator(".lookfor-edit").nth(number - 1)


def write_lookfor(card, label, kind, levels=None, stands_for=None):
    card.get_by_label("What to look for").fill(label)
    if stands_for:
        card.get_by_label("Stands for").select_option(label=stands_for)
        return
    card.get_by_label("Kind").select_option(label=kind)
    if levels is not None:
        card.get_by_label("Levels").fill("\n".join(levels))


def test_an_admin_writes_previews_publishes_and_versions_a_template(world, api_as, new_tablet):
    seed(world.district, world.lincoln, "Lincoln focus")
    admin = new_tablet(world.admin.email, viewport=TABLET_PORTRAIT)
    open_templates(admin)
    admin.get_by_role("button", name="New template").click()
    form = admin.get_by_role("form", name="New template")
    expect(form.get_by_label("Name")).to_be_focused()
    form.get_by_label("Name").fill("Student discourse")
    expect(form.get_by_label("For", exact=True).locator("option")).to_have_text(
        ["District-wide: every school", "Grant", "Lincoln"])
    form.get_by_label("Problem of practice").fill("Students rarely explain their thinking.")

    # Six look-fors: the five kinds, and one standing for the task demand.
    write_lookfor(lookfor(form, 1), "Students turn and talk", "Yes / no")
    for number, (label, kind, levels) in enumerate([
            ("Questions students ask", "Count", None), ("Depth of questions", "Scale with levels", ["Recall"]),
            ("Time in small groups", "Timer", None), ("What students said", "Text", None)], start=2):
        form.get_by_role("button", name="Add a look-for").click()
        expect(lookfor(form, number).get_by_label("What to look for")).to_be_focused()
        write_lookfor(lookfor(form, number), label, kind, levels)
    form.get_by_role("button", name="Add a look-for").click()
    write_lookfor(lookfor(form, 6), "How demanding the task is", None, stands_for="The task demand")
    expect(lookfor(form, 6).get_by_label("Kind")).to_be_disabled()
    expect(lookfor(form, 6).get_by_label("Levels")).to_have_value(
        "Recall\nSkill or concept\nStrategic thinking\nExtended thinking")

    # The API refuses a scale of one level: said beside that look-for's levels, which take focus.
    form.get_by_role("button", name="Save as a draft").click()
    levels = lookfor(form, 3).get_by_label("Levels")
    expect(levels).to_be_focused()
    expect(levels).to_have_attribute("aria-invalid", "true")
    error = lookfor(form, 3).locator(".field-error[data-part='levels']")
    expect(error).to_have_text("A scale has 2 to 7 levels.")
    assert error.get_attribute("id") in levels.get_attribute("aria-describedby").split()
    expect(form.locator(".field-error:not(:empty)")).to_have_count(1)
    assert api_as(world.admin).get("/api/templates?status=draft").get_json()["templates"] == []
    levels.fill("Recall\nExplain\nJustify")

    # Reordering with buttons: focus stays on the look-for that moved, its new place is said.
    moved = lookfor(form, 5)
    moved.get_by_role("button", name="Move up").click()
    expect(lookfor(form, 4).get_by_label("What to look for")).to_have_value("What students said")
    expect(lookfor(form, 4).get_by_role("button", name="Move up")).to_be_focused()
    expect(admin.locator("#announcer")).to_contain_text("What students said is now look-for 4 of 6")
    expect(lookfor(form, 1).get_by_role("button", name="Move up")).to_be_disabled()
    expect(lookfor(form, 6).get_by_role("button", name="Move down")).to_be_disabled()
    # At the top, "Move up" cannot be pressed again: focus goes to "Move down" of the same look-for.
    lookfor(form, 2).get_by_role("button", name="Move up").click()
    expect(lookfor(form, 1).get_by_label("What to look for")).to_have_value("Questions students ask")
    expect(lookfor(form, 1).get_by_role("button", name="Move down")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(lookfor(form, 2).get_by_label("What to look for")).to_have_value("Questions students ask")
    form.get_by_role("button", name="Add a look-for").click()
    expect(form.locator(".lookfor-edit")).to_have_count(7)
    lookfor(form, 7).get_by_role("button", name="Remove").click()
    expect(form.locator(".lookfor-edit")).to_have_count(6)
    expect(lookfor(form, 6).get_by_label("What to look for")).to_be_focused()

    form.get_by_role("button", name="Save as a draft").click()
    expect(admin.get_by_role("heading", name="Student discourse", level=1)).to_be_visible()
    expect(admin.locator("main .outcome")).to_contain_text("Student discourse is saved as a draft, version 1.")
    expect(admin.locator("main .template-summary")).to_contain_text("District-wide · Version 1 · Draft")
    draft = api_as(world.admin).get("/api/templates?status=draft").get_json()["templates"][0]
    assert [(lf["label"], lf["kind"]) for lf in draft["lookfors"]] == [
        ("Students turn and talk", "yes_no"), ("Questions students ask", "count"), ("Depth of questions", "scale"),
        ("What students said", "text"), ("Time in small groups", "timer"), ("How demanding the task is", "scale")]
    assert draft["lookfors"][2]["levels"] == ["Recall", "Explain", "Justify"]
    assert draft["lookfors"][5]["binds"] == "task_demand"
    assert [lf["key"] for lf in draft["lookfors"]][:2] == ["students_turn_and_talk", "questions_students_ask"]
    assert draft["school_id"] is None and draft["problem_of_practice"] == "Students rarely explain their thinking."

    # The preview is Capture's own controls; trying them records nothing.
    admin.get_by_role("button", name="Preview as the observer sees it on Capture").click()
    preview = admin.locator("#template-preview")
    expect(preview.get_by_role("group", name="Students turn and talk").get_by_role("button", name="Yes")).to_be_visible()
    preview.get_by_role("button", name="One more").click()
    expect(preview.locator("output.count")).to_have_text("1")
    preview.get_by_role("radio", name="Justify").check()
    expect(preview.get_by_role("button", name="Start timing: Time in small groups")).to_be_visible()
    expect(preview.get_by_label("What students said")).to_be_visible()
    task = preview.locator(".preview-part").filter(has=admin.get_by_role("heading", name="On the Task pane"))
    expect(task.get_by_role("radio", name="Strategic thinking")).to_be_visible()
    expect(preview).to_contain_text("Problem of practice: Students rarely explain their thinking.")
    expect(preview).to_contain_text("How demanding the task is: in the Task pane.")
    expect(preview).not_to_contain_text("null")
    assert api_as(world.admin).get(f"/api/templates/{draft['id']}").get_json() == draft

    # Publishing says first what it does.
    admin.get_by_role("button", name="Publish version 1").click()
    dialog = admin.get_by_role("dialog", name="Publish version 1 of Student discourse?")
    expect(dialog).to_contain_text("Observers get it at their next sync")
    expect(dialog).to_contain_text("Version 1 never changes afterwards")
    dialog.get_by_role("button", name="Publish version 1").click()
    expect(admin.locator("main .outcome")).to_have_text(
        "Version 1 is published. Observers get it at their next sync; it never changes now.")
    expect(admin.locator("main .outcome")).to_be_focused()
    expect(admin.locator("main .template-summary")).to_contain_text("Version 1 · Published")
    assert api_as(world.admin).get(f"/api/templates/{draft['id']}").get_json()["status"] == "published"
    expect(admin.get_by_role("button", name="Save draft")).to_have_count(0)

    # Editing a published version says it makes the next one, as a draft, and opens it.
    expect(admin.locator("main")).to_contain_text("Editing it makes version 2, a draft with the same look-fors")
    admin.get_by_role("button", name="Edit as a new version (2, a draft)").click()
    expect(admin.locator("main .template-summary")).to_contain_text("Version 2 · Draft")
    expect(admin.locator("main .outcome")).to_contain_text("Version 2 is a new draft, a copy of version 1.")
    edit = admin.get_by_role("form", name="Edit the draft")
    expect(edit.locator(".lookfor-edit")).to_have_count(6)
    edit.get_by_role("button", name="Add a look-for").click()
    write_lookfor(lookfor(edit, 7), "Students cite evidence", "Yes / no")
    edit.get_by_role("button", name="Save draft").click()
    expect(admin.locator("main .outcome")).to_have_text(
        "Saved. Version 2 is still a draft: observers see it once you publish it.")
    admin.get_by_role("button", name="Publish version 2").click()
    admin.get_by_role("dialog").get_by_role("button", name="Publish version 2").click()
    expect(admin.locator("main .outcome")).to_contain_text("Version 2 is published.")

    rows = admin.get_by_role("table").first.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(re.compile(r"Version 1\s*Published.*Published by Dana District; made by Dana District"))
    expect(rows.nth(1)).to_contain_text("Version 2 (this one)")
    expect(rows.nth(1)).to_contain_text("Published by Dana District")
    schools = admin.locator(".template-schools tbody tr")
    expect(schools).to_have_count(2)
    expect(schools.nth(0)).to_contain_text("GrantVersion 2 of this template")
    # Lincoln's own template comes first there.
    expect(schools.nth(1)).to_contain_text("LincolnAnother template: Lincoln focus, version 1")
    versions = api_as(world.admin).get(f"/api/templates/{draft['id']}/versions").get_json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "published"), (2, "published")]
    second = api_as(world.admin).get(f"/api/templates/{versions[1]['id']}").get_json()
    assert second["lookfors"][-1]["label"] == "Students cite evidence" and len(second["lookfors"]) == 7
    assert api_as(world.admin).get(f"/api/templates/{draft['id']}").get_json()["lookfors"] == draft["lookfors"]

    # Version 1's page says version 2 is the newest, and the list shows both versions.
    rows.nth(0).get_by_role("link", name="Version 1").click()
    expect(admin.locator("main")).to_contain_text("Editing it makes version 3")
    admin.get_by_role("link", name="All templates").click()
    family = admin.locator(".template-family").filter(has_text="Student discourse")
    expect(family.locator(".version-list li")).to_have_count(2)
    expect(family).to_contain_text("District-wide")


def test_the_list_narrows_by_scope_and_status(world, new_tablet):
    seed(world.district, world.lincoln, "Lincoln focus")
    seed(world.district, world.grant, "Grant draft", status="draft")
    seed(world.district, None, "Core walkthrough")
    admin = new_tablet(world.admin.email)
    open_templates(admin)
    families = admin.locator(".template-family h3")
    expect(families).to_have_text(["Core walkthrough", "Grant draft", "Lincoln focus"])
    finder = admin.get_by_role("search", name="Find templates")
    finder.get_by_label("For").select_option(label="District-wide")
    expect(families).to_have_text(["Core walkthrough"])
    finder.get_by_label("For").select_option(label="Every scope")
    finder.get_by_label("Status").select_option(label="With a draft")
    expect(families).to_have_text(["Grant draft"])
    expect(admin.locator("#templates-count")).to_have_text("1 of 3 templates match.")


def test_a_school_admin_writes_their_schools_templates_and_reads_the_districts(world, new_tablet):
    seed(world.district, None, "Core walkthrough")
    grant = seed(world.district, world.grant, "Grant focus")
    seed(world.district, world.lincoln, "Lincoln focus", status="draft")
    lena = new_tablet(world.school_admin.email)
    open_templates(lena)
    expect(lena.locator(".template-family h3")).to_have_text(["Core walkthrough", "Lincoln focus"])
    core = lena.locator(".template-family").filter(has_text="Core walkthrough")
    expect(core).to_contain_text("District-wide · Read only")
    lena.get_by_role("button", name="New template").click()
    expect(lena.get_by_role("form", name="New template").get_by_label("For", exact=True).locator("option")).to_have_text(
        ["Lincoln"])
    core.get_by_role("link", name="Core walkthrough").click()
    expect(lena.locator("main")).to_contain_text("This template is district-wide: you may read it")
    expect(lena.get_by_role("button", name=re.compile("Edit as a new version"))).to_have_count(0)

    go(lena, f"#/templates/{grant}")
    expect(lena.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(lena.locator("main .message")).to_have_text("There is no such template among those you may read.")
    expect(lena.get_by_text("Grant focus")).to_have_count(0)


def test_district_staff_write_every_schools_templates(world, new_tablet):
    grant = seed(world.district, world.grant, "Grant focus", status="draft")
    sam = new_tablet(world.staff.email)
    sam.get_by_role("navigation", name="Main").get_by_role("link", name="Look-fors").click()
    expect(sam.get_by_role("heading", name="Look-for templates", level=1)).to_be_visible()
    sam.get_by_role("link", name="Grant focus").click()
    expect(sam.locator("main .template-summary")).to_contain_text("Grant · Version 1 · Draft")
    sam.get_by_label("Name", exact=True).fill("Grant focus, revised")
    sam.get_by_role("button", name="Save draft").click()
    expect(sam.get_by_role("heading", name="Grant focus, revised", level=1)).to_be_visible()
    go(sam, f"#/templates/{grant}")
    expect(sam.get_by_role("button", name="Publish version 1")).to_be_visible()


def test_anyone_else_has_no_templates_screen(world, new_tablet):
    lincoln = seed(world.district, world.lincoln, "Lincoln focus")
    tess = new_tablet(world.teacher.email)
    nav = tess.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Account")).to_be_visible()
    expect(nav.get_by_role("link", name="Look-fors")).to_have_count(0)
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
    for hash_ in ("#/templates", f"#/templates/{lincoln}"):
        go(tess, hash_)
        expect(tess.get_by_role("heading", name="Look-for templates", level=1)).to_be_visible()
        expect(tess.locator("main .message")).to_have_text(NOT_YOURS)
        expect(tess.locator("main form, main .template-family")).to_have_count(0)


def test_templates_say_plainly_that_they_need_a_connection(world, new_tablet):
    seed(world.district, world.lincoln, "Lincoln focus", status="draft")
    admin = new_tablet(world.admin.email)
    open_templates(admin)
    admin.context.set_offline(True)
    admin.get_by_role("link", name="Lincoln focus").click()
    expect(admin.locator("main .message")).to_have_text(NEEDS_CONNECTION)
    admin.context.set_offline(False)
    admin.reload()
    expect(admin.get_by_role("heading", name="Lincoln focus", level=1)).to_be_visible()
    admin.context.set_offline(True)
    admin.get_by_label("Name", exact=True).fill("Lincoln focus, offline")
    admin.get_by_role("button", name="Save draft").click()
    expect(admin.locator("main form .message:not(:empty)")).to_have_text(NEEDS_CONNECTION)
    admin.get_by_role("link", name="All templates").click()
    expect(admin.locator("main .message:not(:empty)")).to_have_text(NEEDS_CONNECTION)


def test_list_editor_and_preview_have_no_serious_or_critical_accessibility_violation(world, new_tablet, screenshot):
    seed(world.district, None, "Core walkthrough")
    draft = seed(world.district, world.lincoln, "Lincoln focus", status="draft")
    admin = new_tablet(world.admin.email)
    open_templates(admin)
    admin.get_by_role("button", name="New template").click()
    admin.get_by_role("button", name="Save as a draft").click()
    expect(admin.locator(".field-error[data-for='name']")).not_to_be_empty()
    failures = {}

    def check(where):
        failures.update(tablet_problems(admin, where, 'main button, main a, main select'))

    check("#/templates")
    screenshot(admin, "templates")
    go(admin, f"#/templates/{draft}")
    edit = admin.get_by_role("form", name="Edit the draft")
    edit.get_by_role("button", name="Add a look-for").click()
    edit.locator(".lookfor-edit").nth(1).get_by_label("Kind").select_option(label="Scale with levels")
    edit.get_by_role("button", name="Save draft").click()
    expect(edit.locator(".field-error[data-part='label']:not(:empty)")).to_have_count(1)
    check("#/templates/<draft>")
    screenshot(admin, "templates-editor")
    admin.get_by_role("button", name="Preview as the observer sees it on Capture").click()
    expect(admin.locator("#template-preview")).to_be_visible()
    admin.locator("#template-preview").scroll_into_view_if_needed()
    check("#/templates/<draft> preview")
    screenshot(admin, "templates-preview")
    assert not failures, f"axe-core on the look-for templates screens: {failures}"
