"""Roster imports as jobs of the scheduler process: district-size files, no request time limit.

The preview request checks the file and stores its rows and plan as a pending RosterImport
(`create_import`); the admin confirms it; `run_next()` (the scheduler's poll) then claims one
confirmed import and works in two phases:
1. prepare: hash the rows' passwords CHUNK_ROWS at a time, each chunk committed with the import's
   progress, so that a process killed here resumes with the rows left; the hashes of a chunk are
   computed on HASH_THREADS threads (argon2 releases the GIL, so they use that many cores);
2. apply: one transaction that checks the rows again against the database as it is now, refuses
   the import (state failed, `error` saying why, nothing written) if what it would change is not
   what the preview showed, and otherwise writes every school and person and one
   `roster_imported` audit event.
A claim is a lease (`lease_token`, `lease_until`), renewed by each chunk: a dead worker's import
is taken again once its lease lapses, and a worker that lost its lease writes nothing more. On
PostgreSQL several schedulers share the polls through `FOR UPDATE SKIP LOCKED`; on SQLite the
claim and the apply hold the write lock (BEGIN IMMEDIATE).
Passwords are removed from the stored rows once an import is done or failed, and from pending
imports not confirmed within PENDING_HOURS.
"""
import logging
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, false, insert, or_, select, update

from server import audit
from server.authz import in_scope
from server.extensions import db
from server.models import District, Person
from server.models.roster_import import RosterImport, RosterImportHash
from server.models.types import utcnow
from server.roster import LOOKUP_CHUNK, RosterProblems, apply_roster, check_roster, password_hash_for, plan_roster

log = logging.getLogger(__name__)

# About 2-3 s of argon2 at production cost: progress moves often, a restart redoes little.
CHUNK_ROWS = 16
# One per core, up to 4: each hash holds 64 MiB (ROUNDS_PASSWORD_MEMORY_KIB) while it runs.
HASH_THREADS = max(1, min(4, os.cpu_count() or 1))
LEASE_SECONDS = 120
PENDING_HOURS = 24
AGAIN = "Preview the file again and confirm the new preview."


class LeaseLost(Exception):
    """Another worker took this import over (this one was too slow or presumed dead)."""


def create_import(rows: list[tuple[int, dict]], plan: dict, district: District, admin: Person,
                  deactivate_missing: bool) -> RosterImport:
    """A pending import of checked `rows` as `plan` describes them, added to the session."""
    roster_import = RosterImport(district_id=district.id, school_id=admin.school_id, admin_id=admin.id,
                                 state="pending", options={"deactivate_missing": deactivate_missing},
                                 rows=[[line, row] for line, row in rows], plan=plan,
                                 progress_done=0, progress_total=len(rows))
    db.session.add(roster_import)
    return roster_import


def visible_imports_query(person: Person):
    """Imports the person may see and confirm: an admin's, within their scope; none for others."""
    if not person.has_role("admin"):
        return select(RosterImport).where(false())
    query = select(RosterImport).where(RosterImport.district_id == person.district_id)
    if person.school_id is not None:
        query = query.where(RosterImport.school_id == person.school_id)
    return query


def run_next(chunk_rows: int = CHUNK_ROWS, lease_seconds: float = LEASE_SECONDS,
             hash_threads: int = HASH_THREADS) -> str | None:
    """Expire stale pending imports, then claim one confirmed import (or one whose worker died)
    and run it to the end; its id, or None if there was nothing to do or another worker took it
    over meanwhile."""
    expire_pending()
    claimed = _claim(lease_seconds)
    if claimed is None:
        return None
    import_id, token = claimed
    try:
        _prepare(import_id, token, chunk_rows, lease_seconds, hash_threads)
        _apply(import_id, token)
    except LeaseLost:
        db.session.rollback()
        log.warning("roster import %s: another worker took it over", import_id)
        return None
    except Exception:
        db.session.rollback()
        log.exception("roster import %s stopped", import_id)
        _fail(import_id, token, {"message": "The import stopped on an unexpected error; nothing was written. "
                                            + AGAIN, "fields": {}})
    return import_id


