"""`flask --app server demo`: migrates, seeds the demo district once, serves Rounds and prints
the logins once it is listening, without burying them under a log line per request."""
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
import urllib.request
from pathlib import Path

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from server.cli import demo_command
from server.demo import PASSWORD, PEOPLE, seed_demo
from server.demo_history import CLASSES, GENERATED, NEVER_VISITED, RARELY_VISITED, WEEKS
from server.extensions import db
from server.models import (
    District,
    EvidenceNote,
    Feedback,
    LookForTemplate,
    Notification,
    Observation,
    Person,
    PushDelivery,
    School,
    SupportCommitment,
)
from server.models.types import utcnow
from server.reminders import sweep
from sync.hlc import format_hlc
from tests.builders import ApiClient
from tests.sync.helpers import Tablet

ROOT = Path(__file__).resolve().parent.parent
# The task of server/demo.py's hand-written walkthroughs; the history's tasks are others.
HAND_WRITTEN_TASK = "Compare two strategies for the same problem and justify the choice in writing."
DEMO_EMAILS = {email for _name, email, _roles, _school in PEOPLE}


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (District, School, Person, LookForTemplate, Observation, Feedback)}


def test_demo_seeds_once_and_reuses_the_database(runner, app, client):
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Demo district created." in first.output
    assert "http://127.0.0.1:5000" in first.output
    assert "principal@demo.rounds" in first.output and PASSWORD in first.output
    with app.app_context():
        seeded = counts()
    assert {name: seeded[name] for name in ("District", "School", "Person", "LookForTemplate")} == {
        "District": 1, "School": 2, "Person": 30, "LookForTemplate": 1}
    # Four hand-written walkthroughs (three submitted, with feedback) and the history's 150 to 250.
    assert 154 <= seeded["Observation"] <= 254 and seeded["Feedback"] > 0.9 * seeded["Observation"]
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "already there" in second.output
    with app.app_context():
        assert counts() == seeded


def test_demo_people_cover_every_role_and_can_sign_in(runner, app, client):
    runner.invoke(args=["demo", "--no-serve"])
    with app.app_context():
        people = db.session.scalars(select(Person)).all()
        teachers = [p for p in people if p.has_role("teacher")]
        observers = [p for p in people if p.has_role("observer")]
        assert len(teachers) == 24 and len(observers) == 5
        schools = dict(db.session.execute(select(School.id, School.name)).all())
        assert Counter(schools[p.school_id] for p in teachers) == {"Lincoln Elementary": 12,
                                                                   "Jefferson Middle School": 12}
        submitted = db.session.scalar(select(func.count()).select_from(Observation)
                                      .where(Observation.status == "submitted"))
        assert any(p.has_role("teacher") for p in observers)
        assert any(p.has_role("district_staff") for p in people)
        template = db.session.scalar(select(LookForTemplate))
        assert template.is_published and len(template.lookfors) == 8
    for email in ("principal@demo.rounds", "alice@demo.rounds", "analyst@demo.rounds"):
        response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, email
    client.post("/api/auth/login", json={"email": "alice@demo.rounds", "password": PASSWORD})
    about_alice = client.get("/api/observations").get_json()["observations"]
    # Her hand-written walkthrough is her latest; her earlier ones she has acknowledged.
    assert about_alice[0]["task"] == HAND_WRITTEN_TASK and about_alice[0]["feedback"]["usefulness"] == 4
    assert len(about_alice) > 3 and all(o["feedback"]["acknowledged_at"] for o in about_alice if o["feedback"])
    client.post("/api/auth/login", json={"email": "analyst@demo.rounds", "password": PASSWORD})
    district_view = [o for offset in (0, 200) for o in client.get(
        f"/api/observations?limit=200&offset={offset}").get_json()["observations"]]
    assert len(district_view) == submitted and {o["status"] for o in district_view} == {"submitted"}
    assert sum(o["task"] == HAND_WRITTEN_TASK for o in district_view) == 3


