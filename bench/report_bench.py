"""Report benchmark: each district report's JSON for a whole district, through the real route.

Generates `--rows` submitted observations (with evidence notes, feedback and support commitments)
straight into an empty database with bulk inserts, and says how long that took. Then, signed in
as district-wide staff with Flask's test client, it times each report (median of `--repeat`
runs) for the whole district, beside a baseline measured in the same run: a plain
`SELECT count(*)` over the same observations. Whole-district reports read the district's summary
(server.reports.summary): the bench builds it after generating (bulk inserts bypass the change
feed, as a restored backup would) and says how long that took; it also times each report once
more after 1,000 observations changed through the change feed (the request folds them in), and
one filtered report (one school), which is counted from the observations. Target on PostgreSQL:
each report under 2 s at 1,000,000 observations. A missed target exits 0 (this is a
measurement); a report that does not answer 200 exits 1. From the repo root:

    python bench/report_bench.py                                   # SQLite, 100,000 observations
    python bench/report_bench.py --db postgresql --rows 1000000
"""
import argparse
import contextlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever one pip installed

from flask_migrate import upgrade
from sqlalchemy import insert, select, text, update

from databases import BenchError, fresh_database  # noqa: E402  (bench/, beside this file)
from server import create_app
from server.demo import LOOKFORS
from server.extensions import db
from server.models import (District, EvidenceNote, Feedback, LookFor, LookForTemplate, Observation, Person,
                           RoleGrant, School, SupportCommitment)
from server.passwords import hash_password
from server.reports import summary
from server.sync_feed import record_changes

TARGET_S = 2.0
REPORTS = ("lookfors", "coverage", "feedback-loop", "core")
PASSWORD = "bench password"
CHUNK = 5000
GRADES = ["K", "1", "2", "3", "4", "5", "6", "7", "8"]
SUBJECTS = ["Math", "ELA", "Science", "Social studies", "Art"]
DEMANDS = ["Recall", "Skill or concept", "Strategic thinking", "Extended thinking"]
START = datetime(2025, 8, 25, 8, tzinfo=timezone.utc)  # one school year of visits


def bench_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_TIME_COST": 1,
                       "PASSWORD_MEMORY_KIB": 64})


def migrate(app) -> None:
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
        upgrade()


def person(district_id, school_id, name, roles, password=None) -> str:
    person_id = str(uuid.uuid4())
    db.session.add(Person(id=person_id, district_id=district_id, school_id=school_id, name=name,
                          email=f"{person_id}@bench.example.org",
                          password_hash=hash_password(password) if password else None))
    db.session.add_all(RoleGrant(person_id=person_id, role=role) for role in roles)
    return person_id


def seed(schools: int, teachers: int, observers: int) -> dict:
    """The district: schools, their teachers and observers, a staff member, a template in two versions."""
    district = District(name="Bench district", timezone="America/Chicago")
    db.session.add(district)
    db.session.flush()
    world = {"schools": [], "staff_email": None}
    for n in range(schools):
        school = School(district_id=district.id, name=f"School {n:03d}")
        db.session.add(school)
        db.session.flush()
        world["schools"].append({
            "id": school.id,
            "teachers": [person(district.id, school.id, f"Teacher {n}-{t}", ["teacher"]) for t in range(teachers)],
            "observers": [person(district.id, school.id, f"Observer {n}-{o}", ["observer"]) for o in range(observers)]})
    staff = person(district.id, None, "Bench analyst", ["district_staff"], PASSWORD)
    world["staff_email"] = f"{staff}@bench.example.org"
    family = str(uuid.uuid4())
    world["templates"] = []
    for version in (1, 2):
        template = LookForTemplate(family_id=family, version=version, district_id=district.id, name="Walkthrough",
                                   status="published", published_at=START)
        template.lookfors = [LookFor(position=n, key=l["key"], label=l["label"], kind=l["kind"],
                                     levels=l.get("levels"), binds=l.get("binds")) for n, l in enumerate(LOOKFORS)]
        db.session.add(template)
        db.session.flush()
        world["templates"].append((template.id, version))
    db.session.commit()
    return world


