"""Push benchmark: fan-out of N notifications to N subscriptions, and commit-to-receipt delay.

The receiver is tests/push_service.py in a process of its own on 127.0.0.1: it checks every VAPID
token and decrypts every aes128gcm body, as a real push service would. In the same run:
- plain POST: N unencrypted, unsigned POSTs of the same size to the same receiver from as many
  threads as the sender uses (the baseline: what HTTP alone costs here);
- Rounds push: `deliver_due()` in this process drains N due deliveries (encryption, VAPID,
  claims and outcomes in the database);
- delay: the real `flask --app server scheduler` process with the default poll interval; a
  notification is committed at a random moment, and the time until the receiver has decrypted it
  is measured, --samples times.

A missed target exits 0 (this is a measurement); a lost or refused push exits 1. From the repo root:

    python bench/push_bench.py
    python bench/push_bench.py --db postgresql --repeat 3
"""
import argparse
import contextlib
import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever one pip installed

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from flask_migrate import upgrade
from sqlalchemy import insert

from databases import BenchError, fresh_database  # noqa: E402  (bench/, beside this file)
from server import create_app
from server.extensions import db
from server.models import Device, District, Person, School
from server.models.notify import Notification, PushDelivery, PushSubscription
from server.models.types import utcnow
from server.push_delivery import SENDER_THREADS, deliver_due, payload_for
from server.vapid import raw_private_key

TARGET_RATE = 500
TARGET_DELAY_S = 5
SUBJECT = "mailto:bench@rounds.example.org"
KEY = raw_private_key(ec.generate_private_key(ec.SECP256R1()))


class Receiver:
    """tests/push_service.py in a subprocess, steered over its /_control/ API."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "tests.push_service"], cwd=ROOT,
                                        stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def subscriptions(self, count: int) -> list:
        return requests.post(self.url + "/_control/subscriptions", json={"count": count}, timeout=120).json()

    def received(self) -> dict:
        return requests.get(self.url + "/_control/received", timeout=60).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def migrate(url: str) -> None:
    with bench_app(url).app_context(), contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
        upgrade()


def bench_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "VAPID_PRIVATE_KEY": KEY,
                       "VAPID_SUBJECT": SUBJECT})


def seed_person() -> tuple[str, str]:
    """A district, a school, a teacher and the teacher's device; (person id, device id)."""
    district = District(name="Bench district", timezone="America/Chicago")
    db.session.add(district)
    db.session.flush()
    school = School(district_id=district.id, name="Bench school")
    db.session.add(school)
    db.session.flush()
    person = Person(district_id=district.id, school_id=school.id, name="Bench teacher",
                    email=f"{uuid.uuid4().hex}@bench.example.org")
    person.set_roles(["teacher"])
    db.session.add(person)
    db.session.flush()
    device = Device(id=str(uuid.uuid4()), person_id=person.id, name="tablet", token_hash=secrets.token_hex(32))
    db.session.add(device)
    db.session.commit()
    return person.id, device.id


def add_due(person_id: str, device_id: str, subscriptions: list) -> list[str]:
    """One notification due now per subscription; the notifications' ids, committed."""
    now = utcnow()
    subs, notes, rows = [], [], []
    for info in subscriptions:
        sub_id, note_id = str(uuid.uuid4()), str(uuid.uuid4())
        subs.append({"id": sub_id, "person_id": person_id, "device_id": device_id, "endpoint": info["endpoint"],
                     "p256dh": info["keys"]["p256dh"], "auth": info["keys"]["auth"], "created_at": now,
                     "updated_at": now})
        notes.append({"id": note_id, "kind": "feedback_released", "subject_id": str(uuid.uuid4()),
                      "recipient_id": person_id, "ordinal": 0, "created_at": now, "push_after": now})
        rows.append({"notification_id": note_id, "subscription_id": sub_id, "state": "pending", "attempts": 0,
                     "next_attempt_at": now, "created_at": now})
    db.session.execute(insert(PushSubscription), subs)
    db.session.execute(insert(Notification), notes)
    db.session.execute(insert(PushDelivery), rows)
    db.session.commit()
    return [note["id"] for note in notes]


def body_size() -> int:
    """Bytes of one encrypted push: the payload, aes128gcm's 86-byte header, a pad byte, a 16-byte tag."""
    sample = Notification(id=str(uuid.uuid4()), kind="feedback_released", subject_id=str(uuid.uuid4()),
                          observation_id=None)
    return len(json.dumps(payload_for(sample), separators=(",", ":"))) + 86 + 1 + 16