def test_a_fresh_tablet_pulls_the_demo_walkthroughs(runner, app):
    runner.invoke(args=["demo", "--no-serve"])
    api = ApiClient(app.test_client())
    api.login("principal@demo.rounds", PASSWORD)
    principal = Tablet(api)
    pages = principal.pull()
    # Her walkthroughs, with their notes and feedback, history included: in one page of 500.
    assert len(pages) == 1
    with app.app_context():
        mine = select(Observation.id).join(Person, Person.id == Observation.observer_id).where(
            Person.email == "principal@demo.rounds")
        expected = {"observation": db.session.scalar(select(func.count()).select_from(mine.subquery())),
                    "note": db.session.scalar(select(func.count(EvidenceNote.id))
                                              .where(EvidenceNote.observation_id.in_(mine))),
                    "feedback": db.session.scalar(select(func.count(Feedback.id))
                                                  .where(Feedback.observation_id.in_(mine)))}
    assert Counter(entity for entity, _record_id in principal.records) == expected
    assert expected["observation"] > 20
    reference = pages[-1]["reference"]
    assert [t["name"] for t in reference["templates"]] == ["Instructional core walkthrough"]
    assert len([p for p in reference["people"] if "teacher" in p["roles"]]) == 12


def test_the_demo_template_asks_task_demand_once_and_the_walkthroughs_show_teacher_responses(runner, app):
    runner.invoke(args=["demo", "--no-serve"])
    with app.app_context():
        template = db.session.scalar(select(LookForTemplate))
        assert {lookfor.key: lookfor.binds for lookfor in template.lookfors if lookfor.binds} == {
            "task_demand": "task_demand"}
        responses = {(f.read_at is not None, f.acknowledged_at is not None)
                     for f in db.session.scalars(select(Feedback).join(Observation).where(
                         Feedback.released.is_(True), Observation.task == HAND_WRITTEN_TASK))}
    assert responses == {(True, True), (True, False)}


def hand_written_ids() -> set:
    return set(db.session.scalars(select(Observation.id).where(Observation.task == HAND_WRITTEN_TASK)))


def test_the_history_spans_fourteen_weeks_at_both_schools_with_each_teacher_s_own_class(runner, app):
    runner.invoke(args=["demo", "--no-serve"])
    with app.app_context():
        today = utcnow().astimezone(ZoneInfo("America/Chicago")).date()
        people = {p.id: p.email for p in db.session.scalars(select(Person))}
        schools = dict(db.session.execute(select(School.id, School.name)).all())
        history = db.session.scalars(select(Observation).where(Observation.task != HAND_WRITTEN_TASK)).all()
        assert 150 <= len(history) <= 250 and {o.status for o in history} == {"submitted"}
        weeks = {name: set() for name in schools.values()}
        for observation in history:
            day = observation.started_at.astimezone(ZoneInfo("America/Chicago")).date()
            assert day < today and day.weekday() < 5
            weeks[schools[observation.school_id]].add(day - timedelta(days=day.weekday()))
            grade, subjects = CLASSES[people[observation.teacher_id]]
            assert observation.grade == grade and observation.subject in subjects
            assert people[observation.observer_id] != people[observation.teacher_id]
            assert 2 <= len(observation.notes) <= 4
        this_monday = today - timedelta(days=today.weekday())
        for name, mondays in weeks.items():
            assert {this_monday - timedelta(weeks=n) for n in range(1, WEEKS + 1)} <= mondays, name
            assert min(mondays) == this_monday - timedelta(weeks=WEEKS), name
        visited = Counter(people[o.teacher_id] for o in history)
        assert not NEVER_VISITED & set(visited) and set(CLASSES) - NEVER_VISITED == set(visited)
        last_visits = {people[o.teacher_id]: o.started_at for o in sorted(history, key=lambda o: o.started_at)}
        assert all(utcnow() - last_visits[teacher] > timedelta(days=60) for teacher in RARELY_VISITED)
        observers = Counter(people[o.observer_id] for o in history)
        assert {"principal@demo.rounds", "ap@demo.rounds", "peer@demo.rounds"} <= set(observers)
        notes = [note for o in history for note in o.notes]
        assert 0.10 <= sum(note.is_inference for note in notes) / len(notes) <= 0.25
        assert {o.task_demand for o in history} == {"Recall", "Skill or concept", "Strategic thinking",
                                                   "Extended thinking"}
        assert {o.lookfors.get("students_state_target") for o in history} >= {"None", "A few", "Most", "All"}
        feedback = [o.feedback for o in history if o.feedback is not None]
        released = [f for f in feedback if f.released]
        assert 0.7 * len(history) <= len(released) < len(feedback)
        acknowledged = [f for f in released if f.acknowledged_at is not None]
        assert 0.75 * len(released) <= len(acknowledged) < len(released)
        assert {f.usefulness for f in acknowledged} == {None, 1, 2, 3, 4, 5}
        delays = sorted(f.released_at - f.observation.ended_at for f in released)
        assert delays[0] < timedelta(hours=4) and delays[-1] > timedelta(days=4)


