"""What a newcomer's walk through the tablet app found, kept fixed: Feedback for me without
feedback, task demand asked once, the observer seeing what the teacher did with the feedback,
Capture in portrait, a district admin's Today, and every writing screen saying who reads it."""
import re

import pytest
from playwright.sync_api import expect

from server.demo import LOOKFORS
from server.extensions import db
from server.models import Feedback, Observation
from server.templates import create_template, publish
from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, sync_until_sent

pytestmark = pytest.mark.browser

RECORDS = "const records = await import('/records.js'), sync = await import('/sync.js');"
SUBMITTED = f"""async ([school, teacher, template]) => {{ {RECORDS}
    const id = await records.startObservation({{ school_id: school, teacher_id: teacher, template_id: template,
                                                template_version: template ? 1 : null }});
    await records.addNote(id, {{ element: 'task', text: 'Worksheet: one answer, one sentence of reasoning.' }});
    await records.saveFeedback(id, {{ glow: 'Pairs justified their answers.', next_step: 'Add a why prompt.',
        support_commitment: 'I will cover your class for 20 minutes.' }});
    await records.submitObservation(id);
    await sync.syncNow();
    return id;
}}"""
SYNC = f"async () => {{ {RECORDS} await sync.syncNow(); }}"
UNBOUND = [{key: value for key, value in lookfor.items() if key != "binds"} for lookfor in LOOKFORS]
BOUND_LABEL = "Cognitive demand of the task"


@pytest.fixture
def lincoln(make):
    """Lincoln Elementary with an observer, a teacher, a peer teacher who also observes, a teacher
    of another school, district staff, a district admin, and the demo template (its task demand
    look-for bound to task_demand) published district-wide."""
    district = make.district()
    school = make.school(district, name="Lincoln Elementary")
    people = {
        "observer": make.person("observer", school=school, name="Maria Lopez", email="maria@example.org"),
        "teacher": make.person("teacher", school=school, name="Alice Moreno", email="alice@example.org"),
        "peer": make.person("observer", "teacher", school=school, name="Priya Nair", email="priya@example.org"),
        "staff": make.person("district_staff", district=district, name="Sam Okafor", email="sam@example.org"),
        "admin": make.person("admin", district=district, name="Jordan Blake", email="jordan@example.org"),
        "elsewhere": make.person("teacher", school=make.school(district, name="Jefferson Middle"),
                                 name="Farid Haddad", email="farid@example.org"),
    }
    template = create_template(district.id, None, "Instructional core walkthrough", "", LOOKFORS)
    publish(template)
    db.session.commit()
    return {"school": school.id, "template": template.id, "district": district, **people}


def go(page, route):
    page.evaluate("(hash) => { location.hash = hash; }", route)


def submitted_walkthrough(page, lincoln, template="bound"):
    template_id = lincoln["template"] if template == "bound" else template
    return page.evaluate(SUBMITTED, [lincoln["school"], lincoln["teacher"].id, template_id])


# --- a. Feedback for me, with no feedback ------------------------------------------------------

@pytest.mark.parametrize("email", ["priya@example.org", "alice@example.org"])
def test_feedback_for_me_without_feedback_shows_only_its_empty_state(lincoln, new_tablet, email):
    page = new_tablet(email)
    go(page, "#/feedback")
    expect(page.get_by_role("heading", name="Feedback for me", level=1)).to_be_visible()
    view = page.locator("#view")
    expect(view).to_contain_text("No feedback yet.")
    assert "null" not in view.inner_text()
    assert page.evaluate("[...document.getElementById('view').childNodes].every((n) => n.nodeType === 1)")


# --- b. task demand, asked once ----------------------------------------------------------------

