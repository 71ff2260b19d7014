"""Security headers on every answer, and no server banner.

Every answer, from the API, the shell or an error handler, carries:
- `Content-Security-Policy: POLICY`: everything from this origin only, no inline or injected
  script or style, no plugins, no <base>, never framed. The web app needs nothing more: its
  scripts, modules, service worker, stylesheet, manifest, icons and API calls are all same-origin
  files (pwa/), and it builds the page with DOM calls, never inline handlers or style attributes.
- `X-Content-Type-Options: nosniff`.
- `Referrer-Policy: same-origin` (see REFERRER_POLICY for why not no-referrer).
- `Strict-Transport-Security` only when the request came over HTTPS (`request.is_secure`, which
  honours X-Forwarded-Proto when ROUNDS_PROXY_COUNT trusts a proxy): over plain HTTP the header
  means nothing, and sent from a development address it would pin that host to HTTPS.
- `Cache-Control: no-store` on every /api answer but those in PUBLIC_API_PATHS: they carry
  personal data, which no browser or proxy cache may keep. Shell files keep the `no-cache` that
  server/pwa.py gives them.

Servers add a `Server` header of their own outside the app. `QuietRequestHandler` is Werkzeug's
development server without it (`flask --app server demo` uses it), and server/gunicorn_config.py
removes gunicorn's, for the Procfile's web line.
"""
from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler

POLICY = "; ".join([
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])
# Browsers send `Origin: null` on a same-origin POST made under no-referrer, and the API refuses
# writes whose Origin is not this site (server.auth._check_origin): same-origin keeps the real
# Origin on our own requests while telling other sites nothing.
REFERRER_POLICY = "same-origin"
HSTS = "max-age=31536000"
# /api answers that hold nothing about anyone; everything else under /api is personal.
PUBLIC_API_PATHS = frozenset({"/api/health", "/api/openapi.json"})


def add_security_headers(response: Response) -> Response:
    """Set this module's headers on `response` (an after_request hook for every request)."""
    headers = response.headers
    headers["Content-Security-Policy"] = POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = REFERRER_POLICY
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if request.path.startswith("/api/") and request.path not in PUBLIC_API_PATHS:
        headers["Cache-Control"] = "no-store"
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development request handler without the `Server: Werkzeug/x Python/y` banner."""

    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
