"""The sign-in throttle slows guessing but lets the rightful person in: a browser that has signed in
to an account before (its known-device cookie) is not locked out by strangers' guesses, a school
behind one address signs in with correct passwords, and failures stop counting after 15 minutes."""
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from server.extensions import db
from server.known_devices import COOKIE_NAME, COOKIE_PATH, KnownDevice
from server.models import AuditEvent
from server.models.types import utcnow
from tests.builders import PASSWORD

NAT = "198.51.100.20"
ELSEWHERE = "203.0.113.9"


def attempt(client, email, password, ip=ELSEWHERE):
    return client.post("/api/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def known_device_cookie(client) -> str:
    return client.get_cookie(COOKIE_NAME, path=COOKIE_PATH).value


def browser_with(app, cookie_value: str):
    browser = app.test_client()
    browser.set_cookie(COOKIE_NAME, cookie_value, path=COOKIE_PATH)
    return browser


def past_failures(*, count, ago, email=None, ip=None) -> None:
    """`count` untrusted failed sign-ins recorded `ago`, as the audit log keeps them."""
    at = utcnow() - ago
    for n in range(count):
        db.session.add(AuditEvent(kind="login_failed", at=at, email=email or f"sprayed{n}@example.org", ip=ip,
                                  detail={"reason": "bad_credentials"}))
    db.session.commit()


@pytest.fixture
def teacher_on_known_browser(make, app):
    """A teacher and the browser they signed in with (and out of) before: it holds their cookie."""
    teacher = make.person("teacher", school=make.school())
    browser = app.test_client()
    assert attempt(browser, teacher.email, PASSWORD, ip=NAT).status_code == 200
    assert browser.post("/api/auth/logout", headers={"X-CSRF-Token": browser.get("/api/me").get_json()[
        "csrf_token"]}).status_code == 204
    return teacher, browser


def test_strangers_fifty_wrong_guesses_do_not_stop_the_teacher_on_a_known_browser(
        teacher_on_known_browser, app):
    teacher, browser = teacher_on_known_browser
    stranger = app.test_client()
    answers = [attempt(stranger, teacher.email, f"guess {n}", ip=NAT).status_code for n in range(50)]
    assert answers == [401] * 10 + [429] * 40
    assert attempt(browser, teacher.email, "a typo", ip=NAT).status_code == 401
    assert attempt(browser, teacher.email, PASSWORD, ip=NAT).status_code == 200
    assert browser.get("/api/me").get_json()["id"] == teacher.id


def test_untrusted_guessing_is_refused_per_account_even_with_the_right_password(make, app):
    person, other = make.person(), make.person()
    browser = app.test_client()
    for _ in range(10):
        assert attempt(browser, person.email, "bad").status_code == 401
    refused = attempt(browser, person.email, PASSWORD)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert attempt(app.test_client(), person.email, PASSWORD, ip=NAT).status_code == 429
    assert attempt(browser, other.email, PASSWORD).status_code == 200
    throttled = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.kind == "login_throttled", AuditEvent.email == person.email))
    assert throttled == 2


def test_correct_password_signs_in_from_an_address_over_its_limit(make, app):
    school = make.school()
    teachers = [make.person("teacher", school=school) for _ in range(3)]
    sprayer = app.test_client()
    for n in range(40):
        assert attempt(sprayer, f"guess{n}@example.org", "Spring2026!", ip=NAT).status_code == 401
    for teacher in teachers:
        assert attempt(app.test_client(), teacher.email, PASSWORD, ip=NAT).status_code == 200


def test_a_busy_address_gets_a_tighter_limit_per_account(make, app):
    person = make.person()
    past_failures(count=30, ago=timedelta(minutes=1), ip=NAT)
    for _ in range(3):
        assert attempt(app.test_client(), person.email, "bad", ip=NAT).status_code == 401
    assert attempt(app.test_client(), person.email, PASSWORD, ip=NAT).status_code == 429
    assert attempt(app.test_client(), person.email, PASSWORD, ip=ELSEWHERE).status_code == 200


def test_forged_altered_or_other_accounts_cookies_give_no_exemption(teacher_on_known_browser, make, app):
    teacher, browser = teacher_on_known_browser
    genuine = known_device_cookie(browser)
    colleague = make.person("teacher")
    colleague_browser = app.test_client()
    assert attempt(colleague_browser, colleague.email, PASSWORD).status_code == 200
    colleagues = known_device_cookie(colleague_browser)
    for _ in range(10):
        attempt(app.test_client(), teacher.email, "bad")
    person_id, nonce, mac = genuine.split(".")
    _, colleague_nonce, colleague_mac = colleagues.split(".")
    altered_mac = mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")
    other_server = Flask("other")
    other_server.config["SECRET_KEY"] = "not this server's key"
    with other_server.app_context():
        signed_elsewhere = KnownDevice(teacher.id, "madeup").entry
    for cookie in (colleagues, f"{person_id}.{colleague_nonce}.{colleague_mac}", f"{person_id}.{nonce}.{altered_mac}",
                   f"{person_id}.{nonce}.", f"{person_id}.{nonce}", signed_elsewhere, "garbage", ""):
        answer = attempt(browser_with(app, cookie), teacher.email, PASSWORD)
        assert answer.status_code == 429, cookie
    assert attempt(browser_with(app, genuine), teacher.email, PASSWORD).status_code == 200