def start_capture(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New walkthrough").click()
    page.get_by_role("button", name="Alice Moreno").click()
    page.get_by_role("button", name="Start walkthrough").click()
    page.wait_for_url(re.compile(r"#/capture/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1, name="Walkthrough with Alice Moreno")).to_be_visible()
    return page.url.rsplit("/", 1)[1]


def test_task_demand_is_asked_once_in_the_task_pane_and_stored_as_task_demand(lincoln, new_tablet, app):
    page = new_tablet("maria@example.org")
    observation_id = start_capture(page)
    task = page.get_by_role("region", name="Task", exact=True)
    demand = page.get_by_role("group", name=BOUND_LABEL, exact=True)
    expect(demand).to_have_count(1)
    expect(task.get_by_role("group", name=BOUND_LABEL, exact=True)).to_be_visible()
    expect(page.get_by_label("Task demand")).to_have_count(0)
    expect(page.get_by_role("region", name="Look-fors")).to_contain_text(f"{BOUND_LABEL}: in the Task pane.")
    demand.get_by_label("Strategic thinking").check()
    page.get_by_role("group", name="Learning target is posted in student-friendly words").get_by_role(
        "button", name="Yes").click()
    expect(page.locator(".save-status")).to_have_attribute("data-state", "saved")
    page.evaluate(SYNC)
    with app.app_context():
        stored = db.session.get(Observation, observation_id)
        assert stored.task_demand == "Strategic thinking"
        assert stored.lookfors == {"target_posted": True}

    page.reload()
    expect(page.get_by_role("group", name=BOUND_LABEL).get_by_label("Strategic thinking")).to_be_checked()
    go(page, f"#/observation/{observation_id}")
    core = page.get_by_role("region", name="The instructional core")
    expect(core.get_by_role("region", name="Task")).to_contain_text(f"{BOUND_LABEL}: Strategic thinking")
    expect(page.get_by_role("region", name="Look-fors").locator("dt", has_text=BOUND_LABEL)).to_have_count(0)


def test_a_walkthrough_recorded_before_the_binding_shows_both_answers_as_recorded(lincoln, new_tablet, make):
    """Version 1 of another template asked the demand as a look-for of its own; what was
    recorded under it keeps that meaning: the look-for's answer and the task demand, apart."""
    old = create_template(lincoln["district"].id, None, "Older walkthrough", "", UNBOUND)
    publish(old)
    db.session.commit()
    page = new_tablet("maria@example.org")
    observation_id = page.evaluate(f"""async ([school, teacher, template]) => {{ {RECORDS}
        const id = await records.startObservation({{ school_id: school, teacher_id: teacher,
                                                    template_id: template, template_version: 1 }});
        await records.updateObservation(id, {{ task_demand: 'Strategic thinking',
                                              lookfors: {{ task_demand: 'Recall' }} }});
        return id;
    }}""", [lincoln["school"], lincoln["teacher"].id, old.id])
    go(page, f"#/capture/{observation_id}")
    expect(page.get_by_label("Task demand")).to_have_value("Strategic thinking")
    expect(page.get_by_role("group", name=BOUND_LABEL).get_by_label("Recall")).to_be_checked()
    go(page, f"#/observation/{observation_id}")
    expect(page.get_by_role("region", name="Task", exact=True)).to_contain_text("Task demand: Strategic thinking")
    row = page.get_by_role("region", name="Look-fors").locator("dt", has_text=BOUND_LABEL)
    expect(row.locator("xpath=following-sibling::dd[1]")).to_have_text("Recall")


# --- c. the observer sees what the teacher did -------------------------------------------------

def marks(page):
    return page.get_by_role("region", name="Recent walkthroughs").get_by_role(
        "link", name=re.compile("Alice Moreno")).locator(".response-marks")


def test_observer_today_shows_whether_the_teacher_read_acknowledged_replied_and_rated(
        lincoln, new_tablet, app, screenshot):
    observer = new_tablet("maria@example.org")
    observation_id = submitted_walkthrough(observer, lincoln)
    go(observer, "#/today")
    expect(marks(observer)).to_have_text(re.compile("^Not read yet.*Not acknowledged.*No reply.*Not rated$"))

    teacher = new_tablet("alice@example.org")
    teacher.get_by_role("link", name=re.compile("Maria Lopez")).click()
    expect(teacher.get_by_role("heading", name="Walkthrough by Maria Lopez", level=1)).to_be_visible()
    teacher.wait_for_function(f"""async (id) => {{ {RECORDS}
        return Boolean((await records.feedbackOf(id))?.data.read_at); }}""", arg=observation_id)
    teacher.evaluate(SYNC)
    with app.app_context():
        feedback = db.session.query(Feedback).filter_by(observation_id=observation_id).one()
        assert feedback.read_at is not None and feedback.acknowledged_at is None
        first_read = feedback.read_at

    observer.evaluate(SYNC)
    expect(marks(observer)).to_have_text(re.compile("^Read.*Not acknowledged.*No reply.*Not rated$"))

    teacher.get_by_role("button", name="Acknowledge").click()
    teacher.get_by_label("Your reflection").fill("I will try the prompt on Friday.")
    teacher.get_by_label("4: Useful").check()
    sync_until_sent(teacher)
    observer.evaluate(SYNC)
    expect(marks(observer)).to_have_text(re.compile("^Read.*Acknowledged.*Replied.*Rated 4 of 5$"))
    screenshot(observer, "today-teacher-response")
    with app.app_context():
        assert db.session.query(Feedback).filter_by(observation_id=observation_id).one().read_at == first_read


# --- d. Capture in portrait --------------------------------------------------------------------

PARTS = {"Teacher": "What the teacher says or does", "Students": "What students say or do",
         "Task": "What the task asks students to do", "Look-fors": "Learning target is posted in student-friendly words",
         "Class": "Students present"}


def test_capture_in_portrait_shows_one_part_at_a_time_from_a_bar_that_stays_in_reach(
        lincoln, new_tablet, screenshot):
    page = new_tablet("maria@example.org", viewport=TABLET_PORTRAIT)
    start_capture(page)
    tabs = page.get_by_role("tablist", name="Parts of this walkthrough")
    expect(tabs.get_by_role("tab")).to_have_text(list(PARTS))
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 1.25 * TABLET_PORTRAIT["height"], f"Capture in portrait is {height} px tall"
    for name, first_control in PARTS.items():
        tab = tabs.get_by_role("tab", name=name, exact=True)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        control = page.get_by_text(first_control, exact=True)
        expect(control).to_be_in_viewport(ratio=1)
        box = tab.bounding_box()
        assert box["height"] >= 44, f"the {name} tab is {box['height']} px high"

    # One tap stores a note, and a long list of notes never pushes the bar or the note box away.
    tabs.get_by_role("tab", name="Students", exact=True).click()
    students = page.get_by_role("region", name="Students", exact=True)
    expect(page.get_by_role("region", name="Teacher", exact=True)).to_be_hidden()
    bar_top = tabs.bounding_box()["y"]
    for n in range(16):
        students.get_by_label("What students say or do").fill(f"S{n}: 'I split 48 into 40 and 8.'")
        students.get_by_role("button", name="Add note").click()
        expect(students.get_by_role("listitem")).to_have_count(n + 1)
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("(top) => window.scrollY > top", arg=bar_top)
    expect(tabs).to_be_in_viewport()
    assert tabs.bounding_box()["y"] <= 1, "the bar stays at the top of the screen"
    tabs.get_by_role("tab", name="Task", exact=True).click()
    expect(page.get_by_label("What the task asks students to do")).to_be_in_viewport(ratio=1)
    tabs.get_by_role("tab", name="Task", exact=True).press("ArrowRight")
    expect(tabs.get_by_role("tab", name="Look-fors")).to_be_focused()
    expect(tabs.get_by_role("tab", name="Look-fors")).to_have_attribute("aria-selected", "true")
    tabs.get_by_role("tab", name="Teacher", exact=True).click()
    screenshot(page, "capture-tabs")

    page.set_viewport_size(TABLET_LANDSCAPE)
    expect(tabs).to_be_hidden()
    for name in ("Teacher", "Students", "Task"):
        expect(page.get_by_role("region", name=name, exact=True)).to_be_visible()
    tops = {page.get_by_role("region", name=name, exact=True).bounding_box()["y"] for name in ("Teacher", "Task")}
    assert len(tops) == 1, "the three panes sit side by side in landscape"


# --- f. a district admin's Today ---------------------------------------------------------------

def test_a_district_admin_is_told_what_they_can_do_not_that_nothing_synced(lincoln, new_tablet):
    observer = new_tablet("maria@example.org")
    submitted_walkthrough(observer, lincoln)
    admin = new_tablet("jordan@example.org")
    expect(admin.get_by_role("heading", name="Today", level=1)).to_be_visible()
    section = admin.get_by_role("region", name="What you can do here")
    expect(section).to_contain_text("You administer Rounds for your district")
    expect(section).to_contain_text("Walkthroughs are read only by their observer, the observed teacher and district staff")
    expect(admin.get_by_text("have reached this tablet yet")).to_have_count(0)

    staff = new_tablet("sam@example.org")
    readable = staff.get_by_role("region", name="Walkthroughs you can read")
    expect(readable.get_by_role("link", name=re.compile("Alice Moreno"))).to_be_visible()
    expect(staff.get_by_role("region", name="What you can do here")).to_have_count(0)


# --- g. who reads what is written --------------------------------------------------------------

def test_every_writing_screen_says_who_can_read_it_and_the_server_agrees(lincoln, new_tablet, api_as):
    school_staff = "district staff who oversee Lincoln Elementary"
    observer = new_tablet("maria@example.org")
    draft = start_capture(observer)
    expect(observer.locator(".screen-head")).to_contain_text(
        f"Only you can read this walkthrough until you submit it. Then Alice Moreno and {school_staff} "
        "can read all of it.")
    observer.get_by_role("link", name="Review and feedback").click()
    expect(observer.get_by_role("region", name="Feedback for Alice Moreno")).to_contain_text(
        f"Only you can read this until you submit. Then Alice Moreno and {school_staff} can read it")

    # Before submitting, only the observer may read it.
    observer.evaluate(SYNC)
    for who in ("teacher", "staff", "peer"):
        assert api_as(lincoln[who]).get(f"/api/observations/{draft}").status_code == 404, who

    observation_id = submitted_walkthrough(observer, lincoln)
    teacher = new_tablet("alice@example.org")
    go(teacher, f"#/observation/{observation_id}")
    response = teacher.get_by_role("region", name="Your response")
    expect(response).to_contain_text("Who can read your response: Maria Lopez, who observed you, and "
                                     f"{school_staff}. They can also see when you first opened this walkthrough.")
    expect(teacher.get_by_label("Your reflection")).to_have_accessible_description(
        re.compile("What you make of it, or what you will try. Who can read your response: Maria Lopez"))
    teacher.get_by_label("Your reflection").fill("Pairs talked more than I expected.")
    sync_until_sent(teacher)

    # What the screens said: the observer and the school's district staff read the reflection;
    # a peer of the school and a teacher elsewhere do not even see the walkthrough.
    for who in ("observer", "staff"):
        shown = api_as(lincoln[who]).get(f"/api/observations/{observation_id}").get_json()
        assert shown["feedback"]["reflection"] == "Pairs talked more than I expected.", who
        assert shown["feedback"]["read_at"] is not None, who
    for who in ("peer", "elsewhere", "admin"):
        assert api_as(lincoln[who]).get(f"/api/observations/{observation_id}").status_code == 404, who