def test_the_analyst_s_reports_have_something_to_show(runner, app, client):
    runner.invoke(args=["demo", "--no-serve"])
    client.post("/api/auth/login", json={"email": "analyst@demo.rounds", "password": PASSWORD})
    coverage = client.get("/api/reports/coverage?days=30").get_json()
    not_visited = {t["teacher"] for school in coverage["not_visited"] for t in school["teachers"]}
    assert {"Omar Siddiqui", "Patrick Doyle", "Luis Ortega", "Lena Fischer"} <= not_visited
    assert len(coverage["weeks"]["weeks"]) >= WEEKS + 1
    for school in coverage["weeks"]["schools"]:
        assert sum(cell["n_observations"] > 0 for cell in school["cells"]) >= WEEKS, school["school"]
    loop = client.get("/api/reports/feedback-loop").get_json()["overall"]
    assert all(state["count"] > 0 for state in loop["commitments"]["states"]), loop["commitments"]
    assert 0 < loop["acknowledged"]["share_of_released"] < 1
    core = client.get("/api/reports/core").get_json()
    assert len(core["task_demand"]["by_month"]) >= 4
    assert all(level["count"] > 0 for level in core["task_demand"]["overall"]["levels"])
    (template,) = client.get("/api/reports/lookfors").get_json()["templates"]
    scales = [lookfor for lookfor in template["lookfors"] if lookfor["kind"] == "scale"]
    assert scales and all(level["count"] > 0 for lookfor in scales for level in lookfor["overall"]["levels"])


def test_the_history_leaves_no_reminder_or_notification_for_the_demo_s_first_minutes(runner, app):
    """History is old: no notification tells of it, and the reminder sweep, run as the demo
    starts (and a day later), finds nothing of it for the demo's people."""
    runner.invoke(args=["demo", "--no-serve"])
    with app.app_context():
        hand_written = hand_written_ids()
        emails = {p.id: p.email for p in db.session.scalars(select(Person))}
        notifications = db.session.scalars(select(Notification)).all()
        to_demo_people = [n for n in notifications if emails[n.recipient_id] in DEMO_EMAILS]
        assert to_demo_people and {n.observation_id for n in to_demo_people} <= hand_written
        # What the generated colleagues left open went out as reminders before today, all read.
        spent = [n for n in notifications if emails[n.recipient_id] in GENERATED]
        assert {n.kind for n in spent} >= {"reminder_acknowledge", "reminder_overdue", "digest"}
        assert all(n.read_at is not None and n.created_at < utcnow() - timedelta(hours=1) for n in spent)
        assert all(n.digest_id for n in spent if n.kind != "digest")
        assert db.session.scalar(select(func.count()).select_from(PushDelivery)) == 0
        assert db.session.scalar(select(func.count()).select_from(SupportCommitment).where(
            SupportCommitment.kept_at.is_(None), SupportCommitment.due_on < utcnow().date())) > 0

        assert set(sweep(utcnow()).values()) == {0}
        assert db.session.scalar(select(func.count()).select_from(Notification)) == len(notifications)
        sweep(utcnow() + timedelta(days=1))
        later = db.session.scalars(select(Notification).where(Notification.id.not_in([n.id for n in notifications])))
        assert not [n for n in later if emails[n.recipient_id] in DEMO_EMAILS and n.observation_id not in hand_written]


