"""The scheduler process: `flask --app server scheduler` (the Procfile's `scheduler:`).

Its jobs are fixed periodic polls and all their work lives in the database, so APScheduler keeps
them in memory and any number of scheduler processes may run:
- deliver due pushes every `PUSH_POLL_SECONDS` (2 s); several processes share rows safely
  (server/push_delivery.py);
- sweep for reminders every few minutes (`server.reminders.sweep(now)`), under a lock so that
  two schedulers never sweep at once;
- each night, delete deliveries that were sent, failed or skipped more than 30 days ago;
- every minute, bring the district reports' summaries up to date (`server.reports.summary`):
  build those of new districts, fold in what changed;
- every `ROSTER_POLL_SECONDS` (3 s), run the confirmed roster imports (`server.roster_jobs`).

Settings (app config, else the `ROUNDS_`-prefixed environment variable): PUSH_POLL_SECONDS (2),
PUSH_LEASE_SECONDS (60), PUSH_TIMEOUT_SECONDS (10: one request to a push service),
REPORT_REFRESH_SECONDS (60), ROSTER_POLL_SECONDS (3), ROSTER_LEASE_SECONDS (120).
`start_in_thread(app)` runs the same jobs inside another process (the demo).
"""
import contextlib
import fcntl
import logging
import os
import signal
from datetime import timedelta

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, text

from server.extensions import db
from server.models.notify import PushDelivery
from server.models.types import utcnow
from server.push_delivery import deliver_due
from server.reminders import sweep
from server.reports import summary
from server.roster_jobs import run_next as run_next_roster_import
from server.vapid import vapid_private_key, vapid_subject

log = logging.getLogger("rounds.scheduler")

SWEEP_MINUTES = 5
KEEP_DAYS = 30
# Any constant works; it only has to differ from other advisory locks taken on the same database.
SWEEP_LOCK_KEY = 0x526F756E  # "Roun"
DELIVERY_BATCH = 500


def setting(app: Flask, name: str, default: float) -> float:
    raw = app.config.get(name) or os.environ.get("ROUNDS_" + name)
    value = float(raw) if raw else default
    if not value > 0:
        raise RuntimeError(f"ROUNDS_{name} must be a positive number, not {raw!r}.")
    return value


def deliver_job(app: Flask) -> None:
    """Deliver until nothing due is left (a backlog drains at full speed, not one batch per poll)."""
    lease = setting(app, "PUSH_LEASE_SECONDS", 60)
    timeout = setting(app, "PUSH_TIMEOUT_SECONDS", 10)
    with app.app_context():
        try:
            while True:
                counts = deliver_due(limit=DELIVERY_BATCH, lease_seconds=lease, timeout=timeout)
                if counts["claimed"]:
                    log.info("push: %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
                if counts["claimed"] < DELIVERY_BATCH:
                    return
        finally:
            db.session.remove()


def sweep_job(app: Flask) -> None:
    """Run the reminder sweep, unless another scheduler is sweeping now."""
    with app.app_context():
        try:
            with sweep_lock() as held:
                if not held:
                    log.info("reminders: another scheduler is sweeping; skipped")
                    return
                log.info("reminders: swept %s", sweep(utcnow()))
        finally:
            db.session.remove()


@contextlib.contextmanager
def sweep_lock():
    """Yield True while this process holds the sweep lock, False if another one does.

    PostgreSQL: a session advisory lock on a connection of its own (released with it if the process
    dies). SQLite: an fcntl lock on a file beside the database (released by the kernel likewise).
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            held = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": SWEEP_LOCK_KEY})
            connection.commit()
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SWEEP_LOCK_KEY})
                    connection.commit()
        return
    database = db.engine.url.database
    path = (database if database and database != ":memory:"
            else os.path.join(current_app.instance_path, "rounds")) + ".sweep.lock"
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cleanup_job(app: Flask) -> None:
    """Forget deliveries that are over: sent, failed or skipped more than KEEP_DAYS ago. Paused and
    dead rows stay for admins to see."""
    with app.app_context():
        try:
            cutoff = utcnow() - timedelta(days=KEEP_DAYS)
            result = db.session.execute(delete(PushDelivery).where(
                PushDelivery.state.in_(("sent", "failed", "skipped")), PushDelivery.created_at < cutoff))
            db.session.commit()
            log.info("clean-up: %d old deliveries deleted", result.rowcount)
        finally:
            db.session.remove()


def summaries_job(app: Flask) -> None:
    """Build missing report summaries and fold in the changes since (another scheduler doing it
    makes this one skip)."""
    with app.app_context():
        try:
            done = summary.refresh_all()
            if done["built"] or done["folded"]:
                log.info("report summaries: built %(built)s districts, folded %(folded)s observations", done)
        finally:
            db.session.remove()


def roster_job(app: Flask) -> None:
    """Run confirmed roster imports one after another until none is waiting."""
    lease = setting(app, "ROSTER_LEASE_SECONDS", 120)
    with app.app_context():
        try:
            while run_next_roster_import(lease_seconds=lease) is not None:
                pass
        finally:
            db.session.remove()


def add_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    poll = setting(app, "PUSH_POLL_SECONDS", 2)
    now = utcnow()
    scheduler.add_job(deliver_job, "interval", args=[app], seconds=poll, id="deliver", next_run_time=now,
                      coalesce=True, max_instances=1, misfire_grace_time=None)
    scheduler.add_job(sweep_job, "interval", args=[app], minutes=SWEEP_MINUTES, id="sweep",
                      next_run_time=now + timedelta(seconds=5), coalesce=True, max_instances=1)
    scheduler.add_job(summaries_job, "interval", args=[app], seconds=setting(app, "REPORT_REFRESH_SECONDS", 60),
                      id="summaries", next_run_time=now + timedelta(seconds=10), coalesce=True, max_instances=1)
    scheduler.add_job(roster_job, "interval", args=[app], seconds=setting(app, "ROSTER_POLL_SECONDS", 3),
                      id="roster", next_run_time=now + timedelta(seconds=1), coalesce=True, max_instances=1)
    # 08:30 UTC is night across the United States' time zones.
    scheduler.add_job(cleanup_job, "cron", args=[app], hour=8, minute=30, timezone="UTC", id="cleanup",
                      coalesce=True, max_instances=1)


class _QuietSkips(logging.Filter):
    """A delivery that drains a backlog outlasts the poll interval; APScheduler then warns on every
    poll it skips, which is the design working, not a problem."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler.scheduler").addFilter(_QuietSkips())
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


def start_in_thread(app: Flask) -> BackgroundScheduler:
    """Start the scheduler's jobs on background threads of this process; returns the scheduler
    (call `.shutdown()` to stop it)."""
    logging.getLogger("apscheduler.scheduler").addFilter(_QuietSkips())
    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(scheduler, app)
    scheduler.start()
    return scheduler


def _stop(_signum, _frame) -> None:
    raise SystemExit(0)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler: deliver pushes, sweep reminders, clean up. Stops on SIGTERM or Ctrl+C after
    the deliveries in hand are recorded."""
    _configure_logging()
    app = current_app._get_current_object()
    # Refuse to start with unusable VAPID settings rather than pause every delivery.
    vapid_private_key(app), vapid_subject(app)
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, app)
    signal.signal(signal.SIGTERM, _stop)
    log.info("scheduler: delivering every %s s", setting(app, "PUSH_POLL_SECONDS", 2))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
