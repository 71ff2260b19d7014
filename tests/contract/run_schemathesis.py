"""The API contract, fuzzed: schemathesis against a live Rounds server, from its /api/openapi.json.

    python tests/contract/run_schemathesis.py [--database-url URL] [--seed N] [--max-examples N]

1. Empties the database (a throwaway SQLite file, or the PostgreSQL database --database-url names:
   give it one of its own, since everything in it is dropped), migrates it, adds the demo district.
2. Serves Rounds with gunicorn, with the Procfile's gunicorn config, on a free port of 127.0.0.1.
3. Signs in as the demo principal (an observer and a school admin), enrols the device whose token
   the bearer run uses and spare devices that DELETE /api/devices/{device_id} may revoke, and
   lists the ids of things the principal may see for tests/contract/hooks.py to put into paths.
4. Runs schemathesis three times, every check on: signed in with the session cookie and
   X-CSRF-Token, then with the device's bearer token, then as the demo analyst (district staff) on
   the report and export routes, which answer the principal 404. The seed is fixed, so the same
   command reproduces a failure.
5. Prints a summary, ending in `contract: N passed, M failed` (a run that found a failure, or a
   server log with an unhandled error, counts as failed); exits 1 if anything failed.
"""
import argparse
import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PRINCIPAL = "principal@demo.rounds"
ANALYST = "analyst@demo.rounds"
SPARE_DEVICES = 5
# Cheapest argon2id cost: the fuzzer signs in (and fails to) many times; the hashing code is the same.
FAST_PASSWORDS = {"ROUNDS_PASSWORD_TIME_COST": "1", "ROUNDS_PASSWORD_MEMORY_KIB": "64"}


def new_vapid_key() -> str:
    """A P-256 private key as ROUNDS_VAPID_PRIVATE_KEY takes it: base64url of its 32 raw bytes."""
    value = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()


def main() -> int:
    options = parse_arguments()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rounds-contract-") as scratch:
        scratch = Path(scratch)
        database_url = options.database_url or f"sqlite:///{scratch / 'rounds.db'}"
        # Configured as a district's server is: a secret key and a VAPID key pair for web push.
        environment = {**os.environ, **FAST_PASSWORDS, "DATABASE_URL": database_url,
                       "SECRET_KEY": secrets.token_hex(32), "PYTHONPATH": str(ROOT),
                       "ROUNDS_VAPID_PRIVATE_KEY": new_vapid_key(),
                       "ROUNDS_VAPID_SUBJECT": "mailto:contract@rounds.example.org"}
        prepare_database(database_url, environment)
        port = free_port()
        log = scratch / "server.log"
        statuses = {}
        server = start_server(port, environment, log)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server, log)
            session, csrf, bearer_device, token, known = sign_in_and_enrol(base)
            known_file = scratch / "known-ids.json"
            known_file.write_text(json.dumps(known))
            runs = {
                # Sync and push subscriptions take a device token only; signing out would end this
                # run's session.
                "cookie": ({"session": ("api_key", session), "csrf": ("api_key", csrf)},
                           ["--exclude-path", "/api/sync/push", "--exclude-path", "/api/sync/pull",
                            "--exclude-path", "/api/push/subscriptions", "--exclude-path", "/api/auth/logout"]),
                "bearer": ({"deviceToken": ("bearer", token)}, []),
                # Six GET routes with no links between them: no stateful phase to run.
                "analyst": (analyst_credentials(base), ["--include-path-regex", "^/api/(reports|exports)/",
                                                        "--phases", "examples,coverage,fuzzing"]),
            }
            for name, (credentials, options_of_run) in runs.items():
                print(f"--- schemathesis, {name} run ({options.label})", flush=True)
                config = write_config(scratch / f"schemathesis-{name}.toml", credentials)
                statuses[name] = run_schemathesis(base, config, options_of_run, options, scratch, known_file,
                                                  bearer_device)
        finally:
            stop_server(server)
        unhandled = server_errors(log)
    failed = [name for name, status in statuses.items() if status != 0]
    if unhandled:
        print("--- the server logged unhandled errors:\n" + "\n".join(unhandled[:40]))
    minutes = (time.monotonic() - started) / 60
    passed = len(statuses) - len(failed)
    print(f"Contract on {options.label}, seed {options.seed}, {options.max_examples} examples, {minutes:.1f} min: "
          + ", ".join(f"{name} run {'passed' if status == 0 else 'FAILED'}" for name, status in statuses.items())
          + ("; the server logged unhandled errors" if unhandled else ""))
    print(f"contract: {passed} passed, {len(failed) + bool(unhandled)} failed", flush=True)
    return 1 if failed or unhandled else 0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use (default: SQLite)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--max-examples", type=int, default=75, help="test cases per operation and phase")
    parser.add_argument("--label", default=None, help="names the run in the summary line")
    options = parser.parse_args()
    options.label = options.label or ("postgresql" if options.database_url else "sqlite")
    return options


