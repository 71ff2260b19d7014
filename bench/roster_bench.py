"""Roster bench: a district-size roster through the preview request and the scheduler's job.

For each database, with the argon2 cost the app uses in production (server/config.py:
PASSWORD_TIME_COST 3, PASSWORD_MEMORY_KIB 65,536, unless the ROUNDS_ variables say otherwise), it
imports `--rows` people with passwords, then `--rows` other people without, into an empty
district, as a district-wide admin through Flask's test client: it times the preview request
(which must answer well within gunicorn's 30 s), and the job (`server.roster_jobs.run_next`, as
the scheduler process runs it, hashing on `roster_jobs.HASH_THREADS` threads), split into its prepare phase (hashing, chunk by chunk) and its
apply phase (one transaction). Baselines measured in the same run: argon2 alone (median of
`--sample` hashes, times the rows), and a plain SQLAlchemy Core insert of as many people and role
grants in one transaction. Prints the ratios and the load average before and after. A preview or
job that does not end as expected prints BROKEN and exits 1. From the repo root:

    python bench/roster_bench.py                                   # SQLite, 5,000 rows
    python bench/roster_bench.py --db postgresql --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/rounds_roster_bench
"""
import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever one pip installed

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete, func, insert, select  # noqa: E402

from databases import BenchError, fresh_database  # noqa: E402  (bench/, beside this file)
from server import create_app  # noqa: E402
from server import roster_jobs  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import District, Person, RoleGrant, School  # noqa: E402
from server.models.roster_import import RosterImport  # noqa: E402
from server.passwords import hash_password  # noqa: E402

ADMIN_PASSWORD = "bench admin password"
REQUEST_LIMIT_S = 30.0  # gunicorn's worker timeout


def bench_app(url: str):
    # No PASSWORD_* here: the app's own (production) settings apply.
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def seed(app) -> str:
    """An empty district with two schools and its district-wide admin; the admin's email."""
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()
        district = District(name="Bench district", timezone="America/Chicago")
        db.session.add(district)
        db.session.flush()
        db.session.add_all([School(district_id=district.id, name=name) for name in ("Lincoln", "Grant")])
        admin = Person(district_id=district.id, name="Bench admin", email="admin@bench.example.org",
                       password_hash=hash_password(ADMIN_PASSWORD))
        admin.set_roles(["admin"])
        db.session.add(admin)
        db.session.commit()
        db.session.remove()
    return "admin@bench.example.org"


def csv_text(rows: int, prefix: str, passwords: bool) -> str:
    lines = ["email,name,roles,school,school_timezone,password"]
    for n in range(rows):
        school = ("Lincoln", "Grant", f"New school {n % 10}")[n % 3]
        lines.append(f"{prefix}{n}@bench.example.org,Person {n},teacher,{school},America/Chicago,"
                     + (f"password number {n}" if passwords else ""))
    return "\n".join(lines) + "\n"


class SignedIn:
    def __init__(self, app, email: str):
        self.client = app.test_client()
        response = self.client.post("/api/auth/login", json={"email": email, "password": ADMIN_PASSWORD})
        if response.status_code != 200:
            raise BenchError(f"sign-in answered {response.status_code}")
        self.csrf = self.client.get("/api/me").get_json()["csrf_token"]

    def post(self, url, **kwargs):
        return self.client.post(url, headers={"X-CSRF-Token": self.csrf}, **kwargs)


def import_once(app, api: SignedIn, text: str, rows: int) -> dict:
    """Preview, confirm and run the job; seconds per phase."""
    started = time.perf_counter()
    response = api.post("/api/admin/roster/preview", data=text.encode(), content_type="text/csv")
    preview_s = time.perf_counter() - started
    if response.status_code != 201 or response.get_json()["plan_counts"]["added"] != rows:
        raise BenchError(f"preview answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    import_id = response.get_json()["id"]
    if api.post(f"/api/admin/roster/imports/{import_id}/confirm").status_code != 202:
        raise BenchError("confirm was refused")
    prepared_at = []

    def watch(stop: threading.Event) -> None:
        # When every row is prepared, the apply phase begins.
        with app.app_context():
            while not stop.is_set():
                done = db.session.scalar(select(RosterImport.progress_done).where(RosterImport.id == import_id))
                db.session.rollback()
                if done == rows:
                    prepared_at.append(time.perf_counter())
                    return
                time.sleep(0.02)
            db.session.remove()

    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(stop,), daemon=True)
    started = time.perf_counter()
    watcher.start()
    with app.app_context():
        ran = roster_jobs.run_next()
        db.session.remove()
    job_s = time.perf_counter() - started
    stop.set()
    watcher.join()
    with app.app_context():
        finished = db.session.get(RosterImport, import_id)
        state, counts, error = finished.state, finished.counts, finished.error
        db.session.remove()
    if ran != import_id or state != "done" or counts["people_created"] != rows:
        raise BenchError(f"the job ended {state}: {error or counts}")
    prepare_s = (prepared_at[0] - started) if prepared_at else float("nan")
    return {"preview": preview_s, "job": job_s, "prepare": prepare_s, "apply": job_s - prepare_s}


