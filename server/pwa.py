"""Serves the web app in pwa/ (plain files, no build step) at the site root.

- `GET /` is pwa/index.html; `GET /<path>` is the file at that path under the pwa folder
  (`app.config["PWA_DIR"]`, else the repository's pwa/). A missing file, a folder, a dotfile, a
  path that leaves the folder or one under /api/ answers 404 in the API's error shape.
- `GET /sw.js` is pwa/sw.js with one line prepended:
  `const SHELL = {"version": "<hash>", "files": ["/", "/app.css", ...]};` where `files` lists every
  file of the shell (each file under the folder but sw.js, dotfiles and the online/ folder; "/"
  stands for index.html)
  and `version` hashes their paths and bytes. Any change to any shell file therefore changes the
  bytes of sw.js, which is how browsers learn that an update is there. It carries
  `Service-Worker-Allowed: /`.
- Every answer is `Cache-Control: no-cache` (the service worker, not the HTTP cache, keeps the shell
  offline), has an ETag (a revalidation costs a 304) and `Vary: Accept-Encoding`; text is sent
  gzip-compressed to a client that accepts gzip. Bytes and compressed bytes are kept in memory,
  keyed by path, modification time and size, so a changed file is read again.
- JavaScript is served without its comments (server/js_comments.py), line numbers kept.
- HEAD works wherever GET does.
"""
import gzip
import hashlib
import json
import os
import threading
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

from server.js_comments import without_comments

pwa = Blueprint("pwa", __name__)


class ShellPathConverter(PathConverter):
    """A path that is not under /api/: an API URL never names a shell file, so a method an API
    route does not take answers 405 (with Allow), not this blueprint's 404."""
    regex = r"(?!api(?:/|$))[^/].*?"


pwa.record_once(lambda state: state.app.url_map.converters.setdefault("shell_path", ShellPathConverter))

WORKER = "sw.js"
# Screens that only work online (reports): served like the shell, never precached, so the tablet's
# first load does not carry them.
ONLINE = "online"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
# PNG and other binary formats are compressed already; gzip would only add bytes.
COMPRESSIBLE = {".html", ".js", ".css", ".json", ".webmanifest", ".svg", ".txt"}


@dataclass(frozen=True)
class Asset:
    """One file's bytes as served: raw, gzip-compressed (None when not worth it) and its ETag."""
    raw: bytes
    gzipped: bytes | None
    etag: str
    content_type: str


_assets: dict[str, tuple[tuple, Asset]] = {}
_assets_lock = threading.Lock()


def _pwa_dir() -> str:
    return current_app.config.get("PWA_DIR") or os.path.join(os.path.dirname(current_app.root_path), "pwa")


def _stamp(path: str) -> tuple:
    stat = os.stat(path)
    return (stat.st_mtime_ns, stat.st_size)


def _make_asset(raw: bytes, extension: str) -> Asset:
    if extension == ".js":
        raw = _served_script(raw)
    gzipped = gzip.compress(raw, compresslevel=9, mtime=0) if extension in COMPRESSIBLE else None
    if gzipped is not None and len(gzipped) >= len(raw):
        gzipped = None
    etag = hashlib.sha256(raw).hexdigest()[:32]
    return Asset(raw, gzipped, etag, CONTENT_TYPES.get(extension, "application/octet-stream"))


def _served_script(raw: bytes) -> bytes:
    """A script as the tablet gets it: without its comments (server/js_comments.py)."""
    try:
        return without_comments(raw.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return raw


def _cached(key: str, stamp: tuple, build) -> Asset:
    """The asset kept under `key` if it was built from the same `stamp`, else `build()`, kept."""
    with _assets_lock:
        kept = _assets.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    asset = build()
    with _assets_lock:
        _assets[key] = (stamp, asset)
    return asset


def shell_files(pwa_dir: str) -> list[str]:
    """The shell's files as paths relative to `pwa_dir` ('/'-separated, sorted): all but sw.js,
    dotfiles and the files under online/."""
    found = []
    for folder, subfolders, files in os.walk(pwa_dir):
        relative = os.path.relpath(folder, pwa_dir)
        subfolders[:] = sorted(name for name in subfolders
                               if not name.startswith(".") and not (relative == "." and name == ONLINE))
        for name in files:
            path = name if relative == "." else f"{relative}/{name}".replace(os.sep, "/")
            if not name.startswith(".") and path != WORKER:
                found.append(path)
    return sorted(found)


def shell_version(pwa_dir: str, files: list[str]) -> str:
    """A hash of the shell files' paths and bytes: it changes whenever any of them changes."""
    digest = hashlib.sha256()
    for path in files:
        with open(os.path.join(pwa_dir, path), "rb") as handle:
            content = handle.read()
        digest.update(f"{path}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:16]


def _worker_asset(pwa_dir: str) -> Asset:
    worker_path = os.path.join(pwa_dir, WORKER)
    if not os.path.isfile(worker_path):
        raise NotFound()
    files = shell_files(pwa_dir)
    # Statting every file is cheap; hashing them all again only happens when one changed.
    stamp = (_stamp(worker_path), tuple((path, _stamp(os.path.join(pwa_dir, path))) for path in files))

    def build() -> Asset:
        urls = ["/" if path == "index.html" else f"/{path}" for path in files]
        shell = json.dumps({"version": shell_version(pwa_dir, files), "files": urls})
        with open(worker_path, "rb") as handle:
            return _make_asset(f"const SHELL = {shell};\n".encode() + handle.read(), ".js")

    return _cached(f"{pwa_dir}\0{WORKER}", stamp, build)


def _file_asset(pwa_dir: str, filename: str) -> Asset:
    parts = filename.split("/")
    if parts[0] == "api" or any(part.startswith(".") for part in parts):
        raise NotFound()
    path = safe_join(pwa_dir, filename)
    if path is None or not os.path.isfile(path):
        raise NotFound()

    def build() -> Asset:
        with open(path, "rb") as handle:
            return _make_asset(handle.read(), os.path.splitext(path)[1].lower())

    return _cached(path, _stamp(path), build)


def _respond(asset: Asset) -> Response:
    """The asset, gzip-compressed if the client accepts it, with the headers every shell answer has."""
    compressed = asset.gzipped is not None and request.accept_encodings["gzip"] > 0
    response = Response(asset.gzipped if compressed else asset.raw, content_type=asset.content_type)
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    # The two encodings are different bytes, so they get different ETags.
    response.set_etag(asset.etag + ("-gz" if compressed else ""))
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    return response.make_conditional(request)


@pwa.get("/")
def index():
    return _respond(_file_asset(_pwa_dir(), "index.html"))


@pwa.get("/sw.js")
def service_worker():
    response = _respond(_worker_asset(_pwa_dir()))
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@pwa.get("/<shell_path:filename>")
def asset(filename: str):
    return _respond(_file_asset(_pwa_dir(), filename))
