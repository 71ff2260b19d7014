"""Roster imports at district size: preview in the request (nothing written), confirm, and the
scheduler's job writes exactly what the preview said, all or nothing, resuming after a crash."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select, update

from server import roster as roster_module
from server import roster_jobs
from server.extensions import db
from server.models import AuditEvent, Person, RoleGrant, School
from server.models.roster_import import RosterImport, RosterImportHash
from server.models.types import utcnow
from server.passwords import verify_password
from tests.test_scheduler_process import KEY

ROOT = Path(__file__).resolve().parent.parent
HEADER = "email,name,roles,school,school_timezone,password"
PREVIEW = "/api/admin/roster/preview"


def roster(*lines: str) -> str:
    return "\n".join((HEADER, *lines)) + "\n"


def many(count: int, password: bool = True, school: str = "Lincoln") -> str:
    return roster(*(f"p{n}@example.org,Person {n},teacher,{school},,{'password ' + str(n) if password else ''}"
                    for n in range(count)))


def preview(api, text: str, query: str = ""):
    return api.post(PREVIEW + query, data=text.encode(), content_type="text/csv")


def imports_url(import_id: str, action: str = "") -> str:
    return f"/api/admin/roster/imports/{import_id}{action}"


def people_tables() -> dict[str, int]:
    db.session.expire_all()
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (School, Person, RoleGrant)}
    counts["active"] = db.session.scalar(select(func.count()).select_from(Person).where(Person.active.is_(True)))
    counts["imported"] = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                           .where(AuditEvent.kind == "roster_imported"))
    return counts


def person(email: str) -> Person:
    db.session.expire_all()
    return Person.by_email(email)


def the_import(import_id: str) -> RosterImport:
    db.session.expire_all()
    return db.session.get(RosterImport, import_id)


def run_job(app, **kwargs) -> str | None:
    """One poll of the scheduler's roster job, as its own process would run it."""
    with app.app_context():
        try:
            return roster_jobs.run_next(**kwargs)
        finally:
            db.session.remove()


@pytest.fixture
def district(make):
    return make.district(timezone="America/Chicago")


@pytest.fixture
def lincoln(make, district):
    return make.school(district, name="Lincoln")


@pytest.fixture
def admin(make, district):
    return make.person("admin", district=district, email="admin@example.org", name="Admin")


def test_preview_of_5000_rows_with_passwords_answers_within_the_request_and_writes_no_one(app, api_as, admin,
                                                                                          lincoln):
    # Production's argon2 cost: hashing 5,000 passwords here would take ten minutes.
    app.config.update(PASSWORD_TIME_COST=3, PASSWORD_MEMORY_KIB=64 * 1024)
    api = api_as(admin)
    before = people_tables()
    started = time.perf_counter()
    response = preview(api, many(5000))
    took = time.perf_counter() - started
    assert response.status_code == 201, response.get_json()
    assert took < 20, f"the preview took {took:.1f} s"
    body = response.get_json()
    assert body["state"] == "pending" and body["progress"] == {"done": 0, "total": 5000}
    assert body["plan_counts"]["added"] == 5000 and len(body["plan"]["added"]) == 5000
    assert people_tables() == before
    assert db.session.scalar(select(func.count()).select_from(RosterImportHash)) == 0


