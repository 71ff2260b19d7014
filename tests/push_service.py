"""A web push service of our own on 127.0.0.1, strict like a real one, for tests and bench/.

`PushService().start()` listens on a free port. `subscribe()` makes what a browser would hand the
server: a P-256 key pair and a 16-byte auth secret per subscription, returned as
`{"endpoint", "keys": {"p256dh", "auth"}}`. A message is accepted (201) only if
- `Authorization: vapid t=<jwt>, k=<key>` carries an ES256 JWT signed by `k`, whose `aud` is this
  service's origin, whose `exp` is in the future and within 24 h, and whose `sub` is a mailto: or
  https: URI (and, if the subscription was made with an application server key, `k` is that key);
- TTL is present, Urgency and Topic (if any) are well formed, and
- the body decrypts as aes128gcm with the subscription's private key and auth secret.
What it decrypted is kept per endpoint (`received`), with the headers that came with it.
`answer(endpoint, status, retry_after=None)` makes an endpoint answer 404, 410, 413, 429, 500 ...
instead, and `answer(endpoint, "hang", seconds=...)` makes it sleep before answering.

`python -m tests.push_service` serves in a process of its own (bench/push_bench.py), steered
over HTTP: POST /_control/subscriptions {"count"} and GET /_control/received.
"""
import base64
import json
import os
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

_TOKEN = re.compile(r"^vapid\s+(?P<params>.+)$", re.IGNORECASE)
_URL_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
URGENCIES = {"very-low", "low", "normal", "high"}
MAX_BODY = 4096


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class Subscription:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    server_key: str | None
    status: int | str = 201
    retry_after: str | None = None
    hang_seconds: float = 0
    delay_seconds: float = 0


@dataclass
class Message:
    payload: dict
    ttl: int
    urgency: str | None
    topic: str | None
    claims: dict
    received_at: float = field(default_factory=time.time)


