"""Sync benchmark: N devices push M observation creates each, then a fresh device pulls them all.

Rounds runs under gunicorn on 127.0.0.1 and is driven over real HTTP (one thread and keep-alive
connection per device, batches of 500), on SQLite and on PostgreSQL. Against it, in the same run:
plain INSERT of the same rows into `observations` (SQLAlchemy Core executemany, 500 rows per
transaction) and, with --peer, npm's pouchdb-server on LevelDB (`_bulk_docs`, then `_changes`).
gunicorn restarts before each pull, so its workers' peak RSS (VmHWM) is the pull's; the pull
runs at a quarter of the size too, to show whether memory grows with the total.

A missed target exits 0 (this is a measurement); an HTTP error or a wrong count exits 1 and
keeps the temporary folder with gunicorn's log. bench/README.md says more. From the repo root:

    python bench/sync_bench.py --db both --peer
    python bench/sync_bench.py --db sqlite --devices 2 --ops 1000 --repeat 3
"""
import argparse
import contextlib
import http.client
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Measure the checkout this file is in, not whichever one pip installed in editable mode.
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from databases import BenchError, fresh_database  # noqa: E402  (bench/, beside this file)
from server import create_app
from server.extensions import db
from server.models import District, Observation, Person, School
from server.passwords import hash_password

BATCH = 500
TARGET_RECORDS = 20_000
PASSWORD = "bench-password"
PEER_DIR = Path("/tmp/rounds-bench-peer")
PEER_BIN = PEER_DIR / "node_modules" / ".bin" / "pouchdb-server"
# The cheapest argon2id cost, here and in gunicorn alike, so that the workers' peak memory is
# about sync and not about the one sign-in (a default hash takes 64 MiB).
CHEAP_PASSWORDS = {"PASSWORD_TIME_COST": 1, "PASSWORD_MEMORY_KIB": 64}
# Fixed ids, so that the same request bodies serve every database and every repeat.
IDS = {name: str(uuid.uuid4()) for name in ("district", "school", "observer", "teacher")}


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise BenchError(message)


# --- The workload, encoded once before anything is timed ----------------------------------------

def observation_fields(n: int) -> dict:
    """The wire fields of the n-th create: what a tablet sends for one submitted walkthrough."""
    return {
        "school_id": IDS["school"], "teacher_id": IDS["teacher"], "observer_id": IDS["observer"],
        "started_at": f"2026-11-{1 + n % 28:02d}T{8 + n % 8:02d}:{n % 60:02d}:00Z",
        "grade": str(3 + n % 6), "subject": ("Math", "ELA", "Science", "History")[n % 4],
        "segment": "small-group work", "students_present": 18 + n % 10,
        "teacher_doing": "Circulates between groups and asks each pair to explain how they chose a strategy.",
        "students_doing": "Pairs order fraction strips; two pairs compare answers and one revises its order.",
        "task": "Place five fractions on a number line and justify the order in writing.",
        "task_demand": "procedures with connections",
        "lookfors": {"target_posted": n % 3 != 0, "student_questions": n % 7},
        "status": "submitted",
    }


@dataclass
class Workload:
    """Per device id: its (record_id, fields) creates, and the same as push and peer request bodies."""
    records: dict
    push_bodies: dict = field(default_factory=dict)
    peer_bodies: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(map(len, self.records.values()))

    def record_ids(self) -> set:
        return {record_id for records in self.records.values() for record_id, _ in records}


def make_workload(devices: int, ops: int, first: int = 0) -> Workload:
    work = Workload({str(uuid.uuid4()): [(str(uuid.uuid4()), observation_fields(first + d * ops + i))
                                         for i in range(ops)] for d in range(devices)})
    now_ms = time.time_ns() // 1_000_000
    for device_id, records in work.records.items():
        work.push_bodies[device_id], work.peer_bodies[device_id] = [], []
        for start in range(0, len(records), BATCH):
            batch = records[start:start + BATCH]
            # One millisecond per edit, ending now: a tablet that recorded them one after another.
            ops_json = [{"op_id": str(uuid.uuid4()), "seq": start + i + 1, "entity": "observation",
                         "record_id": record_id, "base_version": 0,
                         "hlc": f"{now_ms - len(records) + start + i:015d}:00000:{device_id}", "fields": fields}
                        for i, (record_id, fields) in enumerate(batch)]
            body = json.dumps({"device_id": device_id, "ops": ops_json}).encode()
            work.push_bodies[device_id].append((body, start + len(batch), len(batch)))
            docs = json.dumps({"docs": [{"_id": record_id, **fields} for record_id, fields in batch]}).encode()
            work.peer_bodies[device_id].append((docs, len(batch)))
    return work


