"""Every answer carries the security headers: a Content-Security-Policy without inline script,
nosniff and a referrer policy everywhere, HSTS over HTTPS only, `no-store` on every /api answer
that can hold personal data, and no server banner from either server Rounds runs under."""
import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from server import create_app
from server.security_headers import PUBLIC_API_PATHS, QuietRequestHandler
from tests.conftest import TEST_CONFIG

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_DIRECTIVES = {
    "default-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
}
UNSAFE_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*", "http:", "https:"}


def directives(policy: str) -> dict[str, set[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = set(sources)
    return parsed


def assert_secure_headers(response):
    policy = directives(response.headers["Content-Security-Policy"])
    for name, sources in REQUIRED_DIRECTIVES.items():
        assert policy.get(name) == sources, (name, policy)
    for name, sources in policy.items():
        assert not sources & UNSAFE_SOURCES, (name, sources)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/", 200),
    ("GET", "/app.js", 200),
    ("GET", "/sw.js", 200),
    ("GET", "/app.css", 200),
    ("GET", "/manifest.webmanifest", 200),
    ("GET", "/icons/icon-192.png", 200),
    ("GET", "/no-such-file.js", 404),
    ("GET", "/api/health", 200),
    ("GET", "/api/openapi.json", 200),
    ("GET", "/api/me", 401),
    ("PUT", "/api/me", 405),
    ("GET", "/api/boom-for-test", 500),
])
def test_every_answer_has_a_policy_without_inline_script_nosniff_and_a_referrer_policy(
        app, method, path, status):
    if path == "/api/boom-for-test":
        app.add_url_rule(path, "boom", lambda: 1 / 0)
    response = app.test_client().open(path, method=method)
    assert response.status_code == status
    assert_secure_headers(response)


def test_a_revalidated_shell_file_keeps_the_headers(client):
    etag = client.get("/app.js").headers["ETag"]
    response = client.get("/app.js", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert_secure_headers(response)


def test_signed_in_answers_have_the_headers_too(make, api_as):
    observer = make.person("observer", school=make.school())
    api = api_as(observer)
    for response in (api.get("/api/me"), api.get("/api/observations"), api.post("/api/devices", json={})):
        assert response.status_code in (200, 201)
        assert_secure_headers(response)


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/api/health").headers
    over_https = client.get("/api/health", base_url="https://rounds.example.org")
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(over_https.headers["Strict-Transport-Security"].split("=")[1]) >= 15552000


def test_hsts_follows_a_trusted_proxy_and_ignores_an_untrusted_one(migrated_database):
    forwarded = {"X-Forwarded-Proto": "https"}
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migrated_database}
    direct = create_app(config).test_client()
    assert "Strict-Transport-Security" not in direct.get("/", headers=forwarded).headers
    behind_proxy = create_app({**config, "PROXY_COUNT": 1}).test_client()
    assert "Strict-Transport-Security" in behind_proxy.get("/", headers=forwarded).headers
    assert "Strict-Transport-Security" not in behind_proxy.get("/").headers


def test_every_api_route_but_the_public_ones_forbids_storing_its_answer(app, client):
    """Called anonymously, each route answers (mostly 401/404), and even that is never stored."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in PUBLIC_API_PATHS:
            continue
        path = rule.rule.replace("<", "").replace(">", "")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method)
            assert response.headers["Cache-Control"] == "no-store", (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 20


def test_personal_answers_are_not_stored_but_public_ones_and_the_shell_may_be(make, api_as, client):
    observer = make.person("observer", school=make.school())
    api = api_as(observer)
    assert api.get("/api/me").headers["Cache-Control"] == "no-store"
    assert api.get("/api/observations").headers["Cache-Control"] == "no-store"
    assert api.client.post("/api/auth/login", json={"email": "x@example.org", "password": "wrong"}
                           ).headers["Cache-Control"] == "no-store"
    assert client.get("/api/nothing-here").headers["Cache-Control"] == "no-store"
    for public in sorted(PUBLIC_API_PATHS):
        assert "no-store" not in client.get(public).headers.get("Cache-Control", ""), public
    for shell_file in ("/", "/app.js", "/sw.js"):
        assert client.get(shell_file).headers["Cache-Control"] == "no-cache", shell_file


def test_health_and_openapi_are_the_only_public_api_paths(app):
    api_paths = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert PUBLIC_API_PATHS == {"/api/health", "/api/openapi.json"} <= api_paths


def raw_headers(port: int, path: str = "/api/health") -> http.client.HTTPMessage:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.headers
    finally:
        connection.close()


def serve_in_thread(app, **kwargs):
    server = make_server("127.0.0.1", 0, app, threaded=True, **kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.mark.parametrize("handler, banner", [(None, True), (QuietRequestHandler, False)])
def test_the_development_server_of_the_demo_sends_no_server_banner(app, handler, banner):
    """Werkzeug's own handler names itself and its version; the demo's does not."""
    server, thread = serve_in_thread(app, request_handler=handler)
    try:
        headers = raw_headers(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert ("Server" in headers) is banner
    assert headers["Date"] and headers["X-Content-Type-Options"] == "nosniff"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_web_command() -> str:
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ": " in line)
    command = lines["web"]
    assert command.startswith("gunicorn ")
    # The same gunicorn as this interpreter's, whatever PATH says.
    return f"{shlex.quote(sys.executable)} -m {command}"


@contextlib.contextmanager
def procfile_web(database_url: str, log: Path, **environment):
    """The Procfile's web line serving `database_url` on a free port (one worker): yields the port
    once /api/health answers; stops gunicorn after."""
    port = free_port()
    environment = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1", "SECRET_KEY": "x" * 64,
                   "DATABASE_URL": database_url, **environment}
    with open(log, "wb") as log_file:
        process = subprocess.Popen(["bash", "-c", f"exec {procfile_web_command()}"], cwd=ROOT, env=environment,
                                   stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                raw_headers(port)
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_procfile_web_line_serves_without_a_server_banner(migrated_database, tmp_path):
    with procfile_web(migrated_database, tmp_path / "gunicorn.log") as port:
        headers = raw_headers(port)
    assert "Server" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
