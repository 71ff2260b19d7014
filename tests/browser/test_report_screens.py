"""The report screens on tablets: district staff see the figures the API gives, as charts readable
at 768 and 1024 px with their numbers as tables, look-fors per school, grade, subject and month
included; the filters live in the address (bookmark, share, reload, tabs, CSV); reports are online
screens (never in the first load, plainly unavailable offline); teachers have none; an observer
sees how teachers rated their feedback."""
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, browser_unavailable
from tests.test_reports import World

pytestmark = pytest.mark.browser

NEEDS_CONNECTION = "Reports need a connection. They open when this tablet is online."
IMPACTS_THAT_FAIL = {"serious", "critical"}
# Every word drawn in a chart lies inside its picture (nothing cut off at the edge) and is at least
# 12 px tall on the screen: [text, why] for each that is not.
UNREADABLE_CHART_TEXT = """() => [...document.querySelectorAll('svg.chart-svg text')]
    .filter((text) => text.getClientRects().length)
    .flatMap((text) => {
        const svg = text.ownerSVGElement.getBoundingClientRect(), box = text.getBoundingClientRect();
        const problems = [];
        if (box.left < svg.left - 1 || box.right > svg.right + 1) problems.push('cut off');
        if (box.height < 12) problems.push(`${box.height.toFixed(1)} px tall`);
        return problems.map((problem) => [text.textContent, problem]);
    })"""
OPEN_EVERY_DETAILS = "() => document.querySelectorAll('main details').forEach((d) => { d.open = true; })"


@pytest.fixture
def world(make):
    return World(make)


def go(page, hash_):
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


def address(report, **filters) -> str:
    return f"#/reports/{report}?{urlencode(filters)}"


def lookfor_of(body, template, key):
    version = next(t for t in body["templates"] if t["template_id"] == template.id)
    return next(l for l in version["lookfors"] if l["key"] == key)


def number(value) -> str:
    """A figure as the screens write it (en-US, at most two decimals)."""
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def n_words(figure) -> str:
    walkthroughs = f"{figure['n_observations']} walkthrough{'' if figure['n_observations'] == 1 else 's'}"
    return f"{walkthroughs} of {figure['n_teachers']} teacher{'' if figure['n_teachers'] == 1 else 's'}"


def group_name(group, field) -> str:
    """A group as a chart's row names it: "Grade 3", "Lincoln", "2026-01", "Not recorded"."""
    if not group[field]:
        return "Not recorded"
    return f"Grade {group[field]}" if field == "grade" else group[field]


def stacked_label(title, overall, groups, field, levels) -> str:
    """The aria-label of a stacked chart of `groups`, from the API's figures ("Unreadable" last
    when some group has answers that fit no level)."""
    unreadable = any(group["unreadable"] for group in groups)
    levels = [*levels, "Unreadable"] if unreadable else levels

    def row(group):
        counts = [level["count"] for level in group["levels"]] + ([group["unreadable"]] if unreadable else [])
        total = sum(counts)
        shares = ", ".join(f"{level} {count} ({round(100 * count / total) if total else 0}%)"
                           for level, count in zip(levels, counts))
        return f"{group_name(group, field)}, {n_words(group)}: {shares}"
    return (f"{title}, {n_words(overall)}, share of each level in the order {', '.join(levels)}: "
            f"{'; '.join(row(group) for group in groups)}.")


def boxes_label(title, unit, overall, groups, field) -> re.Pattern:
    """The aria-label of box plots of `groups` on one axis, from the API's figures (the axis's
    round ends may be any numbers)."""
    words = [("min", "smallest"), ("q1", "first quartile"), ("median", "median"), ("q3", "third quartile"),
             ("max", "largest")]
    rows = "; ".join(f"{group_name(group, field)}, {n_words(group)}: "
                     + ", ".join(f"{word} {number(group['quartiles'][key])}" for key, word in words)
                     for group in groups)
    return re.compile("^" + re.escape(f"{title} in {unit}, {n_words(overall)}, on one scale from ")
                      + r"[\d.,]+ to [\d.,]+" + re.escape(f": {rows}.") + "$")


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
    expect(observer.locator("main .message")).to_have_text(
        "How teachers rated my feedback needs a connection. It opens when this tablet is online.")


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


