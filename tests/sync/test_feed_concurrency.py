"""Invariant 4 of SYNC.md: pulls running while several server processes take pushes never skip a
change, where a plain auto-increment "changed after N" cursor does.

The load test runs the real app in several server processes on the test database, pushes creates
and edits from several devices at once and pulls from several others, and compares what each
puller saw with what was committed. Beside every puller, a naive cursor reads the op log by its
auto-increment id under the same load; what it misses is the evidence that this load commits
changes out of order, so the exact assertion on the real feed is one that can fail. Whether the
naive cursor misses anything in one run is a matter of timing, so the deterministic proof is the
pair of PostgreSQL tests at the end: the naive cursor skips a row committed out of order, and the
change feed's clock makes the later writer wait for the earlier one to commit.
"""
import http.client
import json
import logging
import multiprocessing
import random
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, select, text

from server import create_app
from server.extensions import db
from server.models import EvidenceNote, Observation, SyncChange, SyncOp
from server.sync_feed import record_changes
from tests.builders import PASSWORD
from tests.conftest import POSTGRES_URL, TEST_CONFIG
from tests.sync.helpers import Tablet

SERVERS = 3
PUSHERS = 4
PULLERS = 3
BATCHES_PER_PUSHER = 25
OPS_PER_BATCH = (20, 50)
PAGE = 50
# Pushers stop starting batches after this long; what they committed is still checked exactly.
PUSH_SECONDS = 25
# Every HTTP request, thread join and process stop gives up after this long.
WAIT_SECONDS = 15
# All server processes sign session cookies with this key, so one sign-in works on each of them.
SECRET_KEY = "feed-concurrency-test-key-shared-by-every-server-process"
NAIVE_PAGE = text("SELECT id, op_id FROM sync_ops WHERE id > :cursor ORDER BY id LIMIT :limit").columns(
    SyncOp.__table__.c.id, SyncOp.__table__.c.op_id)

requires_postgresql = pytest.mark.skipif(
    not POSTGRES_URL, reason="SQLite serializes writers, so its commits cannot come out of order")


def serve(database_url: str, connection) -> None:
    """In a server process: serve the test app on a free port, send the port, stop when told."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY,
                      "PWA_DIR": None})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="server")
    thread.start()
    connection.send(server.server_port)
    try:
        connection.recv()
    except EOFError:
        pass
    server.shutdown()
    thread.join()
    server.server_close()
    with app.app_context():
        db.engine.dispose()
    connection.close()


@pytest.fixture
def server_ports(app):
    """SERVERS processes serving the test app on the (emptied) test database; yields their ports."""
    context = multiprocessing.get_context("spawn")
    running = []
    try:
        for _ in range(SERVERS):
            ours, theirs = context.Pipe()
            process = context.Process(target=serve, args=(app.config["SQLALCHEMY_DATABASE_URI"], theirs),
                                      name="rounds-server", daemon=True)
            process.start()
            theirs.close()
            running.append((process, ours))
        ports = []
        for process, ours in running:
            assert ours.poll(60), "a server process did not start within 60 s"
            ports.append(ours.recv())
        yield ports
    finally:
        for process, ours in running:
            try:
                ours.send("stop")
            except OSError:
                pass
        for process, ours in running:
            process.join(WAIT_SECONDS)
            if process.is_alive():
                process.terminate()
                process.join(WAIT_SECONDS)
            process.close()
            ours.close()


class Response:
    def __init__(self, status_code: int, body: bytes, headers):
        self.status_code, self.body, self.headers = status_code, body, headers

    def get_json(self):
        return json.loads(self.body) if self.body else None


class HttpClient:
    """Talks HTTP to the server processes in turn, one connection per request, with the call shape
    of Flask's test client so that tests.sync.helpers.Tablet can drive it."""

    def __init__(self, ports: list, first: int = 0, cookie: str | None = None):
        self.ports, self.turn, self.cookie = ports, first, cookie

    def open(self, method: str, url: str, json=None, headers=None) -> Response:
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        headers = dict(headers or {})
        body = None
        if json is not None:
            body = json_bytes(json)
            headers["Content-Type"] = "application/json"
        if self.cookie and "Authorization" not in headers:
            headers["Cookie"] = self.cookie
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
        try:
            connection.request(method, url, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.read(), answer.headers)
        finally:
            connection.close()
        jar = dict(pair.split("=", 1) for pair in self.cookie.split("; ")) if self.cookie else {}
        for set_cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = set_cookie.split(";")[0].partition("=")
            jar[name] = value
        self.cookie = "; ".join(f"{name}={value}" for name, value in jar.items()) or None
        return response

    def get(self, url, **kwargs) -> Response:
        return self.open("GET", url, **kwargs)

    def post(self, url, **kwargs) -> Response:
        return self.open("POST", url, **kwargs)


