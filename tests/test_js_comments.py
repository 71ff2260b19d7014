"""The web app's scripts are served without their comments, and nothing else of them changes."""
import shutil
import subprocess
from pathlib import Path

import pytest

from server.js_comments import without_comments

PWA = Path(__file__).resolve().parent.parent / "pwa"
SCRIPTS = sorted(PWA.rglob("*.js"))


@pytest.mark.parametrize(("source", "served"), [
    ("a(); // note\nb();", "a(); \nb();"),
    ("/** One.\n * Two.\n */\nexport const x = 1;", "\n\n\nexport const x = 1;"),
    ("const url = 'https://example.org/a'; // why", "const url = 'https://example.org/a'; "),
    ('const s = "/* not a comment */";', 'const s = "/* not a comment */";'),
    ("const t = `a // b ${c /* gone */} d /* e */`;", "const t = `a // b ${c } d /* e */`;"),
    ("const t = `x ${`inner // ${'y'}`} z`; // gone", "const t = `x ${`inner // ${'y'}`} z`; "),
    ("const t = `${ { a: 1 }.a } // kept`;", "const t = `${ { a: 1 }.a } // kept`;"),
    ("const r = /[/*]+\\/'`/g; // gone", "const r = /[/*]+\\/'`/g; "),
    ("const r = s.replace(/^#\\/?/, ''); // gone", "const r = s.replace(/^#\\/?/, ''); "),
    ("const half = (a + b) / 2; // gone\nconst q = x / y / z;", "const half = (a + b) / 2; \nconst q = x / y / z;"),
    ("if (ok) return /x/.test(s);", "if (ok) return /x/.test(s);"),
    ("const s = 'it\\'s // kept';", "const s = 'it\\'s // kept';"),
])
def test_comments_go_and_everything_else_stays(source, served):
    assert without_comments(source) == served


@pytest.mark.parametrize("source", ["const s = 'never closed;\n", "/* never closed", "const t = `open ${a",
                                    "x = {"])
def test_a_script_it_cannot_read_to_the_end_is_served_as_it_is(source):
    assert without_comments(source) == source


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: str(path.relative_to(PWA)))
def test_every_script_keeps_its_lines_and_loses_its_comments(script):
    source = script.read_text()
    served = without_comments(source)
    assert served.count("\n") == source.count("\n")
    assert "/**" not in served and len(served) < len(source)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js checks the served scripts' syntax")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: str(path.relative_to(PWA)))
def test_every_served_script_is_still_valid_javascript(script, tmp_path):
    served = tmp_path / "served.mjs"
    served.write_text(without_comments(script.read_text()))
    checked = subprocess.run(["node", "--check", str(served)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
