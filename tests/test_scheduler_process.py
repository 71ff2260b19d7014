"""The real scheduler process (`flask --app server scheduler`) against the local push service: a
killed scheduler loses nothing, and two schedulers on PostgreSQL send each push once."""
import collections
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, insert, select

from server.extensions import db
from server.ids import new_id
from server.models import Device
from server.models.notify import Notification, PushDelivery, PushSubscription
from server.models.types import utcnow
from server.vapid import raw_private_key
from tests.push_service import PushService

ROOT = Path(__file__).resolve().parent.parent
KEY = raw_private_key(ec.generate_private_key(ec.SECP256R1()))


def fan_out(person, service: PushService, count: int) -> list[str]:
    """`count` notifications for `person`, each due now on a subscription of its own; their ids."""
    device = Device(id=new_id(), person_id=person.id, name="tablet", token_hash=secrets.token_hex(32))
    db.session.add(device)
    db.session.flush()
    now = utcnow()
    subscriptions, notifications, deliveries = [], [], []
    for _ in range(count):
        info = service.subscribe()
        subscription_id, notification_id = new_id(), new_id()
        subscriptions.append({"id": subscription_id, "person_id": person.id, "device_id": device.id,
                              "endpoint": info["endpoint"], "p256dh": info["keys"]["p256dh"],
                              "auth": info["keys"]["auth"], "created_at": now, "updated_at": now})
        notifications.append({"id": notification_id, "kind": "feedback_released", "subject_id": new_id(),
                              "recipient_id": person.id, "ordinal": 0, "created_at": now, "push_after": now})
        deliveries.append({"notification_id": notification_id, "subscription_id": subscription_id,
                           "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now})
    db.session.execute(insert(PushSubscription), subscriptions)
    db.session.execute(insert(Notification), notifications)
    db.session.execute(insert(PushDelivery), deliveries)
    db.session.commit()
    return [row["id"] for row in notifications]


def start_scheduler(app, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "scheduler-test",
           "ROUNDS_VAPID_PRIVATE_KEY": KEY, "ROUNDS_VAPID_SUBJECT": "mailto:ops@rounds.example.org",
           "ROUNDS_PUSH_POLL_SECONDS": "0.2", "ROUNDS_PUSH_LEASE_SECONDS": "3", "ROUNDS_PUSH_TIMEOUT_SECONDS": "1"}
    with log.open("a") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "server", "scheduler"], cwd=ROOT,
                                env=env, stdout=output, stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def received_ids(service: PushService) -> collections.Counter:
    return collections.Counter(message.payload["id"] for message in service.all_messages())


def states() -> dict:
    db.session.expire_all()
    return dict(db.session.execute(select(PushDelivery.state, func.count()).group_by(PushDelivery.state)).all())


def test_a_scheduler_killed_mid_delivery_loses_nothing_after_a_restart(app, make, tmp_path):
    with PushService(delay_seconds=0.03) as service:
        ids = fan_out(make.person("teacher"), service, 150)
        log = tmp_path / "scheduler.log"
        first = start_scheduler(app, log)
        try:
            wait_for(lambda: sum(received_ids(service).values()) >= 30, 30, "the first pushes")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        assert sum(received_ids(service).values()) < 150, "the scheduler finished before it was killed"
        second = start_scheduler(app, log)
        try:
            wait_for(lambda: set(received_ids(service)) == set(ids), 40, "every push after the restart")
            wait_for(lambda: states() == {"sent": 150}, 10, "every delivery recorded as sent")
        finally:
            stop(second)

        counts = received_ids(service)
        assert set(counts) == set(ids) and max(counts.values()) <= 2, log.read_text()[-2000:]
        tags = collections.defaultdict(set)
        for message in service.all_messages():
            tags[message.payload["id"]].add(message.payload["tag"])
        assert all(len(tag) == 1 for tag in tags.values())
        assert not service.refused


@pytest.mark.skipif(not os.environ.get("ROUNDS_TEST_DATABASE_URL"),
                    reason="SQLite has one writer: only PostgreSQL runs several schedulers (SKIP LOCKED)")
def test_two_schedulers_send_each_of_a_thousand_pushes_once(app, make, tmp_path):
    with PushService() as service:
        ids = fan_out(make.person("teacher"), service, 1000)
        schedulers = [start_scheduler(app, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
        try:
            wait_for(lambda: sum(received_ids(service).values()) >= 1000, 50, "a thousand pushes")
            wait_for(lambda: states() == {"sent": 1000}, 10, "every delivery recorded as sent")
        finally:
            for process in schedulers:
                stop(process)

        counts = received_ids(service)
        assert set(counts) == set(ids) and set(counts.values()) == {1}
        assert not service.refused
