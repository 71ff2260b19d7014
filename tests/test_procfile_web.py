"""The Procfile's web line: a request that outlasts gunicorn's worker timeout is answered, not
killed (a whole district's export is streamed for minutes). Here the worker timeout is cut to
1 s and a sign-in made to take several seconds with a costly password hash."""
import http.client
import json
import time

from tests.test_security_headers import procfile_web


def test_a_request_longer_than_the_worker_timeout_is_answered(migrated_database, tmp_path):
    log = tmp_path / "gunicorn.log"
    # Hashing the password of a sign-in now takes seconds (the same work for any email).
    slow = {"GUNICORN_CMD_ARGS": "--timeout 1", "ROUNDS_PASSWORD_TIME_COST": "150",
            "ROUNDS_PASSWORD_MEMORY_KIB": "65536"}
    with procfile_web(migrated_database, log, **slow) as port:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request("POST", "/api/auth/login", body=json.dumps({
                "email": "nobody@example.org", "password": "not the password"}),
                headers={"Content-Type": "application/json"})
            answer = connection.getresponse()
            took = time.monotonic() - started
            assert answer.status == 401, answer.read()
        finally:
            connection.close()
    # Well beyond the 1 s worker timeout (the master checks about once a second).
    assert took > 2.5, f"the sign-in took {took:.1f} s: too fast to outlast the worker timeout"
    assert "WORKER TIMEOUT" not in log.read_text()
