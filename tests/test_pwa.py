"""The web app's files as the server sends them: the service worker, compression, the manifest."""
import gzip
import json
import struct
from pathlib import Path

import pytest

from server.js_comments import without_comments

PWA = Path(__file__).resolve().parent.parent / "pwa"


def worker_shell(response) -> dict:
    """The SHELL constant that the server prepended to sw.js."""
    first_line = response.get_data(as_text=True).split("\n", 1)[0]
    assert first_line.startswith("const SHELL = ") and first_line.endswith(";")
    return json.loads(first_line[len("const SHELL = "):-1])


def test_service_worker_is_served_for_the_whole_site_never_from_the_http_cache(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert without_comments((PWA / "sw.js").read_text()).encode() in response.data


def test_service_worker_lists_every_shell_file_and_not_itself(client):
    listed = worker_shell(client.get("/sw.js"))
    on_disk = {"/" + str(path.relative_to(PWA)) for path in PWA.rglob("*") if path.is_file()}
    online = {path for path in on_disk if path.startswith("/online/")}
    expected = {"/" if path == "/index.html" else path for path in on_disk - {"/sw.js"} - online}
    assert set(listed["files"]) == expected
    assert {"/", "/app.css", "/manifest.webmanifest", "/icons/icon-192.png"} <= expected
    for path in listed["files"]:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("change", ["edit app.css", "edit a file in a subfolder", "add a file", "remove a file"])
def test_any_change_to_the_shell_changes_the_service_worker(client, shell, change):
    before = client.get("/sw.js")
    if change == "edit app.css":
        with open(shell / "app.css", "a") as css:
            css.write("\n/* changed */\n")
    elif change == "edit a file in a subfolder":
        (shell / "icons" / "icon-192.png").write_bytes(b"not the same picture")
    elif change == "add a file":
        (shell / "screens").mkdir(exist_ok=True)
        (shell / "screens" / "added.js").write_text("export const added = true;\n")
    else:
        (shell / "manifest.webmanifest").unlink()
    after = client.get("/sw.js")
    assert worker_shell(after)["version"] != worker_shell(before)["version"]
    assert after.data != before.data
    assert ("/screens/added.js" in worker_shell(after)["files"]) == (change == "add a file")


def test_online_screens_are_served_but_never_precached(client, shell):
    (shell / "online").mkdir(exist_ok=True)
    (shell / "online" / "added.js").write_text("export const added = true;\n")
    before = worker_shell(client.get("/sw.js"))
    assert client.get("/online/added.js").status_code == 200
    assert not [path for path in before["files"] if path.startswith("/online/")]
    (shell / "online" / "added.js").write_text("export const added = 'changed';\n")
    assert worker_shell(client.get("/sw.js")) == before
    assert client.get("/online/added.js").get_data(as_text=True) == "export const added = 'changed';\n"


def test_the_service_worker_is_the_same_while_nothing_changes(client, shell):
    first, second = client.get("/sw.js"), client.get("/sw.js")
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]


def test_dotfiles_are_neither_in_the_shell_nor_served(client, shell):
    (shell / ".notes").write_text("private")
    assert "/.notes" not in worker_shell(client.get("/sw.js"))["files"]
    assert client.get("/.notes").status_code == 404


@pytest.mark.parametrize("path", ["/", "/app.css", "/sw.js", "/manifest.webmanifest"])
def test_text_is_sent_gzipped_to_a_client_that_accepts_gzip(client, path):
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data)
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    for response in (plain, zipped):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert plain.headers["ETag"] != zipped.headers["ETag"]


def test_gzip_refused_by_the_client_is_not_sent(client):
    response = client.get("/app.css", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == (PWA / "app.css").read_bytes()


def test_pictures_are_sent_as_they_are(client):
    response = client.get("/icons/icon-512.png", headers={"Accept-Encoding": "gzip"})
    assert response.mimetype == "image/png"
    assert "Content-Encoding" not in response.headers
    assert response.data == (PWA / "icons" / "icon-512.png").read_bytes()


def test_a_changed_file_is_sent_anew_not_from_memory(client, shell):
    client.get("/app.css", headers={"Accept-Encoding": "gzip"})
    new_css = "body { color: black; }\n/* a new version */\n" * 20
    (shell / "app.css").write_text(new_css)
    response = client.get("/app.css", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(response.data) == new_css.encode()


def test_an_unchanged_file_revalidates_with_304(client):
    first = client.get("/app.css", headers={"Accept-Encoding": "gzip"})
    again = client.get("/app.css", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_manifest_describes_an_installable_app_with_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Rounds"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/#/today", "/", "standalone")
    assert manifest["theme_color"] == "#1d5a85"
    assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}
    for icon in manifest["icons"]:
        picture = client.get(icon["src"])
        assert picture.status_code == 200 and picture.mimetype == icon["type"] == "image/png"
        width, height = struct.unpack(">II", picture.data[16:24])  # from the PNG's IHDR chunk
        assert f"{width}x{height}" == icon["sizes"]
        assert len(picture.data) < 8 * 1024, f"{icon['src']} is heavy for the first-load budget"


def test_head_answers_like_get_without_the_body(client):
    get, head = client.get("/app.css"), client.head("/app.css")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert client.head("/sw.js").headers["Service-Worker-Allowed"] == "/"
    assert client.head("/no-such-file.js").status_code == 404


def test_a_missing_file_is_404_in_the_error_shape(client):
    response = client.get("/screens/no-such-screen.js")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/icons").status_code == 404  # a folder is not a file


def test_service_worker_missing_from_the_folder_is_404(client, shell):
    (shell / "sw.js").unlink()
    assert client.get("/sw.js").status_code == 404


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/..%2fpyproject.toml", "/icons/../../pyproject.toml",
                                  "/%2e%2e/server/config.py", "/icons/..%2f..%2fserver%2fconfig.py",
                                  "//etc/passwd", "/..\\pyproject.toml"])
def test_paths_leaving_the_app_folder_are_refused(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"[project]" not in response.data and b"class Config" not in response.data


def test_api_routes_are_not_shadowed_by_files(client, shell):
    (shell / "api").mkdir()
    (shell / "api" / "health").write_text("a file, not the API")
    assert client.get("/api/health").get_json()["status"] == "ok"
    (shell / "api" / "other.txt").write_text("a file, not the API")
    response = client.get("/api/other.txt")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
