"""The mutation check: do the tests fail when the rules they guard break?

    python -m tests.mutation [FILE ...] [--tests PATH ...] [--json report.json] [--keep] [--list]

For each file (by default server/authz.py, server/throttle.py and sync/merge.py), every mutant of
tests/mutation/mutants.py is put, one at a time, into a copy of the tree in a temporary directory
(the working tree is only read), and the tests that execute the mutated lines are run there,
fastest first, stopping at the first failure. A mutant is killed when a test fails (or the run
times out, or no longer imports); it survives when they all pass. A surviving mutant names a rule
no test guards, or a change that makes no difference (an equivalent mutant).

Which test executes which line comes from one run of the suite in the copy first
(tests/mutation/line_coverage.py). Browser tests and tests that drive a server in another process
are left out. Tests run on SQLite in the copy; set ROUNDS_MUTATION_DATABASE_URL to use a
PostgreSQL database of your own instead (it is emptied, like the test suite's).
Hypothesis runs its "mutation" profile: the CI examples, no shrinking.

Prints each mutant's fate, then a score per file and the surviving mutants.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.mutation.mutants import mutants_of

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("server/authz.py", "server/throttle.py", "sync/merge.py")
LEFT_OUT = ("tests/browser", "tests/mutation", "tests/contract")
NOT_COPIED = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", "instance", "artifacts", ".hypothesis",
                                   ".pytest_cache", "node_modules", "*.egg-info", "mutants")
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "not browser"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", default=list(TARGETS), help="files to mutate, from the repository root")
    parser.add_argument("--tests", nargs="+", default=["tests"],
                        help="the tests that may judge the mutants (default: every test but those left out)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy of the tree")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    args = parser.parse_args(argv)
    mutants = {path: mutants_of(path, (ROOT / path).read_text(encoding="utf-8")) for path in args.files}
    if args.list:
        for path, found in mutants.items():
            for mutant in found:
                print(f"{path}:{mutant.line}:{mutant.column} {mutant.description}")
        return 0
    # Stopped by a signal, still put the copy away and end the test run under way.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    work = Path(tempfile.mkdtemp(prefix="rounds-mutation-"))
    try:
        tree = work / "tree"
        shutil.copytree(ROOT, tree, ignore=NOT_COPIED)
        env = _environment(tree, work)
        coverage = _baseline(tree, work, env, args.files, args.tests)
        results = {path: [_run(tree, env, coverage, mutant, n, len(found)) for n, mutant in enumerate(found, 1)]
                   for path, found in mutants.items()}
    finally:
        if args.keep:
            print(f"The copy is kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    _report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


def _environment(tree: Path, work: Path) -> dict:
    env = {name: value for name, value in os.environ.items()
           if name not in ("ROUNDS_TEST_DATABASE_URL", "PYTHONPATH", "HYPOTHESIS_PROFILE")}
    env.update(PYTHONDONTWRITEBYTECODE="1", HYPOTHESIS_PROFILE="mutation", PYTHONPATH=str(tree),
               ROUNDS_MUTATION_REPORT=str(work / "coverage.json"))
    if os.environ.get("ROUNDS_MUTATION_DATABASE_URL"):
        env["ROUNDS_TEST_DATABASE_URL"] = os.environ["ROUNDS_MUTATION_DATABASE_URL"]
    where = subprocess.run([sys.executable, "-c", "import server, sync; print(server.__file__, sync.__file__)"],
                           cwd=tree, env=env, capture_output=True, text=True, check=True).stdout.split()
    # Mutants must be imported from the copy, never from the working tree (an editable install).
    assert all(Path(p).resolve().is_relative_to(tree.resolve()) for p in where), where
    return env


def _baseline(tree: Path, work: Path, env: dict, files: list, tests: list) -> dict:
    """Run `tests` once in the copy, recording which test runs which line of `files`."""
    targets = os.pathsep.join(str(tree / path) for path in files)
    started = time.monotonic()
    print(f"Running the tests once in {tree} to see which test runs which line...", flush=True)
    done = subprocess.run([*PYTEST, "-p", "tests.mutation.line_coverage", *tests,
                           *(f"--ignore={path}" for path in LEFT_OUT)],
                          cwd=tree, env={**env, "ROUNDS_MUTATION_TARGETS": targets}, capture_output=True, text=True)
    if not (work / "coverage.json").exists():
        sys.exit(f"The first run did not finish:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    coverage = json.loads((work / "coverage.json").read_text(encoding="utf-8"))
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"  {summary} ({time.monotonic() - started:.0f} s)")
    for nodeid in coverage["failed"]:
        print(f"  fails without any mutant, so it judges none: {nodeid}")
    coverage["by_file"] = {}
    for nodeid, per_file in coverage["lines"].items():
        for path, lines in per_file.items():
            relative = str(Path(path).relative_to(tree))
            coverage["by_file"].setdefault(relative, {})[nodeid] = set(lines)
    return coverage


def _tests_for(coverage: dict, mutant) -> list:
    """The passing tests that run the mutated lines, fastest first. A line run only at import
    (module level) is judged by every test that runs anything in the file."""
    runs = coverage["by_file"].get(mutant.path, {})
    span = set(range(mutant.line, mutant.end_line + 1))
    chosen = {nodeid for nodeid, lines in runs.items() if nodeid and lines & span}
    if not chosen and span & runs.get("", set()):
        chosen = {nodeid for nodeid in runs if nodeid}
    chosen -= set(coverage["failed"])
    return sorted(chosen, key=lambda nodeid: (coverage["durations"].get(nodeid, 0), nodeid))


def _run(tree: Path, env: dict, coverage: dict, mutant, n: int, count: int) -> dict:
    tests = _tests_for(coverage, mutant)
    result = {"line": mutant.line, "column": mutant.column, "mutant": mutant.description, "tests": len(tests)}
    started = time.monotonic()
    if not tests:
        result["status"] = "not covered"
    else:
        target = tree / mutant.path
        original = target.read_text(encoding="utf-8")
        target.write_text(mutant.source, encoding="utf-8")
        budget = 60 + 4 * sum(coverage["durations"].get(nodeid, 0) for nodeid in tests)
        try:
            done = subprocess.run([*PYTEST, "-x", *tests], cwd=tree, env=env, capture_output=True, text=True,
                                  timeout=budget)
            result["status"] = "survived" if done.returncode == 0 else "killed"
            failed = re.search(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
            if failed:
                result["killed_by"] = failed.group(1)
        except subprocess.TimeoutExpired:
            result["status"] = "timed out"
        finally:
            target.write_text(original, encoding="utf-8")
    result["seconds"] = round(time.monotonic() - started, 1)
    where = f"{mutant.path}:{mutant.line}:{mutant.column}"
    print(f"[{n}/{count}] {where} {result['status']:<11} {result['seconds']:6.1f} s  {mutant.description}", flush=True)
    return result


def _report(results: dict) -> None:
    print("\nMutation score (killed or timed out, of all mutants):")
    for path, outcomes in results.items():
        killed = sum(1 for r in outcomes if r["status"] in ("killed", "timed out"))
        counts = {status: sum(1 for r in outcomes if r["status"] == status)
                  for status in ("timed out", "survived", "not covered")}
        score = 100 * killed / len(outcomes) if outcomes else 100
        print(f"  {path}: {killed}/{len(outcomes)} = {score:.1f}%  "
              + ", ".join(f"{number} {status}" for status, number in counts.items()))
    for path, outcomes in results.items():
        survivors = [r for r in outcomes if r["status"] in ("survived", "not covered")]
        if survivors:
            print(f"\nSurvivors in {path}:")
            for r in survivors:
                print(f"  {path}:{r['line']}:{r['column']} {r['mutant']}" + ("  [no test runs this line]"
                                                               if r["status"] == "not covered" else ""))