def prepare_database(database_url: str, environment: dict) -> None:
    if database_url.startswith("postgresql"):
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    subprocess.run([sys.executable, "-m", "flask", "--app", "server", "demo", "--no-serve"], cwd=ROOT,
                   env=environment, check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, environment: dict, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--config", "python:server.gunicorn_config",
               "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "60", "server:create_app()"]
    with open(log, "wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{log.read_text()}")
        try:
            if requests.get(f"{base}/api/health", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within 60 s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def analyst_credentials(base: str) -> dict:
    """The demo analyst's session cookie and CSRF token, as the cookie run's credentials."""
    browser = requests.Session()
    answer = browser.post(f"{base}/api/auth/login", json={"email": ANALYST, "password": "rounds-demo"}, timeout=30)
    answer.raise_for_status()
    return {"session": ("api_key", browser.cookies["rounds_session"]), "csrf": ("api_key", answer.json()["csrf_token"])}


def sign_in_and_enrol(base: str):
    """(session cookie value, CSRF token, bearer device id, its token, {path parameter: [ids]})."""
    browser = requests.Session()
    answer = browser.post(f"{base}/api/auth/login", json={"email": PRINCIPAL, "password": "rounds-demo"}, timeout=30)
    answer.raise_for_status()
    csrf = answer.json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}

    def enrol(name):
        enrolled = browser.post(f"{base}/api/devices", json={"name": name}, headers=headers, timeout=30)
        enrolled.raise_for_status()
        return enrolled.json()

    bearer = enrol("Contract tablet")
    spares = [enrol(f"Spare {n}")["device_id"] for n in range(SPARE_DEVICES)]

    def ids(path, key):
        answer = browser.get(f"{base}{path}", timeout=30)
        answer.raise_for_status()
        return [item["id"] for item in answer.json()[key]]

    me = browser.get(f"{base}/api/me", timeout=30).json()
    known = {
        "school_id": [me["school_id"]],
        "observation_id": ids("/api/observations?limit=200", "observations"),
        "template_id": ids("/api/templates", "templates"),
        "person_id": ids("/api/admin/people", "people"),
        "device_id": spares,
    }
    return browser.cookies["rounds_session"], csrf, bearer["device_id"], bearer["token"], known


def write_config(path: Path, credentials: dict) -> Path:
    """tests/contract/schemathesis.toml plus [auth.openapi.<scheme>] for each of `credentials`
    ({scheme: (key, value)}): schemathesis then knows which scheme each credential is for."""
    lines = [(Path(__file__).parent / "schemathesis.toml").read_text()]
    for scheme, (key, value) in credentials.items():
        lines.append(f"\n[auth.openapi.{scheme}]\n{key} = {json.dumps(value)}\n")
    path.write_text("".join(lines))
    return path


def run_schemathesis(base: str, config: Path, extra: list[str], options, scratch: Path, known_file: Path,
                     device_id: str) -> int:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", f"{base}/api/openapi.json",
        "--checks", "all", "--seed", str(options.seed), "--max-examples", str(options.max_examples), "--no-color",
        *extra,
    ]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.contract.hooks", "PYTHONPATH": str(ROOT),
                   "ROUNDS_CONTRACT_KNOWN_IDS": str(known_file), "ROUNDS_CONTRACT_DEVICE_ID": device_id}
    print("$ st " + " ".join(command[3:]), flush=True)
    return subprocess.run(command, cwd=scratch, env=environment).returncode


def server_errors(log: Path) -> list[str]:
    """Lines of the server log that tell of an unhandled error (an answer 500, or a crashed worker)."""
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if "unhandled error" in line or "Traceback" in line
            or "WORKER TIMEOUT" in line or "Exception in worker" in line]


if __name__ == "__main__":
    sys.exit(main())