def history_as_written() -> list:
    """The history without its ids: people by email, notes and feedback in their walkthrough."""
    emails = {p.id: p.email for p in db.session.scalars(select(Person))}
    walkthroughs = []
    for o in db.session.scalars(select(Observation).where(Observation.task != HAND_WRITTEN_TASK)):
        f, notes = o.feedback, [(n.element, n.text, n.at, n.is_inference) for n in o.notes]
        loop = f and (f.glow, f.released, f.released_at, f.read_at, f.acknowledged_at, f.usefulness, f.reflection,
                      f.support_commitment, f.support_due, f.support_requested_at, f.support_kept_at,
                      f.support_confirmed, f.commitment and (f.commitment.due_on, f.commitment.kept_at))
        walkthroughs.append((emails[o.teacher_id], emails[o.observer_id], o.started_at, o.ended_at, o.grade,
                             o.subject, o.segment, o.students_present, o.teacher_doing, o.students_doing, o.task,
                             o.task_demand, sorted(o.lookfors.items()), o.shared_at, notes, loop))
    started = {o.id: o.started_at for o in db.session.scalars(select(Observation))}
    reminders = [(n.kind, emails[n.recipient_id], n.ordinal, started.get(n.observation_id), n.created_at, n.read_at)
                 for n in db.session.scalars(select(Notification)) if emails[n.recipient_id] in GENERATED]
    return sorted(walkthroughs, key=repr) + sorted(reminders, key=repr)


def test_the_history_is_the_same_at_every_seed_of_one_moment(app):
    from tests.conftest import empty_all_tables

    moment = datetime(2026, 3, 11, 15, 40, tzinfo=timezone.utc)
    with app.app_context():
        assert seed_demo(now=moment)
        first = history_as_written()
        empty_all_tables()
        assert seed_demo(now=moment)
        second = history_as_written()
    assert len(first) > 150 and first == second
    assert max(walkthrough[2] for walkthrough in first if len(walkthrough) == 16) < moment - timedelta(hours=10)


def test_every_demo_option_the_readme_names_exists():
    after_demo = re.findall(r"flask --app server demo([^`\n]*)", (ROOT / "README.md").read_text())
    named = set(re.findall(r"--[a-z-]+", " ".join(after_demo)))
    accepted = {option for param in demo_command.params for option in (*param.opts, *param.secondary_opts)}
    assert "--port" in named and named <= accepted, named - accepted