def plain_posts(receiver: Receiver, count: int) -> float:
    """Seconds for `count` plain POSTs of a push's size, from SENDER_THREADS threads with keep-alive."""
    body = os.urandom(body_size())
    sessions = [requests.Session() for _ in range(SENDER_THREADS)]

    def post(n: int) -> int:
        return sessions[n % SENDER_THREADS].post(f"{receiver.url}/plain/{n}", data=body, timeout=10).status_code

    with ThreadPoolExecutor(SENDER_THREADS) as pool:
        start = time.perf_counter()
        statuses = list(pool.map(post, range(count), chunksize=count // SENDER_THREADS))
        seconds = time.perf_counter() - start
    if set(statuses) != {201}:
        raise BenchError(f"plain POSTs answered {sorted(set(statuses))}")
    return seconds


def fan_out(receiver: Receiver, url: str, count: int) -> float:
    """Seconds for deliver_due() to send `count` due notifications, each to its own subscription."""
    app = bench_app(url)
    with app.app_context():
        person_id, device_id = seed_person()
        add_due(person_id, device_id, receiver.subscriptions(count))
        sent = 0
        start = time.perf_counter()
        while True:
            counts = deliver_due(limit=500)
            sent += counts.get("sent", 0)
            if counts["claimed"] == 0:
                break
        seconds = time.perf_counter() - start
        db.session.remove()
    delivered = len(receiver.received()["messages"])
    if sent != count or delivered != count:
        raise BenchError(f"fan-out: {sent} sent and {delivered} received of {count}")
    return seconds


def commit_to_receipt(url: str, samples: int, workdir: Path) -> list[float]:
    """Delays (s) from a notification's commit to its receipt, with the real scheduler process."""
    receiver = Receiver()
    log = workdir / "scheduler.log"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "ROUNDS_VAPID_PRIVATE_KEY": KEY,
           "ROUNDS_VAPID_SUBJECT": SUBJECT}
    env.pop("ROUNDS_PUSH_POLL_SECONDS", None)  # the default interval is what is measured
    with log.open("a") as output:
        scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "server", "scheduler"], cwd=ROOT,
                                     env=env, stdout=output, stderr=subprocess.STDOUT)
    app = bench_app(url)
    delays = []
    try:
        with app.app_context():
            person_id, device_id = seed_person()
            subscriptions = receiver.subscriptions(samples)
            time.sleep(3)  # the scheduler is up and polling
            for info in subscriptions:
                time.sleep(random.uniform(0, 2))  # a random moment within the poll interval
                [note_id] = add_due(person_id, device_id, [info])
                committed = time.time()
                deadline = committed + 30
                while True:
                    arrived = [m["received_at"] for m in receiver.received()["messages"] if m["id"] == note_id]
                    if arrived:
                        delays.append(arrived[0] - committed)
                        break
                    if time.time() > deadline:
                        raise BenchError(f"a push committed 30 s ago has not arrived (see {log})")
                    time.sleep(0.02)
            db.session.remove()
    finally:
        scheduler.terminate()
        scheduler.wait()
        receiver.stop()
    return delays


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--count", type=int, default=2000, help="notifications, one subscription each")
    parser.add_argument("--samples", type=int, default=15, help="commit-to-receipt measurements")
    parser.add_argument("--repeat", type=int, default=1, help="report the median of this many fan-outs")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/rounds_push_bench")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="rounds-push-bench-"))
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    plain, push = [], []
    try:
        for repeat in range(args.repeat):
            print(f"{args.db}: run {repeat + 1} of {args.repeat}...", flush=True)
            receiver = Receiver()
            try:
                plain.append(plain_posts(receiver, args.count))
                url = fresh_database(args.db, args.pg_url, workdir, repeat)
                migrate(url)
                push.append(fan_out(receiver, url, args.count))
            finally:
                receiver.stop()
        url = fresh_database(args.db, args.pg_url, workdir, args.repeat)
        migrate(url)
        delays = commit_to_receipt(url, args.samples, workdir)
    except BenchError as error:
        print(f"\nBROKEN on {args.db}: {error}\n(logs kept in {workdir})", file=sys.stderr)
        return 1
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    plain_rate, push_rate = args.count / statistics.median(plain), args.count / statistics.median(push)
    print(f"\n== {args.db}: {args.count} notifications to {args.count} subscriptions, {SENDER_THREADS} sender "
          f"threads, {body_size()}-byte bodies, median of {args.repeat}")
    print(f"{'phase':<34}{'count':>8}{'seconds':>10}{'per s':>10}")
    print(f"{'plain POST (no crypto, no VAPID)':<34}{args.count:>8}{statistics.median(plain):>10.2f}{plain_rate:>10.0f}")
    print(f"{'Rounds push (aes128gcm + VAPID)':<34}{args.count:>8}{statistics.median(push):>10.2f}{push_rate:>10.0f}")
    print(f"ratio push/plain {push_rate / plain_rate:.2f}")
    median_delay = statistics.median(delays)
    print(f"commit-to-receipt with the scheduler process (default poll), {len(delays)} samples: "
          f"median {median_delay:.2f} s, max {max(delays):.2f} s")
    print(f"target push>={TARGET_RATE}/s on {args.db}: {'PASS' if push_rate >= TARGET_RATE else 'MISS'} "
          f"({push_rate:.0f}/s)")
    print(f"target delay median<{TARGET_DELAY_S}s on {args.db}: "
          f"{'PASS' if median_delay < TARGET_DELAY_S else 'MISS'} ({median_delay:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