# --- Databases -------------------------------------------------------------------------------

def bench_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", **CHEAP_PASSWORDS})


def migrate_and_seed(url: str) -> None:
    """Build the schema with the migrations, then one district, school, observer and teacher."""
    with bench_app(url).app_context(), contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
        upgrade()
        # Flushed one by one: with plain ids and no relationships the ORM does not order the inserts.
        db.session.add(District(id=IDS["district"], name="Bench District", timezone="America/Chicago"))
        db.session.flush()
        db.session.add(School(id=IDS["school"], district_id=IDS["district"], name="Bench School"))
        db.session.flush()
        for role in ("observer", "teacher"):
            person = Person(id=IDS[role], district_id=IDS["district"], school_id=IDS["school"],
                            name=f"Bench {role}", email=f"{role}@bench.rounds", password_hash=hash_password(PASSWORD))
            person.set_roles([role])
            db.session.add(person)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def plain_insert(url: str, work: Workload) -> float:
    """Seconds to insert the workload's rows into `observations`, one transaction per BATCH rows."""
    rows = [{**fields, "id": record_id, "started_at": datetime.fromisoformat(fields["started_at"])}
            for records in work.records.values() for record_id, fields in records]
    with bench_app(url).app_context():
        table = Observation.__table__
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))  # open the pooled connection before the clock starts
        start = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            with db.engine.begin() as connection:
                connection.execute(insert(table), rows[i:i + BATCH])
        seconds = time.perf_counter() - start
        with db.engine.connect() as connection:
            count = connection.scalar(select(func.count()).select_from(table))
        db.engine.dispose()
    expect(count == len(rows), f"plain INSERT left {count} rows, expected {len(rows)}")
    return seconds


# --- Server processes: gunicorn and the peer -------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the most resident memory the process ever had."""
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))


def children(pid: int) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            if f"\nPPid:\t{pid}\n" in Path(f"/proc/{entry}/status").read_text():
                found.append(int(entry))
    return found


class Server:
    """A server subprocess on a free loopback port (`{port}` in its command); stopped by its pid."""

    def __init__(self, command: list[str], env: dict, cwd: Path, log: Path, health: str):
        self.command, self.env, self.cwd, self.log, self.health = command, env, cwd, log, health
        self.process, self.port = None, None

    def start(self) -> None:
        self.port = free_port()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([arg.replace("{port}", str(self.port)) for arg in self.command],
                                            cwd=self.cwd, env={**os.environ, **self.env},
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            expect(self.process.poll() is None, f"{self.command[0]} exited; see {self.log}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if call(connect(self.port), "GET", self.health)[0] == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"no answer from 127.0.0.1:{self.port}{self.health} in 60 s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers before it exits
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def peak_rss_mib(self, workers: bool) -> float:
        """The largest VmHWM among gunicorn's workers (`workers`), else of the process itself."""
        pids = children(self.process.pid) if workers else [self.process.pid]
        return max(map(peak_rss_kib, pids)) / 1024


def gunicorn(url: str, workdir: Path, workers: int) -> Server:
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "PYTHONPATH": str(ROOT),
           **{f"ROUNDS_{name}": str(value) for name, value in CHEAP_PASSWORDS.items()}}
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", "127.0.0.1:{port}",
               "server:create_app()"]
    return Server(command, env, ROOT, workdir / "gunicorn.log", "/api/health")


def pouchdb_server(workdir: Path) -> Server | None:
    """npm's pouchdb-server, installed into PEER_DIR once; None (said aloud) if that fails."""
    if not PEER_BIN.exists():
        print(f"peer: installing pouchdb-server into {PEER_DIR} (once)...", flush=True)
        try:
            subprocess.run(["npm", "install", "--prefix", str(PEER_DIR), "pouchdb-server", "--no-audit",
                            "--no-fund"], capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"peer: cannot install pouchdb-server ({error}); carrying on without the peer\n"
                  f"{getattr(error, 'stderr', '')[-2000:]}")
            return None
    (workdir / "peer-data").mkdir()
    # Neither --in-memory nor --sqlite: each database is a LevelDB folder under --dir.
    command = [str(PEER_BIN), "--port", "{port}", "--host", "127.0.0.1", "--dir", str(workdir / "peer-data"),
               "--config", str(workdir / "peer-config.json"), "--no-stdout-logs"]
    return Server(command, {}, workdir, workdir / "peer.log", "/")