def answers(rng: random.Random) -> dict:
    return {"target_posted": rng.random() < 0.7, "students_state_target": rng.choice(["None", "A few", "Most", "All"]),
            "student_questions": rng.randint(0, 25), "student_talk": rng.randint(0, 1200),
            "checks_for_understanding": rng.randint(0, 12), "students_explain_reasoning": rng.random() < 0.5,
            "evidence_of_thinking": "Pairs compared strategies."}


def generate(world: dict, rows: int, seed_value: int = 1) -> float:
    """Insert `rows` submitted observations with 2 notes each, feedback on 60% (a commitment on
    half of those); seconds taken."""
    rng = random.Random(seed_value)
    started = time.perf_counter()
    made = 0
    while made < rows:
        observations, notes, feedback, commitments = [], [], [], []
        for _ in range(min(CHUNK, rows - made)):
            school = rng.choice(world["schools"])
            teacher, observer = rng.choice(school["teachers"]), rng.choice(school["observers"])
            template_id, version = world["templates"][0 if rng.random() < 0.6 else 1]
            visit = START + timedelta(days=rng.randint(0, 300), minutes=rng.randint(0, 480))
            observation_id = str(uuid.uuid4())
            observations.append({
                "id": observation_id, "school_id": school["id"], "teacher_id": teacher, "observer_id": observer,
                "template_id": template_id, "template_version": version, "started_at": visit,
                "ended_at": visit + timedelta(minutes=rng.randint(5, 25)), "grade": rng.choice(GRADES),
                "subject": rng.choice(SUBJECTS), "teacher_doing": "Asks why.", "students_doing": "Explain.",
                "task": "Compare fractions.", "task_demand": rng.choice(DEMANDS), "lookfors": answers(rng),
                "status": "submitted", "deleted": False, "version": 1, "field_stamps": {}, "shared_at": visit,
                "created_at": visit, "updated_at": visit})
            for minute in (2, 9):
                notes.append({"id": str(uuid.uuid4()), "observation_id": observation_id, "author_id": observer,
                              "element": "teacher", "text": "Says: how do you know?",
                              "at": visit + timedelta(minutes=minute), "is_inference": rng.random() < 0.2,
                              "created_at": visit})
            if rng.random() < 0.6:
                released = visit + timedelta(hours=rng.randint(1, 96))
                feedback_id = str(uuid.uuid4())
                acknowledged = released + timedelta(hours=rng.randint(1, 72)) if rng.random() < 0.7 else None
                due = (released + timedelta(days=rng.randint(3, 20))).date()
                kept = released + timedelta(days=rng.randint(1, 25)) if rng.random() < 0.6 else None
                promised = rng.random() < 0.5
                feedback.append({
                    "id": feedback_id, "observation_id": observation_id, "glow": "Pairs explained.", "wonder": "",
                    "next_step": "Wait time.", "support_commitment": "Co-plan." if promised else "",
                    "support_due": due if promised else None, "released": True, "released_at": released,
                    "acknowledged_at": acknowledged, "reflection": "",
                    "usefulness": rng.randint(1, 5) if acknowledged and rng.random() < 0.8 else None,
                    "support_kept_at": kept if promised else None, "support_kept_note": "", "version": 1,
                    "field_stamps": {}, "created_at": released, "updated_at": released})
                if promised:
                    commitments.append({"id": str(uuid.uuid4()), "feedback_id": feedback_id, "observer_id": observer,
                                        "teacher_id": teacher, "description": "Co-plan.", "due_on": due,
                                        "kept_at": kept, "kept_note": "", "created_at": released})
        for model, batch in ((Observation, observations), (EvidenceNote, notes), (Feedback, feedback),
                             (SupportCommitment, commitments)):
            if batch:
                db.session.execute(insert(model.__table__), batch)
        db.session.commit()
        made += len(observations)
        if made % 100_000 < CHUNK:
            print(f"  {made:,} observations ({time.perf_counter() - started:.0f} s)", flush=True)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_summaries(app) -> float:
    """Seconds to build the district's report summary from its observations."""
    with app.app_context():
        started = time.perf_counter()
        summary.refresh_all()
        took = time.perf_counter() - started
        db.session.remove()
    return took