class DemoServer:
    """`flask --app server demo --port 0` in a process of its own, on a fresh SQLite file."""

    def __init__(self, tmp_path, *options):
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/demo.db", "PYTHONUNBUFFERED": "1",
               "ROUNDS_PASSWORD_TIME_COST": "1", "ROUNDS_PASSWORD_MEMORY_KIB": "64"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "server", "demo", "--port", "0", *options],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.output = []

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def read_until(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            assert line is not None, f"the demo stopped: {''.join(self.output)}"
            self.output.append(line)
            if text in line:
                return "".join(self.output)
        raise AssertionError(f"no {text!r} in: {''.join(self.output)}")

    def stop(self) -> str:
        """Ctrl+C, then everything it wrote."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        while (line := self.lines.get(timeout=10)) is not None:
            self.output.append(line)
        self.process.stdout.close()
        return "".join(self.output)


def test_the_demo_prints_the_logins_once_it_answers_and_logs_no_line_per_request(tmp_path):
    demo = DemoServer(tmp_path)
    try:
        printed = demo.read_until("Serving until Ctrl+C.")
        url = re.search(r"Rounds: (http://127\.0\.0\.1:[0-9]+)", printed)[1]
        assert not url.endswith(":0")
        # Printed only once the server listens: the address answers at once.
        with urllib.request.urlopen(f"{url}/api/health", timeout=10) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(f"{url}/", timeout=10) as answer:
            assert answer.status == 200
    finally:
        output = demo.stop()
    logins = output.index("Demo logins")
    assert "principal@demo.rounds" in output[logins:] and PASSWORD in output[logins:]
    assert "GET /api/health" not in output and '"GET / HTTP' not in output
    assert output.rstrip().endswith("Serving until Ctrl+C.")


def test_the_demo_logs_each_request_when_asked(tmp_path):
    demo = DemoServer(tmp_path, "--log-requests")
    try:
        printed = demo.read_until("Serving until Ctrl+C.")
        url = re.search(r"Rounds: (http://127\.0\.0\.1:[0-9]+)", printed)[1]
        with urllib.request.urlopen(f"{url}/api/health", timeout=10) as answer:
            assert answer.status == 200
        demo.read_until("GET /api/health")
    finally:
        demo.stop()


class Device:
    """A tablet talking to the demo over HTTP: signed in, enrolled, pushing and pulling by token."""

    def __init__(self, url, email):
        import requests

        self.url, self.http = url, requests.Session()
        me = self.http.post(f"{url}/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=30).json()
        self.person_id = me["id"]
        enrolled = self.http.post(f"{url}/api/devices", json={"name": "demo tablet"},
                                  headers={"X-CSRF-Token": me["csrf_token"]}, timeout=30).json()
        self.device_id, self.bearer = enrolled["device_id"], {"Authorization": f"Bearer {enrolled['token']}"}
        self.seq = 0

    def call(self, method, path, **kwargs):
        response = self.http.request(method, f"{self.url}{path}", headers=self.bearer, timeout=30, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def push(self, entity, record_id, fields, base_version=0):
        self.seq += 1
        op = {"op_id": str(uuid.uuid4()), "seq": self.seq, "entity": entity, "record_id": record_id,
              "base_version": base_version, "hlc": format_hlc(int(time.time() * 1000), self.seq, self.device_id),
              "fields": fields}
        results = self.call("POST", "/api/sync/push", json={"device_id": self.device_id, "ops": [op]})["results"]
        assert results[0]["status"] == "applied", results


def wait_for(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("nothing arrived in time")


def test_the_demo_pushes_the_teacher_s_feedback_and_the_principal_hears_the_answer(tmp_path):
    """Command 1 alone delivers web push: the principal's submitted walkthrough reaches the
    teacher's subscription (on a push service of our own that checks VAPID and decrypts), and the
    teacher's acknowledgement reaches the principal's; both inboxes list them."""
    from tests.push_service import PushService

    demo = DemoServer(tmp_path)
    try:
        url = re.search(r"Rounds: (http://127\.0\.0\.1:[0-9]+)", demo.read_until("Serving until Ctrl+C."))[1]
        with PushService() as service:
            teacher, principal = Device(url, "alice@demo.rounds"), Device(url, "principal@demo.rounds")
            endpoints = {}
            for who, device in (("teacher", teacher), ("principal", principal)):
                key = device.call("GET", "/api/push/key")["public_key"]
                endpoints[who] = service.subscribe(application_server_key=key)
                device.call("POST", "/api/push/subscriptions", json=endpoints[who])
            school = principal.call("GET", "/api/sync/pull?cursor=0&limit=500")["reference"]["schools"][0]["id"]
            observation, feedback = str(uuid.uuid4()), str(uuid.uuid4())
            principal.push("observation", observation, {"school_id": school, "teacher_id": teacher.person_id,
                                                         "observer_id": principal.person_id, "grade": "3",
                                                         "subject": "Math", "status": "submitted"})
            principal.push("feedback", feedback, {"observation_id": observation, "glow": "Secret words",
                                                   "released": True})
            (message,) = wait_for(lambda: service.messages(endpoints["teacher"]["endpoint"]))
            assert (message.payload["kind"], message.payload["observation_id"]) == ("feedback_released", observation)
            assert "Secret" not in json.dumps(message.payload) and "Maria" not in json.dumps(message.payload)
            inbox = teacher.call("GET", "/api/inbox")
            assert inbox["items"][0]["text"] == "New feedback from Maria Lopez on your Grade 3 math lesson"

            teacher.push("feedback", feedback, {"acknowledged_at": "2026-12-01T15:00:00Z"}, base_version=1)
            (answer,) = wait_for(lambda: service.messages(endpoints["principal"]["endpoint"]))
            assert answer.payload["kind"] == "feedback_acknowledged"
            assert principal.call("GET", "/api/inbox")["items"][0]["kind"] == "feedback_acknowledged"
    finally:
        demo.stop()