def test_look_fors_by_school_grade_subject_and_month_are_charts_over_their_numbers(world, api_as, new_tablet):
    lookfors = api_as(world.staff).get("/api/reports/lookfors").get_json()
    target, demand, questions, talk = (lookfor_of(lookfors, world.v1, key)
                                       for key in ("target", "demand", "questions", "talk"))
    staff = new_tablet(world.staff.email, viewport=TABLET_PORTRAIT)
    go(staff, "#/reports/lookfors")
    part = staff.locator('[data-lookfor="target"]').first
    part.get_by_text("By school, grade, subject and month").click()

    # Yes/no: one 100% bar per school, its levels in the template's order, named in a legend.
    by_school = part.get_by_role("img", name="Target posted by school")
    expect(by_school).to_have_attribute("aria-label", stacked_label(
        "Target posted by school", target["overall"], target["by_school"], "school", ["Yes", "No"]))
    assert by_school.get_attribute("aria-label").startswith(
        "Target posted by school, 4 walkthroughs of 3 teachers, share of each level in the order Yes, No: "
        "Grant, 1 walkthrough of 1 teacher: Yes 1 (100%), No 0 (0%); Lincoln, 3 walkthroughs of 2 teachers: "
        "Yes 2 (67%), No 1 (33%).")
    assert by_school.locator(".chart-legend li").all_text_contents() == ["Yes", "No"]
    # Grant: one segment (all yes); Lincoln: two. Each level its own pattern, the legend's too.
    segments = by_school.locator("svg.chart-svg rect.chart-segment")
    expect(segments).to_have_count(3)
    fills = [segments.nth(i).get_attribute("fill") for i in range(3)]
    assert fills[0] == fills[1] != fills[2]
    assert [s.get_attribute("fill") for s in by_school.locator(".chart-swatch rect").all()] == [fills[0], fills[2]]
    assert by_school.locator("svg.chart-svg text").all_text_contents()[:2] == [
        "Grant · n = 1 walkthrough of 1 teacher", "100%"]
    chart = by_school.locator("xpath=ancestor::figure[1]")
    expect(chart.locator("figcaption")).to_have_text("Target posted by school · n = 4 walkthroughs of 3 teachers")
    # The exact figures stay a table, as before.
    numbers = chart.get_by_role("table", name="Target posted by school", include_hidden=True)
    assert table_rows(numbers) == [[s["school"], *(str(l["count"]) for l in s["levels"]), str(s["unreadable"]),
                                    str(s["n_observations"]), str(s["n_teachers"])] for s in target["by_school"]]
    for title, groups, field in (("Target posted by grade", target["by_grade"], "grade"),
                                 ("Target posted by subject", target["by_subject"], "subject"),
                                 ("Target posted by month", target["by_month"], "month")):
        expect(part.get_by_role("img", name=title)).to_have_attribute(
            "aria-label", stacked_label(title, target["overall"], groups, field, ["Yes", "No"]))

    # A scale with an answer that fits no level: "Unreadable" is one more segment, last.
    demand_part = staff.locator('[data-lookfor="demand"]').first
    demand_part.get_by_text("By school, grade, subject and month").click()
    demand_by_school = demand_part.get_by_role("img", name="Task demand by school")
    expect(demand_by_school.locator(".chart-legend li")).to_have_text([*demand["levels"], "Unreadable"])
    assert "Grant, 1 walkthrough of 1 teacher: Recall 0 (0%), Skill or concept 0 (0%), Strategic thinking 0 (0%), " \
           "Extended thinking 0 (0%), Unreadable 1 (100%)" in demand_by_school.get_attribute("aria-label")

    # Counts and timers: one box plot per group, all on one axis.
    questions_part = staff.locator('[data-lookfor="questions"]').first
    questions_part.get_by_text("By school, grade, subject and month").click()
    boxes = questions_part.get_by_role("img", name="Student questions by school")
    expect(boxes).to_have_attribute("aria-label", boxes_label(
        "Student questions by school", "count", questions["overall"], questions["by_school"], "school"))
    assert "Grant, 1 walkthrough of 1 teacher: smallest 8, first quartile 8, median 8, third quartile 8, largest 8; " \
           "Lincoln, 3 walkthroughs of 2 teachers: smallest 2, first quartile 3, median 4, third quartile 5, " \
           "largest 6." in boxes.get_attribute("aria-label")
    expect(boxes.locator("rect.chart-box")).to_have_count(2)
    expect(boxes.locator("line.chart-median")).to_have_count(2)
    assert [t for t in boxes.locator("text").all_text_contents() if "·" in t] == [
        "Grant · n = 1 walkthrough of 1 teacher", "Lincoln · n = 3 walkthroughs of 2 teachers"]
    # One axis: Grant's median (8) lies right of Lincoln's largest (6).
    medians = [line.get_attribute("x1") for line in boxes.locator("line.chart-median").all()]
    whiskers = [float(line.get_attribute("x1")) for line in boxes.locator("g line.chart-line").all()]
    assert float(medians[0]) > max(whiskers[3:])
    numbers = questions_part.get_by_role("table", name="Student questions by school (count)", include_hidden=True)
    quartiles = ("min", "q1", "median", "q3", "max")
    assert table_rows(numbers) == [[s["school"], *(number(s["quartiles"][q]) for q in quartiles),
                                    str(s["n_observations"]), str(s["n_teachers"])] for s in questions["by_school"]]
    talk_part = staff.locator('[data-lookfor="talk"]').first
    talk_part.get_by_text("By school, grade, subject and month").click()
    expect(talk_part.get_by_role("img", name="Student talk by month")).to_have_attribute(
        "aria-label", boxes_label("Student talk by month", "seconds", talk["overall"],
                                  [m for m in talk["by_month"]], "month"))

    # Text: how many answered, a table and no chart.
    evidence = staff.locator('[data-lookfor="evidence"]').first
    evidence.get_by_text("By school, grade, subject and month").click()
    expect(evidence.get_by_role("table", name="Evidence by school")).to_be_visible()
    expect(evidence.locator("figure")).to_have_count(0)

    # Readable at 768 and 1024 px: no word cut off or tiny, the page never scrolls sideways.
    staff.evaluate(OPEN_EVERY_DETAILS)
    for viewport in (TABLET_PORTRAIT, TABLET_LANDSCAPE):
        staff.set_viewport_size(viewport)
        assert staff.evaluate(UNREADABLE_CHART_TEXT) == []
        assert staff.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]