def test_the_job_writes_exactly_what_the_preview_said_and_only_after_confirmation(app, make, api_as, district,
                                                                                   lincoln, admin):
    make.person("teacher", school=lincoln, email="same@example.org", name="Sam Same")
    make.person("observer", school=lincoln, email="moved@example.org", name="Mo Ved")
    make.person("teacher", school=lincoln, email="gone@example.org", name="Gone Away")
    api = api_as(admin)
    text = roster("admin@example.org,Admin,admin,,,",
                  "same@example.org,Sam Same,teacher,Lincoln,,",
                  "moved@example.org,Mo Ved,observer;teacher,Grant,America/Denver,",
                  "new@example.org,New Person,teacher,Lincoln,,a long password",
                  "invite@example.org,Needs Invite,observer,,,")
    before = people_tables()
    previewed = preview(api, text, "?deactivate_missing=true")
    assert previewed.status_code == 201, previewed.get_json()
    body = previewed.get_json()
    plan = body["plan"]
    assert [entry["email"] for entry in plan["added"]] == ["new@example.org", "invite@example.org"]
    assert plan["updated"] == [{"line": 4, "email": "moved@example.org", "changes": {
        "roles": {"from": ["observer"], "to": ["observer", "teacher"]}, "school": {"from": "Lincoln", "to": "Grant"}}}]
    assert [entry["email"] for entry in plan["unchanged"]] == ["admin@example.org", "same@example.org"]
    assert plan["schools_created"] == [{"name": "Grant", "timezone": "America/Denver"}]
    assert plan["deactivated"] == [{"email": "gone@example.org", "name": "Gone Away"}]
    assert body["plan_counts"] == {"added": 2, "updated": 1, "unchanged": 2, "passwords_to_check": 0,
                                   "schools_created": 1, "schools_updated": 0, "deactivated": 1,
                                   "without_password": 1}

    assert run_job(app) is None, "an unconfirmed import must not run"
    assert people_tables() == before
    assert api.post(imports_url(body["id"], "/confirm")).status_code == 202
    assert people_tables() == before
    assert run_job(app) == body["id"]

    done = api.get(imports_url(body["id"])).get_json()
    assert done["state"] == "done" and done["progress"] == {"done": 5, "total": 5}
    assert done["counts"] == {"schools_created": 1, "people_created": 2, "people_updated": 1, "people_unchanged": 2,
                              "passwords_changed": 0, "without_password": 1, "people_deactivated": 1}
    counts = plan_counts = body["plan_counts"]
    assert (done["counts"]["people_created"], done["counts"]["people_updated"], done["counts"]["people_unchanged"],
            done["counts"]["schools_created"], done["counts"]["people_deactivated"],
            done["counts"]["without_password"]) == (counts["added"], counts["updated"], counts["unchanged"],
                                                    counts["schools_created"], counts["deactivated"],
                                                    plan_counts["without_password"])
    grant = db.session.scalar(select(School).where(School.name == "Grant"))
    moved = person("moved@example.org")
    assert (moved.roles, moved.school_id, grant.timezone) == (["observer", "teacher"], grant.id, "America/Denver")
    assert verify_password(person("new@example.org").password_hash, "a long password")
    assert person("invite@example.org").password_hash is None
    assert person("gone@example.org").active is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "roster_imported"))
    assert event.actor_id == admin.id and event.detail["import_id"] == body["id"] and event.detail["rows"] == 5
    assert people_tables()["imported"] == 1
    assert all(row["password"] is None for _line, row in the_import(body["id"]).rows)
    assert db.session.scalar(select(func.count()).select_from(RosterImportHash)) == 0
    assert api.post(imports_url(body["id"], "/confirm")).status_code == 409


def test_a_reimport_of_the_same_file_changes_no_password(app, api_as, admin, lincoln):
    api = api_as(admin)
    text = roster("ana@example.org,Ana,teacher,Lincoln,,a long password")
    for _ in range(2):
        import_id = preview(api, text).get_json()["id"]
        api.post(imports_url(import_id, "/confirm"))
        run_job(app)
    done = the_import(import_id)
    assert done.plan["counts"]["passwords_to_check"] == 1
    assert done.counts["passwords_changed"] == 0 and done.counts["people_unchanged"] == 1


