"""Export benchmark: the identified CSV export of every observation of a district, through the real
route, against what the database alone takes to hand over the same rows, and its peak memory.

In one run:
- generate: a district of 10 schools, 200 teachers and 20 observers, and N submitted observations
  over 400 days (look-for answers on each, two evidence notes each, released feedback on half),
  written straight into the database (COPY FROM STDIN on PostgreSQL, executemany on SQLite); the
  time it took is printed;
- baseline: `COPY (SELECT ...) TO STDOUT` (PostgreSQL) or a plain SELECT fetched row by row
  (SQLite) of the same columns, joins, filter and order as the export's observations table;
- Rounds: GET /api/exports/observations?format=csv as a signed-in district analyst, through
  Flask's test client with the answer streamed (read a chunk at a time and thrown away);
- memory: VmHWM (peak RSS) of a fresh process that only runs the export, for the first 25% of the
  days (`to=`, about a quarter of the rows) and for all of them.
Each measurement runs in a subprocess of its own. Targets (issue 11, PostgreSQL at 1,000,000):
>= 100,000 rows/s, ratio to the baseline >= 0.5, peak RSS at 100% within 10% of at 25%. A missed
target exits 0 (this is a measurement); a wrong row count exits 1. From the repo root:

    python bench/export_bench.py                                   # SQLite, 100,000 observations
    python bench/export_bench.py --db postgresql --rows 1000000
"""
import argparse
import contextlib
import io
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever one pip installed

from flask_migrate import upgrade  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from databases import BenchError, fresh_database  # noqa: E402  (bench/, beside this file)
from server import create_app  # noqa: E402
from server.analytics.scope import Scope, criteria  # noqa: E402
from server.analytics.tables import OBSERVATIONS  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import (AuditEvent, District, EvidenceNote, Feedback, LookFor,  # noqa: E402
                           LookForTemplate, Observation, Person, RoleGrant, School)
from server.passwords import hash_password  # noqa: E402

PASSWORD = "bench export password"
ANALYST = "analyst@bench.rounds"
START = datetime(2025, 1, 6, 13, 0, tzinfo=timezone.utc)
DAYS = 400
TARGET_RATE, TARGET_RATIO, TARGET_RSS = 100_000, 0.5, 1.10


def bench_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "PWA_DIR": None})


def generate(url: str, count: int) -> float:
    """Fill an empty, migrated database; returns the seconds it took."""
    began = time.perf_counter()
    app = bench_app(url)
    with app.app_context():
        district = District(name="Bench District", timezone="America/Chicago")
        db.session.add(district)
        db.session.flush()
        schools = [School(district_id=district.id, name=f"School {i}") for i in range(10)]
        db.session.add_all(schools)
        db.session.flush()
        people = []
        for i in range(220):
            school = schools[i % 10]
            person = Person(district_id=district.id, school_id=school.id, name=f"Person {i}",
                            email=f"p{i}@bench.rounds")
            person.role_grants = [RoleGrant(role="teacher" if i < 200 else "observer")]
            people.append(person)
        analyst = Person(district_id=district.id, name="Analyst", email=ANALYST, password_hash=hash_password(PASSWORD))
        analyst.role_grants = [RoleGrant(role="district_staff")]
        db.session.add_all([*people, analyst])
        template = LookForTemplate(family_id=str(uuid.uuid4()), version=1, district_id=district.id, name="Core",
                                   status="published", published_at=START)
        template.lookfors = [LookFor(position=0, key="target_posted", label="Target posted", kind="yes_no"),
                             LookFor(position=1, key="turns", label="Talk turns", kind="count"),
                             LookFor(position=2, key="note", label="Anything else", kind="text")]
        db.session.add(template)
        db.session.commit()
        teachers = [(p.id, p.school_id) for p in people[:200]]
        observers = {s.id: [p.id for p in people[200:] if p.school_id == s.id] for s in schools}
        rows = lambda: _rows(count, teachers, observers, template.id)  # noqa: E731  (the same rows each call)
        if db.engine.dialect.name == "postgresql":
            _copy_in(rows)
        else:
            _insert(rows())
    return time.perf_counter() - began