def change(app, count: int, seed_value: int = 2) -> None:
    """Change `count` submitted observations as a sync push would (their look-fors and task demand)
    and record them in the change feed, so that the next whole-district report folds them in."""
    rng = random.Random(seed_value)
    with app.app_context():
        ids = db.session.scalars(select(Observation.id).order_by(Observation.id).limit(count * 10)).all()
        chosen = rng.sample(ids, min(count, len(ids)))
        for observation_id in chosen:
            db.session.execute(update(Observation).where(Observation.id == observation_id).values(
                lookfors=answers(rng), task_demand=rng.choice(DEMANDS)))
        record_changes({("observation", observation_id): observation_id for observation_id in chosen})
        db.session.commit()
        db.session.remove()


def measure(app, world: dict, repeat: int, query: str = "") -> tuple[float, dict, dict]:
    """(baseline seconds, {report: seconds}, {report: answer bytes})."""
    with app.app_context():
        baseline = timed(lambda: db.session.execute(text(
            "SELECT count(*) FROM observations WHERE status = 'submitted' AND deleted = false")).scalar_one(), repeat)
        db.session.remove()
    client = app.test_client()
    signed_in = client.post("/api/auth/login", json={"email": world["staff_email"], "password": PASSWORD})
    if signed_in.status_code != 200:
        raise BenchError(f"sign-in answered {signed_in.status_code}: {signed_in.get_data(as_text=True)[:300]}")
    seconds, sizes = {}, {}

    def get(name):
        response = client.get(f"/api/reports/{name}{query}")
        if response.status_code != 200:
            raise BenchError(f"GET /api/reports/{name} answered {response.status_code}: "
                             f"{response.get_data(as_text=True)[:300]}")
        sizes[name] = len(response.data)

    for name in REPORTS:
        seconds[name] = timed(lambda: get(name), repeat)
    return baseline, seconds, sizes


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000, help="submitted observations to generate")
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--teachers", type=int, default=40, help="per school")
    parser.add_argument("--observers", type=int, default=4, help="per school")
    parser.add_argument("--repeat", type=int, default=3, help="report the median of this many runs")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/rounds_report_bench")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    kind = "postgresql" if args.db.startswith("postgres") else "sqlite"
    workdir = Path(tempfile.mkdtemp(prefix="rounds-report-bench-"))
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    try:
        url = fresh_database(kind, args.pg_url, workdir, 0)
        app = bench_app(url)
        migrate(app)
        with app.app_context():
            world = seed(args.schools, args.teachers, args.observers)
            print(f"{kind}: generating {args.rows:,} observations...", flush=True)
            generating = generate(world, args.rows)
            db.session.remove()
        print(f"{kind}: building the report summary...", flush=True)
        building = build_summaries(app)
        baseline, seconds, sizes = measure(app, world, args.repeat)
        change(app, 1000)
        _b, after_change, _s = measure(app, world, 1)
        _b, filtered, _s = measure(app, world, 1, f"?school={world['schools'][0]['id']}")
    except BenchError as error:
        print(f"\nBROKEN on {kind}: {error}\n(files kept in {workdir})", file=sys.stderr)
        return 1
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"\n== {kind}: {args.rows:,} observations ({args.schools} schools, {args.schools * args.teachers} "
          f"teachers), 2 notes each, feedback on 60%; generated in {generating:.0f} s "
          f"({args.rows / generating:,.0f} observations/s with their rows)")
    print(f"report summary built in {building:.0f} s ({args.rows / building:,.0f} observations/s)")
    print(f"{'what':<34}{'seconds':>9}{'x baseline':>12}{'KB':>8}")
    print(f"{'baseline: SELECT count(*)':<34}{baseline:>9.3f}{1:>12.1f}{'':>8}")
    for name in REPORTS:
        print(f"{'GET /api/reports/' + name:<34}{seconds[name]:>9.3f}{seconds[name] / baseline:>12.1f}"
              f"{sizes[name] / 1024:>8.0f}")
    print(f"{'':<34}{'after 1,000 changes (folded)':>30}{'one school (no summary)':>26}")
    for name in REPORTS:
        print(f"{'GET /api/reports/' + name:<34}{after_change[name]:>30.3f}{filtered[name]:>26.3f}")
    for name in REPORTS:
        verdict = "PASS" if seconds[name] < TARGET_S else "MISS"
        print(f"target {name} < {TARGET_S:.0f} s on {kind} at {args.rows:,}: {verdict} ({seconds[name]:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
