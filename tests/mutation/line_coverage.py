"""A pytest plugin for the mutation check's first run: which lines of the files to mutate each
test executes, how long each test took and whether it passed.

Loaded with `-p tests.mutation.line_coverage`; ROUNDS_MUTATION_TARGETS names the files (absolute
paths, separated by os.pathsep) and ROUNDS_MUTATION_REPORT the JSON file to write:
{"lines": {nodeid: {path: [line, ...]}}, "durations": {nodeid: s}, "failed": [nodeid, ...]},
where the nodeid "" holds lines run outside any test (module level, at import).
Lines run in other processes (a server started by a test) are not seen.
"""
import json
import os
import sys
import threading
from collections import defaultdict

TARGETS = frozenset(os.environ.get("ROUNDS_MUTATION_TARGETS", "").split(os.pathsep)) - {""}
_lines = defaultdict(lambda: defaultdict(set))
_durations = defaultdict(float)
_failed = set()
_current = [""]


def _trace_calls(frame, event, arg):
    if frame.f_code.co_filename in TARGETS:
        lines = _lines[_current[0]][frame.f_code.co_filename]
        lines.add(frame.f_lineno)

        def trace_lines(frame, event, arg):
            if event == "line":
                lines.add(frame.f_lineno)
            return trace_lines
        return trace_lines
    return None


# From the plugin's import on, which comes before any conftest imports the files to mutate.
sys.settrace(_trace_calls)
threading.settrace(_trace_calls)


def pytest_runtest_logstart(nodeid, location):
    _current[0] = nodeid


def pytest_runtest_logfinish(nodeid, location):
    _current[0] = ""


def pytest_runtest_logreport(report):
    _durations[report.nodeid] += report.duration
    if report.failed:
        _failed.add(report.nodeid)


def pytest_unconfigure(config):
    sys.settrace(None)
    threading.settrace(None)
    report = {"lines": {nodeid: {path: sorted(lines) for path, lines in files.items()}
                        for nodeid, files in _lines.items()},
              "durations": dict(_durations), "failed": sorted(_failed)}
    with open(os.environ["ROUNDS_MUTATION_REPORT"], "w", encoding="utf-8") as out:
        json.dump(report, out)