def _rows(count, teachers, observers, template_id):
    """(observation, [notes], feedback or None) dicts, made lazily; the same ones on every call."""
    rng = random.Random(11)
    new_id = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
    for i in range(count):
        teacher_id, school_id = teachers[rng.randrange(len(teachers))]
        observer_id = observers[school_id][0]
        started = START + timedelta(seconds=int(i * DAYS * 86400 / count))
        oid = new_id()
        observation = dict(
            id=oid, school_id=school_id, teacher_id=teacher_id, observer_id=observer_id, template_id=template_id,
            template_version=1, started_at=started, ended_at=started + timedelta(minutes=12),
            grade=str(rng.randint(1, 8)), subject=rng.choice(["Math", "Reading", "Science", "History"]),
            segment="Work time", students_present=rng.randint(12, 30),
            teacher_doing="Asks students to explain, \"how do you know?\", waits", students_doing="Pairs compare",
            task="Compare fractions on a number line", task_demand="Skill or concept",
            lookfors={"target_posted": rng.random() < 0.7, "turns": rng.randint(0, 20), "note": "calm"},
            status="submitted", deleted=False, shared_at=started, version=1, field_stamps={},
            created_at=started, updated_at=started)
        notes = [dict(id=new_id(), observation_id=oid, author_id=observer_id, element="students",
                      text=f"Student {k}: because the tens, =not a formula", at=started + timedelta(minutes=k),
                      is_inference=k == 1, created_at=started) for k in range(2)]
        feedback = None
        if i % 2 == 0:
            feedback = dict(id=new_id(), observation_id=oid, glow="Good questions", wonder="What if?",
                            next_step="Wait longer", support_commitment="I model it", support_due=started.date(),
                            released=True, released_at=started, reflection="", support_kept_note="", version=1,
                            field_stamps={}, created_at=started, updated_at=started)
        yield observation, notes, feedback


def _insert(rows, size=10_000):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            _insert_batch(batch)
            batch = []
    _insert_batch(batch)


def _insert_batch(batch):
    if not batch:
        return
    db.session.execute(insert(Observation), [o for o, _n, _f in batch])
    db.session.execute(insert(EvidenceNote), [n for _o, notes, _f in batch for n in notes])
    feedback = [f for _o, _n, f in batch if f]
    if feedback:
        db.session.execute(insert(Feedback), feedback)
    db.session.commit()


def _copy_in(rows):
    """One COPY FROM STDIN per table, each over a fresh pass of the same rows (memory stays flat)."""
    raw = db.session.connection().connection.driver_connection
    parts = {"observations": lambda o, n, f: [o], "evidence_notes": lambda o, n, f: n,
             "feedback": lambda o, n, f: [f] if f else []}
    with raw.cursor() as cursor:
        for name, pick in parts.items():
            records = (record for row in rows() for record in pick(*row))
            first = next(records, None)
            if first is None:
                continue
            with cursor.copy(f"COPY {name} ({', '.join(first)}) FROM STDIN") as copy:
                for record in itertools.chain([first], records):
                    copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in record.values()])
    db.session.commit()


def measure(url: str, what: str, to: str | None) -> dict:
    """In this (fresh) process: the export through the route, or the baseline; rows, seconds, VmHWM."""
    app = bench_app(url)
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        if what == "baseline":
            began = time.perf_counter()
            rows = _baseline(to)
            seconds = time.perf_counter() - began
        else:
            client = app.test_client()
            assert client.post("/api/auth/login", json={"email": ANALYST, "password": PASSWORD}).status_code == 200
            query = "?format=csv" + (f"&to={to}" if to else "")
            began = time.perf_counter()
            response = client.get("/api/exports/observations" + query, buffered=False)
            size = sum(len(chunk) for chunk in response.response)
            response.close()
            seconds = time.perf_counter() - began
            event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            rows = event.detail["rows"]["observations"]
            if response.status_code != 200 or not event.detail["complete"]:
                raise BenchError(f"export answered {response.status_code}, complete={event.detail['complete']}")
    measured = {"rows": rows, "seconds": seconds, "vmhwm_kb": _vmhwm_kb()}
    return measured if what == "baseline" else {**measured, "bytes": size}


