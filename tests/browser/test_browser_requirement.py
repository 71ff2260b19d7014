"""With ROUNDS_REQUIRE_BROWSER=1 (as CI sets it) a browser test whose browser, driver or
accessibility engine is missing fails; it never skips. Without it, it skips, saying why.

Each case runs pytest in a subprocess in which one package cannot be imported: a `-p` plugin,
loaded before any conftest, puts an import blocker at the front of `sys.meta_path`."""
import os
import re
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
ACCESSIBILITY = "tests/browser/test_accessibility.py"
BLOCKER = '''
import os, sys

BLOCKED = os.environ["ROUNDS_TEST_BLOCK_IMPORTS"].split(",")


def blocked(name):
    return any(name == top or name.startswith(top + ".") for top in BLOCKED)


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if blocked(name):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None


for loaded in [name for name in sys.modules if blocked(name)]:
    del sys.modules[loaded]
sys.meta_path.insert(0, Blocker())
'''


def run_pytest(tmp_path, blocked: str, required: bool, *args) -> tuple[int, str, dict]:
    """(exit code, output, {outcome: count}) of pytest run on `args` with `blocked` unimportable."""
    (tmp_path / "block_imports.py").write_text(BLOCKER)
    env = {name: value for name, value in os.environ.items()
           # SQLite in the inner run's own temp dir: a PostgreSQL test database would be emptied
           # under the outer run's feet.
           if name not in ("ROUNDS_TEST_DATABASE_URL", "ROUNDS_REQUIRE_BROWSER", "PYTHONPATH")}
    env.update(PYTHONPATH=str(tmp_path), ROUNDS_TEST_BLOCK_IMPORTS=blocked,
               ROUNDS_REQUIRE_BROWSER="1" if required else "0")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "block_imports", "-p", "no:cacheprovider", "-q", "-rfEs",
         f"--basetemp={tmp_path / 'inner'}", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    counts = {outcome: int(n) for n, outcome in re.findall(r"(\d+) (passed|skipped|failed|errors?)\b", output)}
    return done.returncode, output, counts


def test_missing_axe_fails_the_accessibility_tests_when_browsers_are_required(tmp_path):
    code, output, counts = run_pytest(tmp_path, "axe_playwright_python", True, ACCESSIBILITY)
    assert code == 1, output
    assert "axe-playwright-python is not installed, and ROUNDS_REQUIRE_BROWSER says" in output, output
    assert "passed" not in counts and "skipped" not in counts, output
    assert counts.get("error", 0) + counts.get("errors", 0) == 10, output


def test_missing_playwright_fails_every_browser_test_when_browsers_are_required(tmp_path):
    code, output, counts = run_pytest(tmp_path, "playwright", True, "tests/browser",
                                      f"--ignore={Path(__file__).relative_to(ROOT)}")
    assert code != 0, output
    assert "passed" not in counts and "skipped" not in counts, output
    assert sum(counts.values()) > 0, output


def test_without_the_requirement_missing_axe_skips_the_accessibility_tests_saying_why(tmp_path):
    code, output, counts = run_pytest(tmp_path, "axe_playwright_python", False, ACCESSIBILITY)
    assert code == 0, output
    assert counts == {"skipped": 10}, output
    assert f"SKIPPED [10] {ACCESSIBILITY}" in output and "axe-playwright-python is not installed" in output, output