def json_bytes(value) -> bytes:
    return json.dumps(value).encode()


class SignedIn:
    """A browser session over HTTP (cookie plus CSRF token), shaped as Tablet expects its `api`."""

    def __init__(self, client: HttpClient, csrf: str):
        self.client, self.csrf = client, csrf

    @classmethod
    def login(cls, ports: list, email: str) -> "SignedIn":
        client = HttpClient(ports)
        response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return cls(client, response.get_json()["csrf_token"])

    def on(self, first: int) -> "SignedIn":
        """The same session from a client that starts its round of the servers at `first`."""
        return SignedIn(HttpClient(self.client.ports, first, self.client.cookie), self.csrf)

    def post(self, url, json=None) -> Response:
        response = self.client.post(url, json=json, headers={"X-CSRF-Token": self.csrf})
        assert response.status_code in (200, 201), response.get_json()
        return response


class Pusher:
    """One device pushing batches of creates, edits and evidence notes, round-robin over the servers."""

    def __init__(self, tablet: Tablet, observed: tuple, seed: int):
        self.tablet = tablet
        self.school_id, self.teacher_id, self.observer_id = observed
        self.random = random.Random(seed)
        self.versions = {}
        self.submitted = set()
        self.batches = 0
        self.pushed = []

    def run(self, stop: threading.Event, deadline: float) -> None:
        for _ in range(BATCHES_PER_PUSHER):
            if stop.is_set() or time.monotonic() > deadline:
                return
            for _ in range(self.random.randint(*OPS_PER_BATCH)):
                self._queue_one()
            self._push()
            self.batches += 1
            time.sleep(self.random.uniform(0, 0.02))

    def _queue_one(self) -> None:
        observations = [r for (entity, r) in self.versions if entity == "observation"]
        kind = self.random.choices(["create", "edit", "note"], [25, 40, 35])[0]
        if kind == "create" or len(observations) < 3:
            record_id = self.tablet.create_observation(self.school_id, self.teacher_id, self.observer_id, grade="3")
            self.versions[("observation", record_id)] = 0
        elif kind == "edit":
            record_id = self.random.choice(observations)
            fields = self.random.choice([{"grade": uuid.uuid4().hex[:8]}, {"task": uuid.uuid4().hex},
                                         {"students_doing": uuid.uuid4().hex}, {"status": "submitted"}])
            if "status" in fields:
                # Submitting moves the observation's notes up the feed again (the teacher may read them).
                if record_id in self.submitted:
                    fields = {"teacher_doing": uuid.uuid4().hex}
                self.submitted.add(record_id)
            self.tablet.op("observation", record_id, fields, base_version=self.versions[("observation", record_id)])
        else:
            record_id = str(uuid.uuid4())
            self.tablet.op("note", record_id, {"observation_id": self.random.choice(observations),
                                               "element": "students", "text": uuid.uuid4().hex,
                                               "at": "2026-11-20T14:05:00Z"}, base_version=0)
            self.versions[("note", record_id)] = 0

    def _push(self) -> None:
        sent = {op["op_id"]: (op["entity"], op["record_id"]) for op in self.tablet.outbox}
        last_seq = self.tablet.seq
        body = self.tablet.push()
        self.pushed.append(set(sent))
        assert body["acked_seq"] == last_seq and not self.tablet.outbox, body
        for result in body["results"]:
            assert result["status"] == "applied", result
            self.versions[sent[result["op_id"]]] = result["version"]


class NaiveCursor:
    """The design SYNC.md rules out: read the op log 'changed after N' by its auto-increment id."""

    def __init__(self, database_url: str):
        self.engine = create_engine(database_url)
        self.cursor = 0
        self.seen = set()
        self.reads = 0

    def run(self, pushers_done: threading.Event, stop: threading.Event) -> None:
        while not pushers_done.is_set() and not stop.is_set():
            self.read_page()
        while self.read_page():
            pass

    def read_page(self) -> bool:
        """Read the next page; True when the page was full (there may be more)."""
        with self.engine.connect() as connection:
            rows = connection.execute(NAIVE_PAGE, {"cursor": self.cursor, "limit": PAGE}).all()
        self.reads += 1
        if rows:
            self.cursor = rows[-1].id
            self.seen.update(row.op_id for row in rows)
        return len(rows) == PAGE