def _baseline(to):
    """The same rows of the same query, as the database hands them over with nothing done to them."""
    district = db.session.scalar(select(District))
    filters = {"to": date.fromisoformat(to)} if to else {}
    conditions = criteria(Scope.of_district(district), filters)
    select_ = OBSERVATIONS.query([c.expression.label(c.name) for c in OBSERVATIONS.columns], conditions)
    connection = db.session.connection()
    compiled = select_.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    raw = connection.connection.driver_connection
    rows = 0
    if connection.dialect.name == "postgresql":
        sql = psycopg.ClientCursor(raw).mogrify(str(compiled), compiled.params)
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for _row in copy:
                rows += 1
    else:
        params = compiled.construct_params()
        values = [compiled.binds[name].type.bind_processor(connection.dialect)(params[name])
                  if compiled.binds[name].type.bind_processor(connection.dialect) else params[name]
                  for name in compiled.positiontup]
        for _row in raw.execute(str(compiled), values):
            rows += 1
    return rows


def _vmhwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise BenchError("no VmHWM in /proc/self/status")


def in_subprocess(url: str, what: str, to: str | None) -> dict:
    command = [sys.executable, __file__, "--measure", what, "--url", url] + (["--to", to] if to else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise BenchError(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(kind: str, count: int, pg_url: str) -> None:
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="rounds-export-bench-") as workdir:
        url = fresh_database(kind, pg_url, Path(workdir), 1)
        with bench_app(url).app_context(), contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        seconds = generate(url, count)
        print(f"{kind}: generated {count:,} observations, {2 * count:,} notes, {count // 2:,} feedback "
              f"in {seconds:.1f} s")
        quarter = (START + timedelta(days=DAYS // 4 - 1)).date().isoformat()
        baseline = in_subprocess(url, "baseline", None)
        full = in_subprocess(url, "export", None)
        part = in_subprocess(url, "export", quarter)
        if full["rows"] != count or baseline["rows"] != count:
            raise BenchError(f"expected {count} rows; export {full['rows']}, baseline {baseline['rows']}")
        base_rate, rate = count / baseline["seconds"], count / full["seconds"]
        ratio = rate / base_rate
        growth = full["vmhwm_kb"] / part["vmhwm_kb"]
        print(f"baseline ({'COPY TO STDOUT' if kind == 'postgresql' else 'plain SELECT'}): "
              f"{base_rate:,.0f} rows/s ({baseline['seconds']:.2f} s)")
        print(f"Rounds CSV export: {rate:,.0f} rows/s ({full['seconds']:.2f} s, {full['bytes'] / 1e6:.1f} MB)"
              f"  target >= {TARGET_RATE:,}: {'ok' if rate >= TARGET_RATE else 'MISS'}")
        print(f"ratio to baseline: {ratio:.2f}  target >= {TARGET_RATIO}: {'ok' if ratio >= TARGET_RATIO else 'MISS'}")
        print(f"peak RSS: {part['vmhwm_kb'] / 1024:.1f} MiB at {part['rows']:,} rows, "
              f"{full['vmhwm_kb'] / 1024:.1f} MiB at {full['rows']:,} rows (x{growth:.3f})"
              f"  target <= x{TARGET_RSS}: {'ok' if growth <= TARGET_RSS else 'MISS'}")
    print(f"load average after: {os.getloadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/rounds_export_bench")
    parser.add_argument("--measure", choices=["export", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--to", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.url, args.measure, args.to)))
        return 0
    kind = "postgresql" if args.db in ("postgresql", "postgres") else "sqlite"
    try:
        run(kind, args.rows or (1_000_000 if kind == "postgresql" else 100_000), args.pg_url)
    except BenchError as error:
        print(f"BROKEN on {kind}: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