def expire_pending(now=None) -> int:
    """Refuse pending imports older than PENDING_HOURS, forgetting their passwords; how many."""
    cutoff = (now or utcnow()) - timedelta(hours=PENDING_HOURS)
    stale = db.session.scalars(select(RosterImport).where(RosterImport.state == "pending",
                                                          RosterImport.created_at < cutoff)).all()
    for roster_import in stale:
        roster_import.state, roster_import.finished_at = "failed", utcnow()
        roster_import.rows = _without_passwords(roster_import.rows)
        roster_import.error = {"message": f"Not confirmed within {PENDING_HOURS} hours; nothing was written. "
                                          "Upload the file again.", "fields": {}}
    db.session.commit()
    return len(stale)


def _claim(lease_seconds: float) -> tuple[str, str] | None:
    now = utcnow()
    db.session.connection(execution_options={"sqlite_immediate": True})
    due = or_(RosterImport.state == "confirmed",
              and_(RosterImport.state == "running", RosterImport.lease_until < now))
    import_id = db.session.scalar(select(RosterImport.id).where(due).order_by(RosterImport.confirmed_at)
                                  .limit(1).with_for_update(skip_locked=True))
    if import_id is None:
        db.session.commit()
        return None
    token = secrets.token_hex(16)
    db.session.execute(update(RosterImport).where(RosterImport.id == import_id).values(
        state="running", lease_token=token, lease_until=now + timedelta(seconds=lease_seconds)))
    db.session.commit()
    return import_id, token


def _prepare(import_id: str, token: str, chunk_rows: int, lease_seconds: float, hash_threads: int) -> None:
    """Hash the passwords not hashed yet, committing each chunk with the progress and a renewed lease."""
    rows = db.session.scalar(select(RosterImport.rows).where(RosterImport.id == import_id))
    hashed = set(db.session.scalars(select(RosterImportHash.position).where(RosterImportHash.import_id == import_id)))
    todo = [position for position, (_line, row) in enumerate(rows) if row["password"] and position not in hashed]
    # Plain data: the person objects would expire at every chunk's commit.
    emails = [rows[position][1]["email"] for position in todo]
    current = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        current.update(db.session.execute(select(Person.email, Person.password_hash)
                                          .where(Person.email.in_(emails[start:start + LOOKUP_CHUNK]))).all())
    db.session.commit()
    left = len(todo)
    # Rows without a password (or hashed before a restart) are prepared already.
    db.session.connection(execution_options={"sqlite_immediate": True})
    _renew(import_id, token, lease_seconds, progress_done=len(rows) - left)
    db.session.commit()
    app = current_app._get_current_object()

    def hash_row(position: int) -> str | None:
        # The hasher's cost comes from the app's configuration; nothing here touches the database.
        with app.app_context():
            row = rows[position][1]
            return password_hash_for(row, current.get(row["email"]))

    with ThreadPoolExecutor(max_workers=hash_threads, thread_name_prefix="roster-hash") as pool:
        for start in range(0, len(todo), chunk_rows):
            chunk = todo[start:start + chunk_rows]
            staged = [{"import_id": import_id, "position": position, "password_hash": password_hash}
                      for position, password_hash in zip(chunk, pool.map(hash_row, chunk))]
            left -= len(chunk)
            db.session.connection(execution_options={"sqlite_immediate": True})
            db.session.execute(insert(RosterImportHash), staged)
            _renew(import_id, token, lease_seconds, progress_done=len(rows) - left)
            db.session.commit()


def _renew(import_id: str, token: str, lease_seconds: float, **values) -> None:
    renewed = db.session.execute(update(RosterImport).where(
        RosterImport.id == import_id, RosterImport.lease_token == token, RosterImport.state == "running").values(
        lease_until=utcnow() + timedelta(seconds=lease_seconds), **values))
    if renewed.rowcount != 1:
        raise LeaseLost(import_id)