class Puller:
    """One device pulling the real feed page by page, and the naive cursor that reads beside it."""

    def __init__(self, tablet: Tablet, database_url: str):
        self.tablet = tablet
        self.naive = NaiveCursor(database_url)
        self.cursor = 0
        self.highest = {}
        self.pages = 0

    def run(self, pushers_done: threading.Event, stop: threading.Event) -> None:
        while not pushers_done.is_set() and not stop.is_set():
            self._pull_page()
        # Every push has been answered, so everything is committed: read to the end once more.
        while self._pull_page():
            pass

    def _pull_page(self) -> bool:
        response = self.tablet.api.client.get(f"/api/sync/pull?cursor={self.cursor}&limit={PAGE}",
                                              headers=self.tablet.headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        for change in body["changes"]:
            key = (change["entity"], change["record_id"])
            self.highest[key] = max(self.highest.get(key, 0), change["version"])
        self.cursor = body["cursor"]
        self.pages += 1
        return body["has_more"]


def run_threads(jobs: list, stop: threading.Event) -> tuple[list, list]:
    """Start each (name, callable) in a thread; returns their threads and the errors they raise."""
    errors, threads = [], []

    def guarded(name, job):
        try:
            job()
        except Exception as error:  # noqa: BLE001 (the test fails on it once the threads are joined)
            errors.append(f"{name}: {error!r}")
            stop.set()

    for name, job in jobs:
        threads.append(threading.Thread(target=guarded, args=(name, job), name=name))
    for thread in threads:
        thread.start()
    return threads, errors


def join_all(threads: list, deadline: float) -> None:
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running at the deadline: {stuck}"


def committed_state(database_url: str) -> tuple[dict, set]:
    """What the database holds: {(entity, record_id): version} and every op id in the op log."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = {("observation", str(record_id)): version for record_id, version in
                        connection.execute(select(Observation.id, Observation.version))}
            versions.update({("note", str(record_id)): 1 for record_id in
                             connection.scalars(select(EvidenceNote.id))})
            op_ids = {str(op_id) for op_id in connection.scalars(select(SyncOp.op_id))}
    finally:
        engine.dispose()
    return versions, op_ids


def test_pulls_during_concurrent_pushes_miss_nothing(server_ports, make, app, record_property):
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    school = make.school()
    observer = make.person("observer", school=school)
    teacher = make.person("teacher", school=school)
    observed = (school.id, teacher.id, observer.id)
    # Enrolment spreads over every server: the one session cookie is good on each process.
    session = SignedIn.login(server_ports, observer.email)
    pushers = [Pusher(Tablet(session.on(n), f"pusher {n}"), observed, seed=n) for n in range(PUSHERS)]
    pullers = [Puller(Tablet(session.on(PUSHERS + n), f"puller {n}"), database_url) for n in range(PULLERS)]

    started = time.monotonic()
    stop, pushers_done = threading.Event(), threading.Event()
    push_deadline = started + PUSH_SECONDS
    try:
        push_threads, push_errors = run_threads(
            [(f"pusher {n}", lambda p=p: p.run(stop, push_deadline)) for n, p in enumerate(pushers)], stop)
        pull_threads, pull_errors = run_threads(
            [(f"puller {n}", lambda p=p: p.run(pushers_done, stop)) for n, p in enumerate(pullers)]
            + [(f"naive cursor {n}", lambda p=p: p.naive.run(pushers_done, stop)) for n, p in enumerate(pullers)],
            stop)
        try:
            join_all(push_threads, push_deadline + WAIT_SECONDS)
        finally:
            pushers_done.set()
            join_all(pull_threads, time.monotonic() + 2 * WAIT_SECONDS)
    finally:
        stop.set()
        for puller in pullers:
            puller.naive.engine.dispose()
    seconds = time.monotonic() - started
    assert not push_errors and not pull_errors, push_errors + pull_errors
    assert sum(pusher.batches for pusher in pushers) > 0

    versions, op_ids = committed_state(database_url)
    evidence = describe_run(pushers, pullers, versions, op_ids, seconds, database_url)
    print(f"\n[feed concurrency] {evidence}")
    record_property("evidence", evidence)
    for n, puller in enumerate(pullers):
        missed = sorted(versions.keys() - puller.highest.keys())
        assert not missed, f"puller {n} never received {len(missed)} committed records, e.g. {missed[:3]}"
        behind = {key: (puller.highest[key], version) for key, version in versions.items()
                  if puller.highest[key] != version}
        assert not behind, (f"puller {n} missed the last change of {len(behind)} records "
                            f"((seen, committed) versions: {list(behind.items())[:3]})")
        assert puller.highest == versions


def describe_run(pushers, pullers, versions, op_ids, seconds, database_url) -> str:
    """The run in one line: the load, and what the real feed and the naive cursors missed."""
    real_missed = [len(versions.keys() - puller.highest.keys()) for puller in pullers]
    behind = [sum(1 for key, version in versions.items() if puller.highest.get(key) != version)
              for puller in pullers]
    pushes = [ops for pusher in pushers for ops in pusher.pushed]
    naive_missed = [len(op_ids - puller.naive.seen) for puller in pullers]
    naive_missed_pushes = [sum(1 for ops in pushes if ops - puller.naive.seen) for puller in pullers]
    return (f"{database_url.split(':')[0]}, {SERVERS} server processes: {len(pushes)} pushes of "
            f"{len(op_ids)} ops to {len(versions)} records in {seconds:.1f} s, "
            f"{sum(p.pages for p in pullers)} feed pages and {sum(p.naive.reads for p in pullers)} naive reads; "
            f"real feed missed {real_missed} records (last version not seen: {behind}); "
            f"naive cursor missed {naive_missed} ops (from {naive_missed_pushes} pushes)")


@requires_postgresql
def test_naive_cursor_skips_a_change_committed_out_of_order(world, app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    ops = SyncOp.__table__

    def op_row(seq):
        return {"op_id": str(uuid.uuid4()), "device_id": world.tablet.device_id, "seq": seq,
                "person_id": world.observer.id, "entity": "observation", "record_id": str(uuid.uuid4()),
                "status": "applied", "payload": "{}"}

    def read_after(cursor):
        with engine.connect() as reader:
            return reader.execute(NAIVE_PAGE, {"cursor": cursor, "limit": PAGE}).all()

    try:
        with engine.connect() as earlier:
            earlier_op = op_row(1001)
            earlier_id = earlier.execute(ops.insert().values(earlier_op).returning(ops.c.id)).scalar_one()
            with engine.begin() as later:
                later_op = op_row(1002)
                later_id = later.execute(ops.insert().values(later_op).returning(ops.c.id)).scalar_one()
            assert earlier_id < later_id
            first_read = read_after(0)
            assert [(row.id, str(row.op_id)) for row in first_read] == [(later_id, later_op["op_id"])]
            cursor = first_read[-1].id
            earlier.commit()
        assert read_after(cursor) == []
        with engine.connect() as connection:
            committed = {str(op_id) for op_id in connection.scalars(select(ops.c.op_id))}
        assert earlier_op["op_id"] in committed, "the earlier op is committed, below the cursor: skipped"
    finally:
        engine.dispose()


@requires_postgresql
def test_feed_positions_wait_for_the_earlier_writer_to_commit(world, app):
    first, second = world.observation(), world.observation()
    world.laptop.pull()
    # The writers work in an app of their own, as another server process would: a request the
    # test client makes inside an app context of `app` would join that context's transaction.
    writers = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    later_done, later = threading.Event(), {}

    def later_writer():
        try:
            with writers.app_context():
                db.session.execute(text("SET LOCAL lock_timeout = '10s'"))
                record_changes({("observation", second): second})
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (the test fails on it below)
            later["error"] = error
        finally:
            later_done.set()

    thread = threading.Thread(target=later_writer, name="later writer")
    try:
        with writers.app_context():
            # The earlier writer has taken its position and not committed yet.
            record_changes({("observation", first): first})
            thread.start()
            assert not later_done.wait(0.5), "the later writer took a position before the earlier committed"
            assert world.laptop.pull()[-1]["changes"] == []
            db.session.commit()
        assert later_done.wait(WAIT_SECONDS) and "error" not in later, later
        changes = [change for page in world.laptop.pull() for change in page["changes"]]
        assert [change["record_id"] for change in changes] == [first, second]
        with writers.app_context():
            positions = dict(db.session.execute(select(SyncChange.record_id, SyncChange.position)
                                                .where(SyncChange.record_id.in_([first, second]))).all())
        assert positions[first] < positions[second]
    finally:
        if thread.ident is not None:
            thread.join(WAIT_SECONDS)
        with writers.app_context():
            db.session.remove()
            db.engine.dispose()
