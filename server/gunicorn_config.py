"""gunicorn settings for the Procfile's web line (`--config python:server.gunicorn_config`).

Workers are threaded (`gthread`, WEB_THREADS threads each, 4 by default): a worker's main thread
keeps telling the master it is alive while its threads answer, so a long answer (a district's
whole export streamed as a zip, minutes long) is not killed at gunicorn's 30 s worker timeout, as
a synchronous worker busy with one request is. tests/test_procfile_web.py holds it.

gunicorn writes `Server: gunicorn` on every answer, outside the app, and has no setting to leave
it out. Telling every client which server runs Rounds helps only someone looking for a known
flaw of that server, so this config removes the header when gunicorn loads it, in the master
process, before any worker starts. tests/test_security_headers.py runs the Procfile's own web
line and fails if a gunicorn upgrade brings the banner back.
"""
import os

from gunicorn.http import wsgi

worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)

_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_without_server
