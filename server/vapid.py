"""VAPID (RFC 8292): the key pair that identifies Rounds to browsers' push services, and the contact
they may write to.

Settings (server/config.py reads them from the environment):
- `VAPID_PRIVATE_KEY` (ROUNDS_VAPID_PRIVATE_KEY): a P-256 private key, either base64url of its
  raw 32 bytes (what `flask --app server vapid-keys` prints) or PEM.
- `VAPID_SUBJECT` (ROUNDS_VAPID_SUBJECT): `mailto:someone@your.domain` or `https://your.domain`.
  Push services refuse or throttle senders they cannot reach, so anything else (a localhost
  address, http:) stops the sender here rather than failing every push later.

In demo or debug mode a missing key is generated once and kept in the instance folder, like the
secret key, so that browsers' subscriptions survive a restart.
"""
import base64
import ipaddress
import os
import re
from urllib.parse import urlsplit

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app

DEMO_SUBJECT = "mailto:admin@demo.rounds"
_KEY_FILE = "vapid_private_key"
_MAILTO = re.compile(r"^mailto:[^@\s/]+@(?P<host>[A-Za-z0-9.-]+)$")


class VapidConfigError(RuntimeError):
    """The VAPID settings are missing or unusable; the message names the variable to fix."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _local_mode(app: Flask) -> bool:
    return bool(app.config.get("DEMO") or app.debug)


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from base64url raw bytes or PEM; VapidConfigError otherwise."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode(text)
            if len(raw) != 32:
                raise ValueError(f"{len(raw)} bytes, not 32")
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as error:
        raise VapidConfigError(f"ROUNDS_VAPID_PRIVATE_KEY is not a P-256 private key ({error}).") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise VapidConfigError("ROUNDS_VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key.")
    return key


def raw_private_key(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def raw_public_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The uncompressed public point, base64url without padding: a browser's applicationServerKey."""
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def _instance_key(app: Flask) -> str:
    path = os.path.join(app.instance_path, _KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(app.instance_path, exist_ok=True)
        try:
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(raw_private_key(ec.generate_private_key(ec.SECP256R1())))
        except FileExistsError:  # another process of the demo wrote it first: use theirs
            pass
    with open(path) as handle:
        return handle.read().strip()


def vapid_private_key(app: Flask | None = None) -> ec.EllipticCurvePrivateKey:
    """The configured key; in demo or debug mode, the instance folder's (made on first use)."""
    app = app or current_app
    configured = app.config.get("VAPID_PRIVATE_KEY")
    if configured:
        return parse_private_key(configured)
    if _local_mode(app):
        return parse_private_key(_instance_key(app))
    raise VapidConfigError("ROUNDS_VAPID_PRIVATE_KEY is not set. Make a pair with "
                           "`flask --app server vapid-keys` and set the private one.")


def public_key_b64url(app: Flask | None = None) -> str:
    return raw_public_key(vapid_private_key(app))


def check_subject(subject: str) -> str:
    """`subject` if it is a mailto: or https: contact a push service can reach; VapidConfigError if not.

    Only https://host is taken (no path): pywebpush's own check refuses a path, and a push service
    wants a place to reach the sender, not a page.
    """
    subject = subject.strip()
    match = _MAILTO.match(subject)
    if match:
        host = match["host"]
    elif subject.startswith("https://"):
        parts = urlsplit(subject)
        if parts.path or parts.query or parts.fragment or parts.username or parts.port:
            raise VapidConfigError(f"ROUNDS_VAPID_SUBJECT must be https://host with nothing after "
                                   f"the host, not {subject!r}.")
        host = parts.hostname or ""
    else:
        raise VapidConfigError(f"ROUNDS_VAPID_SUBJECT must start with mailto: or https:, not {subject!r}.")
    if not _reachable_host(host):
        raise VapidConfigError(f"ROUNDS_VAPID_SUBJECT must name a public domain, not {host!r}.")
    return subject


def _reachable_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return False  # an address is no contact, and a loopback one is nobody's
    except ValueError:
        pass
    return "." in host and host != "localhost" and not host.endswith(".localhost") and ".." not in host


def vapid_subject(app: Flask | None = None) -> str:
    """The configured contact, checked; in demo or debug mode the demo district's admin."""
    app = app or current_app
    configured = app.config.get("VAPID_SUBJECT")
    if configured:
        return check_subject(configured)
    if _local_mode(app):
        return DEMO_SUBJECT
    raise VapidConfigError("ROUNDS_VAPID_SUBJECT is not set. Set it to mailto:you@your.domain or "
                           "https://your.domain: push services write there when something is wrong.")


@click.command("vapid-keys")
def vapid_keys_command() -> None:
    """Print a new VAPID key pair: set the private key as ROUNDS_VAPID_PRIVATE_KEY."""
    key = ec.generate_private_key(ec.SECP256R1())
    click.echo(f"ROUNDS_VAPID_PRIVATE_KEY={raw_private_key(key)}")
    click.echo(f"public key (applicationServerKey): {raw_public_key(key)}")