def test_a_stolen_known_device_cookie_gives_only_a_few_more_guesses(teacher_on_known_browser, app):
    teacher, browser = teacher_on_known_browser
    thief = browser_with(app, known_device_cookie(browser))
    answers = [attempt(thief, teacher.email, f"guess {n}").status_code for n in range(50)]
    # 5 guesses on the cookie's own limit, then it is untrusted: 10 more on the account's.
    assert answers == [401] * 15 + [429] * 35
    assert attempt(browser, teacher.email, PASSWORD, ip=NAT).status_code == 429
    # Once the cookie's failures are older than the window it is trusted again, even while the
    # account is over its limit for everyone else.
    db.session.execute(AuditEvent.__table__.update().where(AuditEvent.kind == "login_failed")
                       .values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    past_failures(count=10, ago=timedelta(minutes=1), email=teacher.email, ip=ELSEWHERE)
    assert attempt(app.test_client(), teacher.email, PASSWORD).status_code == 429
    assert attempt(browser, teacher.email, PASSWORD, ip=NAT).status_code == 200


def test_known_device_failures_count_against_the_cookie_not_the_account(teacher_on_known_browser, app):
    teacher, browser = teacher_on_known_browser
    for _ in range(4):
        assert attempt(browser, teacher.email, "a typo").status_code == 401
    untrusted = app.test_client()
    for _ in range(9):
        assert attempt(untrusted, teacher.email, "bad").status_code == 401
    assert attempt(untrusted, teacher.email, PASSWORD).status_code == 200


def test_old_failures_no_longer_count_against_an_account(make, app):
    past, recent = make.person(), make.person()
    past_failures(count=10, ago=timedelta(minutes=16), email=past.email, ip=ELSEWHERE)
    past_failures(count=10, ago=timedelta(minutes=14), email=recent.email, ip=ELSEWHERE)
    assert attempt(app.test_client(), past.email, PASSWORD).status_code == 200
    assert attempt(app.test_client(), recent.email, PASSWORD).status_code == 429


def test_old_failures_no_longer_make_an_address_busy(make, app):
    quiet_then, busy_now = "192.0.2.1", "192.0.2.2"
    past_failures(count=30, ago=timedelta(minutes=16), ip=quiet_then)
    past_failures(count=30, ago=timedelta(minutes=14), ip=busy_now)
    first, second = make.person(), make.person()
    past_failures(count=3, ago=timedelta(minutes=1), email=first.email, ip=ELSEWHERE)
    past_failures(count=3, ago=timedelta(minutes=1), email=second.email, ip=ELSEWHERE)
    assert attempt(app.test_client(), first.email, PASSWORD, ip=quiet_then).status_code == 200
    assert attempt(app.test_client(), second.email, PASSWORD, ip=busy_now).status_code == 429


def test_failure_window_is_configurable(make, app):
    app.config["LOGIN_FAILURE_WINDOW_MINUTES"] = 60
    person = make.person()
    past_failures(count=10, ago=timedelta(minutes=30), email=person.email, ip=ELSEWHERE)
    answer = attempt(app.test_client(), person.email, PASSWORD)
    assert answer.status_code == 429 and 29 * 60 < int(answer.headers["Retry-After"]) <= 30 * 60


def test_known_device_cookie_is_httponly_strict_and_sent_only_to_sign_in(make, client):
    person = make.person()
    answer = client.post("/api/auth/login", json={"email": person.email, "password": PASSWORD},
                         base_url="https://rounds.example.org")
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE_NAME}="))
    for attribute in ("HttpOnly", "SameSite=Strict", "Secure", f"Path={COOKIE_PATH}", "Max-Age=15552000"):
        assert attribute in cookie
    assert person.id in cookie


def test_a_shared_tablet_knows_each_account_signed_in_on_it(make, app):
    school = make.school()
    first, second = make.person(school=school), make.person(school=school)
    tablet = app.test_client()
    for person in (first, second):
        assert attempt(tablet, person.email, PASSWORD).status_code == 200
    for person in (first, second):
        for _ in range(10):
            attempt(app.test_client(), person.email, "bad")
    for person in (first, second):
        assert attempt(tablet, person.email, PASSWORD).status_code == 200
