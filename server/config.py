"""Configuration: one class of environment reads, overridable by a mapping passed to create_app."""
import os
from datetime import timedelta


def database_url_from_env(value: str | None) -> str | None:
    """Return DATABASE_URL with Heroku-style schemes rewritten to use the psycopg 3 driver."""
    if not value:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _positive_number_env(name: str, default: float) -> float:
    """A duration such as `12` or `0.5`; anything else stops the app with the variable's name."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if not value > 0:
        raise RuntimeError(f"{name} must be a positive number, not {raw!r}.")
    return value


class Config:
    """Settings read from the environment when the app is created.

    SQLALCHEMY_DATABASE_URI stays None when DATABASE_URL is unset; create_app then points it at
    SQLite in the instance folder.
    """

    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = database_url_from_env(os.environ.get("DATABASE_URL"))
    DEMO = os.environ.get("ROUNDS_DEMO") == "1"
    MAX_CONTENT_LENGTH = _int_env("ROUNDS_MAX_BODY_BYTES", 4 * 1024 * 1024)
    # Sign-in throttling: failures count for LOGIN_FAILURE_WINDOW_MINUTES (docs/security.md).
    LOGIN_FAILURE_WINDOW_MINUTES = _positive_number_env("ROUNDS_LOGIN_FAILURE_WINDOW_MINUTES", 15)
    LOGIN_FAILURES_PER_ACCOUNT = _int_env("ROUNDS_LOGIN_FAILURES_PER_ACCOUNT", 10)
    LOGIN_FAILURES_PER_ADDRESS = _int_env("ROUNDS_LOGIN_FAILURES_PER_ADDRESS", 30)
    LOGIN_FAILURES_PER_ACCOUNT_FROM_BUSY_ADDRESS = _int_env(
        "ROUNDS_LOGIN_FAILURES_PER_ACCOUNT_FROM_BUSY_ADDRESS", 3)
    LOGIN_FAILURES_PER_KNOWN_DEVICE = _int_env("ROUNDS_LOGIN_FAILURES_PER_KNOWN_DEVICE", 5)
    KNOWN_DEVICE_DAYS = _positive_number_env("ROUNDS_KNOWN_DEVICE_DAYS", 180)
    # Browser sessions end after this long unused, and this long after sign-in whatever happens.
    SESSION_IDLE_HOURS = _positive_number_env("ROUNDS_SESSION_IDLE_HOURS", 12)
    SESSION_MAX_DAYS = _positive_number_env("ROUNDS_SESSION_MAX_DAYS", 7)
    # Only the cookie's expiry; the server enforces both limits on its session records.
    PERMANENT_SESSION_LIFETIME = timedelta(days=SESSION_MAX_DAYS)
    # Number of reverse proxies in front of gunicorn whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = _int_env("ROUNDS_PROXY_COUNT", 0)
    # argon2id cost; tests lower it so that hundreds of sign-ins stay fast.
    PASSWORD_TIME_COST = _int_env("ROUNDS_PASSWORD_TIME_COST", 3)
    PASSWORD_MEMORY_KIB = _int_env("ROUNDS_PASSWORD_MEMORY_KIB", 64 * 1024)
    # Web push (docs/notifications.md). The private key: base64url (raw 32 bytes) or PEM; the
    # subject: a mailto: or https: address push services may contact.
    VAPID_PRIVATE_KEY = os.environ.get("ROUNDS_VAPID_PRIVATE_KEY") or None
    VAPID_SUBJECT = os.environ.get("ROUNDS_VAPID_SUBJECT") or None
    # Push endpoints on this machine or a private network are refused (the server would POST to
    # them: server-side request forgery) unless this is set: the tests and the demo set it.
    PUSH_ALLOW_LOCAL_ENDPOINTS = os.environ.get("ROUNDS_PUSH_ALLOW_LOCAL_ENDPOINTS") == "1"
    # The scheduler: how often it looks for due pushes, how long a claim holds, one request's timeout.
    PUSH_POLL_SECONDS = _positive_number_env("ROUNDS_PUSH_POLL_SECONDS", 2)
    PUSH_LEASE_SECONDS = _positive_number_env("ROUNDS_PUSH_LEASE_SECONDS", 60)
    PUSH_TIMEOUT_SECONDS = _positive_number_env("ROUNDS_PUSH_TIMEOUT_SECONDS", 10)
    SESSION_COOKIE_NAME = "rounds_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("ROUNDS_COOKIE_SECURE") == "1"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