class PushService:
    def __init__(self, delay_seconds: float = 0):
        self.delay_seconds = delay_seconds
        self.subscriptions: dict[str, Subscription] = {}
        self.received: dict[str, list[Message]] = {}
        self.refused: list[tuple[str, int, str]] = []
        self.plain_posts = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        # A sender that gave up on a hanging answer has closed its socket: that is not an error here.
        self.server.handle_error = lambda *_: None
        self.origin = f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> "PushService":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_):
        self.stop()

    def subscribe(self, application_server_key: str | None = None, delay_seconds: float | None = None) -> dict:
        key = ec.generate_private_key(ec.SECP256R1())
        endpoint = f"{self.origin}/push/{secrets.token_urlsafe(16)}"
        auth = os.urandom(16)
        with self.lock:
            self.subscriptions[endpoint] = Subscription(
                key, auth, application_server_key,
                delay_seconds=self.delay_seconds if delay_seconds is None else delay_seconds)
        public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(auth)}}

    def answer(self, endpoint: str, status: int | str, retry_after: str | None = None, seconds: float = 0):
        with self.lock:
            subscription = self.subscriptions[endpoint]
            subscription.status, subscription.retry_after, subscription.hang_seconds = status, retry_after, seconds

    def messages(self, endpoint: str) -> list[Message]:
        with self.lock:
            return list(self.received.get(endpoint, []))

    def all_messages(self) -> list[Message]:
        with self.lock:
            return [message for messages in self.received.values() for message in messages]

    # --- what a real push service checks ------------------------------------------------------

    def accept(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        endpoint = self.origin + path
        with self.lock:
            subscription = self.subscriptions.get(endpoint)
        if subscription is None:
            return 404, {}
        if subscription.status == "hang":
            time.sleep(subscription.hang_seconds)
            return 201, {}
        if subscription.delay_seconds:
            time.sleep(subscription.delay_seconds)
        if subscription.status != 201:
            extra = {"Retry-After": subscription.retry_after} if subscription.retry_after else {}
            return int(subscription.status), extra
        claims = self.check_vapid(headers.get("Authorization", ""), subscription.server_key)
        ttl = headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            raise Refused(400, "TTL header missing")
        urgency, topic = headers.get("Urgency"), headers.get("Topic")
        if urgency is not None and urgency not in URGENCIES:
            raise Refused(400, f"bad Urgency {urgency!r}")
        if topic is not None and not _URL_SAFE.match(topic):
            raise Refused(400, f"bad Topic {topic!r}")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise Refused(400, "Content-Encoding is not aes128gcm")
        if len(body) > MAX_BODY:
            raise Refused(413, "payload too large")
        try:
            plain = http_ece.decrypt(body, private_key=subscription.private_key, auth_secret=subscription.auth,
                                     version="aes128gcm")
        except Exception as error:  # noqa: BLE001  (any failure to decrypt is the sender's)
            raise Refused(400, f"cannot decrypt: {error!r}") from None
        message = Message(json.loads(plain), int(ttl), urgency, topic, claims)
        with self.lock:
            self.received.setdefault(endpoint, []).append(message)
        return 201, {"Location": f"{self.origin}/message/{secrets.token_urlsafe(8)}"}

    def check_vapid(self, authorization: str, server_key: str | None) -> dict:
        match = _TOKEN.match(authorization.strip())
        if not match:
            raise Refused(401, "no vapid Authorization")
        params = dict(part.strip().split("=", 1) for part in match["params"].split(",") if "=" in part)
        token, key = params.get("t", ""), params.get("k", "")
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            signature = unb64url(signature_b64)
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            if len(signature) != 64 or json.loads(unb64url(header_b64)).get("alg") != "ES256":
                raise ValueError("not ES256")
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
            claims = json.loads(unb64url(claims_b64))
        except (ValueError, InvalidSignature) as error:
            raise Refused(401, f"bad VAPID token: {error!r}") from None
        now = time.time()
        if claims.get("aud") != self.origin:
            raise Refused(401, f"aud {claims.get('aud')!r} is not {self.origin}")
        if not (isinstance(claims.get("exp"), int) and now < claims["exp"] <= now + 24 * 3600):
            raise Refused(401, f"exp {claims.get('exp')!r} is not within the next 24 h")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise Refused(401, f"sub {claims.get('sub')!r} is not mailto: or https:")
        if server_key is not None and key != server_key:
            raise Refused(403, "key is not the subscription's application server key")
        return claims

    # --- steering from another process ---------------------------------------------------------

    def control(self, method: str, path: str, body: bytes) -> dict | list:
        if method == "POST" and path == "/_control/subscriptions":
            count = json.loads(body or b"{}").get("count", 1)
            return [self.subscribe() for _ in range(count)]
        if method == "GET" and path == "/_control/received":
            return {"plain_posts": self.plain_posts,
                    "messages": [{"endpoint": endpoint, "tag": m.payload.get("tag"), "id": m.payload.get("id"),
                                  "received_at": m.received_at}
                                 for endpoint, messages in list(self.received.items()) for m in messages]}
        raise Refused(404, "no such control")


def _handler(service: PushService):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as senders expect of a push service

        def log_message(self, *_):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:
                # The sender went away mid-request (killed): like a real service, take nothing.
                self.close_connection = True
                return
            if self.path.startswith("/_control/"):
                return self.reply(200, {}, json.dumps(service.control("POST", self.path, body)).encode())
            if self.path.startswith("/plain/"):  # bench/: the same bytes, with nothing to check
                with service.lock:
                    service.plain_posts += 1
                return self.reply(201, {})
            try:
                status, headers = service.accept(self.path, self.headers, body)
            except Refused as refusal:
                with service.lock:
                    service.refused.append((service.origin + self.path, refusal.status, refusal.reason))
                return self.reply(refusal.status, {}, refusal.reason.encode())
            self.reply(status, headers)

        def do_GET(self):
            if self.path.startswith("/_control/"):
                return self.reply(200, {}, json.dumps(service.control("GET", self.path, b"")).encode())
            self.reply(404, {})

        def reply(self, status: int, headers: dict, body: bytes = b""):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


if __name__ == "__main__":
    delay = float(sys.argv[1]) if len(sys.argv) > 1 else 0
    service = PushService(delay_seconds=delay)
    print(service.server.server_port, flush=True)
    service.server.serve_forever()