def test_a_change_in_the_database_after_the_preview_fails_the_import_writing_nothing(app, make, api_as, district,
                                                                                      lincoln, admin):
    api = api_as(admin)
    body = preview(api, roster("ana@example.org,Ana,teacher,Lincoln,,a long password",
                               "ben@example.org,Ben,teacher,Lincoln,,",
                               "cy@example.org,Cy,observer,,,")).get_json()
    api.post(imports_url(body["id"], "/confirm"))
    make.person("teacher", school=lincoln, email="ben@example.org", name="Ben")  # added meanwhile by hand
    make.person("teacher", district=make.district(), email="cy@example.org")     # taken by another district
    before = people_tables()
    run_job(app)
    failed = api.get(imports_url(body["id"])).get_json()
    assert failed["state"] == "failed" and failed["counts"] is None
    assert failed["error"]["fields"] == {"4": {"email": ["This email belongs to a person of another district."]}}
    assert people_tables() == before and person("ana@example.org") is None
    assert all(row["password"] is None for _line, row in the_import(body["id"]).rows)

    second = preview(api, roster("ana@example.org,Ana,teacher,Lincoln,,",
                                 "dee@example.org,Dee,teacher,Lincoln,,")).get_json()
    api.post(imports_url(second["id"], "/confirm"))
    make.person("teacher", school=lincoln, email="dee@example.org", name="Dee")
    run_job(app)
    error = api.get(imports_url(second["id"])).get_json()["error"]
    assert error["fields"] == {"3": {"email": ["This person changed since the preview (was to be added, now unchanged)."]}}
    assert person("ana@example.org") is None


def test_an_admin_who_lost_their_role_after_confirming_imports_nothing(app, api_as, admin, lincoln):
    api = api_as(admin)
    import_id = preview(api, roster("ana@example.org,Ana,teacher,Lincoln,,")).get_json()["id"]
    api.post(imports_url(import_id, "/confirm"))
    db.session.execute(update(Person).where(Person.id == admin.id).values(active=False))
    db.session.commit()
    run_job(app)
    assert the_import(import_id).state == "failed" and person("ana@example.org") is None


class Crash(BaseException):
    """The process dies here (not an error the job could catch)."""