def hashing_baseline(app, sample: int) -> float:
    """Median seconds of one argon2 hash at the app's settings."""
    with app.app_context():
        times = []
        for n in range(sample):
            started = time.perf_counter()
            hash_password(f"sample password {n}")
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def insert_baseline(app, rows: int) -> float:
    """Seconds to insert `rows` people and their role grants with Core, in one transaction (then
    removed again)."""
    with app.app_context():
        district_id = db.session.scalar(select(District.id))
        school_id = db.session.scalar(select(School.id).where(School.name == "Lincoln"))
        people = [{"id": str(uuid.uuid4()), "district_id": district_id, "school_id": school_id, "name": f"Base {n}",
                   "email": f"base{n}@bench.example.org", "active": True, "push_off": []} for n in range(rows)]
        grants = [{"person_id": person["id"], "role": "teacher"} for person in people]
        started = time.perf_counter()
        db.session.execute(insert(Person.__table__), people)
        db.session.execute(insert(RoleGrant.__table__), grants)
        db.session.commit()
        took = time.perf_counter() - started
        ids = [person["id"] for person in people]
        for start in range(0, rows, 500):
            db.session.execute(delete(RoleGrant.__table__).where(RoleGrant.person_id.in_(ids[start:start + 500])))
            db.session.execute(delete(Person.__table__).where(Person.id.in_(ids[start:start + 500])))
        db.session.commit()
        db.session.remove()
    return took


def run(kind: str, args, workdir: Path) -> bool:
    url = fresh_database(kind, args.pg_url, workdir, 1)
    app = bench_app(url)
    print(f"\n== {kind}: {args.rows:,} rows; argon2 time_cost={app.config['PASSWORD_TIME_COST']}, "
          f"memory={app.config['PASSWORD_MEMORY_KIB']:,} KiB; the job hashes on {roster_jobs.HASH_THREADS} "
          f"threads ({os.cpu_count()} cores)", flush=True)
    try:
        api = SignedIn(app, seed(app))
        per_hash = hashing_baseline(app, args.sample)
        inserted = insert_baseline(app, args.rows)
        print(f"baseline: argon2 {per_hash * 1000:.0f} ms per hash (median of {args.sample}) -> "
              f"{per_hash * args.rows:.0f} s for {args.rows:,}; Core insert of {args.rows:,} people + grants "
              f"{inserted:.2f} s", flush=True)
        for label, passwords, prefix in (("with passwords", True, "pw"), ("without passwords", False, "np")):
            times = import_once(app, api, csv_text(args.rows, prefix, passwords), args.rows)
            verdict = "ok" if times["preview"] < REQUEST_LIMIT_S else "MISS"
            print(f"{label:>18}: preview {times['preview']:.2f} s ({verdict}: < {REQUEST_LIMIT_S:.0f} s)  "
                  f"job {times['job']:.1f} s = prepare {times['prepare']:.1f} s + apply {times['apply']:.2f} s",
                  flush=True)
            if passwords:
                print(f"{'':>18}  prepare / argon2 alone = {times['prepare'] / (per_hash * args.rows):.2f}", flush=True)
            print(f"{'':>18}  apply / Core insert = {times['apply'] / inserted:.1f}", flush=True)
        with app.app_context():
            people = db.session.scalar(select(func.count()).select_from(Person))
            db.session.remove()
        if people != 2 * args.rows + 1:
            raise BenchError(f"{people} people in the database, expected {2 * args.rows + 1}")
        return True
    except BenchError as error:
        print(f"BROKEN on {kind}: {error}", flush=True)
        return False
    finally:
        with app.app_context():
            db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=20, help="hashes timed for the argon2 baseline")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/rounds_roster_bench")
    args = parser.parse_args()
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as workdir:
        results = [run(kind, args, Path(workdir)) for kind in kinds]
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