def _apply(import_id: str, token: str) -> None:
    """Check again and write everything in one transaction, or fail the import writing nothing."""
    db.session.connection(execution_options={"sqlite_immediate": True})
    roster_import = db.session.scalar(select(RosterImport).where(RosterImport.id == import_id).with_for_update())
    if roster_import.lease_token != token or roster_import.state != "running":
        raise LeaseLost(import_id)
    district = db.session.get(District, roster_import.district_id)
    admin = db.session.get(Person, roster_import.admin_id) if roster_import.admin_id else None
    if admin is None or not admin.active or not admin.has_role("admin") or not in_scope(
            admin, roster_import.district_id, roster_import.school_id):
        return _refuse(roster_import, token, {"message": "The admin who previewed this import no longer administers "
                                                         "its schools; nothing was written.", "fields": {}})
    rows = [(line, row) for line, row in roster_import.rows]
    deactivate = bool(roster_import.options.get("deactivate_missing"))
    try:
        checked = check_roster(rows, district, admin)
    except RosterProblems as problems:
        return _refuse(roster_import, token, {"message": f"{problems} " + AGAIN, "fields": problems.by_line()})
    plan = plan_roster(checked, district, admin, deactivate)
    differences = plan_differences(roster_import.plan, plan)
    if differences:
        count = len(differences)
        return _refuse(roster_import, token, {
            "message": f"{count} {'part' if count == 1 else 'parts'} of the roster changed since the preview; "
                       "nothing was written. " + AGAIN, "fields": differences})
    hashes = dict(db.session.execute(select(RosterImportHash.position, RosterImportHash.password_hash)
                                     .where(RosterImportHash.import_id == import_id)).all())
    counts = apply_roster(checked, district, admin, hashes, deactivate)
    counts.pop("people_changed")
    audit.record("roster_imported", admin, subject=district, rows=len(rows), import_id=roster_import.id, **counts)
    _finish(roster_import, "done", counts=counts, progress_done=len(rows))
    db.session.commit()
    log.info("roster import %s done: %s", import_id, counts)


def plan_differences(previewed: dict, now: dict) -> dict[str, dict[str, list[str]]]:
    """Where the plan of the database as it is now departs from the one the admin confirmed,
    keyed like a roster's problems (line number, or `schools` and `deactivate_missing`)."""
    found: dict[str, dict[str, list[str]]] = {}

    def by_line(plan):
        return {entry["line"]: (kind, entry) for kind in ("added", "updated", "unchanged") for entry in plan[kind]}

    before, after = by_line(previewed), by_line(now)
    for line in sorted(set(before) | set(after)):
        if before.get(line) != after.get(line):
            was, becomes = (before.get(line) or ("absent",))[0], (after.get(line) or ("absent",))[0]
            what = f"was to be {was}, now {becomes}" if was != becomes else f"its changes are now {after[line][1]['changes']}"
            found[str(line)] = {"email": [f"This person changed since the preview ({what})."]}
    if (previewed["schools_created"], previewed["schools_updated"]) != (now["schools_created"], now["schools_updated"]):
        found["schools"] = {"school": ["The district's schools changed since the preview."]}
    if previewed["deactivated"] != now["deactivated"]:
        found["deactivate_missing"] = {"deactivate_missing": ["The people missing from the file changed since the "
                                                              "preview."]}
    return found


def _refuse(roster_import: RosterImport, token: str, error: dict) -> None:
    import_id = roster_import.id  # read before the rollback expires it
    db.session.rollback()
    _fail(import_id, token, error)


def _fail(import_id: str, token: str, error: dict) -> None:
    """Mark the import failed (if this worker still holds it), forgetting its passwords."""
    db.session.connection(execution_options={"sqlite_immediate": True})
    roster_import = db.session.get(RosterImport, import_id, with_for_update=True)
    if roster_import is None or roster_import.lease_token != token:
        db.session.rollback()
        return
    _finish(roster_import, "failed", error=error)
    db.session.commit()
    log.info("roster import %s failed: %s", import_id, error["message"])


def _finish(roster_import: RosterImport, state: str, **values) -> None:
    db.session.execute(delete(RosterImportHash).where(RosterImportHash.import_id == roster_import.id))
    roster_import.state, roster_import.finished_at = state, utcnow()
    roster_import.lease_token = roster_import.lease_until = None
    roster_import.rows = _without_passwords(roster_import.rows)
    for name, value in values.items():
        setattr(roster_import, name, value)


def _without_passwords(rows: list) -> list:
    return [[line, {**row, "password": None}] for line, row in rows]
