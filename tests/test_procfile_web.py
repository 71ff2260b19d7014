"""The Procfile's web line: a request that outlasts gunicorn's worker timeout is answered, not
killed (a whole district's export is streamed for minutes). Here the worker timeout is cut to
1 s and a sign-in made to take several seconds with a costly password hash."""
import http.client
import json
import os
import signal
import subprocess
import time

from tests.test_security_headers import ROOT, free_port, procfile_web_command


def test_a_request_longer_than_the_worker_timeout_is_answered(migrated_database, tmp_path):
    port = free_port()
    environment = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1", "SECRET_KEY": "x" * 64,
                   "DATABASE_URL": migrated_database, "GUNICORN_CMD_ARGS": "--timeout 1",
                   # Hashing the password of a sign-in now takes seconds (the same work for any email).
                   "ROUNDS_PASSWORD_TIME_COST": "60", "ROUNDS_PASSWORD_MEMORY_KIB": "65536"}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(["bash", "-c", f"exec {procfile_web_command()}"], cwd=ROOT, env=environment,
                                   stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                connection.request("GET", "/api/health")
                assert connection.getresponse().status == 200
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
                time.sleep(0.2)
            finally:
                connection.close()
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", "/api/auth/login", body=json.dumps({"email": "nobody@example.org",
                                                                        "password": "not the password"}),
                           headers={"Content-Type": "application/json"})
        try:
            answer = connection.getresponse()
            took = time.monotonic() - started
            assert answer.status == 401, answer.read()
        finally:
            connection.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert took > 3, f"the sign-in took {took:.1f} s: too fast to outlast the worker timeout"
    assert "WORKER TIMEOUT" not in log.read_text()