# --- HTTP clients ----------------------------------------------------------------------------

def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=120)


def call(connection, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """One request on a keep-alive connection; returns (status, parsed JSON or text, response)."""
    connection.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    raw = response.read()
    try:
        return response.status, json.loads(raw) if raw else None, response
    except ValueError:
        return response.status, raw[:2000].decode(errors="replace"), response


def enrol_devices(port: int, device_ids) -> dict[str, str]:
    """Sign in as the observer and enrol each device; returns device id -> bearer token."""
    connection = connect(port)
    login = json.dumps({"email": "observer@bench.rounds", "password": PASSWORD}).encode()
    status, me, response = call(connection, "POST", "/api/auth/login", login)
    expect(status == 200, f"POST /api/auth/login answered {status}: {me}")
    # Sign-in sets the session cookie and a known-device cookie: send back every one of them.
    cookies = "; ".join(value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie"))
    headers = {"Cookie": cookies, "X-CSRF-Token": me["csrf_token"]}
    tokens = {}
    for n, device_id in enumerate(device_ids):
        body = json.dumps({"device_id": device_id, "name": f"bench-{n}"}).encode()
        status, answer, _ = call(connection, "POST", "/api/devices", body, headers)
        expect(status == 201, f"POST /api/devices answered {status}: {answer}")
        tokens[device_id] = answer["token"]
    return tokens


def run_clients(jobs: list, concurrent: bool) -> float:
    """Wall seconds to run every job, each in a thread of its own or one after another."""
    start = time.perf_counter()
    if concurrent:
        with ThreadPoolExecutor(len(jobs)) as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()  # re-raises a client's BenchError here
    else:
        for job in jobs:
            job()
    return time.perf_counter() - start


def push_device(port: int, token: str, bodies: list) -> None:
    connection = connect(port)
    for body, last_seq, count in bodies:
        status, answer, _ = call(connection, "POST", "/api/sync/push", body, {"Authorization": f"Bearer {token}"})
        results = answer.get("results", []) if isinstance(answer, dict) else []
        odd = [result for result in results if result.get("status") != "applied"]
        if status != 200 or answer.get("acked_seq") != last_seq or len(results) != count or odd:
            shown = {**answer, "results": odd[:3]} if results else answer
            raise BenchError(f"POST /api/sync/push ({count} ops up to seq {last_seq}, the first "
                             f"{json.dumps(json.loads(body)['ops'][0])}) answered {status} with "
                             f"{len(results)} results, {len(odd)} not applied: {json.dumps(shown)[:3000]}")


def pull_all(port: int, token: str, expected: set) -> float:
    """Seconds for a fresh device to page through the pull until has_more is false."""
    connection, cursor, seen, pages = connect(port), 0, set(), 0
    start = time.perf_counter()
    while True:
        path = f"/api/sync/pull?cursor={cursor}&limit={BATCH}"
        status, page, _ = call(connection, "GET", path, headers={"Authorization": f"Bearer {token}"})
        expect(status == 200 and isinstance(page, dict), f"GET {path} answered {status}: {str(page)[:3000]}")
        seen.update(change["record_id"] for change in page["changes"] if change.get("entity") == "observation")
        cursor, pages = page["cursor"], pages + 1
        expect(pages <= 2 * len(expected) // BATCH + 20, f"GET {path}: still has_more after {pages} pages")
        if not page["has_more"]:
            seconds = time.perf_counter() - start
            expect(seen == expected, f"the pull returned {len(seen)} observations ({len(seen - expected)} "
                                     f"not pushed), expected {len(expected)}")
            return seconds


def peer_push_client(port: int, database: str, bodies: list) -> None:
    connection = connect(port)
    for body, count in bodies:
        status, answer, _ = call(connection, "POST", f"/{database}/_bulk_docs", body)
        expect(status == 201 and len(answer) == count and all(doc.get("ok") for doc in answer),
               f"peer POST /{database}/_bulk_docs answered {status}: {str(answer)[:2000]}")


def peer_pull(port: int, database: str, expected: set) -> float:
    """Seconds for a fresh replica to read `_changes` pages with their documents until one is empty."""
    connection, since, seen = connect(port), 0, set()
    start = time.perf_counter()
    while True:
        path = f"/{database}/_changes?include_docs=true&limit={BATCH}&since={since}"
        status, page, _ = call(connection, "GET", path)
        expect(status == 200, f"peer GET {path} answered {status}: {str(page)[:2000]}")
        if not page["results"]:
            seconds = time.perf_counter() - start
            expect(seen == expected, f"peer _changes returned {len(seen)} docs, expected {len(expected)}")
            return seconds
        seen.update(row["doc"]["_id"] for row in page["results"] if not row["id"].startswith("_design/"))
        since = page["last_seq"]


# --- Scenarios and the report ----------------------------------------------------------------

@dataclass
class Phase:
    name: str
    count: int
    seconds: list = field(default_factory=list)
    rss_mib: list = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.count / self.median

    @property
    def memory(self) -> float | None:
        return statistics.median(self.rss_mib) if self.rss_mib else None


def rounds_push_pull(url: str, work: Workload, args, workdir: Path, push: Phase, pull: Phase) -> None:
    server = gunicorn(url, workdir, args.workers)
    try:
        server.start()
        tokens = enrol_devices(server.port, work.records)
        jobs = [lambda d=d: push_device(server.port, tokens[d], work.push_bodies[d]) for d in work.records]
        push.seconds.append(run_clients(jobs, not args.sequential))
        push.rss_mib.append(server.peak_rss_mib(workers=True))
        fresh_device = str(uuid.uuid4())
        token = enrol_devices(server.port, [fresh_device])[fresh_device]
        server.stop()
        server.start()  # new workers, whose VmHWM measures the pull alone
        pull.seconds.append(pull_all(server.port, token, work.record_ids()))
        pull.rss_mib.append(server.peak_rss_mib(workers=True))
    except BenchError as error:
        errors = [line for line in server.log.read_text().splitlines() if "Error" in line]
        raise BenchError(f"{error}\n  last error in {server.log}: {errors[-1] if errors else 'none'}") from None
    finally:
        server.stop()


def bench_database(kind: str, args, workdir: Path, small: Workload, full: Workload) -> dict:
    phases = {"insert": Phase("plain INSERT, 500 rows/txn", full.total),
              "push": Phase("Rounds push", full.total), "pull": Phase("Rounds pull, fresh device", full.total),
              "push_small": Phase("Rounds push (quarter size)", small.total),
              "pull_small": Phase("Rounds pull (quarter size)", small.total)}
    serial = 0
    for repeat in range(args.repeat):
        print(f"{kind}: run {repeat + 1} of {args.repeat}...", flush=True)
        for scenario, work in (("quarter", small), ("insert", full), ("full", full)):
            # Every scenario starts from an empty database built by the migrations.
            serial += 1
            url = fresh_database(kind, args.pg_url, workdir, serial)
            migrate_and_seed(url)
            if scenario == "insert":
                phases["insert"].seconds.append(plain_insert(url, work))
            else:
                suffix = "_small" if scenario == "quarter" else ""
                rounds_push_pull(url, work, args, workdir, phases["push" + suffix], phases["pull" + suffix])
    return phases


def bench_peer(args, workdir: Path, work: Workload) -> dict | None:
    server = pouchdb_server(workdir)
    if server is None:
        return None
    phases = {"push": Phase("peer push, _bulk_docs", work.total), "pull": Phase("peer pull, _changes", work.total)}
    try:
        server.start()
        info = call(connect(server.port), "GET", "/")[1]
        expect(info.get("pouchdb-adapters") == ["leveldb"], f"the peer is not on LevelDB alone: {info}")
        for repeat in range(args.repeat):
            print(f"peer: run {repeat + 1} of {args.repeat}...", flush=True)
            database = f"benchdb{repeat}"
            status, answer, _ = call(connect(server.port), "PUT", f"/{database}")
            expect(status == 201, f"peer PUT /{database} answered {status}: {answer}")
            jobs = [lambda d=d, name=database: peer_push_client(server.port, name, work.peer_bodies[d])
                    for d in work.records]
            phases["push"].seconds.append(run_clients(jobs, not args.sequential))
            phases["pull"].seconds.append(peer_pull(server.port, database, work.record_ids()))
            call(connect(server.port), "DELETE", f"/{database}")
        phases["pull"].rss_mib.append(server.peak_rss_mib(workers=False))
    finally:
        server.stop()
    return phases


def print_report(kind: str, args, rounds: dict, peer: dict | None) -> None:
    mode = "sequentially" if args.sequential else "concurrently"
    print(f"\n== {kind}: {args.devices} devices x {args.ops} creates pushed {mode}, "
          f"gunicorn {args.workers} workers, median of {args.repeat}")
    print(f"{'phase':<30}{'count':>8}{'seconds':>10}{'per s':>10}{'peak RSS':>12}")
    for phase in [*rounds.values(), *(peer or {}).values()]:
        memory = f"{phase.memory:.1f} MiB" if phase.memory else "-"
        print(f"{phase.name:<30}{phase.count:>8}{phase.median:>10.2f}{phase.rate:>10.0f}{memory:>12}")
    push, pull, plain, small = rounds["push"], rounds["pull"], rounds["insert"], rounds["pull_small"]
    pull_target_s = pull.median * TARGET_RECORDS / pull.count
    growth = pull.memory / small.memory
    ratios = [f"push/INSERT {push.rate / plain.rate:.2f}"]
    if peer:
        ratios += [f"push/peer {push.rate / peer['push'].rate:.2f}", f"pull/peer {pull.rate / peer['pull'].rate:.2f}"]
    ratios += [f"pull s per {TARGET_RECORDS:,} {pull_target_s:.2f}", f"pull peak RSS full/quarter {growth:.2f}"]
    print("ratios: " + " | ".join(ratios))
    print("peak RSS: gunicorn's largest worker (push: since start; pull: restarted just before it); "
          "peer: its node process over push and pull")

    def target(name: str, met: bool, detail: str) -> None:
        print(f"target {name} on {kind}: {'PASS' if met else 'MISS'} ({detail})")

    if peer:
        target("push>peer", push.rate > peer["push"].rate, f"{push.rate:.0f} vs {peer['push'].rate:.0f} ops/s")
    target("push>=0.25xINSERT", push.rate >= 0.25 * plain.rate,
           f"{push.rate / plain.rate:.2f} = {push.rate:.0f} / {plain.rate:.0f} rows/s")
    target(f"pull {TARGET_RECORDS:,}<3s", pull_target_s < 3, f"{pull_target_s:.2f} s")
    # "Does not grow with the total": four times the records may cost at most 10% more peak memory.
    target("pull memory flat", growth <= 1.10, f"{pull.memory:.1f} MiB at {pull.count} vs "
                                               f"{small.memory:.1f} MiB at {small.count}, ratio {growth:.2f}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--ops", type=int, default=5000, help="creates per device")
    parser.add_argument("--peer", action="store_true", help="also measure npm's pouchdb-server")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/rounds_bench")
    parser.add_argument("--repeat", type=int, default=1, help="report the median of this many runs")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--sequential", action="store_true", help="devices push one after another")
    args = parser.parse_args(argv)
    if args.ops < 4 or args.devices < 1 or args.repeat < 1:
        parser.error("--ops must be at least 4, --devices and --repeat at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    workdir = Path(tempfile.mkdtemp(prefix="rounds-bench-"))
    broken = {}
    # Other work on this 2-core machine skews every rate; the load average shows whether there was any.
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    full = make_workload(args.devices, args.ops)
    small = make_workload(args.devices, args.ops // 4, first=full.total)
    try:
        peer = bench_peer(args, workdir, full) if args.peer else None
    except BenchError as error:
        peer, broken["peer"] = None, error
    results = {}
    for kind in kinds:
        try:
            results[kind] = bench_database(kind, args, workdir, small, full)
        except BenchError as error:  # still measure the other database
            broken[kind] = error
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    for kind, phases in results.items():
        print_report(kind, args, phases, peer)
    for name, error in broken.items():
        print(f"\nBROKEN on {name}: {error}", file=sys.stderr)
    if broken:
        print(f"(logs kept in {workdir})", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0

if __name__ == "__main__":
    sys.exit(main())