def test_task_demand_by_month_is_a_stacked_chart_over_its_table(world, api_as, new_tablet):
    core = api_as(world.staff).get("/api/reports/core").get_json()["task_demand"]
    staff = new_tablet(world.staff.email, viewport=TABLET_PORTRAIT)
    go(staff, "#/reports/core")
    chart = staff.get_by_role("img", name="Task demand by month")
    expect(chart).to_have_attribute("aria-label", stacked_label(
        "Task demand by month", core["overall"], core["by_month"], "month", core["levels"]))
    expect(chart.locator(".chart-legend li")).to_have_text([*core["levels"], "Unreadable"])
    numbers = staff.get_by_role("table", name="Task demand by month", include_hidden=True)
    assert table_rows(numbers) == [[m["month"], *(str(l["count"]) for l in m["levels"]), str(m["unreadable"]),
                                    str(m["n_observations"]), str(m["n_teachers"])] for m in core["by_month"]]
    assert staff.evaluate(UNREADABLE_CHART_TEXT) == []


def test_a_report_opened_from_its_address_shows_those_filters_after_reload_on_every_tab_and_in_its_csv(
        world, new_tablet):
    staff = new_tablet(world.staff.email)
    filters = {"school": world.grant.id, "from": "2026-02-01", "grade": "4"}
    go(staff, address("lookfors", **filters))
    query = urlencode(filters)
    target = staff.locator('[data-lookfor="target"]').first.get_by_role("img").first

    def shows_grant_from_february():
        expect(target).to_have_attribute("aria-label", "Target posted, 1 walkthrough of 1 teacher: Yes 1, No 0.")
        expect(staff.get_by_label("School", exact=True)).to_have_value(world.grant.id)
        expect(staff.get_by_label("School", exact=True).locator("option:checked")).to_have_text("Grant")
        expect(staff.get_by_label("From", exact=True)).to_have_value("2026-02-01")
        expect(staff.get_by_label("To", exact=True)).to_have_value("")
        expect(staff.get_by_label("Grade", exact=True)).to_have_value("4")
        expect(staff.get_by_role("link", name="Download CSV")).to_have_attribute(
            "href", f"/api/reports/lookfors?{query}&format=csv")

    shows_grant_from_february()
    staff.reload()
    shows_grant_from_february()
    assert staff.evaluate("() => location.hash") == f"#/reports/lookfors?{query}"

    # The tabs carry the filters: Coverage shows Grant only, with the same form.
    tabs = staff.get_by_role("navigation", name="Reports")
    for report in ("coverage", "feedback-loop", "core"):
        expect(tabs.get_by_role("link", name=re.compile("^(Coverage|Feedback loop|Instructional core)$"))
               .and_(staff.locator(f'a[href^="#/reports/{report}"]'))).to_have_attribute(
            "href", f"#/reports/{report}?{query}")
    tabs.get_by_role("link", name="Coverage").click()
    expect(staff.locator("table.weeks-grid tbody th")).to_have_text(["Grant"])
    expect(staff.get_by_label("School", exact=True)).to_have_value(world.grant.id)
    expect(staff.get_by_label("Grade", exact=True)).to_have_value("4")
    expect(staff.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", f"/api/reports/coverage?{query}&format=csv")
    download = staff.request.get(staff.get_by_role("link", name="Download CSV").get_attribute("href"))
    assert download.status == 200 and "Grant" in download.text() and "Lincoln" not in download.text()

    # New filters go into the address (days too, which only Coverage has, kept on the other tabs);
    # any text survives the trip; Back returns to the filters before.
    staff.get_by_label("Subject", exact=True).fill("Art & Design/Music")
    staff.get_by_label("Not visited in the last … days").fill("14")
    staff.get_by_role("button", name="Show figures").click()
    chosen = urlencode({**filters, "subject": "Art & Design/Music", "days": "14"})
    expect(staff.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", f"/api/reports/coverage?{chosen}&format=csv")
    assert staff.evaluate("() => location.hash") == f"#/reports/coverage?{chosen}"
    expect(staff.get_by_role("heading", name="Teachers not visited in the last 14 days")).to_be_visible()
    tabs.get_by_role("link", name="Look-fors").click()
    expect(staff.get_by_label("Subject", exact=True)).to_have_value("Art & Design/Music")
    expect(staff.get_by_text("No submitted walkthroughs match these filters.")).to_be_visible()
    without_days = urlencode({**filters, "subject": "Art & Design/Music"})
    expect(staff.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", f"/api/reports/lookfors?{without_days}&format=csv")
    expect(tabs.get_by_role("link", name="Coverage")).to_have_attribute("href", f"#/reports/coverage?{chosen}")
    staff.go_back()
    expect(staff.get_by_label("Subject", exact=True)).to_have_value("Art & Design/Music")
    expect(staff.get_by_label("Not visited in the last … days")).to_have_value("14")
    staff.go_back()
    expect(staff.get_by_label("Subject", exact=True)).to_have_value("")
    expect(staff.locator("table.weeks-grid tbody th")).to_have_text(["Grant"])

    # The other screens still route as before.
    go(staff, "#/account")
    expect(staff.get_by_role("heading", name="Account", level=1)).to_be_visible()


def test_the_look_fors_screen_with_its_charts_has_no_serious_or_critical_accessibility_violation(world, new_tablet):
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        browser_unavailable("axe-playwright-python is not installed")
    staff = new_tablet(world.staff.email)
    go(staff, "#/reports/lookfors")
    expect(staff.get_by_role("link", name="Download CSV")).to_be_visible()
    staff.evaluate(OPEN_EVERY_DETAILS)
    expect(staff.get_by_role("img", name="Student questions by month").first).to_be_visible()
    failures = {}
    for viewport in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
        staff.set_viewport_size(viewport)
        violations = Axe().run(staff).response["violations"]
        serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
                   for v in violations if v["impact"] in IMPACTS_THAT_FAIL]
        if serious:
            failures[f"{viewport['width']}x{viewport['height']}"] = serious
    assert not failures, f"axe-core on the Look-fors screen: {failures}"
