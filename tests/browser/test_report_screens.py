"""The report screens on tablets: district staff see the figures the API gives, filter them and
download them; reports are online screens (never in the first load, plainly unavailable offline);
teachers have none; an observer sees how teachers rated their feedback."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET_PORTRAIT
from tests.test_reports import World

pytestmark = pytest.mark.browser

NEEDS_CONNECTION = "Reports need a connection. They open when this tablet is online."


@pytest.fixture
def world(make):
    return World(make)


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def table_rows(table) -> list[list[str]]:
    """A table's body rows as their cells' texts (closed <details> included)."""
    return [[cell.strip() for cell in row.locator("th, td").all_text_contents()]
            for row in table.locator("tbody tr").all()]


def expected_grid(coverage) -> list[list[str]]:
    return [[school["school"], *(f"{cell['n_observations']} ({cell['n_teachers']})" for cell in school["cells"])]
            for school in coverage["weeks"]["schools"]]


def test_district_staff_see_the_coverage_grid_and_look_for_distributions_the_api_gives(world, api_as, new_tablet):
    api = api_as(world.staff)
    coverage = api.get("/api/reports/coverage").get_json()
    lookfors = api.get("/api/reports/lookfors").get_json()
    staff = new_tablet(world.staff.email, viewport=TABLET_PORTRAIT)

    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(staff.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    grid = staff.locator("table.weeks-grid")
    expect(grid).to_be_visible()
    assert table_rows(grid) == expected_grid(coverage)
    assert grid.locator("thead th").all_text_contents() == ["School", *coverage["weeks"]["weeks"]]
    # Readable at 768 px: the page itself never scrolls sideways; wide grids scroll in their own box.
    assert staff.evaluate("() => document.documentElement.scrollWidth") <= TABLET_PORTRAIT["width"]

    staff.get_by_role("navigation", name="Reports").get_by_role("link", name="Look-fors").click()
    target = staff.locator('[data-lookfor="target"]').first
    expect(target).to_be_visible()
    v1 = next(t for t in lookfors["templates"] if t["template_id"] == world.v1.id)
    overall = next(l for l in v1["lookfors"] if l["key"] == "target")["overall"]
    chart = target.locator("figure").first
    assert table_rows(chart.locator("table")) == [[l["level"], str(l["count"])] for l in overall["levels"]]
    expect(chart.locator("figcaption")).to_contain_text(
        f"n = {overall['n_observations']} walkthroughs of {overall['n_teachers']} teachers")
    expect(chart.get_by_role("img")).to_have_attribute("aria-label", "Target posted, 4 walkthroughs of 3 teachers: "
                                                                      "Yes 3, No 1.")
    questions = staff.locator('[data-lookfor="questions"]').first
    expect(questions.get_by_role("img").first).to_have_attribute(
        "aria-label", re.compile(r"smallest 2, first quartile 3\.5, median 5, third quartile 6\.5, "
                                               r"largest 8"))
    assert staff.evaluate("() => document.documentElement.scrollWidth") <= TABLET_PORTRAIT["width"]


def test_a_filter_changes_the_figures_and_the_csv_link_carries_it(world, new_tablet):
    staff = new_tablet(world.staff.email)
    go(staff, "#/reports/coverage")
    grid = staff.locator("table.weeks-grid")
    expect(grid.locator("tbody tr")).to_have_count(2)
    csv = staff.get_by_role("link", name="Download CSV")
    expect(csv).to_have_attribute("href", "/api/reports/coverage?format=csv")

    staff.get_by_label("School", exact=True).select_option(label="Grant")
    staff.get_by_label("From", exact=True).fill("2026-02-01")
    staff.get_by_role("button", name="Show figures").click()
    expect(grid.locator("tbody th")).to_have_text(["Grant"])
    expect(csv).to_have_attribute("href", f"/api/reports/coverage?school={world.grant.id}&from=2026-02-01&format=csv")
    download = staff.request.get(csv.get_attribute("href"))
    assert download.status == 200 and download.headers["content-type"].startswith("text/csv")
    assert "Lincoln" not in download.text() and "Grant" in download.text()

    # The filters stay while moving to another report, and its figures follow them.
    staff.get_by_role("navigation", name="Reports").get_by_role("link", name="Instructional core").click()
    expect(staff.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", f"/api/reports/core?school={world.grant.id}&from=2026-02-01&format=csv")
    demand = staff.get_by_role("img", name="Task demand, all months")
    expect(demand).to_have_attribute("aria-label", "Task demand, all months, 1 walkthrough of 1 teacher: Recall 0, "
                                                   "Skill or concept 0, Strategic thinking 0, Extended thinking 0.")

    staff.get_by_label("To", exact=True).fill("2026-01-01")
    staff.get_by_role("button", name="Show figures").click()
    expect(staff.locator(".field-error[data-for='to']")).to_have_text("Must be on or after `from`.")


def test_reports_say_plainly_that_they_need_a_connection(world, new_tablet):
    staff = new_tablet(world.staff.email)
    staff.context.set_offline(True)
    go(staff, "#/reports")
    expect(staff.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(staff.locator("main .message")).to_have_text(NEEDS_CONNECTION)

    # Opened online, then the connection goes: asking for other figures says the same.
    staff.context.set_offline(False)
    go(staff, "#/today")
    go(staff, "#/reports/core")
    expect(staff.get_by_role("link", name="Download CSV")).to_be_visible()
    staff.context.set_offline(True)
    staff.get_by_role("button", name="Show figures").click()
    expect(staff.locator("main .message")).to_have_text(NEEDS_CONNECTION)


def test_a_teacher_has_no_reports(world, new_tablet):
    teacher = new_tablet(world.t1.email)
    expect(teacher.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback for me")).to_be_visible()
    expect(teacher.get_by_role("navigation", name="Main").get_by_role("link", name="Reports")).to_have_count(0)
    go(teacher, "#/reports")
    expect(teacher.locator("main .message")).to_have_text(
        "There is nothing here for you: reports are for district staff.")
    expect(teacher.locator("main figure, main table")).to_have_count(0)
    expect(teacher.get_by_role("form", name="Filters")).to_be_hidden()


def test_an_observer_sees_how_teachers_rated_their_feedback(world, new_tablet):
    observer = new_tablet(world.o1.email)
    go(observer, "#/commitments")
    observer.get_by_role("link", name="How teachers rated my feedback").click()
    expect(observer.get_by_role("heading", name="How teachers rated my feedback", level=1)).to_be_visible()
    chart = observer.locator("figure")
    expect(chart.locator("figcaption")).to_contain_text("n = 1 walkthrough of 1 teacher")
    assert table_rows(chart.locator("table")) == [["1", "0"], ["2", "0"], ["3", "0"], ["4", "1"], ["5", "0"]]
    observer.context.set_offline(True)
    observer.reload()
    expect(observer.locator("main .message")).to_have_text(NEEDS_CONNECTION)


def test_the_first_load_of_a_fresh_tablet_asks_for_nothing_online_only(app, world, new_tablet):
    asked = []
    serve = app.wsgi_app

    def recording(environ, start_response):
        asked.append(environ.get("PATH_INFO", ""))
        return serve(environ, start_response)

    app.wsgi_app = recording
    try:
        new_tablet(world.staff.email)
    finally:
        app.wsgi_app = serve
    assert "/sw.js" in asked and "/app.js" in asked
    assert not [path for path in asked if path.startswith("/online/")]
