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

from sqlalchemy import func, select

from server.cli import demo_command
from server.demo import PASSWORD
from server.extensions import db
from server.models import (
    District,
    Feedback,
    LookForTemplate,
    Observation,
    Person,
    School,
)
from sync.hlc import format_hlc
from tests.builders import ApiClient
from tests.sync.helpers import Tablet

ROOT = Path(__file__).resolve().parent.parent


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
    assert seeded == {"District": 1, "School": 2, "Person": 16, "LookForTemplate": 1,
                      "Observation": 4, "Feedback": 3}
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
        assert len(teachers) == 12 and len(observers) == 3
        assert any(p.has_role("teacher") for p in observers)
        assert any(p.has_role("district_staff") for p in people)
        template = db.session.scalar(select(LookForTemplate))
        assert template.is_published and len(template.lookfors) == 8
    for email in ("principal@demo.rounds", "alice@demo.rounds", "analyst@demo.rounds"):
        response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, email
    client.post("/api/auth/login", json={"email": "alice@demo.rounds", "password": PASSWORD})
    about_alice = client.get("/api/observations").get_json()["observations"]
    assert [o["feedback"]["usefulness"] for o in about_alice] == [4]
    client.post("/api/auth/login", json={"email": "analyst@demo.rounds", "password": PASSWORD})
    district_view = client.get("/api/observations").get_json()["observations"]
    assert len(district_view) == 3 and [o["status"] for o in district_view] == ["submitted"] * 3


def test_a_fresh_tablet_pulls_the_demo_walkthroughs(runner, app):
    runner.invoke(args=["demo", "--no-serve"])
    api = ApiClient(app.test_client())
    api.login("principal@demo.rounds", PASSWORD)
    principal = Tablet(api)
    pages = principal.pull()
    entities = sorted(entity for entity, _record_id in principal.records)
    assert entities.count("observation") == 1 and entities.count("note") == 4 and entities.count("feedback") == 1
    reference = pages[-1]["reference"]
    assert [t["name"] for t in reference["templates"]] == ["Instructional core walkthrough"]
    assert len([p for p in reference["people"] if "teacher" in p["roles"]]) == 6


def test_the_demo_template_asks_task_demand_once_and_the_walkthroughs_show_teacher_responses(runner, app):
    runner.invoke(args=["demo", "--no-serve"])
    with app.app_context():
        template = db.session.scalar(select(LookForTemplate))
        assert {lookfor.key: lookfor.binds for lookfor in template.lookfors if lookfor.binds} == {
            "task_demand": "task_demand"}
        responses = {(f.read_at is not None, f.acknowledged_at is not None)
                     for f in db.session.scalars(select(Feedback).where(Feedback.released.is_(True)))}
    assert responses == {(True, True), (True, False)}


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