def test_a_job_that_dies_mid_prepare_resumes_with_the_rows_left(app, monkeypatch, api_as, admin, lincoln):
    api = api_as(admin)
    import_id = preview(api, many(40)).get_json()["id"]
    api.post(imports_url(import_id, "/confirm"))
    real, calls = roster_jobs.password_hash_for, []

    def dies_at_the_25th(row, current):
        calls.append(row["email"])
        if len(calls) == 25:
            raise Crash
        return real(row, current)

    monkeypatch.setattr(roster_jobs, "password_hash_for", dies_at_the_25th)
    with pytest.raises(Crash):
        run_job(app, chunk_rows=8)
    stopped = the_import(import_id)
    assert (stopped.state, stopped.progress_done) == ("running", 24)
    staged = dict(db.session.execute(select(RosterImportHash.position, RosterImportHash.password_hash)).all())
    assert sorted(staged) == list(range(24)) and person("p0@example.org") is None

    monkeypatch.setattr(roster_jobs, "password_hash_for", real)
    assert run_job(app) is None, "the dead worker's lease has not lapsed yet"
    db.session.execute(update(RosterImport).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert run_job(app, chunk_rows=8) == import_id
    assert the_import(import_id).state == "done" and people_tables()["Person"] == 41
    # The hashes committed before the crash were kept, not made again (argon2 salts differ).
    assert all(person(f"p{n}@example.org").password_hash == staged[n] for n in range(24))
    assert verify_password(person("p39@example.org").password_hash, "password 39")


def test_a_job_that_dies_mid_apply_wrote_nothing_and_is_redone(app, monkeypatch, api_as, admin, lincoln):
    api = api_as(admin)
    import_id = preview(api, many(10)).get_json()["id"]
    api.post(imports_url(import_id, "/confirm"))
    before = people_tables()

    def dies(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(roster_jobs.audit, "record", dies)
    with pytest.raises(Crash):
        run_job(app)
    assert people_tables() == before and the_import(import_id).state == "running"
    monkeypatch.undo()
    db.session.execute(update(RosterImport).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    run_job(app)
    assert the_import(import_id).state == "done"
    assert people_tables()["Person"] == before["Person"] + 10 and people_tables()["imported"] == 1


def scheduler(app, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "roster-test",
           "ROUNDS_VAPID_PRIVATE_KEY": KEY, "ROUNDS_VAPID_SUBJECT": "mailto:ops@rounds.example.org",
           "ROUNDS_ROSTER_POLL_SECONDS": "0.2", "ROUNDS_ROSTER_LEASE_SECONDS": "2",
           # Dearer than the tests' hashing, cheaper than production's: a chunk takes a moment.
           "ROUNDS_PASSWORD_TIME_COST": "2", "ROUNDS_PASSWORD_MEMORY_KIB": "8192"}
    with log.open("a") as output:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "server", "scheduler"], cwd=ROOT, env=env,
                                stdout=output, stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_scheduler_killed_mid_prepare_finishes_the_import_after_a_restart(app, api_as, admin, lincoln, tmp_path):
    api = api_as(admin)
    import_id = preview(api, many(300)).get_json()["id"]
    api.post(imports_url(import_id, "/confirm"))
    log = tmp_path / "scheduler.log"
    first = scheduler(app, log)
    try:
        wait_for(lambda: the_import(import_id).progress_done >= 40, 60, "the first chunks")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed = the_import(import_id)
    assert killed.state == "running" and killed.progress_done < 300, log.read_text()[-2000:]
    staged = dict(db.session.execute(select(RosterImportHash.position, RosterImportHash.password_hash)).all())
    assert len(staged) == killed.progress_done and person("p0@example.org") is None
    second = scheduler(app, log)
    try:
        wait_for(lambda: the_import(import_id).state in ("done", "failed"), 120, "the import after the restart")
    finally:
        stop(second)
    assert the_import(import_id).state == "done", log.read_text()[-2000:]
    assert people_tables()["Person"] == 301 and people_tables()["imported"] == 1
    assert all(person(f"p{n}@example.org").password_hash == staged[n] for n in staged)


@pytest.mark.skipif(not os.environ.get("ROUNDS_TEST_DATABASE_URL"),
                    reason="SQLite has one writer: only PostgreSQL runs several schedulers (SKIP LOCKED)")
def test_two_schedulers_run_each_import_once(app, make, api_as, district, tmp_path):
    schools = [make.school(district, name=f"School {n}") for n in range(4)]
    admins = [make.person("admin", school=school) for school in schools]
    ids = []
    for n, (school, school_admin) in enumerate(zip(schools, admins)):
        api = api_as(school_admin)
        text = roster(*(f"s{n}p{k}@example.org,P {k},teacher,{school.name},,password {k}" for k in range(60)))
        ids.append(preview(api, text).get_json()["id"])
        api.post(imports_url(ids[-1], "/confirm"))
    workers = [scheduler(app, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        wait_for(lambda: all(the_import(i).state in ("done", "failed") for i in ids), 120, "every import")
    finally:
        for worker in workers:
            stop(worker)
    logs = "".join((tmp_path / f"scheduler-{n}.log").read_text() for n in (1, 2))
    assert [the_import(i).state for i in ids] == ["done"] * 4, logs[-3000:]
    assert people_tables()["imported"] == 4
    done_by = [line for line in logs.splitlines() if "roster import" in line and " done:" in line]
    assert len(done_by) == 4 and "took it over" not in logs


def test_a_claimed_import_is_not_claimed_again_while_its_lease_holds(app, api_as, admin, lincoln):
    api = api_as(admin)
    import_id = preview(api, many(3)).get_json()["id"]
    api.post(imports_url(import_id, "/confirm"))
    with app.app_context():
        claimed = roster_jobs._claim(60)
        db.session.remove()
    assert claimed[0] == import_id
    assert run_job(app) is None
    assert the_import(import_id).state == "running" and people_tables()["Person"] == 1


@pytest.mark.parametrize("who", ["other_district_admin", "other_school_admin", "teacher", "observer_of_the_school"])
def test_an_import_does_not_exist_for_anyone_outside_its_scope(make, api_as, district, lincoln, who):
    grant = make.school(district, name="Grant")
    school_admin = make.person("admin", school=lincoln)
    outsider = {"other_district_admin": lambda: make.person("admin", district=make.district()),
                "other_school_admin": lambda: make.person("admin", school=grant),
                "teacher": lambda: make.person("teacher", school=lincoln),
                "observer_of_the_school": lambda: make.person("observer", school=lincoln)}[who]()
    import_id = preview(api_as(school_admin), roster("ana@example.org,Ana,teacher,Lincoln,,")).get_json()["id"]
    api = api_as(outsider)
    for response in (api.get(imports_url(import_id)), api.post(imports_url(import_id, "/confirm"))):
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    if "admin" in who:
        assert api.get("/api/admin/roster/imports").get_json() == {"imports": []}
    assert the_import(import_id).state == "pending"


def test_the_district_admin_sees_and_confirms_a_school_admins_import(make, api_as, district, lincoln, admin):
    import_id = preview(api_as(make.person("admin", school=lincoln)),
                        roster("ana@example.org,Ana,teacher,Lincoln,,")).get_json()["id"]
    api = api_as(admin)
    assert [i["id"] for i in api.get("/api/admin/roster/imports").get_json()["imports"]] == [import_id]
    assert api.post(imports_url(import_id, "/confirm")).status_code == 202
    assert api.get(imports_url("not-a-uuid")).status_code == 404


def test_a_bad_roster_is_refused_line_by_line_and_nothing_is_stored(api_as, admin, lincoln):
    response = preview(api_as(admin), roster("ana@example.org,Ana,teacher,Lincoln,,",
                                             "not-an-email,Ben,teacher,Lincoln,,",
                                             "cy@example.org,Cy,teacher,,,short"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_roster"
    assert error["fields"] == {"3": {"email": ["Not a valid email address."]},
                               "4": {"school": ["A teacher needs a school."],
                                     "password": ["A password needs 10 to 1024 characters."]}}
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_a_bad_option_is_refused(api_as, admin):
    response = preview(api_as(admin), roster("ana@example.org,Ana,observer,,,"), "?deactivate_missing=perhaps")
    assert response.status_code == 422 and "deactivate_missing" in response.get_json()["error"]["fields"]


def test_a_pending_import_expires_and_forgets_its_passwords(app, api_as, admin):
    api = api_as(admin)
    import_id = preview(api, roster("ana@example.org,Ana,observer,,,a long password")).get_json()["id"]
    db.session.execute(update(RosterImport).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    run_job(app)
    expired = the_import(import_id)
    assert expired.state == "failed" and expired.rows[0][1]["password"] is None
    assert api.post(imports_url(import_id, "/confirm")).status_code == 409


CELLS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


# Each example previews as the same admin: what one example stores cannot change the next one's answer.
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(st.one_of(CELLS, st.sampled_from(["teacher", "Lincoln", "a@b.org", '"', ","])),
                               max_size=8), max_size=6),
       header=st.sampled_from([HEADER, "email,name,roles,school", "email,name", ""]))
def test_no_roster_text_makes_the_preview_fail_with_a_500(api_as, admin, lines, header):
    text = "\n".join([header, *(",".join(cells) for cells in lines)])
    response = preview(api_as(admin), text)
    assert response.status_code in (201, 400, 422), response.get_data(as_text=True)[:500]


def test_passwords_hashed_on_several_threads_each_match_their_own_row(app, api_as, admin, lincoln):
    """The chunks' hashes are computed on several threads: each lands on its own person, and one
    person's password matching already keeps that person's hash."""
    api = api_as(admin)
    first = preview(api, many(3)).get_json()
    assert api.post(imports_url(first["id"], "/confirm")).status_code == 202
    assert run_job(app, hash_threads=1) == first["id"]
    kept = person("p1@example.org").password_hash
    text = roster(*(f"p{n}@example.org,Person {n},teacher,Lincoln,,password {n if n != 2 else 'changed'}"
                    for n in range(11)))
    body = preview(api, text).get_json()
    assert api.post(imports_url(body["id"], "/confirm")).status_code == 202
    assert run_job(app, chunk_rows=4, hash_threads=3) == body["id"]
    assert api.get(imports_url(body["id"])).get_json()["state"] == "done"
    for n in range(11):
        expected = f"password {n if n != 2 else 'changed'}"
        assert verify_password(person(f"p{n}@example.org").password_hash, expected), n
        assert not verify_password(person(f"p{n}@example.org").password_hash, f"password {n + 1}"), n
    assert person("p1@example.org").password_hash == kept
